import { parseDatabaseUrl } from "../lib/database-url";
import type { Tx } from "./webhook-delivery.server";

const provider = parseDatabaseUrl(process.env.DATABASE_URL).provider;

/**
 * Serialises every transaction that works on one record (e.g. "order:<shop>:<id>") until it
 * commits, so the read-compare-write of "newer version wins" cannot interleave: on PostgreSQL two
 * deliveries of the same order in different processes would otherwise both pass the check and
 * the older could commit last. SQLite already runs one write transaction at a time.
 */
export async function lockRecord(tx: Tx, key: string): Promise<void> {
  if (provider !== "postgresql") return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}
