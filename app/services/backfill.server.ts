import prisma from "../db.server";
import {
  adminClientFor,
  bulkResultLines,
  ShopifyUserErrors,
  type ShopifyAdminClient,
} from "../integrations/shopify/admin-client.server";
import { BACKFILL_CUSTOMERS_ORDERS } from "../integrations/shopify/graphql/backfill-customers-orders";
import { BulkOperationFinishPayload } from "../integrations/shopify/lifecycle-payloads";
import { JOB, jobs } from "../jobs/index.server";
import { logger } from "../lib/logger.server";
import {
  cancelActiveBackfills,
  countBackfillAttempt,
  createBackfillRunUnlessActive,
  findBackfillRunByBulkOperation,
  getActiveBackfillRun,
  markBackfillCompleted,
  markBackfillFailed,
  markBackfillRunning,
  recordBulkObjectCount,
  restartBackfillRun,
  type BackfillRunRow,
} from "../models/backfill-run.server";
import { isShopInstalled } from "../models/shop.server";
import { DEFAULT_BATCH_LINES, importBulkLines } from "./backfill-import.server";
import { receiveWebhook } from "./webhooks.server";

// The historical backfill, as a small state machine stored in BackfillRun:
//   pending   -> bulkOperationRunQuery            -> running
//   running   -> bulkOperation(id) says COMPLETED -> importing   (the bulk_operations/finish
//                webhook or polling, whichever comes first, triggers the check)
//   importing -> stream the JSONL, commit each batch with its line checkpoint -> completed
// `advanceBackfill` does whichever step is next and is safe to call any number of times, from
// the job runner, after a crash, or twice at once (a second import of the same lines only finds
// versions that are already stored).

export const BACKFILL_POLL_MS = 15_000;
/** Another bulk query of this app is running (Shopify allows one): try again after this. */
export const BUSY_RETRY_MS = 60_000;
export const MAX_IMPORT_ATTEMPTS = 10;

export interface BackfillDeps {
  admin: (shop: string) => Promise<ShopifyAdminClient>;
  download: (url: string) => AsyncIterable<string>;
  /** Runs advanceBackfill for the shop again after a delay (the job runner in production). */
  later: (shop: string, delayMs: number) => void;
  batchLines: number;
}

export const defaultBackfillDeps: BackfillDeps = {
  admin: (shop) => adminClientFor(shop),
  download: (url) => bulkResultLines(url),
  later: (shop, delayMs) => jobs.enqueue(JOB.backfillAdvance, shop, { delayMs }),
  batchLines: DEFAULT_BATCH_LINES,
};

/** Install (or the merchant's "import again"): creates a run unless one is under way, then advances it. */
export async function startBackfill(shop: string, deps: Partial<BackfillDeps> = {}): Promise<BackfillRunRow> {
  const { run, created } = await createBackfillRunUnlessActive(shop);
  if (created) logger.info({ shop, job: JOB.backfillAdvance }, "backfill requested");
  ({ ...defaultBackfillDeps, ...deps }).later(shop, 0);
  return run;
}

export async function advanceBackfill(shop: string, overrides: Partial<BackfillDeps> = {}): Promise<void> {
  const deps = { ...defaultBackfillDeps, ...overrides };
  const log = logger.child({ shop, job: JOB.backfillAdvance });
  if (!(await isShopInstalled(shop))) {
    await prisma.$transaction((tx) => cancelActiveBackfills(tx, shop, "shop is not installed"));
    return;
  }
  const run = await getActiveBackfillRun(shop);
  if (!run) return;

  if (run.status === "pending") {
    const admin = await deps.admin(shop);
    try {
      const operation = await admin.runBulkQuery(BACKFILL_CUSTOMERS_ORDERS, true);
      await markBackfillRunning(run.id, operation.id);
      log.info({ bulkOperationId: operation.id }, "bulk query started");
      deps.later(shop, BACKFILL_POLL_MS);
    } catch (error) {
      if (error instanceof ShopifyUserErrors && error.hasCode("OPERATION_IN_PROGRESS")) {
        log.info("another bulk query is running for this shop; will try again");
        deps.later(shop, BUSY_RETRY_MS);
        return;
      }
      if (error instanceof ShopifyUserErrors) {
        await markBackfillFailed(run.id, error.message);
        log.warn({ codes: error.userErrors.map((e) => e.code) }, "bulk query refused");
        return;
      }
      throw error;
    }
    return;
  }

  if (!run.bulkOperationId) {
    await markBackfillFailed(run.id, "run has no bulk operation id");
    return;
  }
  const admin = await deps.admin(shop);
  const operation = await admin.bulkOperation(run.bulkOperationId);
  if (!operation) {
    await markBackfillFailed(run.id, "bulk operation not found");
    return;
  }

  if (operation.status === "EXPIRED" && run.status === "importing") {
    // The result file is kept a week; an import that had not finished by then starts over
    // (everything stored so far stays: importing the same versions again changes nothing).
    await restartBackfillRun(run.id);
    deps.later(shop, 0);
    return;
  }
  if (operation.status === "FAILED" || operation.status === "CANCELED" || operation.status === "EXPIRED") {
    await markBackfillFailed(
      run.id,
      `bulk operation ${operation.status.toLowerCase()} (${operation.errorCode ?? "no code"})`,
    );
    log.warn({ status: operation.status, errorCode: operation.errorCode }, "bulk operation did not complete");
    return;
  }
  if (operation.status !== "COMPLETED") {
    await recordBulkObjectCount(run.id, operation.objectCount);
    deps.later(shop, BACKFILL_POLL_MS);
    return;
  }

  await recordBulkObjectCount(run.id, operation.objectCount, "importing");
  const attempts = await countBackfillAttempt(run.id);
  if (attempts > MAX_IMPORT_ATTEMPTS) {
    await markBackfillFailed(run.id, `import gave up after ${MAX_IMPORT_ATTEMPTS} attempts`);
    return;
  }
  if (!operation.url) {
    // A shop without customers: Shopify completes the operation with no file.
    await markBackfillCompleted(run.id);
    return;
  }
  const result = await importBulkLines(shop, run.id, deps.download(operation.url), run.linesDone, deps.batchLines);
  if (result.stopped) {
    log.info({ linesDone: result.linesDone }, "backfill import stopped: the run was cancelled");
    return;
  }
  await markBackfillCompleted(run.id);
  log.info(
    { linesDone: result.linesDone, customers: result.customers, orders: result.orders, invalid: result.invalid },
    "backfill completed",
  );
}

/**
 * bulk_operations/finish: records the delivery, then (after the 200 is decided) asks the job
 * runner to advance the shop's backfill, which reads the operation's final state itself.
 */
export async function receiveBulkOperationFinish(request: Request): Promise<Response> {
  const response = await receiveWebhook(request, {
    schema: BulkOperationFinishPayload,
    apply: async (tx, shop, payload) => {
      const run = await findBackfillRunByBulkOperation(tx, shop, payload.admin_graphql_api_id);
      return run ? "processed" : "ignored";
    },
  });
  const shop = request.headers.get("x-shopify-shop-domain");
  if (response.status === 200 && shop) jobs.enqueue(JOB.backfillAdvance, shop);
  return response;
}
