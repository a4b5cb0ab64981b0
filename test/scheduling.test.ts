import { describe, expect, it, vi } from "vitest";

import prisma from "~/db.server";
import { registerJobs, runScoringJob } from "~/jobs/definitions.server";
import { JOB } from "~/jobs/index.server";
import { ALL_SHOPS, createInProcessRunner } from "~/jobs/runner.server";
import { completeScoreRun, getScoreRun, openScoreRun } from "~/models/score-run.server";
import { updateShopSettings } from "~/models/shop.server";
import { shopsDueForScoring } from "~/services/scheduling.server";
import { scoreShop } from "~/services/scoring.server";

import { uniqueShop } from "./support/shopify-webhooks";

// When each shop's daily full scoring comes due: its own cron schedule in its own time zone, once
// per shop day. Other test files share this worker's database, so every check looks only at the
// shops its test created.

async function createShop(
  prefix: string,
  timezone: string | null,
  options: { schedule?: string; uninstalledAt?: Date } = {},
): Promise<string> {
  const domain = uniqueShop(prefix);
  await prisma.shop.create({ data: { domain, timezone, uninstalledAt: options.uninstalledAt ?? null } });
  if (options.schedule) await updateShopSettings(domain, { scoring: { schedule: options.schedule } });
  return domain;
}

async function completeFullRun(shop: string, day: string): Promise<void> {
  const run = await openScoreRun(shop, `full:${day}`, { kind: "full", runDate: day, since: null });
  await completeScoreRun(run.id);
}

/** Which of `shops` are due at `at` (an ISO instant). */
async function dueAt(at: string, shops: string[]): Promise<string[]> {
  const due = await shopsDueForScoring(new Date(at));
  return shops.filter((shop) => due.includes(shop));
}

describe("shopsDueForScoring", () => {
  it("honours the default 03:00 in each shop's own time zone", async () => {
    const shanghai = await createShop("due-shanghai", "Asia/Shanghai");
    const london = await createShop("due-london", "Europe/London");
    await completeFullRun(shanghai, "2026-03-09");
    await completeFullRun(london, "2026-03-09");
    const shops = [shanghai, london];

    // 18:55 UTC is 02:55 on 10 March in Shanghai: its 03:00 has not come yet.
    expect(await dueAt("2026-03-09T18:55:00Z", shops)).toEqual([]);
    // 19:05 UTC is 03:05 in Shanghai; in London it is still 9 March, already scored.
    expect(await dueAt("2026-03-09T19:05:00Z", shops)).toEqual([shanghai]);
    // 03:05 UTC is 03:05 in London (GMT in March): now both are due for 10 March.
    expect(await dueAt("2026-03-10T03:05:00Z", shops)).toEqual([shanghai, london]);

    // In summer London is on BST, one hour ahead of UTC: 03:00 local is 02:00 UTC.
    await completeFullRun(london, "2026-07-09");
    expect(await dueAt("2026-07-10T01:55:00Z", [london])).toEqual([]);
    expect(await dueAt("2026-07-10T02:05:00Z", [london])).toEqual([london]);
  });

  it("is not due once the shop day has a completed full run, whoever made it", async () => {
    const shop = await createShop("due-completed", "Asia/Shanghai");
    const at = "2026-03-09T19:05:00Z"; // 03:05 on 10 March in Shanghai
    expect(await dueAt(at, [shop])).toEqual([shop]);

    // A run that started but did not complete (crashed, failed) leaves the shop due.
    await openScoreRun(shop, "full:2026-03-10", { kind: "full", runDate: "2026-03-10", since: null });
    expect(await dueAt(at, [shop])).toEqual([shop]);

    // The scoring service keys its run by the same shop day.
    const result = await scoreShop(shop, { now: new Date(at) });
    expect(result).toMatchObject({ status: "completed", key: "full:2026-03-10" });
    expect(await dueAt(at, [shop])).toEqual([]);
    expect(await dueAt("2026-03-10T15:59:00Z", [shop])).toEqual([]); // 23:59 local, same day
    expect(await dueAt("2026-03-10T19:00:30Z", [shop])).toEqual([shop]); // 03:00 on 11 March has passed
  });

  it("after a missed day, one catch-up run settles it until the next scheduled time", async () => {
    // Nothing ran at 03:00 on 9 March (the process was down, or the shop installed after it):
    // at 01:00 on 10 March the shop is due, and the run it gets is keyed 10 March.
    const shop = await createShop("due-catch-up", "UTC");
    expect(await dueAt("2026-03-10T01:00:00Z", [shop])).toEqual([shop]);
    const result = await scoreShop(shop, { now: new Date("2026-03-10T01:00:00Z") });
    expect(result.key).toBe("full:2026-03-10");

    // That run counts: the shop is not enqueued again every minute until 03:00.
    expect(await dueAt("2026-03-10T01:01:00Z", [shop])).toEqual([]);
    expect(await dueAt("2026-03-10T03:05:00Z", [shop])).toEqual([]);
    expect(await dueAt("2026-03-11T03:05:00Z", [shop])).toEqual([shop]);
  });

  it("follows the shop's own schedule, and falls back to 03:00 when it is not a valid cron", async () => {
    const custom = await createShop("due-custom", "UTC", { schedule: "30 1 * * *" });
    const invalid = await createShop("due-invalid", "UTC", { schedule: "every day at 3" });
    const noZone = await createShop("due-no-zone", null);
    const unknownZone = await createShop("due-unknown-zone", "Mars/Olympus_Mons");
    const shops = [custom, invalid, noZone, unknownZone];
    for (const shop of shops) await completeFullRun(shop, "2026-03-09");

    expect(await dueAt("2026-03-10T01:25:00Z", shops)).toEqual([]);
    expect(await dueAt("2026-03-10T01:35:00Z", shops)).toEqual([custom]);
    expect(await dueAt("2026-03-10T02:59:00Z", shops)).toEqual([custom]);
    // No zone, or one Intl does not know, means UTC.
    expect(await dueAt("2026-03-10T03:01:00Z", shops)).toEqual(shops);
  });

  it("never lists an uninstalled shop", async () => {
    const gone = await createShop("due-uninstalled", "UTC", {
      schedule: "* * * * *",
      uninstalledAt: new Date("2026-03-01T00:00:00Z"),
    });
    expect(await dueAt("2026-03-10T03:05:00Z", [gone])).toEqual([]);
    expect(await dueAt("2026-04-10T12:00:00Z", [gone])).toEqual([]);
  });
});

describe("the scheduler tick", () => {
  it("is registered every minute and enqueues a full scoring for each due shop, once per shop day", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const due = await createShop("tick-due", "UTC", { schedule: "0 0 * * *" });
    const done = await createShop("tick-done", "UTC", { schedule: "0 0 * * *" });
    const gone = await createShop("tick-gone", "UTC", { schedule: "0 0 * * *", uninstalledAt: new Date() });
    await completeFullRun(done, today);
    const mine = new Set([due, done, gone]);

    const runner = createInProcessRunner();
    const every = vi.spyOn(runner, "every");
    registerJobs(runner);
    expect(every).toHaveBeenCalledWith(JOB.schedulerTick, "* * * * *");

    // The real scoring job for this test's shops; other files' shops in this database are left alone.
    const scored: string[] = [];
    runner.register(JOB.scoreFull, async (shop) => {
      if (!mine.has(shop)) return;
      scored.push(shop);
      await runScoringJob(shop, "full", runner);
    });
    const deliveries = vi.fn(async () => undefined);
    runner.register(JOB.deliverEmails, deliveries);

    runner.enqueue(JOB.schedulerTick, ALL_SHOPS);
    await runner.drain();
    expect(scored).toEqual([due]);
    expect(deliveries).toHaveBeenCalledWith(ALL_SHOPS);
    expect(await getScoreRun(due, `full:${today}`)).toMatchObject({ status: "completed" });

    // The next tick finds the day's run done.
    runner.enqueue(JOB.schedulerTick, ALL_SHOPS);
    await runner.drain();
    expect(scored).toEqual([due]);
    await runner.stop();
  });
});
