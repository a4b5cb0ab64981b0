import { Prisma } from "@prisma/client";

import prisma from "../db.server";

// A lease in the database: whoever holds `name` until `expiresAt` is the only one doing that
// work. It works on SQLite and PostgreSQL alike, across processes and machines; a holder that
// dies simply lets its lease run out.

/** Takes the lease when it is free, expired or already ours; false when someone else holds it. */
export async function acquireLease(
  name: string,
  owner: string,
  ttlMs: number,
  now: Date = new Date(),
): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const { count } = await prisma.jobLease.updateMany({
    where: { name, OR: [{ owner }, { expiresAt: { lt: now } }] },
    data: { owner, expiresAt },
  });
  if (count === 1) return true;
  try {
    await prisma.jobLease.create({ data: { name, owner, expiresAt } });
    return true;
  } catch (error) {
    // Someone holds it (the row exists and is neither ours nor expired).
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return false;
    throw error;
  }
}

/** Extends our lease; false when it was lost (expired and taken by someone else). */
export async function renewLease(name: string, owner: string, ttlMs: number, now: Date = new Date()): Promise<boolean> {
  const { count } = await prisma.jobLease.updateMany({
    where: { name, owner },
    data: { expiresAt: new Date(now.getTime() + ttlMs) },
  });
  return count === 1;
}

export async function releaseLease(name: string, owner: string): Promise<void> {
  await prisma.jobLease.deleteMany({ where: { name, owner } });
}
