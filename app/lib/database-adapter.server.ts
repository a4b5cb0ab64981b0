import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

import type { DatabaseTarget } from "./database-url";

/** The driver adapter factory for a database target: the app never uses Prisma's Rust engines. */
export function createAdapterFactory(target: DatabaseTarget) {
  if (target.provider === "sqlite") {
    return new PrismaBetterSQLite3({ url: target.location, timeout: 10_000 });
  }
  return new PrismaPg({ connectionString: target.location, max: poolSize() });
}

function poolSize(): number {
  const size = Number(process.env.DATABASE_POOL_SIZE ?? 10);
  return Number.isInteger(size) && size > 0 ? size : 10;
}
