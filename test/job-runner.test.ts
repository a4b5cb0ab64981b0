import { randomBytes } from "node:crypto";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { createPgBossRunner, type PgBossRunner } from "~/jobs/pg-boss-runner.server";
import { ALL_SHOPS, createInProcessRunner } from "~/jobs/runner.server";

// The one JobRunner interface on both backends: the in-process runner with real timers and
// croner, and pg-boss on a real PostgreSQL server (always, whichever database the app tests use),
// with a web process that only enqueues and a worker process that runs the jobs.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Sleeps past the next whole second, when an every-second cron fires. */
const pastNextSecond = () => sleep(1_050 - (Date.now() % 1_000));

/** A promise that a test resolves by hand: holds a job "running" for as long as the test needs. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("in-process runner", () => {
  it("keeps one pending run per (job, shop), and the earlier time wins", async () => {
    const runner = createInProcessRunner();
    const runs: string[] = [];
    runner.register("count", async (shop) => {
      runs.push(shop);
    });
    runner.enqueue("count", "a.myshopify.com", { delayMs: 60_000 });
    runner.enqueue("count", "a.myshopify.com");
    runner.enqueue("count", "a.myshopify.com", { delayMs: 30_000 });
    runner.enqueue("count", "b.myshopify.com");
    runner.enqueue("count", "b.myshopify.com");

    const pending = runner.pending();
    expect(pending.map((job) => job.shop).sort()).toEqual(["a.myshopify.com", "b.myshopify.com"]);
    // The immediate enqueue replaced the one a minute away; the later one did not push it back.
    expect(pending.every((job) => job.runAt <= Date.now() + 5)).toBe(true);

    await runner.drain();
    expect(runs.sort()).toEqual(["a.myshopify.com", "b.myshopify.com"]);
    expect(runner.pending()).toEqual([]);
    await runner.stop();
  });

  it("never runs one (job, shop) twice at once: a run enqueued meanwhile waits, once", async () => {
    const runner = createInProcessRunner();
    const hold = gate();
    const running = new Map<string, number>();
    let overlap = 0;
    const runs: string[] = [];
    runner.register("sync", async (shop) => {
      running.set(shop, (running.get(shop) ?? 0) + 1);
      overlap = Math.max(overlap, running.get(shop) ?? 0);
      runs.push(shop);
      if (runs.length === 1) await hold.opened;
      running.set(shop, (running.get(shop) ?? 0) - 1);
    });
    runner.enqueue("sync", "a.myshopify.com");
    await vi.waitFor(() => expect(runs).toHaveLength(1));
    for (let i = 0; i < 5; i++) runner.enqueue("sync", "a.myshopify.com");
    runner.enqueue("sync", "b.myshopify.com");
    await sleep(20);
    // Shop b is not held up by shop a; shop a's next run waits for the one in hand.
    expect(runs).toEqual(["a.myshopify.com", "b.myshopify.com"]);
    hold.open();
    await runner.drain();
    expect(runs).toEqual(["a.myshopify.com", "b.myshopify.com", "a.myshopify.com"]);
    expect(overlap).toBe(1);
    await runner.stop();
  });

  it("retries a failing job with growing backoff, up to maxAttempts in all", async () => {
    const delays: number[] = [];
    const runner = createInProcessRunner({
      maxAttempts: 3,
      retryDelayMs: (attempt) => {
        const delay = 20 * 2 ** (attempt - 1);
        delays.push(delay);
        return delay;
      },
    });
    const attemptsAt: number[] = [];
    runner.register("flaky", async () => {
      attemptsAt.push(Date.now());
      throw new Error("Shopify is down");
    });
    runner.enqueue("flaky", "a.myshopify.com");
    await vi.waitFor(() => expect(attemptsAt).toHaveLength(3));
    await sleep(120);
    expect(attemptsAt).toHaveLength(3);
    expect(delays).toEqual([20, 40]);
    expect(attemptsAt[1] - attemptsAt[0]).toBeGreaterThanOrEqual(19);
    expect(attemptsAt[2] - attemptsAt[1]).toBeGreaterThanOrEqual(39);
    expect(runner.pending()).toEqual([]);

    // A job that fails once and then succeeds runs exactly twice.
    let calls = 0;
    runner.register("once", async () => {
      calls++;
      if (calls === 1) throw new Error("lock timeout");
    });
    runner.enqueue("once", "a.myshopify.com");
    await vi.waitFor(() => expect(calls).toBe(2));
    await sleep(60);
    expect(calls).toBe(2);
    await runner.stop();
  });

  it("runs `every` schedules through croner from start() until stop()", async () => {
    const runner = createInProcessRunner();
    const ticks: string[] = [];
    runner.register("tick", async (shop) => {
      ticks.push(shop);
    });
    runner.every("tick", "* * * * * *");
    await pastNextSecond();
    expect(ticks).toEqual([]); // nothing before start()

    await runner.start();
    await vi.waitFor(() => expect(ticks.length).toBeGreaterThanOrEqual(1), { timeout: 2_500, interval: 20 });
    expect(ticks.every((shop) => shop === ALL_SHOPS)).toBe(true);
    await runner.stop();
    const seen = ticks.length;
    await pastNextSecond();
    expect(ticks).toHaveLength(seen);
  });

  it("stop() cancels waiting runs and retries, and drops later enqueues", async () => {
    const runner = createInProcessRunner({ retryDelayMs: () => 10 });
    const runs: string[] = [];
    const hold = gate();
    runner.register("later", async (shop) => {
      runs.push(shop);
    });
    runner.register("failing", async (shop) => {
      runs.push(`failing ${shop}`);
      await hold.opened;
      throw new Error("fails after stop");
    });
    runner.enqueue("later", "a.myshopify.com", { delayMs: 150 });
    runner.enqueue("failing", "b.myshopify.com");
    await vi.waitFor(() => expect(runs).toEqual(["failing b.myshopify.com"]), { interval: 5 });

    await runner.stop();
    expect(runner.pending()).toEqual([]);
    hold.open(); // the run in hand fails now: no retry may be scheduled
    runner.enqueue("later", "c.myshopify.com");
    await sleep(200);
    await runner.drain();
    expect(runs).toEqual(["failing b.myshopify.com"]);
    expect(runner.pending()).toEqual([]);

    // start() again takes enqueues again.
    await runner.start();
    runner.enqueue("later", "d.myshopify.com");
    await runner.drain();
    expect(runs).toEqual(["failing b.myshopify.com", "d.myshopify.com"]);
    await runner.stop();
  });
});

const POSTGRES_URL = process.env.POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

describe("pg-boss runner (web process enqueues, worker process runs)", () => {
  const schema = `pgboss_test_${randomBytes(4).toString("hex")}`;
  const runs: { job: string; shop: string }[] = [];
  const slowGate = gate();
  let flakyCalls = 0;
  let web: PgBossRunner;
  let worker: PgBossRunner;
  let sql: pg.Client;

  const runsOf = (job: string) => runs.filter((run) => run.job === job).map((run) => run.shop);
  const options = { connectionString: POSTGRES_URL, schema, retryDelaySeconds: 1, retryLimit: 2 };

  beforeAll(async () => {
    sql = new pg.Client({ connectionString: POSTGRES_URL });
    try {
      await sql.connect();
    } catch (error) {
      throw new Error(
        `the pg-boss tests need PostgreSQL at ${POSTGRES_URL} (set POSTGRES_URL): ${(error as Error).message}`,
      );
    }
    web = createPgBossRunner({ ...options, work: false, schedule: false });
    worker = createPgBossRunner({ ...options, work: true, schedule: false, pollingIntervalSeconds: 0.5 });
    // The web process registers nothing: only the worker knows what the jobs do.
    worker.register("record", async (shop) => {
      runs.push({ job: "record", shop });
    });
    worker.register("slow", async (shop) => {
      runs.push({ job: "slow", shop });
      if (runsOf("slow").length === 1) await slowGate.opened;
    });
    worker.register("flaky", async (shop) => {
      flakyCalls++;
      runs.push({ job: "flaky", shop });
      if (flakyCalls === 1) throw new Error("SMTP server unavailable");
    });
    await Promise.all([worker.start(), web.start()]);
  });

  afterAll(async () => {
    await Promise.all([web?.stop(), worker?.stop()]);
    await sql?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql?.end();
  });

  async function jobsIn(queue: string, shop: string) {
    return worker.boss.findJobs(queue, { key: shop });
  }

  it("runs jobs enqueued by the web process in the worker, for every shop; drain() waits for them", async () => {
    web.enqueue("record", "a.myshopify.com");
    web.enqueue("record", "b.myshopify.com");
    await web.drain();
    expect(runsOf("record").sort()).toEqual(["a.myshopify.com", "b.myshopify.com"]);
    const [jobA] = await jobsIn("record", "a.myshopify.com");
    expect(jobA).toMatchObject({ state: "completed", data: { shop: "a.myshopify.com" } });
  });

  it("keeps one waiting job per shop while one runs: N enqueues run once more, not N times", async () => {
    web.enqueue("slow", "c.myshopify.com");
    await vi.waitFor(() => expect(runsOf("slow")).toHaveLength(1), { timeout: 5_000, interval: 20 });
    for (let i = 0; i < 5; i++) web.enqueue("slow", "c.myshopify.com");
    web.enqueue("slow", "d.myshopify.com");
    await web.flush();
    expect((await worker.boss.findJobs("slow", { key: "c.myshopify.com", queued: true })).length).toBe(1);

    slowGate.open();
    await web.drain();
    expect(runsOf("slow").sort()).toEqual(["c.myshopify.com", "c.myshopify.com", "d.myshopify.com"]);
    const states = (await jobsIn("slow", "c.myshopify.com")).map((job) => job.state);
    expect(states).toEqual(["completed", "completed"]);
  });

  it("moves a waiting job forward when the shop is enqueued for sooner", async () => {
    web.enqueue("record", "e.myshopify.com", { delayMs: 60_000 });
    await web.flush();
    web.enqueue("record", "e.myshopify.com");
    await web.drain();
    expect(runsOf("record")).toContain("e.myshopify.com");
    expect((await jobsIn("record", "e.myshopify.com")).map((job) => job.state)).toEqual(["completed"]);
  });

  it("retries a failing job after its backoff", async () => {
    web.enqueue("flaky", "f.myshopify.com");
    await vi.waitFor(() => expect(flakyCalls).toBe(2), { timeout: 8_000, interval: 50 });
    await worker.drain();
    const [job] = await jobsIn("flaky", "f.myshopify.com");
    expect(job).toMatchObject({ state: "completed", retryCount: 1 });
  });

  it("cancels a shop's waiting jobs in every queue, not its running job nor another shop's", async () => {
    const hold = gate();
    worker.register("held", async (shop) => {
      runs.push({ job: "held", shop });
      await hold.opened;
    });
    web.enqueue("held", "i.myshopify.com");
    await vi.waitFor(() => expect(runsOf("held")).toHaveLength(1), { timeout: 5_000, interval: 20 });
    // One run of the shop waits behind the running one, one waits for its time; another shop's too.
    web.enqueue("held", "i.myshopify.com");
    web.enqueue("record", "i.myshopify.com", { delayMs: 60_000 });
    web.enqueue("record", "j.myshopify.com", { delayMs: 60_000 });
    await web.flush();
    const waiting = (queue: string, shop: string) => worker.boss.findJobs(queue, { key: shop, queued: true });
    expect((await waiting("held", "i.myshopify.com")).length).toBe(1);

    // The web process never ran these jobs (it registers no handlers), yet finds them in every queue.
    expect(await web.cancelShop("i.myshopify.com")).toBe(2);
    expect(await waiting("held", "i.myshopify.com")).toEqual([]);
    expect(await waiting("record", "i.myshopify.com")).toEqual([]);
    expect((await waiting("record", "j.myshopify.com")).map((job) => job.data)).toEqual([{ shop: "j.myshopify.com" }]);
    expect(await web.cancelShop("i.myshopify.com")).toBe(0);

    hold.open();
    await web.drain();
    expect(runsOf("held")).toEqual(["i.myshopify.com"]);
    expect((await jobsIn("held", "i.myshopify.com")).map((job) => job.state)).toEqual(["completed"]);
  });

  it("stops cleanly: the job in hand finishes, then nothing reconnects", async () => {
    const hold = gate();
    worker.register("last", async (shop) => {
      runs.push({ job: "last", shop });
      await hold.opened;
    });
    web.enqueue("last", "g.myshopify.com");
    await vi.waitFor(() => expect(runsOf("last")).toHaveLength(1), { timeout: 5_000, interval: 20 });

    const stopped = vi.fn();
    worker.boss.on("stopped", stopped);
    const stopping = worker.stop();
    await sleep(100);
    expect(stopped).not.toHaveBeenCalled(); // graceful: waits for the job in hand
    hold.open();
    await stopping;
    expect(stopped).toHaveBeenCalledOnce();
    const [job] = await web.boss.findJobs("last", { key: "g.myshopify.com" });
    expect(job.state).toBe("completed");

    await web.stop();
    web.enqueue("record", "h.myshopify.com");
    await web.flush();
    const { rows } = await sql.query(
      `SELECT count(*)::int AS n FROM ${schema}.job WHERE singleton_key = 'h.myshopify.com'`,
    );
    expect(rows[0].n).toBe(0);
  });
});
