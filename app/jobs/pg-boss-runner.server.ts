import { PgBoss } from "pg-boss";

import { logger } from "../lib/logger.server";
import { ALL_SHOPS, type EnqueueOptions, type JobHandler, type JobRunner } from "./runner.server";

// The JobRunner on pg-boss: jobs live in PostgreSQL, so any number of web processes enqueue and
// any number of workers run them, and nothing is lost when a process dies. Each queue is
// "stately" with the shop as singleton key: at most one waiting and one running job per shop and
// job name (scoring also takes its own database lease, so even a retry overlapping a slow run
// cannot score one shop twice at once).

export interface PgBossRunnerOptions {
  connectionString: string;
  /** PostgreSQL schema for pg-boss's tables (default "pgboss"). */
  schema?: string;
  /** Run registered jobs in this process (workers); false for web processes that only enqueue. */
  work: boolean;
  /** Keep the recurring schedules (one process is enough; every worker may, pg-boss dedupes). */
  schedule: boolean;
  retryLimit?: number;
  pollingIntervalSeconds?: number;
}

interface JobData {
  shop: string;
}

export function createPgBossRunner(options: PgBossRunnerOptions): JobRunner & { boss: PgBoss } {
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema: options.schema ?? "pgboss",
    schedule: options.schedule,
    supervise: options.work,
    max: 4,
  });
  boss.on("error", (error: unknown) =>
    logger.error({ err: error instanceof Error ? error.message : "unknown" }, "pg-boss error"),
  );
  const handlers = new Map<string, JobHandler>();
  const recurring = new Map<string, string>();
  const queues = new Set<string>();
  let started: Promise<void> | null = null;

  async function ensureQueue(name: string) {
    if (queues.has(name)) return;
    await boss.createQueue(name, {
      policy: "stately",
      retryLimit: options.retryLimit ?? 5,
      retryDelay: 5,
      retryBackoff: true,
      expireInSeconds: 60 * 60,
    });
    queues.add(name);
  }

  async function startOnce() {
    await boss.start();
    for (const name of new Set([...handlers.keys(), ...recurring.keys()])) await ensureQueue(name);
    if (options.work) {
      for (const [name, handler] of handlers) {
        await boss.work<JobData>(
          name,
          { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
          async ([job]) => {
            await handler(job.data.shop);
          },
        );
      }
    }
    if (options.schedule) {
      for (const [name, cron] of recurring) await boss.schedule(name, cron, { shop: ALL_SHOPS }, { tz: "UTC" });
    }
  }

  return {
    boss,
    register(name, handler) {
      handlers.set(name, handler);
    },
    enqueue(name, shop, enqueueOptions: EnqueueOptions = {}) {
      const startAfter = new Date(Date.now() + Math.max(0, enqueueOptions.delayMs ?? 0));
      void (started ?? Promise.resolve())
        .then(() => ensureQueue(name))
        .then(() => boss.send(name, { shop }, { singletonKey: shop, startAfter }))
        .catch((error: unknown) =>
          logger.error(
            { job: name, shop, err: error instanceof Error ? error.message : "unknown" },
            "job could not be enqueued; the scheduler will enqueue it again",
          ),
        );
    },
    cancelShop() {
      // Queued jobs of an uninstalled shop find it uninstalled and do nothing.
      return 0;
    },
    async drain() {
      for (;;) {
        let busy = 0;
        for (const name of queues) {
          const queue = await boss.getQueue(name);
          busy += (queue?.readyCount ?? 0) + (queue?.activeCount ?? 0);
        }
        if (busy === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    pending() {
      return [];
    },
    every(name, cron) {
      recurring.set(name, cron);
    },
    async start() {
      started ??= startOnce();
      await started;
    },
    async stop() {
      if (!started) return;
      await boss.stop({ graceful: true, timeout: 30_000 });
      started = null;
    },
  };
}
