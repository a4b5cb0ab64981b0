import { logger } from "../lib/logger.server";

// The smallest job runner that does the job: in-process timers, one pending run per (job, shop),
// retries with backoff. It keeps nothing across restarts, so every job is written to find its own
// state in the database (a restarted process re-enqueues with `resumeAll` in app/jobs/index).
// A queue backed by the database (pg-boss) can replace it behind the same `JobRunner` interface.

export type JobHandler = (shop: string) => Promise<void>;

export interface EnqueueOptions {
  /** Run no sooner than this many milliseconds from now. */
  delayMs?: number;
}

export interface JobRunner {
  register(name: string, handler: JobHandler): void;
  /** Schedules `name` for `shop`; when one is already waiting, the earlier of the two times wins. */
  enqueue(name: string, shop: string, options?: EnqueueOptions): void;
  /** Drops every waiting run of the shop (app/uninstalled); a run already going finishes on its own. */
  cancelShop(shop: string): number;
  /** Waits until nothing is waiting or running (tests and graceful shutdown). */
  drain(): Promise<void>;
  pending(): { name: string; shop: string; runAt: number }[];
}

interface Scheduled {
  name: string;
  shop: string;
  runAt: number;
  attempt: number;
  timer: NodeJS.Timeout;
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
  const running = new Set<Promise<void>>();
  const keyOf = (name: string, shop: string) => `${name}\u0000${shop}`;

  function schedule(name: string, shop: string, delayMs: number, attempt: number) {
    const key = keyOf(name, shop);
    const runAt = Date.now() + Math.max(0, delayMs);
    const existing = scheduled.get(key);
    if (existing && existing.runAt <= runAt) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        scheduled.delete(key);
        const run = execute(name, shop, attempt).finally(() => running.delete(run));
        running.add(run);
      },
      Math.max(0, delayMs),
    );
    scheduled.set(key, { name, shop, runAt, attempt, timer });
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
    cancelShop(shop) {
      let cancelled = 0;
      for (const [key, job] of scheduled) {
        if (job.shop !== shop) continue;
        clearTimeout(job.timer);
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
        await Promise.all([...running]);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    pending() {
      return [...scheduled.values()].map(({ name, shop, runAt }) => ({ name, shop, runAt }));
    },
  };
}
