import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { createElement } from "react";

import { ChurnRiskCard } from "~/components/ChurnRiskCard";
import prisma from "~/db.server";
import { JOB, jobs } from "~/jobs/index.server";
import { action, loader } from "~/routes/app._index";
import { loader as appLoader } from "~/routes/app";
import { action as ordersCreate } from "~/routes/webhooks.orders.create";

import { orderPayload } from "./fixtures/shopify/order-payload";
import {
  actionResult,
  embeddedPost,
  embeddedRequest,
  installAdminSession,
  renderPolaris,
} from "./support/embedded-admin";
import { drainQueuedWebhooks, signedWebhookRequest, uniqueShop } from "./support/shopify-webhooks";

// The embedded runner of this test file runs a stand-in for the scoring job (scoring itself is
// tested in test/scoring.test.ts), so a rescore the page enqueues is drained harmlessly.
const rescored: string[] = [];
beforeAll(() => {
  jobs.register(JOB.scoreIncremental, async (shop) => {
    rescored.push(shop);
  });
});

const shopsWithJobs: string[] = [];
afterEach(() => {
  for (const shop of shopsWithJobs.splice(0)) jobs.cancelShop(shop);
});

async function seedScores(shop: string, rows: { id: string; level: string; tier: string }[]) {
  const at = new Date("2026-11-20T08:00:00Z");
  await prisma.customerScore.createMany({
    data: rows.map((row, i) => ({
      shop,
      customerShopifyId: row.id,
      score: row.level === "high" ? 80 + i : row.level === "medium" ? 50 : 10,
      probability: row.level === "high" ? 0.8 : row.level === "medium" ? 0.5 : 0.1,
      confidence: "medium",
      level: row.level,
      tier: row.tier,
      rfmGroup: "AT_RISK",
      lifecycle: "mature",
      reasons: "[]",
      modelVersion: "test",
      scoredAt: at,
      changedAt: at,
    })),
  });
}

describe("app index", () => {
  it("shows the shop's own customer and order counts from the database", async () => {
    const shop = uniqueShop();
    const other = uniqueShop();
    await installAdminSession(shop);
    for (const [s, id] of [
      [shop, "1001"],
      [shop, "1002"],
      [other, "2001"],
    ] as const) {
      const body = orderPayload({ orderId: id, customerId: id === "1002" ? "77" : "76" });
      await ordersCreate({
        request: signedWebhookRequest({ topic: "orders/create", shop: s, body }),
        params: {},
        context: {},
      });
    }
    await drainQueuedWebhooks();

    const overview = await loader({ request: await embeddedRequest(shop), params: {}, context: {} });
    expect(overview.customers).toBe(2);
    expect(overview.orders).toBe(2);
    expect(overview.revenueByCountry).toEqual([{ country: "DE", currency: "GBP", orders: 2, revenue: 796 }]);
  });

  it("refuses a request without a valid session token", async () => {
    const shop = uniqueShop();
    const request = new Request(`https://churn-radar.test/app?shop=${shop}&embedded=1&id_token=forged`, {
      headers: { "user-agent": "Mozilla/5.0 Chrome/156.0" },
    });
    const outcome = await loader({ request, params: {}, context: {} }).then(
      () => "allowed",
      (thrown: unknown) => (thrown instanceof Response ? thrown.status : "error"),
    );
    expect(outcome).not.toBe("allowed");
    expect([302, 401, 410]).toContain(outcome);
  });
});

describe("app index: churn risk", () => {
  it("shows an empty state's data for a shop never scored", async () => {
    const shop = uniqueShop();
    await installAdminSession(shop);

    const { risk } = await loader({ request: await embeddedRequest(shop), params: {}, context: {} });
    expect(risk.scored).toBe(0);
    expect(risk.lastRun).toBeNull();
    expect(risk.levels).toEqual([
      { level: "high", count: 0 },
      { level: "medium", count: 0 },
      { level: "low", count: 0 },
    ]);
    expect(risk.alerts).toEqual({ open: 0, acknowledged: 0 });
    expect(risk.rescoreQueued).toBe(false);

    const html = renderPolaris(createElement(ChurnRiskCard, { risk, submitting: false, onRescore: () => {} }));
    expect(html).toContain("No risk scores yet");
    expect(html).toContain("Your customers have not been scored yet.");
    expect(html).toContain("Rescore now");
  });

  it("shows the shop's risk levels, tiers, latest run and open alerts, and none of another shop's", async () => {
    const shop = uniqueShop();
    const other = uniqueShop();
    await installAdminSession(shop);
    await prisma.shop.create({ data: { domain: shop, timezone: "Asia/Shanghai" } });
    await seedScores(shop, [
      { id: "1", level: "high", tier: "VIP" },
      { id: "2", level: "high", tier: "regular" },
      { id: "3", level: "medium", tier: "active" },
      { id: "4", level: "low", tier: "regular" },
      { id: "5", level: "low", tier: "prospect" },
    ]);
    await seedScores(other, [{ id: "9", level: "high", tier: "VIP" }]);
    await prisma.scoreRun.createMany({
      data: [
        {
          shop,
          key: "full:2026-11-19",
          kind: "full",
          runDate: "2026-11-19",
          status: "completed",
          scored: 5,
          changed: 5,
          startedAt: new Date("2026-11-19T02:00:00Z"),
          completedAt: new Date("2026-11-19T02:01:00Z"),
        },
        {
          shop,
          key: "incremental:2026-11-20T08:00",
          kind: "incremental",
          runDate: "2026-11-20",
          status: "completed",
          scored: 3,
          changed: 2,
          alertsOpened: 1,
          startedAt: new Date("2026-11-20T08:00:00Z"),
          completedAt: new Date("2026-11-20T08:00:05Z"),
        },
        {
          shop: other,
          key: "full:2026-11-21",
          kind: "full",
          runDate: "2026-11-21",
          status: "running",
          startedAt: new Date("2026-11-21T02:00:00Z"),
        },
      ],
    });
    await prisma.alert.createMany({
      data: [
        { shop, customerShopifyId: "1", cause: "risk-level", level: "high", state: "open" },
        { shop, customerShopifyId: "2", cause: "risk-level", level: "high", state: "open" },
        { shop, customerShopifyId: "3", cause: "risk-level", level: "medium", state: "acknowledged" },
        { shop, customerShopifyId: "4", cause: "risk-level", level: "medium", state: "resolved" },
        { shop: other, customerShopifyId: "9", cause: "risk-level", level: "high", state: "open" },
      ],
    });

    const { risk } = await loader({ request: await embeddedRequest(shop), params: {}, context: {} });
    expect(risk.scored).toBe(5);
    expect(risk.levels).toEqual([
      { level: "high", count: 2 },
      { level: "medium", count: 1 },
      { level: "low", count: 2 },
    ]);
    expect(risk.tiers).toEqual([
      { tier: "VIP", count: 1 },
      { tier: "active", count: 1 },
      { tier: "regular", count: 2 },
      { tier: "prospect", count: 1 },
    ]);
    expect(risk.lastRun).toEqual({
      kind: "incremental",
      status: "completed",
      scored: 3,
      changed: 2,
      alertsOpened: 1,
      startedAt: "2026-11-20T08:00:00.000Z",
      completedAt: "2026-11-20T08:00:05.000Z",
    });
    expect(risk.alerts).toEqual({ open: 2, acknowledged: 1 });
    expect(risk.timeZone).toBe("Asia/Shanghai");

    // What the merchant reads: shares per level, tier counts, and the run in the shop's time zone.
    const html = renderPolaris(createElement(ChurnRiskCard, { risk, submitting: false, onRescore: () => {} }));
    expect(html).toContain("High risk");
    expect(html).toContain("2 customers (40%)");
    expect(html).toMatch(
      /Last scored Nov 20, 2026, 4:00\sPM \(changed customers only\): 3 customers scored, 2 changed, 1 new alert\./,
    );
    expect(html).toContain("2 open alerts, 1 acknowledged.");
    expect(html).toContain('href="/app/alerts"');
  });

  it("Rescore now enqueues an incremental scoring job for the shop", async () => {
    const shop = uniqueShop();
    await installAdminSession(shop);
    shopsWithJobs.push(shop);

    const response = await action({
      request: await embeddedPost(shop, "/app?index", { intent: "rescore" }),
      params: {},
      context: {},
    });
    // Read before anything else can run: the runner starts the job on its next timer tick.
    expect(jobs.pending().filter((job) => job.shop === shop)).toEqual([
      expect.objectContaining({ name: JOB.scoreIncremental }),
    ]);
    expect(await actionResult(response)).toEqual({ status: 200, body: { ok: true, message: "Rescore started" } });

    await jobs.drain();
    expect(rescored.filter((s) => s === shop)).toHaveLength(1);
  });

  it("says when a rescore of the shop is waiting to run", async () => {
    const shop = uniqueShop();
    await installAdminSession(shop);
    const elsewhere = uniqueShop();
    shopsWithJobs.push(shop, elsewhere);
    jobs.enqueue(JOB.scoreIncremental, elsewhere, { delayMs: 60_000 });
    const before = await loader({ request: await embeddedRequest(shop), params: {}, context: {} });
    expect(before.risk.rescoreQueued).toBe(false);

    jobs.enqueue(JOB.scoreIncremental, shop, { delayMs: 60_000 });
    const after = await loader({ request: await embeddedRequest(shop), params: {}, context: {} });
    expect(after.risk.rescoreQueued).toBe(true);
  });

  it("answers 400 to an unknown intent and enqueues nothing", async () => {
    const shop = uniqueShop();
    await installAdminSession(shop);
    shopsWithJobs.push(shop);

    const response = await action({
      request: await embeddedPost(shop, "/app?index", { intent: "drop-tables" }),
      params: {},
      context: {},
    });
    expect(jobs.pending().filter((job) => job.shop === shop)).toEqual([]);
    expect((await actionResult(response)).status).toBe(400);
  });

  it("refuses a rescore without a valid session token", async () => {
    const shop = uniqueShop();
    await installAdminSession(shop);
    shopsWithJobs.push(shop);
    const request = new Request("https://churn-radar.test/app?index", {
      method: "POST",
      headers: { "user-agent": "Mozilla/5.0 Chrome/156.0", authorization: "Bearer forged" },
      body: new URLSearchParams({ intent: "rescore" }),
    });
    const outcome = await action({ request, params: {}, context: {} }).then(
      () => "allowed",
      (thrown: unknown) => (thrown instanceof Response ? thrown.status : "error"),
    );
    expect(outcome).toBe(401);
    expect(jobs.pending().filter((job) => job.shop === shop)).toEqual([]);
  });
});

describe("app layout", () => {
  it("gives the navigation the shop's unread inbox count", async () => {
    const shop = uniqueShop();
    await installAdminSession(shop);
    const base = { shop, kind: "alert", level: "high", locale: "en", subject: "s", body: "b", emailStatus: "skipped" };
    await prisma.notification.createMany({
      data: [
        { ...base, dedupeKey: "alert:a" },
        { ...base, dedupeKey: "alert:b" },
        { ...base, dedupeKey: "alert:c", readAt: new Date() },
        { ...base, shop: uniqueShop(), dedupeKey: "alert:d" },
      ],
    });

    const response = await appLoader({ request: await embeddedRequest(shop), params: {}, context: {} });
    expect(await response.json()).toEqual({ apiKey: "test-api-key", unread: 2 });
  });
});
