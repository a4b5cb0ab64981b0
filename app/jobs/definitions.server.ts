import { shopsReadyForReconciliation, shopsWithActiveBackfill } from "../models/backfill-run.server";
import { logger } from "../lib/logger.server";
import { advanceBackfill } from "../services/backfill.server";
import { reconcileShop } from "../services/reconciliation.server";
import { JOB, jobs } from "./index.server";
import type { JobRunner } from "./runner.server";

// What each job does. Call `startJobs()` once when the server starts.

export const RECONCILE_EVERY_MS = 60 * 60_000;

export function registerJobs(runner: JobRunner = jobs): void {
  runner.register(JOB.backfillAdvance, (shop) => advanceBackfill(shop));
  runner.register(JOB.reconcileShop, async (shop) => {
    await reconcileShop(shop);
  });
}

/**
 * Registers the jobs, resumes every backfill that was under way when the process stopped, and
 * schedules reconciliation of every installed shop each `everyMs`. Returns a stop function.
 */
export async function startJobs(options: { everyMs?: number; runner?: JobRunner } = {}): Promise<() => void> {
  const runner = options.runner ?? jobs;
  registerJobs(runner);
  for (const shop of await shopsWithActiveBackfill()) runner.enqueue(JOB.backfillAdvance, shop);
  const timer = setInterval(() => {
    shopsReadyForReconciliation()
      .then((shops) => shops.forEach((shop) => runner.enqueue(JOB.reconcileShop, shop)))
      .catch((error: unknown) =>
        logger.error(
          { job: JOB.reconcileShop, err: error instanceof Error ? error.message : "unknown" },
          "scheduling failed",
        ),
      );
  }, options.everyMs ?? RECONCILE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
