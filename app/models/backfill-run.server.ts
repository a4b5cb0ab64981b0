import prisma from "../db.server";
import type { Tx } from "./webhook-delivery.server";

export type BackfillStatus = "pending" | "running" | "importing" | "completed" | "failed" | "cancelled";

const ACTIVE: BackfillStatus[] = ["pending", "running", "importing"];

export interface BackfillRunRow {
  id: string;
  shop: string;
  status: string;
  bulkOperationId: string | null;
  objectCount: number | null;
  linesDone: number;
  customersImported: number;
  ordersImported: number;
  attempts: number;
  error: string | null;
  startedAt: Date;
  completedAt: Date | null;
}

export async function getActiveBackfillRun(shop: string, db: Tx = prisma): Promise<BackfillRunRow | null> {
  return db.backfillRun.findFirst({ where: { shop, status: { in: ACTIVE } }, orderBy: { startedAt: "desc" } });
}

export async function getLatestBackfillRun(shop: string): Promise<BackfillRunRow | null> {
  return prisma.backfillRun.findFirst({ where: { shop }, orderBy: [{ startedAt: "desc" }, { id: "desc" }] });
}

/** Creates a pending run unless the shop already has one under way; returns the run to follow. */
export async function createBackfillRunUnlessActive(shop: string): Promise<{ run: BackfillRunRow; created: boolean }> {
  return prisma.$transaction(async (tx) => {
    const active = await getActiveBackfillRun(shop, tx);
    if (active) return { run: active, created: false };
    return { run: await tx.backfillRun.create({ data: { shop } }), created: true };
  });
}

export async function markBackfillRunning(id: string, bulkOperationId: string): Promise<void> {
  await prisma.backfillRun.update({ where: { id }, data: { status: "running", bulkOperationId } });
}

/** While Shopify builds the file, its object count so far; then, once it is complete, the final count. */
export async function recordBulkObjectCount(id: string, objectCount: number, status?: "importing"): Promise<void> {
  await prisma.backfillRun.update({ where: { id }, data: { objectCount, ...(status ? { status } : {}) } });
}

export async function markBackfillCompleted(id: string, at: Date = new Date()): Promise<void> {
  await prisma.backfillRun.update({ where: { id }, data: { status: "completed", completedAt: at, error: null } });
}

export async function markBackfillFailed(id: string, reason: string, at: Date = new Date()): Promise<void> {
  await prisma.backfillRun.update({
    where: { id },
    data: { status: "failed", completedAt: at, error: reason.slice(0, 500) },
  });
}

export async function countBackfillAttempt(id: string): Promise<number> {
  const run = await prisma.backfillRun.update({ where: { id }, data: { attempts: { increment: 1 } } });
  return run.attempts;
}

/** Committed in the same transaction as the batch's rows: the checkpoint can never run ahead of them. */
export async function recordBackfillBatch(
  tx: Tx,
  id: string,
  batch: { linesDone: number; customers: number; orders: number },
): Promise<void> {
  await tx.backfillRun.update({
    where: { id },
    data: {
      linesDone: batch.linesDone,
      customersImported: { increment: batch.customers },
      ordersImported: { increment: batch.orders },
    },
  });
}

export async function findBackfillRunByBulkOperation(
  tx: Tx,
  shop: string,
  bulkOperationId: string,
): Promise<BackfillRunRow | null> {
  return tx.backfillRun.findFirst({ where: { shop, bulkOperationId } });
}

export async function cancelActiveBackfills(tx: Tx, shop: string, reason: string): Promise<number> {
  const result = await tx.backfillRun.updateMany({
    where: { shop, status: { in: ACTIVE } },
    data: { status: "cancelled", completedAt: new Date(), error: reason },
  });
  return result.count;
}

/** Shops whose backfill was under way when the process stopped: resumed at start-up. */
export async function shopsWithActiveBackfill(): Promise<string[]> {
  const rows = await prisma.backfillRun.findMany({
    where: { status: { in: ACTIVE } },
    distinct: ["shop"],
    select: { shop: true },
  });
  return rows.map((r) => r.shop);
}

export interface BackfillProgress {
  status: BackfillStatus | "none";
  /** 0..100, for a ProgressBar. */
  percent: number;
  linesDone: number;
  objectCount: number | null;
  customersImported: number;
  ordersImported: number;
  startedAt: string | null;
  completedAt: string | null;
  error: string | null;
}

/** The shop's latest backfill as the index page shows it (plain JSON, safe for a loader). */
export async function getBackfillProgress(shop: string): Promise<BackfillProgress> {
  const run = await getLatestBackfillRun(shop);
  if (!run) {
    return {
      status: "none",
      percent: 0,
      linesDone: 0,
      objectCount: null,
      customersImported: 0,
      ordersImported: 0,
      startedAt: null,
      completedAt: null,
      error: null,
    };
  }
  const status = run.status as BackfillStatus;
  let percent = 0;
  if (status === "completed") percent = 100;
  else if (status === "importing" && run.objectCount) {
    percent = Math.min(99, Math.floor((run.linesDone / run.objectCount) * 100));
  }
  return {
    status,
    percent,
    linesDone: run.linesDone,
    objectCount: run.objectCount,
    customersImported: run.customersImported,
    ordersImported: run.ordersImported,
    startedAt: run.startedAt.toISOString(),
    completedAt: run.completedAt?.toISOString() ?? null,
    error: run.error,
  };
}

export async function getBackfillRunStatus(id: string): Promise<string | null> {
  const run = await prisma.backfillRun.findUnique({ where: { id }, select: { status: true } });
  return run?.status ?? null;
}

/** Back to the start with a new bulk operation (the old result file expired). */
export async function restartBackfillRun(id: string): Promise<void> {
  await prisma.backfillRun.update({
    where: { id },
    data: { status: "pending", bulkOperationId: null, objectCount: null, linesDone: 0, attempts: 0 },
  });
}

/** Installed shops whose history is in (their latest backfill completed): the ones to reconcile. */
export async function shopsReadyForReconciliation(): Promise<string[]> {
  const completed = await prisma.backfillRun.findMany({
    where: { status: "completed" },
    distinct: ["shop"],
    select: { shop: true },
  });
  const installed = await prisma.shop.findMany({
    where: { domain: { in: completed.map((r) => r.shop) }, uninstalledAt: null },
    select: { domain: true },
  });
  return installed.map((s) => s.domain);
}
