// CI gate: each Prisma schema must equal what its committed migrations build, and the PostgreSQL
// schema must be the one generated from the SQLite source. Exit 1 with the missing SQL otherwise.
//   npm run db:check [-- --postgres postgresql://postgres@127.0.0.1:5432/test]
import { spawnSync } from "node:child_process";

import type { DatabaseProvider } from "../app/lib/database-url";
import { diffMigrationsToSchema } from "./lib/prisma-cli";

const args = process.argv.slice(2);
const pgIndex = args.indexOf("--postgres");
const postgresUrl = pgIndex >= 0 ? args[pgIndex + 1] : process.env.POSTGRES_URL;

let failed = false;
const schemas = spawnSync("tsx", ["scripts/prisma-schemas.ts", "--check"], { stdio: "inherit" });
if (schemas.status !== 0) failed = true;

const providers: DatabaseProvider[] = postgresUrl ? ["sqlite", "postgresql"] : ["sqlite"];
for (const provider of providers) {
  const missing = await diffMigrationsToSchema(provider, postgresUrl);
  if (missing === "") {
    console.log(`${provider}: migrations match the schema`);
  } else {
    failed = true;
    console.error(`${provider}: the schema differs from its migrations; the missing migration is:\n${missing}`);
    console.error("Create it with `npm run db:migration -- <name> --postgres <url>`.");
  }
}
if (!postgresUrl) console.log("postgresql: skipped (pass --postgres URL or set POSTGRES_URL)");
process.exit(failed ? 1 : 0);
