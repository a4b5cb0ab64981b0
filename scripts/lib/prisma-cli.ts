import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import pg from "pg";

import { parseDatabaseUrl, schemaPathFor, type DatabaseProvider } from "../../app/lib/database-url";

const PRISMA_BIN = path.resolve("node_modules/.bin/prisma");

export interface PrismaRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the Prisma CLI against one database (prisma.config.ts picks schema and adapter from it). */
export function runPrisma(args: string[], databaseUrl: string, options: { quiet?: boolean } = {}): PrismaRun {
  const result = spawnSync(PRISMA_BIN, args, {
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    encoding: "utf8",
  });
  const run = { status: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
  if (!options.quiet && run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
  }
  return run;
}

export function runPrismaOrThrow(args: string[], databaseUrl: string): string {
  const run = runPrisma(args, databaseUrl);
  if (run.status !== 0) throw new Error(`prisma ${args.join(" ")} failed (exit ${run.status})`);
  return run.stdout;
}

const CLIENT_STAMP = path.resolve("node_modules/.prisma/client/churn-radar-schema.sha256");

function generatedClientProvider(): DatabaseProvider | null {
  const file = path.resolve("node_modules/.prisma/client/schema.prisma");
  if (!existsSync(file)) return null;
  const match = /provider\s*=\s*"(sqlite|postgresql)"/.exec(readFileSync(file, "utf8"));
  return match ? (match[1] as DatabaseProvider) : null;
}

function schemaStamp(provider: DatabaseProvider): string {
  return createHash("sha256")
    .update(readFileSync(schemaPathFor(provider)))
    .digest("hex");
}

/**
 * Generates the Prisma client for the provider DATABASE_URL selects, unless the one in
 * node_modules was generated from exactly that schema file already (a stamp records it).
 */
export function ensureClientFor(databaseUrl: string, options: { force?: boolean } = {}): void {
  const { provider } = parseDatabaseUrl(databaseUrl);
  const wanted = schemaStamp(provider);
  const current = existsSync(CLIENT_STAMP) ? readFileSync(CLIENT_STAMP, "utf8").trim() : "";
  // A plain `prisma generate` leaves the stamp behind: check the client's provider as well.
  if (!options.force && current === wanted && generatedClientProvider() === provider) return;
  runPrismaOrThrow(["generate", "--schema", schemaPathFor(provider)], databaseUrl);
  writeFileSync(CLIENT_STAMP, wanted + "\n");
}

export function migrateDeploy(databaseUrl: string): void {
  runPrismaOrThrow(["migrate", "deploy"], databaseUrl);
}

/** A PostgreSQL URL for another database on the same server. */
export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function recreatePostgresDatabase(serverUrl: string, name: string, template?: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ""}`);
  } finally {
    await client.end();
  }
}

export async function dropPostgresDatabase(serverUrl: string, name: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export function resetSqliteFile(file: string, from?: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
  if (from) copyFileSync(from, file);
}

/**
 * The SQL that takes the committed migrations to the schema's shape; empty when they agree.
 * Works offline: the migrations are replayed on a scratch shadow database (an in-memory SQLite
 * database, or a throw-away PostgreSQL database created here), never on the real one.
 */
export async function diffMigrationsToSchema(provider: DatabaseProvider, postgresServerUrl?: string): Promise<string> {
  const schema = schemaPathFor(provider);
  const migrations = path.join(path.dirname(schema), "migrations");
  const args = ["migrate", "diff", "--from-migrations", migrations, "--to-schema-datamodel", schema, "--script"];
  const clean = (out: string) => {
    const sql = out.replace(/^Loaded Prisma config.*\n/m, "").trim();
    return /^-- This is an empty migration\.?$/.test(sql) ? "" : sql;
  };
  if (provider === "sqlite") {
    const run = runPrisma(args, `file:${path.resolve(`data/scratch-${process.pid}.sqlite`)}`);
    resetSqliteFile(path.resolve(`data/scratch-${process.pid}.sqlite`));
    if (run.status !== 0) throw new Error(`prisma migrate diff failed for ${schema}`);
    return clean(run.stdout);
  }
  if (!postgresServerUrl) throw new Error("a PostgreSQL server URL is needed for the postgresql schema");
  const shadow = `churn_radar_shadow_${process.pid}`;
  await recreatePostgresDatabase(postgresServerUrl, shadow);
  const previous = process.env.SHADOW_DATABASE_URL;
  try {
    process.env.SHADOW_DATABASE_URL = withDatabaseName(postgresServerUrl, shadow);
    const run = runPrisma(args, postgresServerUrl);
    if (run.status !== 0) throw new Error(`prisma migrate diff failed for ${schema}`);
    return clean(run.stdout);
  } finally {
    if (previous === undefined) delete process.env.SHADOW_DATABASE_URL;
    else process.env.SHADOW_DATABASE_URL = previous;
    await dropPostgresDatabase(postgresServerUrl, shadow);
  }
}

/**
 * Makes DATABASE_URL's database ready for the app: the matching Prisma client, every migration
 * applied, and for SQLite the write-ahead log (readers never wait for the writer).
 */
export async function prepareDatabase(databaseUrl: string): Promise<void> {
  const target = parseDatabaseUrl(databaseUrl);
  ensureClientFor(databaseUrl);
  if (target.provider === "sqlite") mkdirSync(path.dirname(target.location), { recursive: true });
  migrateDeploy(databaseUrl);
  if (target.provider === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(target.location);
    db.pragma("journal_mode = WAL");
    db.close();
  }
}
