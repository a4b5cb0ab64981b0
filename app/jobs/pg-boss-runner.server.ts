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
  /** First retry after about this many seconds, then exponential backoff (default 5). */
  retryDelaySeconds?: number;
  /** How often an idle worker looks for jobs (pg-boss allows 0.5 and up; default 2). */
  pollingIntervalSeconds?: number;
  /** How long stop() lets the jobs in hand finish before pg-boss fails them (default 30 s). */
  stopTimeoutMs?: number;
}

interface JobData {
  shop: string;
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : "unknown");

export interface PgBossRunner extends JobRunner {
  boss: PgBoss;
  /** Waits until every enqueue made so far is stored (or has failed and been logged). */
  flush(): Promise<void>;
}

export function createPgBossRunner(options: PgBossRunnerOptions): PgBossRunner {
  const schema = options.schema ?? "pgboss";
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema,
    schedule: options.schedule,
    supervise: options.work,
    max: 4,
  });
  boss.on("error", (error: unknown) => logger.error({ err: errorMessage(error) }, "pg-boss error"));
  const handlers = new Map<string, JobHandler>();
  const recurring = new Map<string, string>();
  const queues = new Map<string, Promise<void>>();
  const workers = new Set<string>();
  // Sends still on their way to the database: drain() and stop() wait for them, and a job is
  // completed only once the follow-ups its handler enqueued are stored.
  const sends = new Set<Promise<void>>();
  let connected: Promise<void> | null = null;
  let working: Promise<void> | null = null;
  let stopped = false;

  /** Opens pg-boss (installing its schema once); enough to enqueue, without running anything. */
  function connect(): Promise<void> {
    connected ??= boss.start().then(
      () => undefined,
      (error: unknown) => {
        connected = null;
        throw error;
      },
    );
    return connected;
  }

  function ensureQueue(name: string): Promise<void> {
    let created = queues.get(name);
    if (!created) {
      created = boss
        .createQueue(name, {
          policy: "stately",
          retryLimit: options.retryLimit ?? 5,
          retryDelay: options.retryDelaySeconds ?? 5,
          retryBackoff: true,
          expireInSeconds: 60 * 60,
        })
        .catch((error: unknown) => {
          queues.delete(name);
          throw error;
        });
      queues.set(name, created);
    }
    return created;
  }

  /** Waits for the enqueues made so far (not for ones made meanwhile: a busy web process never pauses). */
  async function settleSends(): Promise<void> {
    await Promise.allSettled([...sends]);
  }

  async function startWorker(name: string, handler: JobHandler) {
    if (workers.has(name)) return;
    workers.add(name);
    await ensureQueue(name);
    await boss.work<JobData>(
      name,
      { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
      async ([job]) => {
        const shop: unknown = job?.data?.shop;
        if (typeof shop !== "string") throw new Error(`job ${name} has no shop in its data`);
        try {
          await handler(shop);
        } finally {
          await settleSends();
        }
      },
    );
  }

  async function startOnce() {
    await connect();
    for (const name of new Set([...handlers.keys(), ...recurring.keys()])) await ensureQueue(name);
    if (options.work) {
      for (const [name, handler] of handlers) await startWorker(name, handler);
    }
    if (options.schedule) {
      for (const [name, cron] of recurring) await boss.schedule(name, cron, { shop: ALL_SHOPS }, { tz: "UTC" });
    }
  }

  /**
   * A stately queue keeps one waiting job per shop and ignores further sends. The interface
   * promises that the earlier time wins, so a waiting job due later than this send (a backfill
   * poll in 10 s, when its bulk-operation webhook says "now") is moved forward.
   */
  async function moveEarlier(name: string, shop: string, delaySeconds: number) {
    const wanted = Date.now() + delaySeconds * 1000;
    for (const job of await boss.findJobs<JobData>(name, { key: shop, queued: true })) {
      if (job.state === "created" && job.startAfter.getTime() > wanted) {
        await boss.update(name, undefined, { id: job.id, startAfter: delaySeconds });
      }
    }
  }

  /** Jobs running, or waiting and already due, in the queues this runner has used. */
  async function busyJobs(): Promise<number> {
    let busy = 0;
    for (const name of queues.keys()) {
      const queue = await boss.getQueue(name);
      if (!queue) continue;
      // The queue's own counts are a cache the monitor refreshes every minute or so: count the rows.
      const { rows } = await boss.getDb().executeSql(
        `SELECT count(*)::int AS busy FROM ${schema}.${queue.table}
           WHERE name = $1 AND (state = 'active' OR (state IN ('created', 'retry') AND start_after <= now()))`,
        [name],
      );
      busy += Number(rows[0]?.busy ?? 0);
    }
    return busy;
  }

  return {
    boss,
    register(name, handler) {
      handlers.set(name, handler);
      if (working && options.work) {
        const worker = working.then(() => startWorker(name, handler));
        worker.catch((error: unknown) =>
          logger.error({ job: name, err: errorMessage(error) }, "pg-boss worker did not start"),
        );
      }
    },
    enqueue(name, shop, enqueueOptions: EnqueueOptions = {}) {
      if (stopped) {
        logger.warn({ job: name, shop }, "job runner is stopped; run dropped");
        return;
      }
      // A delay in seconds is counted from the database's clock, the one pg-boss compares with.
      const delaySeconds = Math.max(0, Math.round(enqueueOptions.delayMs ?? 0)) / 1000;
      const send: Promise<void> = connect()
        .then(() => ensureQueue(name))
        .then(async () => {
          const id = await boss.send(name, { shop }, { singletonKey: shop, startAfter: delaySeconds });
          if (id === null) await moveEarlier(name, shop, delaySeconds);
        })
        .catch((error: unknown) =>
          logger.error(
            { job: name, shop, err: errorMessage(error) },
            "job could not be enqueued; the scheduler will enqueue it again",
          ),
        )
        .finally(() => sends.delete(send));
      sends.add(send);
    },
    cancelShop() {
      // Queued jobs of an uninstalled shop find it uninstalled and do nothing.
      return 0;
    },
    async drain() {
      for (;;) {
        await settleSends();
        if (!connected || (await busyJobs()) === 0) {
          if (sends.size === 0) return;
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    flush: settleSends,
    pending() {
      return [];
    },
    every(name, cron) {
      recurring.set(name, cron);
    },
    async start() {
      stopped = false;
      working ??= startOnce().catch((error: unknown) => {
        working = null;
        throw error;
      });
      await working;
    },
    async stop() {
      if (!connected) {
        stopped = true;
        return;
      }
      await connected.catch(() => undefined);
      await settleSends();
      // Graceful: the jobs in hand finish (and store their follow-ups) before the pool closes.
      await boss.stop({ graceful: true, timeout: options.stopTimeoutMs ?? 30_000 });
      stopped = true;
      connected = null;
      working = null;
      queues.clear();
      workers.clear();
    },
  };
}
