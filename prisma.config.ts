import path from "node:path";

import { defineConfig } from "prisma/config";

import { parseDatabaseUrl, schemaPathFor } from "./app/lib/database-url";
import { createMigrationAdapterFactory } from "./prisma/migration-adapter";

// One schema per provider (see docs/decisions/0001-database-providers.md): DATABASE_URL picks
// which schema and migration history the Prisma CLI works on.
const target = parseDatabaseUrl(process.env.DATABASE_URL);
const schema = schemaPathFor(target.provider);

// The app only ever talks to the database through driver adapters, so by default the CLI does
// too, through Prisma's Wasm schema engine: nothing is downloaded from Prisma's binary host.
// PRISMA_OFFLINE=0 gives Prisma's classic schema engine binary to those who can download it.
const useClassicEngine = process.env.PRISMA_OFFLINE === "0";

export default useClassicEngine
  ? defineConfig({ schema, migrations: { path: path.join(path.dirname(schema), "migrations") } })
  : defineConfig({
      schema,
      migrations: { path: path.join(path.dirname(schema), "migrations") },
      experimental: { adapter: true },
      engine: "js",
      adapter: async () => createMigrationAdapterFactory(target),
    });
