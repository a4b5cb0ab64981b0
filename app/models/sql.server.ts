import type { Statement } from "better-sqlite3";

import { parseDatabaseUrl } from "../lib/database-url";
import { logger } from "../lib/logger.server";

// The little that differs between SQLite and PostgreSQL in the models' hand-written SQL: the
// placeholder style, how a JSON array parameter becomes rows, and how values are cast.

let sqlite: boolean | undefined;

export function isSqlite(): boolean {
  sqlite ??= parseDatabaseUrl(process.env.DATABASE_URL).provider === "sqlite";
  return sqlite;
}

/** The n-th (1-based) bind parameter. */
export function param(n: number): string {
  return isSqlite() ? "?" : `$${n}`;
}

/** A timestamp parameter passed as sqlTimestamp() text (cast on PostgreSQL). */
export function timestampParam(n: number): string {
  return isSqlite() ? "?" : `$${n}::timestamp(3)`;
}

/** An integer parameter (cast on PostgreSQL, where an untyped parameter would be text). */
export function intParam(n: number): string {
  return isSqlite() ? "?" : `$${n}::integer`;
}

/** How the adapters store a DateTime: ISO 8601 in UTC (SQLite keeps the text as it is). */
export function sqlTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

/** A parameter holding a JSON array of strings, as a subquery for `IN (...)`. */
export function jsonTextList(n: number): string {
  return isSqlite() ? `(SELECT value FROM json_each(${param(n)}))` : `(SELECT jsonb_array_elements_text($${n}::jsonb))`;
}

export type ColumnKind = "text" | "integer" | "float" | "timestamp";

/**
 * `SELECT <columns> FROM <rows of the JSON array parameter n>`: each row is an array of values
 * in column order. One statement writes a whole batch without a bind parameter per value.
 */
export function selectFromJsonRows(n: number, kinds: readonly ColumnKind[]): string {
  if (isSqlite()) {
    const values = kinds.map((_, i) => `row.value ->> ${i}`).join(", ");
    return `SELECT ${values} FROM json_each(${param(n)}) AS row WHERE true`;
  }
  const cast: Record<ColumnKind, string> = {
    text: "",
    integer: "::integer",
    float: "::double precision",
    timestamp: "::timestamp(3)",
  };
  const values = kinds.map((kind, i) => `(row ->> ${i})${cast[kind]}`).join(", ");
  return `SELECT ${values} FROM jsonb_array_elements($${n}::jsonb) AS row`;
}

/** A DateTime column as read by a raw query: a Date, an ISO string or epoch milliseconds. */
export function dateFromColumn(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  const text = String(value);
  // PostgreSQL's timestamp(3) without zone comes back as "2026-11-22 14:00:00" (UTC by convention).
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(" ", "T")}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A Decimal / numeric column as read by a raw query, as a JS number (NaN when unreadable). */
export function numberFromColumn(value: unknown): number {
  if (value === null || value === undefined) return Number.NaN;
  return typeof value === "number" ? value : Number(String(value));
}

export function quotedColumns(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}

export type SqlRow = Record<string, unknown>;

/**
 * Where hot-path SQL runs (scoring a million customers): a private driver connection, node-postgres
 * or better-sqlite3, which skips about a millisecond of Prisma per statement and its per-row
 * mapping. The same SQL text serves both (see param / timestampParam / jsonTextList).
 */
export interface SqlExecutor {
  all(sql: string, params: readonly unknown[]): Promise<SqlRow[]>;
  run(sql: string, params: readonly unknown[]): Promise<number>;
  /** Runs `work` in one transaction (on SQLite: BEGIN IMMEDIATE, retried while another writer holds the lock). */
  transaction<T>(work: (sql: SqlExecutor) => Promise<T>): Promise<T>;
  close(): void;
}

const BUSY_LIMIT_MS = 60_000;

/** A private better-sqlite3 connection (WAL): one per unit of work, closed by the caller. */
export async function sqliteExecutor(file: string): Promise<SqlExecutor> {
  const { default: Database } = await import("better-sqlite3");
  // No busy waiting inside SQLite: it would block the event loop, and with it any Prisma
  // transaction of this process that holds the write lock. Busy is retried asynchronously.
  const db = new Database(file, { timeout: 0 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // 64 MB of page cache (SQLite's default is 2 MB): a run revisits index pages batch after batch.
  db.pragma("cache_size = -65536");
  const statements = new Map<string, Statement>();
  const statement = (sql: string) => {
    let prepared = statements.get(sql);
    if (!prepared) {
      prepared = db.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  };
  const bind = (params: readonly unknown[]) =>
    params.map((value) =>
      typeof value === "boolean" ? (value ? 1 : 0) : value instanceof Date ? sqlTimestamp(value) : value,
    );
  const executor: SqlExecutor = {
    all: async (sql, params) => statement(sql).all(...bind(params)) as SqlRow[],
    run: async (sql, params) => statement(sql).run(...bind(params)).changes,
    async transaction(work) {
      const deadline = Date.now() + BUSY_LIMIT_MS;
      for (;;) {
        try {
          db.exec("BEGIN IMMEDIATE");
          break;
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if ((code !== "SQLITE_BUSY" && code !== "SQLITE_LOCKED") || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      try {
        const result = await work(executor);
        db.exec("COMMIT");
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw error;
      }
    },
    close: () => db.close(),
  };
  return executor;
}

/**
 * A private PostgreSQL connection (node-postgres) for one unit of work. Timestamps come back as
 * the text PostgreSQL sends (UTC by convention, see dateFromColumn) and numerics as strings, so
 * nothing depends on the process's time zone.
 */
export async function postgresExecutor(url: string): Promise<SqlExecutor> {
  const { default: pg } = await import("pg");
  const RAW_TEXT = new Set([1114, 1184, 1082]);
  const client = new pg.Client({
    connectionString: url,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        RAW_TEXT.has(oid)
          ? (value: string) => value
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server drops (restart, failover) emits "error": without a listener that
  // would crash the process. The query in flight fails with it and the job is retried.
  client.on("error", (error: Error) => logger.warn({ err: error.message }, "scoring connection lost"));
  await client.connect();
  const executor: SqlExecutor = {
    all: async (sql, params) => (await client.query(sql, [...params])).rows as SqlRow[],
    run: async (sql, params) => (await client.query(sql, [...params])).rowCount ?? 0,
    async transaction(work) {
      await client.query("BEGIN");
      try {
        const result = await work(executor);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    },
    close: () => {
      client.end().catch(() => undefined);
    },
  };
  return executor;
}
