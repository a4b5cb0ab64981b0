import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

import { parseDatabaseUrl } from "../app/lib/database-url";
import {
  ensureClientFor,
  migrateDeploy,
  recreatePostgresDatabase,
  resetSqliteFile,
  withDatabaseName,
} from "../scripts/lib/prisma-cli";

// Prepares one migrated template database per run; each test worker then clones it (see
// test/setup-database.ts). SQLite by default; PostgreSQL when DATABASE_URL points at a server.
export default async function setup() {
  const requested = process.env.DATABASE_URL ?? "file:./test/.databases/template.sqlite";
  const target = parseDatabaseUrl(requested);
  ensureClientFor(requested);

  if (target.provider === "sqlite") {
    const dir = path.resolve("test/.databases");
    mkdirSync(dir, { recursive: true });
    const template = path.join(dir, "template.sqlite");
    resetSqliteFile(template);
    migrateDeploy(`file:${template}`);
    if (!existsSync(template)) throw new Error("migrate deploy did not create the template database");
    process.env.TEST_DATABASE_PROVIDER = "sqlite";
    process.env.TEST_DATABASE_TEMPLATE = template;
  } else {
    const base = new URL(requested).pathname.slice(1) || "test";
    const template = `${base}_churn_template`;
    await recreatePostgresDatabase(requested, template);
    migrateDeploy(withDatabaseName(requested, template));
    process.env.TEST_DATABASE_PROVIDER = "postgresql";
    process.env.TEST_DATABASE_TEMPLATE = template;
    process.env.TEST_DATABASE_SERVER = requested;
  }
}
