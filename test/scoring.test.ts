import pg from "pg";
import { describe, expect, it } from "vitest";

import { seededRandom } from "~/churn/synthetic";
import prisma from "~/db.server";
import { createInProcessRunner } from "~/jobs/runner.server";
import { parseDatabaseUrl } from "~/lib/database-url";
import { acquireLease } from "~/models/job-lease.server";
import type { CustomerVersion } from "~/models/customer.server";
import type { OrderVersion } from "~/models/order.server";
import { createRule } from "~/models/rule.server";
import { getScoreRun } from "~/models/score-run.server";
import { updateShopSettings } from "~/models/shop.server";
import { ingestVersions } from "~/services/ingestion.server";
import { scoreShop, scoringLeaseName } from "~/services/scoring.server";

import { uniqueShop } from "./support/shopify-webhooks";

const onPostgres = parseDatabaseUrl(process.env.DATABASE_URL).provider === "postgresql";

// Scoring through the real database: a seeded shop of customers with two years of orders, scored
// in small batches so that every test crosses several batch boundaries.

const DAY = 86_400_000;
const TODAY = new Date("2026-11-20T12:00:00Z");

function customerVersion(id: number, createdAt: Date): CustomerVersion {
  return {
    shopifyId: String(100_000 + id),
    email: null,
    firstName: `First${id}`,
    lastName: null,
    country: id % 3 === 0 ? "DE" : "GB",
    locale: "en",
    state: "enabled",
    tags: null,
    marketingConsent: false,
    shopifyCreatedAt: createdAt,
    shopifyUpdatedAt: createdAt,
  };
}

let orderSeq = 0;
function orderVersion(customerId: string, at: Date, total: number): OrderVersion {
  orderSeq++;
  return {
    shopifyId: String(9_000_000 + orderSeq),
    name: `#${orderSeq}`,
    customerShopifyId: customerId,
    processedAt: at,
    shopifyUpdatedAt: at,
    cancelledAt: null,
    financialStatus: "paid",
    totalShop: total.toFixed(2),
    currencyShop: "GBP",
    totalPresentment: total.toFixed(2),
    currencyPresentment: "GBP",
    refundedShop: "0.00",
    country: "GB",
    lineItemsCount: 1,
    discountCodes: [],
  };
}

/**
 * `count` customers with seeded purchase histories: regular buyers, lapsing ones (who recently
 * went quiet) and long-gone ones, so that scores, tiers and alerts all vary.
 */
async function seedShop(shop: string, count: number, seed = 7): Promise<string[]> {
  const random = seededRandom(seed);
  const customers: CustomerVersion[] = [];
  const orders: OrderVersion[] = [];
  for (let i = 0; i < count; i++) {
    const created = new Date(TODAY.getTime() - (200 + Math.floor(random() * 500)) * DAY);
    const customer = customerVersion(i, created);
    customers.push(customer);
    const kind = i % 4; // 0 regular, 1 lapsing, 2 gone, 3 one-time
    const gap = 10 + Math.floor(random() * 25);
    const lastDaysAgo = kind === 0 ? Math.floor(random() * 10) : kind === 1 ? 50 + Math.floor(random() * 20) : 300;
    const n = kind === 3 ? 1 : 3 + Math.floor(random() * 6);
    for (let k = 0; k < n; k++) {
      const daysAgo = lastDaysAgo + k * gap;
      if (TODAY.getTime() - daysAgo * DAY < created.getTime()) break;
      orders.push(orderVersion(customer.shopifyId, new Date(TODAY.getTime() - daysAgo * DAY), 20 + random() * 200));
    }
  }
  await prisma.shop.upsert({
    where: { domain: shop },
    create: { domain: shop, timezone: "Europe/London", currency: "GBP" },
    update: {},
  });
  await prisma.$transaction((tx) => ingestVersions(tx, shop, { customers, orders }), { timeout: 60_000 });
  return customers.map((customer) => customer.shopifyId);
}

async function scoresOf(shop: string) {
  const rows = await prisma.customerScore.findMany({ where: { shop }, orderBy: { customerShopifyId: "asc" } });
  return rows.map(({ customerShopifyId, score, level, tier, rfmGroup, lifecycle, reasons, confidence }) => ({
    customerShopifyId,
    score,
    level,
    tier,
    rfmGroup,
    lifecycle,
    reasons,
    confidence,
  }));
}

async function alertsOf(shop: string) {
  const rows = await prisma.alert.findMany({
    where: { shop },
    orderBy: [{ customerShopifyId: "asc" }, { cause: "asc" }],
  });
  return rows.map(({ customerShopifyId, cause, level, state }) => ({ customerShopifyId, cause, level, state }));
}

describe("scoring a shop", () => {
  it("scores every live customer in batches, keeps a snapshot, and runs once per shop day", async () => {
    const shop = uniqueShop("score-full");
    const ids = await seedShop(shop, 45);
    await prisma.customer.update({
      where: { shop_shopifyId: { shop, shopifyId: ids[5] } },
      data: { deletedAt: new Date() },
    });

    const first = await scoreShop(shop, { now: TODAY, batchSize: 10 });
    expect(first).toMatchObject({ status: "completed", key: "full:2026-11-20", scored: 44, changed: 44 });
    const scores = await scoresOf(shop);
    expect(scores).toHaveLength(44);
    expect(scores.map((s) => s.customerShopifyId)).not.toContain(ids[5]);
    for (const score of scores) {
      expect(score.score).toBeGreaterThanOrEqual(0);
      expect(score.score).toBeLessThanOrEqual(100);
      expect(["low", "medium", "high"]).toContain(score.level);
    }
    // Long-gone customers are riskier than regular buyers.
    const byId = new Map(scores.map((s) => [s.customerShopifyId, s.score]));
    const mean = (list: string[]) => list.reduce((sum, id) => sum + (byId.get(id) ?? 0), 0) / list.length;
    expect(mean(ids.filter((_, i) => i % 4 === 2))).toBeGreaterThan(mean(ids.filter((_, i) => i % 4 === 0 && i !== 5)));
    // No history yet: snapshots keep the value a score had before it changed.
    expect(await prisma.customerScoreSnapshot.count({ where: { shop } })).toBe(0);

    const again = await scoreShop(shop, { now: new Date(TODAY.getTime() + 3_600_000), batchSize: 10 });
    expect(again.status).toBe("already-completed");
    expect(await prisma.scoreRun.count({ where: { shop } })).toBe(1);
  });

  it("rewrites only the rows whose score changed", async () => {
    const shop = uniqueShop("score-unchanged");
    await seedShop(shop, 30);
    await scoreShop(shop, { now: TODAY, batchSize: 8 });
    const firstScores = new Map((await scoresOf(shop)).map((row) => [row.customerShopifyId, row.score]));
    const before = await prisma.customerScore.findMany({
      where: { shop },
      select: { customerShopifyId: true, changedAt: true },
    });

    const nextDay = new Date(TODAY.getTime() + DAY);
    const second = await scoreShop(shop, { now: nextDay, batchSize: 8 });
    expect(second.status).toBe("completed");
    expect(second.scored).toBe(30);
    expect(second.changed).toBeLessThan(30);
    const after = await prisma.customerScore.findMany({
      where: { shop },
      select: { customerShopifyId: true, changedAt: true },
    });
    const rewritten = after.filter(
      (row) =>
        row.changedAt.getTime() !==
        before.find((b) => b.customerShopifyId === row.customerShopifyId)?.changedAt.getTime(),
    );
    expect(rewritten).toHaveLength(second.changed);
    const snapshots = await prisma.customerScoreSnapshot.findMany({ where: { shop, day: "2026-11-21" } });
    expect(snapshots).toHaveLength(second.changed);
    // Each snapshot holds the score the customer had until that day.
    for (const snapshot of snapshots) {
      expect(snapshot.score).toBe(firstScores.get(snapshot.customerShopifyId));
    }
  });

  it("resumes after a crash mid-run and ends with the scores and alerts of an uninterrupted run", async () => {
    const crashed = uniqueShop("score-crash");
    const clean = uniqueShop("score-clean");
    await seedShop(crashed, 48, 11);
    await seedShop(clean, 48, 11);

    await expect(
      scoreShop(crashed, {
        now: TODAY,
        batchSize: 10,
        afterBatch: (n) => {
          if (n === 2) throw new Error("process killed");
        },
      }),
    ).rejects.toThrow("process killed");
    const failed = await getScoreRun(crashed, "full:2026-11-20");
    expect(failed).toMatchObject({ status: "failed", scored: 20 });

    const resumed = await scoreShop(crashed, { now: TODAY, batchSize: 10 });
    expect(resumed).toMatchObject({ status: "completed", scored: 48 });
    const uninterrupted = await scoreShop(clean, { now: TODAY, batchSize: 10 });

    expect(await scoresOf(crashed)).toEqual(await scoresOf(clean));
    expect(await alertsOf(crashed)).toEqual(await alertsOf(clean));
    expect(resumed.alertsOpened).toBe(uninterrupted.alertsOpened);
    expect(uninterrupted.alertsOpened).toBeGreaterThan(0);
  });

  it("lets one of two simultaneous runners score the shop; the other is told it is busy", async () => {
    const shop = uniqueShop("score-race");
    await seedShop(shop, 40);
    const results = await Promise.all([
      scoreShop(shop, { now: TODAY, batchSize: 5, owner: "worker-a" }),
      scoreShop(shop, { now: TODAY, batchSize: 5, owner: "worker-b" }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === "completed")).toHaveLength(1);
    expect(["busy", "already-completed"]).toContain(statuses.find((s) => s !== "completed"));
    const run = await getScoreRun(shop, "full:2026-11-20");
    expect(run).toMatchObject({ status: "completed", scored: 40 });
  });

  it("waits out the lease of a process that died, then runs", async () => {
    const shop = uniqueShop("score-dead-lease");
    await seedShop(shop, 12);
    expect(await acquireLease(scoringLeaseName(shop), "dead-process", 60_000, TODAY)).toBe(true);
    expect((await scoreShop(shop, { now: TODAY })).status).toBe("busy");
    const later = new Date(TODAY.getTime() + 61_000);
    expect((await scoreShop(shop, { now: later })).status).toBe("completed");
  });

  it("rescores incrementally only the customers whose orders or storefront activity changed", async () => {
    const shop = uniqueShop("score-incremental");
    const ids = await seedShop(shop, 30);
    await scoreShop(shop, { now: new Date(Date.now() - 60_000), batchSize: 10 });

    // One customer orders again; another browses the storefront today.
    const returning = ids[2]; // long gone: high risk until this order
    const beforeScore = (await scoresOf(shop)).find((s) => s.customerShopifyId === returning)!;
    await prisma.$transaction((tx) =>
      ingestVersions(tx, shop, { customers: [], orders: [orderVersion(returning, new Date(), 120)] }),
    );
    const today = new Date().toISOString().slice(0, 10);
    await prisma.customerDailyActivity.create({
      data: { shop, customerShopifyId: ids[7], day: today, visits: 3, sessions: 1, productViews: 4 },
    });

    const incremental = await scoreShop(shop, { kind: "incremental", batchSize: 10 });
    expect(incremental.status).toBe("completed");
    expect(incremental.key).toMatch(/^incremental:/);
    expect(incremental.scored).toBe(2);
    const afterScore = (await scoresOf(shop)).find((s) => s.customerShopifyId === returning)!;
    expect(afterScore.score).toBeLessThan(beforeScore.score);
  });

  it("skips an uninstalled shop", async () => {
    const shop = uniqueShop("score-uninstalled");
    await seedShop(shop, 5);
    await prisma.shop.update({ where: { domain: shop }, data: { uninstalledAt: new Date() } });
    expect((await scoreShop(shop, { now: TODAY })).status).toBe("skipped");
    expect(await prisma.customerScore.count({ where: { shop } })).toBe(0);
  });
});

describe("alerts", () => {
  it("raises a risk alert for customers who recently went quiet, once, with their behaviour path", async () => {
    const shop = uniqueShop("alerts-risk");
    await seedShop(shop, 40);
    const run = await scoreShop(shop, { now: TODAY, batchSize: 10 });
    const alerts = await prisma.alert.findMany({ where: { shop } });
    expect(alerts.length).toBe(run.alertsOpened);
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      expect(alert.cause).toBe("risk-level");
      expect(["medium", "high"]).toContain(alert.level);
      const path = JSON.parse(alert.behaviourPath) as { kind: string }[];
      expect(path.some((step) => step.kind === "order")).toBe(true);
      expect(JSON.parse(alert.reasons)).not.toHaveLength(0);
    }
    // Long-gone customers (quiet for 300 days) are not news: no alert for them.
    const gone = new Set(Array.from({ length: 10 }, (_, k) => String(100_000 + 4 * k + 2)));
    expect(alerts.filter((alert) => gone.has(alert.customerShopifyId))).toEqual([]);

    // The next days: no second alert for the same customer and cause.
    const second = await scoreShop(shop, { now: new Date(TODAY.getTime() + DAY), batchSize: 10 });
    const third = await scoreShop(shop, { now: new Date(TODAY.getTime() + 2 * DAY), batchSize: 10 });
    const reopened = await prisma.alert.findMany({
      where: { shop, customerShopifyId: { in: alerts.map((a) => a.customerShopifyId) } },
    });
    expect(reopened).toHaveLength(alerts.length);
    expect(second.alertsOpened + third.alertsOpened).toBe(
      (await prisma.alert.count({ where: { shop } })) - alerts.length,
    );
  });

  it("keeps the cool-down after the merchant resolves an alert, and auto-resolves when the customer buys again", async () => {
    const shop = uniqueShop("alerts-cooldown");
    await seedShop(shop, 40);
    await updateShopSettings(shop, { alerts: { cooldownDays: 10 } });
    await scoreShop(shop, { now: TODAY, batchSize: 10 });
    const [resolvedByMerchant, comesBack] = await prisma.alert.findMany({
      where: { shop },
      orderBy: { customerShopifyId: "asc" },
      take: 2,
    });
    expect(comesBack).toBeDefined();
    await prisma.alert.update({ where: { id: resolvedByMerchant.id }, data: { state: "resolved", resolvedAt: TODAY } });

    // Inside the cool-down: nothing new for the customer whose alert the merchant resolved.
    await scoreShop(shop, { now: new Date(TODAY.getTime() + 3 * DAY), batchSize: 10 });
    expect(await prisma.alert.count({ where: { shop, customerShopifyId: resolvedByMerchant.customerShopifyId } })).toBe(
      1,
    );

    // The other customer orders again: their alert closes on its own.
    await prisma.$transaction((tx) =>
      ingestVersions(tx, shop, {
        customers: [],
        orders: [orderVersion(comesBack.customerShopifyId, new Date(TODAY.getTime() + 4 * DAY), 80)],
      }),
    );
    const run = await scoreShop(shop, { now: new Date(TODAY.getTime() + 5 * DAY), batchSize: 10 });
    expect(run.alertsResolved).toBeGreaterThanOrEqual(1);
    const closed = await prisma.alert.findUniqueOrThrow({ where: { id: comesBack.id } });
    expect(closed.state).toBe("auto_resolved");
    expect(closed.resolvedAt).not.toBeNull();
  });

  it("raises alerts from the merchant's rules at the rule's level", async () => {
    const shop = uniqueShop("alerts-rule");
    await seedShop(shop, 24);
    const rule = await createRule(shop, {
      name: "Quiet regulars",
      source: "days_since_last_order > 45 AND orders_count >= 3 => high",
      level: "high",
    });
    await scoreShop(shop, { now: TODAY, batchSize: 10 });
    const ruleAlerts = await prisma.alert.findMany({ where: { shop, cause: `rule:${rule.id}` } });
    expect(ruleAlerts.length).toBeGreaterThan(0);
    expect(ruleAlerts.every((alert) => alert.level === "high")).toBe(true);
  });
});

describe("the shop's calendar", () => {
  it("counts days in the shop's time zone: a Shanghai order at 01:00 is today's, not yesterday's", async () => {
    const shop = uniqueShop("score-zone");
    await prisma.shop.create({ data: { domain: shop, timezone: "Asia/Shanghai", currency: "CNY" } });
    const now = new Date("2026-11-20T20:00:00Z"); // 04:00 on 21 November in Shanghai
    const customer = customerVersion(1, new Date("2026-01-05T02:00:00Z"));
    const orders = [
      orderVersion(customer.shopifyId, new Date("2026-09-01T04:00:00Z"), 80),
      // 01:00 on 21 November in Shanghai; still 20 November in UTC.
      orderVersion(customer.shopifyId, new Date("2026-11-20T17:00:00Z"), 60),
    ];
    await prisma.$transaction((tx) => ingestVersions(tx, shop, { customers: [customer], orders }));
    const rule = await createRule(shop, {
      name: "Ordered today",
      source: "days_since_last_order < 1 => high",
      level: "high",
    });

    expect(await scoreShop(shop, { now })).toMatchObject({ status: "completed", key: "full:2026-11-21", scored: 1 });
    const alerts = await prisma.alert.findMany({ where: { shop, cause: `rule:${rule.id}` } });
    expect(alerts.map((alert) => alert.customerShopifyId)).toEqual([customer.shopifyId]);
  });

  it("counts purchase days on the shop's calendar when it stores a customer's aggregates", async () => {
    const shop = uniqueShop("aggregate-zone");
    await prisma.shop.create({ data: { domain: shop, timezone: "Asia/Shanghai", currency: "CNY" } });
    const customer = customerVersion(2, new Date("2026-01-05T02:00:00Z"));
    const orders = [
      orderVersion(customer.shopifyId, new Date("2026-11-01T12:00:00Z"), 10), // 20:00, 1 November
      orderVersion(customer.shopifyId, new Date("2026-11-01T15:30:00Z"), 10), // 23:30, 1 November
      orderVersion(customer.shopifyId, new Date("2026-11-01T16:30:00Z"), 10), // 00:30, 2 November
    ];
    await prisma.$transaction((tx) => ingestVersions(tx, shop, { customers: [customer], orders: orders.slice(0, 2) }));
    await prisma.$transaction((tx) => ingestVersions(tx, shop, { customers: [], orders: orders.slice(2) }));
    // In UTC all three fall on 1 November: one purchase day. In Shanghai they span two.
    const row = await prisma.customer.findUniqueOrThrow({
      where: { shop_shopifyId: { shop, shopifyId: customer.shopifyId } },
    });
    expect(row).toMatchObject({ ordersCount: 3, purchaseDays: 2, recentIntervals: "[1]" });
  });
});

describe("a failing run", () => {
  it.skipIf(!onPostgres)(
    "survives PostgreSQL dropping every connection mid-run: fails cleanly, resumes on retry",
    async () => {
      const shop = uniqueShop("score-outage");
      await seedShop(shop, 30);
      const clean = uniqueShop("score-outage-clean");
      await seedShop(clean, 30);
      const runner = createInProcessRunner({ retryDelayMs: () => 20 });
      const outcomes: string[] = [];
      let attempts = 0;
      runner.register("score", async (target) => {
        attempts++;
        try {
          await scoreShop(target, {
            now: TODAY,
            batchSize: 10,
            afterBatch: async (n) => {
              if (attempts > 1 || n !== 1) return;
              // The database restarts under us: every other connection to it is cut.
              const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
              await admin.connect();
              await admin.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
              );
              await admin.end();
            },
          });
          outcomes.push("completed");
        } catch (error) {
          outcomes.push("failed");
          throw error;
        }
      });
      runner.enqueue("score", shop);
      for (let i = 0; i < 50 && !outcomes.includes("completed"); i++) {
        await runner.drain();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(outcomes[0]).toBe("failed");
      expect(outcomes).toContain("completed");
      await scoreShop(clean, { now: TODAY, batchSize: 10 });
      expect(await getScoreRun(shop, "full:2026-11-20")).toMatchObject({ status: "completed", scored: 30 });
      expect(await scoresOf(shop)).toEqual(await scoresOf(clean));
      expect(await alertsOf(shop)).toEqual(await alertsOf(clean));
    },
  );

  it("fails cleanly and is retried by the job runner until it completes", async () => {
    const shop = uniqueShop("score-retry");
    await seedShop(shop, 20);
    const runner = createInProcessRunner({ retryDelayMs: () => 5 });
    let attempts = 0;
    runner.register("score", async (target) => {
      attempts++;
      const result = await scoreShop(target, {
        now: TODAY,
        batchSize: 5,
        afterBatch: (n) => {
          if (attempts === 1 && n === 1) throw new Error("database unavailable");
        },
      });
      expect(result.status).toBe("completed");
    });
    runner.enqueue("score", shop);
    await runner.drain();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await runner.drain();
    expect(attempts).toBe(2);
    expect(await getScoreRun(shop, "full:2026-11-20")).toMatchObject({ status: "completed", scored: 20, attempts: 2 });
    expect(await prisma.customerScore.count({ where: { shop } })).toBe(20);
  });
});
