import { parseDatabaseUrl } from "../lib/database-url";

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
