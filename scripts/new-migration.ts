// Creates the next migration for BOTH providers from the schema change, offline: the committed
// migrations are replayed on a scratch database and diffed to the schema.
//   npm run db:migration -- add_backfill_progress [--postgres postgresql://127.0.0.1:5432/test]
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { schemaPathFor, type DatabaseProvider } from "../app/lib/database-url";
import { diffMigrationsToSchema } from "./lib/prisma-cli";

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith("--") && !a.startsWith("postgres"));
const pgIndex = args.indexOf("--postgres");
const postgresUrl = pgIndex >= 0 ? args[pgIndex + 1] : process.env.POSTGRES_URL;

if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- <snake_case_name> [--postgres URL]");
  process.exit(2);
}
if (!postgresUrl) {
  console.error("a PostgreSQL server is needed to write its migration too: pass --postgres URL or set POSTGRES_URL");
  process.exit(2);
}

const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
for (const provider of ["sqlite", "postgresql"] as DatabaseProvider[]) {
  const sql = await diffMigrationsToSchema(provider, postgresUrl);
  if (sql === "") {
    console.log(`${provider}: schema and migrations already agree, nothing written`);
    continue;
  }
  const dir = path.join(path.dirname(schemaPathFor(provider)), "migrations", `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql + "\n");
  console.log(`${provider}: wrote ${dir}/migration.sql`);
}
