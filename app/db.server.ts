import { PrismaClient } from "@prisma/client";

import { createAdapterFactory } from "./lib/database-adapter.server";
import { parseDatabaseUrl } from "./lib/database-url";

declare global {
  var __churnRadarPrisma: PrismaClient | undefined;
}

function createPrismaClient(): PrismaClient {
  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  return new PrismaClient({ adapter: createAdapterFactory(target) });
}

/** The one Prisma client: SQLite or PostgreSQL, chosen by DATABASE_URL. Only app/models uses it. */
const prisma = globalThis.__churnRadarPrisma ?? createPrismaClient();
if (process.env.NODE_ENV !== "production") globalThis.__churnRadarPrisma = prisma;

export default prisma;
export type Db = PrismaClient;
