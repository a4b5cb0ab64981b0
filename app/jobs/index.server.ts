import { createInProcessRunner, type JobRunner } from "./runner.server";

// The process's one job runner. Services enqueue through it; app/jobs/definitions.server.ts
// registers what each job does (kept apart so that services never import their own callers).

export const JOB = {
  /** Moves a shop's backfill one step on: start the bulk query, poll it, import its result. */
  backfillAdvance: "backfill.advance",
  /** Re-reads a shop's recently updated orders and customers to heal missed webhooks. */
  reconcileShop: "reconcile.shop",
} as const;

declare global {
  // A dev-server reload must keep the one runner and its timers.
  var __churnRadarJobs: JobRunner | undefined;
}

export const jobs: JobRunner = globalThis.__churnRadarJobs ?? createInProcessRunner();
globalThis.__churnRadarJobs = jobs;
