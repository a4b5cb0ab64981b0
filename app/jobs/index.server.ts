import { env } from "../lib/env.server";
import { createPgBossRunner } from "./pg-boss-runner.server";
import { createInProcessRunner, type JobRunner } from "./runner.server";

// The process's one job runner. Services enqueue through it; app/jobs/definitions.server.ts
// registers what each job does (kept apart so that services never import their own callers).

export const JOB = {
  /** Moves a shop's backfill one step on: start the bulk query, poll it, import its result. */
  backfillAdvance: "backfill.advance",
  /** Re-reads a shop's recently updated orders and customers to heal missed webhooks. */
  reconcileShop: "reconcile.shop",
  /** The shop's scheduled full rescore (once per shop day), then its notifications. */
  scoreFull: "score.full",
  /** "Rescore now": only the customers whose orders, profile or storefront activity changed. */
  scoreIncremental: "score.incremental",
  /** Writes changed scores to the customers' metafields in Shopify. */
  syncMetafields: "metafields.sync",
  /** Sends the queued e-mails of every shop (retried with backoff while SMTP is down). */
  deliverEmails: "notifications.deliver",
  /** Applies webhook deliveries still pending (the routes drain at once; this sweeps after a crash). */
  drainWebhooks: "webhooks.drain",
  /** Every minute: enqueues the shops whose scoring schedule came due, and the e-mail outbox. */
  schedulerTick: "scheduler.tick",
  /** Every hour: enqueues reconciliation for installed shops. */
  reconcileTick: "reconcile.tick",
} as const;

declare global {
  // A dev-server reload must keep the one runner and its timers.
  var __churnRadarJobs: JobRunner | undefined;
}

function createRunner(): JobRunner {
  const config = env();
  if (config.JOBS_BACKEND === "embedded") {
    if (config.PROCESS_ROLE !== "all") {
      throw new Error("PROCESS_ROLE=web or worker needs JOBS_BACKEND=pg-boss (embedded jobs run in the one process)");
    }
    return createInProcessRunner();
  }
  if (!config.DATABASE_URL.startsWith("postgres")) {
    throw new Error("JOBS_BACKEND=pg-boss needs DATABASE_URL to be PostgreSQL");
  }
  return createPgBossRunner({
    connectionString: config.DATABASE_URL,
    work: config.PROCESS_ROLE !== "web",
    schedule: config.PROCESS_ROLE !== "web",
  });
}

export const jobs: JobRunner = globalThis.__churnRadarJobs ?? createLazyRunner();
globalThis.__churnRadarJobs = jobs;

/** Reads the environment on first use, not at import (tests and scripts import this module freely). */
function createLazyRunner(): JobRunner {
  let runner: JobRunner | undefined;
  const get = () => (runner ??= createRunner());
  return {
    register: (name, handler) => get().register(name, handler),
    enqueue: (name, shop, options) => get().enqueue(name, shop, options),
    cancelShop: (shop) => get().cancelShop(shop),
    drain: () => get().drain(),
    pending: () => get().pending(),
    every: (name, cron) => get().every(name, cron),
    start: () => get().start(),
    stop: () => get().stop(),
  };
}
