import { Cron } from "croner";

import { logger } from "../lib/logger.server";

// The embedded job runner: in-process timers, one pending run per (job, shop), retries with
// backoff, and croner for recurring work. It keeps nothing across restarts, so every job is written
// to find its own state in the database (a restarted process re-enqueues what was under way), and
// work that must never run twice at once (scoring a shop) takes a database lease of its own.
// app/jobs/pg-boss-runner.server.ts is the same interface on a PostgreSQL queue, for several
// web and worker processes.

/** The "shop" of jobs that are not about one shop (scheduler ticks, the e-mail outbox). */
export const ALL_SHOPS = "*";

export type JobHandler = (shop: string) => Promise<void>;

export interface EnqueueOptions {
  /** Run no sooner than this many milliseconds from now. */
  delayMs?: number;
}

export interface JobRunner {
  register(name: string, handler: JobHandler): void;
  /**
   * Schedules `name` for `shop`. At most one run per (job, shop) waits and one runs: when one is
   * already waiting, the earlier of the two times wins, and a run never overlaps the one before it.
   */
  enqueue(name: string, shop: string, options?: EnqueueOptions): void;
  /**
   * Drops every waiting run of the shop (app/uninstalled) and resolves to how many; a run already
   * going finishes on its own. Never rejects: a run left waiting finds the shop uninstalled.
   */
  cancelShop(shop: string): Promise<number>;
  /** Waits until nothing is waiting or running (tests and graceful shutdown). */
  drain(): Promise<void>;
  pending(): { name: string; shop: string; runAt: number }[];
  /** Runs `name` (for ALL_SHOPS) on a cron schedule (UTC) from `start()` on; overlapping runs are skipped. */
  every(name: string, cron: string): void;
  /** Starts recurring schedules (and, for a queue, the workers of registered jobs). */
  start(): Promise<void>;
  /** Stops schedules and timers; runs already going finish on their own, later enqueues are dropped. */
  stop(): Promise<void>;
}

interface Scheduled {
  name: string;
  shop: string;
  runAt: number;
  attempt: number;
  timer: NodeJS.Timeout | null;
}

export interface InProcessRunnerOptions {
  maxAttempts?: number;
  /** Backoff before retry n (1-based). */
  retryDelayMs?: (attempt: number) => number;
}

export function createInProcessRunner(options: InProcessRunnerOptions = {}): JobRunner {
  const maxAttempts = options.maxAttempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? ((attempt: number) => Math.min(60_000, 1_000 * 2 ** attempt));
  const handlers = new Map<string, JobHandler>();
  const scheduled = new Map<string, Scheduled>();
  // Like the queue backend, one (job, shop) never runs twice at once: a run that comes due while
  // the previous one is going waits for it (see `fire`), and later enqueues coalesce into it.
  const running = new Map<string, Promise<void>>();
  const recurring = new Map<string, string>();
  const crons: Cron[] = [];
  let stopped = false;
  const keyOf = (name: string, shop: string) => `${name}\u0000${shop}`;

  function schedule(name: string, shop: string, delayMs: number, attempt: number) {
    if (stopped) {
      logger.warn({ job: name, shop }, "job runner is stopped; run dropped");
      return;
    }
    const key = keyOf(name, shop);
    const runAt = Date.now() + Math.max(0, delayMs);
    const existing = scheduled.get(key);
    if (existing && existing.runAt <= runAt) return;
    if (existing?.timer) clearTimeout(existing.timer);
    const job: Scheduled = { name, shop, runAt, attempt, timer: null };
    job.timer = setTimeout(() => fire(key, job), Math.max(0, delayMs));
    scheduled.set(key, job);
  }

  /** A run came due: start it now, or leave it waiting (timer spent) until the key's current run ends. */
  function fire(key: string, job: Scheduled) {
    job.timer = null;
    if (running.has(key) || scheduled.get(key) !== job) return;
    scheduled.delete(key);
    const run = execute(job.name, job.shop, job.attempt).finally(() => {
      running.delete(key);
      const next = scheduled.get(key);
      if (next && next.timer === null) fire(key, next);
    });
    running.set(key, run);
  }

  async function execute(name: string, shop: string, attempt: number): Promise<void> {
    const handler = handlers.get(name);
    const log = logger.child({ job: name, shop, attempt });
    if (!handler) {
      log.error("job has no handler registered; dropped");
      return;
    }
    try {
      await handler(shop);
    } catch (error) {
      const message = error instanceof Error ? error.message.slice(0, 300) : "unknown error";
      if (attempt >= maxAttempts) {
        log.error({ err: message }, "job failed for the last time");
        return;
      }
      log.warn({ err: message }, "job failed; will retry");
      schedule(name, shop, retryDelayMs(attempt), attempt + 1);
    }
  }

  return {
    register(name, handler) {
      handlers.set(name, handler);
    },
    enqueue(name, shop, enqueueOptions = {}) {
      schedule(name, shop, enqueueOptions.delayMs ?? 0, 1);
    },
    async cancelShop(shop) {
      let cancelled = 0;
      for (const [key, job] of scheduled) {
        if (job.shop !== shop) continue;
        if (job.timer) clearTimeout(job.timer);
        scheduled.delete(key);
        cancelled++;
      }
      return cancelled;
    },
    async drain() {
      // Jobs may enqueue follow-ups (with delays), so wait until the system is quiet. Delayed
      // follow-ups are not awaited: they are real waiting, e.g. polling Shopify every 10 s.
      for (;;) {
        const due = [...scheduled.values()].filter((job) => job.runAt <= Date.now() + 5);
        if (running.size === 0 && due.length === 0) return;
        await Promise.all([...running.values()]);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    pending() {
      return [...scheduled.values()].map(({ name, shop, runAt }) => ({ name, shop, runAt }));
    },
    every(name, cron) {
      recurring.set(name, cron);
    },
    async start() {
      stopped = false;
      if (crons.length > 0) return;
      for (const [name, pattern] of recurring) {
        crons.push(new Cron(pattern, { timezone: "UTC", protect: true }, () => schedule(name, ALL_SHOPS, 0, 1)));
      }
    },
    async stop() {
      // Runs already going finish, but neither they (follow-ups, retries) nor anyone else can set a
      // new timer afterwards: a stopped runner keeps no process alive.
      stopped = true;
      for (const cron of crons.splice(0)) cron.stop();
      for (const job of scheduled.values()) if (job.timer) clearTimeout(job.timer);
      scheduled.clear();
    },
  };
}
