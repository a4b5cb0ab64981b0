import path from "node:path";

/** The embedded default: one SQLite file in the project, created by `npm run setup`. */
export const DEFAULT_DATABASE_URL = "file:./data/churn-radar.sqlite";

export type DatabaseProvider = "sqlite" | "postgresql";

export interface DatabaseTarget {
  provider: DatabaseProvider;
  /** For SQLite an absolute file path; for PostgreSQL the connection string. */
  location: string;
}

/**
 * Reads DATABASE_URL the one way the whole app does: `file:` paths are relative to the project
 * root (the working directory), not to wherever the Prisma schema happens to live.
 */
export function parseDatabaseUrl(url: string = DEFAULT_DATABASE_URL): DatabaseTarget {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return { provider: "postgresql", location: url };
  }
  if (url.startsWith("file:")) {
    const file = url.slice("file:".length).split("?")[0];
    if (file === "") throw new Error("DATABASE_URL: a file: URL needs a path, e.g. file:./data/churn-radar.sqlite");
    return { provider: "sqlite", location: path.resolve(process.cwd(), file) };
  }
  throw new Error(
    `DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL); got "${url.split(":")[0]}:..."`,
  );
}

export function schemaPathFor(provider: DatabaseProvider): string {
  return provider === "sqlite" ? "prisma/schema.prisma" : "prisma/postgres/schema.prisma";
}
