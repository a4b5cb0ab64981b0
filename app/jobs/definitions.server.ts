import { shopsReadyForReconciliation, shopsWithActiveBackfill } from "../models/backfill-run.server";
import { logger } from "../lib/logger.server";
import { getShop, isShopInstalled } from "../models/shop.server";
import { advanceBackfill } from "../services/backfill.server";
import { syncScoreMetafields } from "../services/metafield-sync.server";
import { deliverOutbox } from "../services/notifications.server";
import { reconcileShop } from "../services/reconciliation.server";
import { queueNotificationsAfterScoring, shopsDueForScoring } from "../services/scheduling.server";
import { type ScoreRunKind } from "../models/score-run.server";
import { scoreShop } from "../services/scoring.server";
import { drainWebhookQueue } from "../services/webhook-queue.server";
import { JOB, jobs } from "./index.server";
import { ALL_SHOPS, type JobRunner } from "./runner.server";

// What each job does, and the recurring ticks that enqueue them. Call `startJobs()` once per
// process that runs jobs (the embedded single process, or each worker).

/** A scoring run found the shop busy (another process holds its lease): the runner retries later. */
export class ShopBusyError extends Error {
  override readonly name = "ShopBusyError";
}

/** One scoring job: score, tell the merchant, then write the changed scores to Shopify. */
export async function runScoringJob(shop: string, kind: ScoreRunKind, runner: JobRunner = jobs): Promise<void> {
  const shopRow = await getShop(shop);
  if (!shopRow || shopRow.uninstalledAt) return;
  const result = await scoreShop(shop, { kind });
  if (result.status === "busy") throw new ShopBusyError(`shop ${shop} is being scored by another process`);
  if (result.status === "completed" || result.status === "already-completed") {
    const queued = await queueNotificationsAfterScoring(shop, result, shopRow.timezone);
    if (queued > 0) runner.enqueue(JOB.deliverEmails, ALL_SHOPS);
    if (result.changed > 0) runner.enqueue(JOB.syncMetafields, shop);
  }
  logger.info({ shop, job: kind, ...result }, "scoring finished");
}

export function registerJobs(runner: JobRunner = jobs): void {
  runner.register(JOB.backfillAdvance, (shop) => advanceBackfill(shop));
  runner.register(JOB.reconcileShop, async (shop) => {
    await reconcileShop(shop);
  });
  runner.register(JOB.scoreFull, (shop) => runScoringJob(shop, "full", runner));
  runner.register(JOB.scoreIncremental, (shop) => runScoringJob(shop, "incremental", runner));
  runner.register(JOB.syncMetafields, async (shop) => {
    if (!(await isShopInstalled(shop))) return;
    const result = await syncScoreMetafields(shop, { maxBatches: 500 });
    // A very large change set is written in slices, so one shop never holds a worker for hours.
    if (!result.done) runner.enqueue(JOB.syncMetafields, shop, { delayMs: 1_000 });
  });
  runner.register(JOB.deliverEmails, async () => {
    await deliverOutbox();
  });
  runner.register(JOB.drainWebhooks, async () => {
    await drainWebhookQueue();
  });
  runner.register(JOB.schedulerTick, async () => {
    for (const shop of await shopsDueForScoring()) runner.enqueue(JOB.scoreFull, shop);
    runner.enqueue(JOB.deliverEmails, ALL_SHOPS);
    runner.enqueue(JOB.drainWebhooks, ALL_SHOPS);
  });
  runner.register(JOB.reconcileTick, async () => {
    for (const shop of await shopsReadyForReconciliation()) runner.enqueue(JOB.reconcileShop, shop);
  });
  runner.every(JOB.schedulerTick, "* * * * *");
  runner.every(JOB.reconcileTick, "17 * * * *");
}

/**
 * Registers the jobs, resumes every backfill that was under way when the process stopped, and
 * starts the recurring ticks. Returns a stop function.
 */
export async function startJobs(options: { runner?: JobRunner } = {}): Promise<() => Promise<void>> {
  const runner = options.runner ?? jobs;
  registerJobs(runner);
  await runner.start();
  for (const shop of await shopsWithActiveBackfill()) runner.enqueue(JOB.backfillAdvance, shop);
  // Deliveries a crashed process stored but never applied.
  runner.enqueue(JOB.drainWebhooks, ALL_SHOPS);
  logger.info("jobs started");
  return () => runner.stop();
}
