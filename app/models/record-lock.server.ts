import { Prisma } from "@prisma/client";

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

/** Keys per lock statement. */
const LOCK_CHUNK = 1000;

/**
 * lockRecord for many keys in one statement: PostgreSQL transaction-scoped advisory locks taken
 * in sorted key order, so two transactions locking overlapping sets cannot wait on each other.
 * SQLite runs one write transaction at a time and needs none.
 */
export async function lockRecords(tx: Tx, keys: string[]): Promise<void> {
  if (provider !== "postgresql" || keys.length === 0) return;
  const sorted = [...new Set(keys)].sort();
  for (let at = 0; at < sorted.length; at += LOCK_CHUNK) {
    // PostgreSQL evaluates a volatile output expression after the ORDER BY sort, so the locks are
    // taken in key order; "C" compares bytes, as the sort above does, so chunks agree with it.
    const values = Prisma.join(sorted.slice(at, at + LOCK_CHUNK).map((key) => Prisma.sql`(${key}::text)`));
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (VALUES ${values}) AS keys (k) ORDER BY k COLLATE "C"`;
  }
}
