// Writes prisma/postgres/schema.prisma from the SQLite schema, the single source of truth.
// `--check` fails (exit 1) when the committed PostgreSQL schema is not what this would write.
import { readFileSync, writeFileSync } from "node:fs";

const SOURCE = "prisma/schema.prisma";
const TARGET = "prisma/postgres/schema.prisma";

export function postgresSchemaFrom(sqliteSchema: string): string {
  const provider = /(datasource db \{[^}]*provider\s*=\s*)"sqlite"/;
  if (!provider.test(sqliteSchema)) throw new Error(`${SOURCE}: no sqlite datasource block found`);
  const header = "// GENERATED from prisma/schema.prisma by `npm run db:schemas`: edit that file, not this one.\n";
  return header + sqliteSchema.replace(provider, '$1"postgresql"');
}

const expected = postgresSchemaFrom(readFileSync(SOURCE, "utf8"));
if (process.argv.includes("--check")) {
  let actual = "";
  try {
    actual = readFileSync(TARGET, "utf8");
  } catch {
    // A missing file is reported as drift below.
  }
  if (actual !== expected) {
    console.error(`${TARGET} is out of date with ${SOURCE}: run \`npm run db:schemas\``);
    process.exit(1);
  }
  console.log(`${TARGET} matches ${SOURCE}`);
} else {
  writeFileSync(TARGET, expected);
  console.log(`wrote ${TARGET}`);
}
