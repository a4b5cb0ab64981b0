import prisma from "../db.server";
import { parseBulkLine, type AdminCustomerNode, type AdminOrderNode } from "../integrations/shopify/admin-nodes";
import { JOB } from "../jobs/index.server";
import { logger } from "../lib/logger.server";
import { getBackfillRunStatus, recordBackfillBatch } from "../models/backfill-run.server";
import type { Tx } from "../models/webhook-delivery.server";
import { sqliteBulkIngest } from "../models/sqlite-bulk-ingest.server";
import { ingestBatch, versionsFromNodes } from "./batch-ingestion.server";

// The import half of the backfill: the bulk result, line by line, into the database. Kept apart
// from the Shopify calls so that the benchmark and the demo can feed it a file.

export const DEFAULT_BATCH_LINES = 1_000;

export interface ImportResult {
  linesDone: number;
  customers: number;
  orders: number;
  invalid: number;
  /** True when the run was cancelled (app uninstalled) part-way. */
  stopped: boolean;
}

/**
 * Streams the bulk result into the database in batches of `batchLines` lines. Each batch is one
 * transaction that also moves the run's checkpoint, so after a crash the import resumes at the
 * first line not committed (`startAt`); lines before it are read and skipped, never re-parsed.
 */
export async function importBulkLines(
  shop: string,
  runId: string,
  lines: AsyncIterable<string>,
  startAt: number,
  batchLines: number = DEFAULT_BATCH_LINES,
): Promise<ImportResult> {
  const log = logger.child({ shop, job: JOB.backfillAdvance });
  const result: ImportResult = { linesDone: startAt, customers: 0, orders: 0, invalid: 0, stopped: false };
  let customers: AdminCustomerNode[] = [];
  let orders: AdminOrderNode[] = [];
  let lineNo = 0;
  let pendingLines = 0;

  const commit = async () => {
    const batch = { customers, orders };
    customers = [];
    orders = [];
    pendingLines = 0;
    const checkpoint = { linesDone: lineNo, customers: batch.customers.length, orders: batch.orders.length };
    const sqlite = sqliteBulkIngest();
    const saved = sqlite
      ? await sqlite.commit(shop, runId, versionsFromNodes(batch), checkpoint)
      : await prisma.$transaction(
          async (tx: Tx) => {
            const outcome = await ingestBatch(tx, shop, batch);
            await recordBackfillBatch(tx, runId, checkpoint);
            return outcome;
          },
          { timeout: 120_000, maxWait: 30_000 },
        );
    result.linesDone = lineNo;
    result.customers += batch.customers.length;
    result.orders += batch.orders.length;
    return saved;
  };

  for await (const line of lines) {
    lineNo++;
    if (lineNo <= startAt) continue;
    pendingLines++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    const parsed = parseBulkLine(value);
    if (parsed.kind === "customer") customers.push(parsed.node);
    else if (parsed.kind === "order") orders.push(parsed.node);
    else {
      result.invalid++;
      if (result.invalid <= 10) log.warn({ line: lineNo, reason: parsed.reason }, "backfill line skipped");
    }
    if (pendingLines >= batchLines) {
      await commit();
      if ((await getBackfillRunStatus(runId)) === "cancelled") return { ...result, stopped: true };
    }
  }
  if (pendingLines > 0) await commit();
  return result;
}
