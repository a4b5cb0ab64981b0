import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

import type { DatabaseTarget } from "../app/lib/database-url";

// Two gaps in the stock driver adapters stop Prisma's Wasm schema engine from working offline;
// both are closed here, for the Prisma CLI only (the app's runtime client uses the stock adapters).
//
// 1. PostgreSQL catalog queries return columns of the types `name` (OID 19) and `"char"` (OID 18),
//    which the pg adapter cannot map ("Column type 'name' could not be deserialized"). Both are text.
// 2. `migrate diff --from-migrations` replays each migration.sql on the shadow database through
//    an argument-less executeRaw, which runs one statement only (P3006 "more than one statement").
//    On the shadow connection such a call is a script, so it goes to executeScript.
const TEXT_OID = 25;
const CATALOG_TEXT_OIDS = new Set([18, 19]);

interface AdapterInternals {
  performIO?: (query: unknown) => Promise<{ fields: { dataTypeID: number }[] }>;
  startTransaction?: (...args: unknown[]) => Promise<unknown>;
  executeRaw: (query: { sql: string; args: unknown[] }) => Promise<number>;
  executeScript: (script: string) => Promise<void>;
}

function relabelCatalogTypes<T>(queryable: T): T {
  const target = queryable as unknown as AdapterInternals;
  if (target.performIO) {
    const performIO = target.performIO.bind(target);
    target.performIO = async (query) => {
      const result = await performIO(query);
      for (const field of result.fields) {
        if (CATALOG_TEXT_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
      }
      return result;
    };
  }
  if (target.startTransaction) {
    const startTransaction = target.startTransaction.bind(target);
    target.startTransaction = async (...args) => relabelCatalogTypes(await startTransaction(...args));
  }
  return queryable;
}

function runScriptsWhole<T>(adapter: T): T {
  const target = adapter as unknown as AdapterInternals;
  const executeRaw = target.executeRaw.bind(target);
  target.executeRaw = async (query) => {
    if (query.args.length > 0) return executeRaw(query);
    await target.executeScript(query.sql);
    return 0;
  };
  return adapter;
}

class SqliteMigrationAdapterFactory extends PrismaBetterSQLite3 {
  override async connectToShadowDb() {
    return runScriptsWhole(await super.connectToShadowDb());
  }
}

class PgMigrationAdapterFactory extends PrismaPg {
  override async connect() {
    return relabelCatalogTypes(await super.connect());
  }
  // The stock adapter's shadow database is the main database, and commands wipe their shadow
  // database: refuse rather than risk merchant data, unless a separate one is named.
  override async connectToShadowDb() {
    const shadow = process.env.SHADOW_DATABASE_URL;
    if (!shadow) {
      throw new Error("SHADOW_DATABASE_URL is not set: this command needs a separate, disposable PostgreSQL database");
    }
    const adapter = await new PgMigrationAdapterFactory({ connectionString: shadow, max: 2 }).connect();
    return runScriptsWhole(adapter);
  }
}

/** The adapter factory that Prisma's Wasm schema engine uses for migrate and diff commands. */
export function createMigrationAdapterFactory(target: DatabaseTarget) {
  if (target.provider === "postgresql") {
    return new PgMigrationAdapterFactory({ connectionString: target.location, max: 2 });
  }
  return new SqliteMigrationAdapterFactory({ url: target.location, timeout: 10_000 });
}
