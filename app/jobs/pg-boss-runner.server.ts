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

/** States a job never leaves (until pg-boss's retention deletes it). */
const FINISHED_STATES: ReadonlySet<string> = new Set(["completed", "cancelled", "failed"]);
/**
 * Jobs drain() follows by id (sent, run or seen waiting by this runner): plenty for a test or a
 * shutdown, and a bound for a worker that runs for weeks without ever draining.
 */
const FOLLOWED_JOBS = 1_000;
/** A job due within this much of our clock counts as due: the database's clock decides, and may be ahead. */
const CLOCK_SLACK_MS = 1_000;
/**
 * A cancelled job is first moved this far ahead, which no worker takes, and then deleted. Should
 * the delete fail, it runs a day later and finds the shop uninstalled.
 */
const PARKED_SECONDS = 24 * 60 * 60;
/** Queues listed per page when looking for a shop's jobs in all of them. */
const QUEUE_PAGE = 1_000;

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
  // Jobs drain() waits for by id, newest last (job id -> queue), and the handlers running here now.
  const followed = new Map<string, string>();
  let inHand = 0;
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
        // Followed until pg-boss has recorded the outcome, which happens after this callback returns.
        follow(name, job.id);
        inHand++;
        try {
          await handler(shop);
        } finally {
          inHand--;
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
      follow(name, job.id);
      if (job.state === "created" && job.startAfter.getTime() > wanted) {
        await boss.update(name, undefined, { id: job.id, startAfter: delaySeconds });
      }
    }
  }

  function follow(name: string, id: string) {
    followed.delete(id);
    followed.set(id, name);
    const oldest = followed.keys().next();
    if (followed.size > FOLLOWED_JOBS && !oldest.done) followed.delete(oldest.value);
  }

  /**
   * Whether any job is running, or waiting and already due: a due job in a queue this runner has
   * used, or a job it sent, ran or saw waiting that has not finished. Only pg-boss's public API:
   * its queue counts (getQueueStats) are a cache refreshed at most once a minute, too stale here.
   * A job another process sent and a worker took before this runner looked is not waited for.
   */
  async function busy(): Promise<boolean> {
    const dueBy = Date.now() + CLOCK_SLACK_MS;
    let found = inHand > 0;
    for (const name of queues.keys()) {
      for (const job of await boss.findJobs<JobData>(name, { queued: true })) {
        if (job.startAfter.getTime() <= dueBy) follow(name, job.id);
      }
    }
    for (const [id, name] of [...followed]) {
      const [job] = await boss.findJobs<JobData>(name, { id });
      if (!job || FINISHED_STATES.has(job.state)) followed.delete(id);
      else if (job.state === "active" || job.startAfter.getTime() <= dueBy) found = true;
    }
    return found;
  }

  /** Every queue in pg-boss's schema: jobs of the shop may have been sent by any process. */
  async function allQueueNames(): Promise<string[]> {
    const names: string[] = [];
    for (let after: string | undefined; ;) {
      const page = await boss.getQueues(undefined, { limit: QUEUE_PAGE, ...(after ? { after } : {}) });
      names.push(...page.map((queue) => queue.name));
      if (page.length < QUEUE_PAGE) return names;
      after = page[page.length - 1].name;
    }
  }

  /**
   * Deletes the shop's waiting jobs in every queue. Each is first moved a day ahead by update(),
   * which only touches jobs no worker has taken (in one statement, so a worker cannot take one
   * meanwhile), then deleted by id; a job already running is left to finish.
   */
  async function dropWaitingJobs(shop: string): Promise<number> {
    await connect();
    let dropped = 0;
    for (const name of await allQueueNames()) {
      const { jobs: parked } = await boss.update(name, undefined, {
        singletonKey: shop,
        match: "all",
        startAfter: PARKED_SECONDS,
      });
      if (parked.length === 0) continue;
      await boss.deleteJob(name, parked);
      for (const id of parked) followed.delete(id);
      dropped += parked.length;
    }
    return dropped;
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
          else follow(name, id);
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
    cancelShop(shop) {
      if (stopped) return Promise.resolve(0);
      // After the sends already on their way, so that an enqueue made just before is cancelled too.
      const cancelling = settleSends()
        .then(() => dropWaitingJobs(shop))
        .catch((error: unknown) => {
          // Not fatal: a job of an uninstalled shop finds it uninstalled and does nothing.
          logger.error({ shop, err: errorMessage(error) }, "waiting jobs of the shop could not be cancelled");
          return 0;
        });
      const settled: Promise<void> = cancelling.then(() => {
        sends.delete(settled);
      });
      sends.add(settled);
      return cancelling;
    },
    async drain() {
      for (;;) {
        await settleSends();
        if (!connected || !(await busy())) {
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
