import path from "node:path";

import { recreatePostgresDatabase, resetSqliteFile, withDatabaseName } from "../scripts/lib/prisma-cli";

// Runs in every test worker before its test files import app code: points DATABASE_URL at this
// worker's own copy of the migrated template, so workers never share a database.
const worker = process.env.VITEST_POOL_ID ?? "1";
const marker = `CHURN_TEST_DATABASE_READY_${worker}`;

process.env.NODE_ENV = "test";
process.env.SHOPIFY_API_KEY ??= "test-api-key";
process.env.SHOPIFY_API_SECRET ??= "test-api-secret";
process.env.SHOPIFY_APP_URL ??= "https://churn-radar.test";

const template = process.env.TEST_DATABASE_TEMPLATE;
if (!template) throw new Error("test/global-setup.ts did not run: TEST_DATABASE_TEMPLATE is unset");

if (process.env.TEST_DATABASE_PROVIDER === "sqlite") {
  const file = path.resolve(`test/.databases/worker-${worker}.sqlite`);
  if (!process.env[marker]) {
    resetSqliteFile(file, template);
    process.env[marker] = "1";
  }
  process.env.DATABASE_URL = `file:${file}`;
} else {
  const server = process.env.TEST_DATABASE_SERVER;
  if (!server) throw new Error("TEST_DATABASE_SERVER is unset");
  const name = `${template.replace(/_template$/, "")}_w${worker}`;
  if (!process.env[marker]) {
    await recreatePostgresDatabase(server, name, template);
    process.env[marker] = "1";
  }
  process.env.DATABASE_URL = withDatabaseName(server, name);
}
