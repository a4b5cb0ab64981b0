import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { aggregatePurchases } from "~/churn/aggregates";
import prisma from "~/db.server";
import { adminClientFor, ShopifyAdminError } from "~/integrations/shopify/admin-client.server";
import { registerJobs } from "~/jobs/definitions.server";
import { jobs } from "~/jobs/index.server";
import { getBackfillProgress } from "~/models/backfill-run.server";
import { action as appUninstalled } from "~/routes/webhooks.app.uninstalled";
import { action as bulkFinish } from "~/routes/webhooks.bulk_operations.finish";
import { action as customersRedact } from "~/routes/webhooks.customers.redact";
import { action as ordersUpdated } from "~/routes/webhooks.orders.updated";
import { advanceBackfill, BUSY_RETRY_MS, startBackfill } from "~/services/backfill.server";

import { CUSTOMER_ID_BASE, ORDER_ID_BASE, shopRecords, type ShopRecord } from "./shopify-stand-in/dataset";
import type { ShopifyStandIn, StandInShop } from "./shopify-stand-in/server";
import { uniqueShop } from "./support/shopify-webhooks";
import { installStandInShop, stopShopifyStandIn, useShopifyStandIn } from "./support/shopify-stand-in";
import { deliver } from "./support/webhook-routes";

let standIn: ShopifyStandIn;

beforeAll(async () => {
  standIn = await useShopifyStandIn();
  registerJobs();
});
afterAll(async () => {
  await stopShopifyStandIn();
});

async function shopWithHistory(customers = 12, ordersPerCustomer = 3): Promise<{ shop: string; state: StandInShop }> {
  const shop = uniqueShop("backfill");
  const state = await installStandInShop(standIn, shop);
  state.records = [...shopRecords({ seed: 7, customers, ordersPerCustomer })];
  return { shop, state };
}

const run = (shop: string) => prisma.backfillRun.findFirstOrThrow({ where: { shop }, orderBy: { startedAt: "desc" } });
const noLater = { later: () => undefined };

/** What the customer rows must say, computed straight from the generated shop. */
function expectedAggregates(records: ShopRecord[]) {
  return new Map(
    records.map(({ customer, orders }) => [
      customer.id.split("/").pop(),
      aggregatePurchases(
        orders
          .filter((o) => o.cancelledAt === null)
          .map((o) => ({
            processedAt: new Date(o.processedAt),
            netShop: Number(o.currentTotalPriceSet.shopMoney.amount),
          })),
      ),
    ]),
  );
}

async function expectShopMatches(shop: string, records: ShopRecord[]) {
  const orders = records.reduce((n, r) => n + r.orders.length, 0);
  expect(await prisma.order.count({ where: { shop } })).toBe(orders);
  expect(await prisma.customer.count({ where: { shop } })).toBe(records.length);
  const expected = expectedAggregates(records);
  const rows = await prisma.customer.findMany({ where: { shop } });
  for (const row of rows) {
    const want = expected.get(row.shopifyId);
    expect(want, `customer ${row.shopifyId} comes from the shop`).toBeDefined();
    expect({
      id: row.shopifyId,
      ordersCount: row.ordersCount,
      purchaseDays: row.purchaseDays,
      totalSpent: Number(row.totalSpent),
      lastOrderAt: row.lastOrderAt?.toISOString() ?? null,
      recentIntervals: JSON.parse(row.recentIntervals) as number[],
    }).toEqual({
      id: row.shopifyId,
      ordersCount: want?.ordersCount,
      purchaseDays: want?.purchaseDays,
      totalSpent: want?.totalSpent,
      lastOrderAt: want?.lastOrderAt?.toISOString() ?? null,
      recentIntervals: want?.recentIntervals,
    });
  }
}

describe("historical backfill through a bulk operation", () => {
  it("imports every customer and order once the bulk_operations/finish webhook arrives, with exact ids", async () => {
    const { shop, state } = await shopWithHistory();
    await startBackfill(shop);
    await jobs.drain();
    expect(state.calls).toContain("BulkOperationRunQuery");
    const running = await run(shop);
    expect(running.status).toBe("running");
    expect((await getBackfillProgress(shop)).status).toBe("running");

    expect(standIn.completeBulkOperation(shop)).toBe(running.bulkOperationId);
    const response = await deliver(bulkFinish, {
      topic: "bulk_operations/finish",
      shop,
      body: {
        admin_graphql_api_id: running.bulkOperationId,
        completed_at: new Date().toISOString(),
        created_at: new Date().toISOString(),
        error_code: null,
        status: "completed",
        type: "query",
      },
    });
    expect(response.status).toBe(200);
    await jobs.drain();
    jobs.cancelShop(shop);

    const done = await run(shop);
    expect(done.status).toBe("completed");
    await expectShopMatches(shop, state.records);
    expect(await prisma.customer.count({ where: { shop, shopifyId: (CUSTOMER_ID_BASE + 3n).toString() } })).toBe(1);
    const order = await prisma.order.findUniqueOrThrow({
      where: { shop_shopifyId: { shop, shopifyId: (ORDER_ID_BASE + 0n).toString() } },
    });
    expect(order.customerShopifyId).toBe(CUSTOMER_ID_BASE.toString());
    expect(order.currencyShop).toBe("GBP");

    const progress = await getBackfillProgress(shop);
    expect(progress).toMatchObject({ status: "completed", percent: 100, customersImported: 12, ordersImported: 36 });
    expect(progress.linesDone).toBe(48);
  });

  it("finishes by polling when no webhook comes, waiting out throttled answers", async () => {
    const { shop, state } = await shopWithHistory(5, 2);
    state.pollsUntilComplete = 2;
    await startBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    state.throttleNext = 2;
    await advanceBackfill(shop, noLater);
    expect((await run(shop)).status).toBe("running");
    const progress = await getBackfillProgress(shop);
    expect(progress.objectCount).toBeGreaterThan(0);
    await advanceBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    expect((await run(shop)).status).toBe("completed");
    expect(state.throttleNext).toBe(0);
    expect(state.calls.filter((c) => c === "BulkOperation").length).toBeGreaterThanOrEqual(5);
    await expectShopMatches(shop, state.records);
  });

  it("resumes after the download breaks mid-file, and a second backfill creates no duplicates", async () => {
    const { shop, state } = await shopWithHistory(15, 4);
    state.pollsUntilComplete = 0;
    state.cutDownloadAfter = 33;
    const deps = { ...noLater, batchLines: 10 };
    await startBackfill(shop, deps);
    await advanceBackfill(shop, deps);
    await expect(advanceBackfill(shop, deps)).rejects.toThrow();
    const broken = await run(shop);
    expect(broken.status).toBe("importing");
    expect(broken.linesDone).toBeLessThan(75);
    expect(broken.linesDone % 10).toBe(0);

    await advanceBackfill(shop, deps);
    expect((await run(shop)).status).toBe("completed");
    await expectShopMatches(shop, state.records);

    await startBackfill(shop, deps);
    await advanceBackfill(shop, deps);
    await advanceBackfill(shop, deps);
    const runs = await prisma.backfillRun.findMany({ where: { shop } });
    expect(runs.map((r) => r.status)).toEqual(["completed", "completed"]);
    await expectShopMatches(shop, state.records);
  });

  it("never lets an older backfill line overwrite a newer webhook version", async () => {
    const { shop, state } = await shopWithHistory(3, 2);
    state.pollsUntilComplete = 0;
    const target = state.records[1].orders[0];
    const [orderId] = target.id.split("/").slice(-1);
    const [customerId] = state.records[1].customer.id.split("/").slice(-1);
    const newer = {
      admin_graphql_api_id: target.id,
      name: target.name,
      created_at: target.createdAt,
      processed_at: target.processedAt,
      updated_at: new Date(Date.parse(target.updatedAt) + 86_400_000).toISOString(),
      cancelled_at: new Date(Date.parse(target.updatedAt) + 86_400_000).toISOString(),
      financial_status: "refunded",
      total_price_set: {
        shop_money: { amount: target.totalPriceSet.shopMoney.amount, currency_code: "GBP" },
        presentment_money: {
          amount: target.totalPriceSet.presentmentMoney.amount,
          currency_code: target.totalPriceSet.presentmentMoney.currencyCode,
        },
      },
      customer: { admin_graphql_api_id: state.records[1].customer.id },
      line_items: [{}],
      discount_codes: [],
    };
    expect((await deliver(ordersUpdated, { topic: "orders/updated", shop, body: newer })).status).toBe(200);

    await startBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    expect((await run(shop)).status).toBe("completed");

    const order = await prisma.order.findUniqueOrThrow({ where: { shop_shopifyId: { shop, shopifyId: orderId } } });
    expect(order.financialStatus).toBe("refunded");
    expect(order.cancelledAt).not.toBeNull();
    const customer = await prisma.customer.findUniqueOrThrow({
      where: { shop_shopifyId: { shop, shopifyId: customerId } },
    });
    const stillValid = state.records[1].orders.filter((o) => o !== target && o.cancelledAt === null).length;
    expect(customer.ordersCount).toBe(stillValid);
    expect(customer.email).toBe("customer1@example.com");
  });

  it("stores a redacted customer's orders without them when a later backfill reads them again", async () => {
    // SQLite imports through its bulk writer, PostgreSQL through ingestBatch: both must hold.
    const { shop, state } = await shopWithHistory(3, 2);
    state.pollsUntilComplete = 0;
    await startBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    const [redactedId] = state.records[1].customer.id.split("/").slice(-1);
    // Compliance payloads carry ids as bare JSON numbers (these are above 2^53).
    const rawBody = `{"shop_id":1,"shop_domain":"${shop}","customer":{"id":${redactedId}},"orders_to_redact":[]}`;
    expect((await deliver(customersRedact, { topic: "customers/redact", shop, body: null, rawBody })).status).toBe(200);

    // Shopify still returns the person and their orders, changed since (newer versions).
    const later = (iso: string) => new Date(Date.parse(iso) + 86_400_000).toISOString();
    const { customer, orders } = state.records[1];
    state.records[1] = {
      customer: { ...customer, updatedAt: later(customer.updatedAt) },
      orders: orders.map((o) => ({ ...o, updatedAt: later(o.updatedAt), name: `${o.name}-edited` })),
    };
    await startBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    expect((await run(shop)).status).toBe("completed");

    const ids = orders.map((o) => o.id.split("/").pop() ?? "");
    expect(ids.length).toBeGreaterThan(0);
    const stored = await prisma.order.findMany({ where: { shop, shopifyId: { in: ids } } });
    expect(stored.map((o) => [o.name?.endsWith("-edited"), o.customerShopifyId])).toEqual(ids.map(() => [true, null]));
    expect(await prisma.order.count({ where: { shop } })).toBe(6);
    const tombstone = await prisma.customer.findUniqueOrThrow({
      where: { shop_shopifyId: { shop, shopifyId: redactedId } },
    });
    expect(tombstone.redactedAt).not.toBeNull();
    expect([tombstone.email, tombstone.firstName, tombstone.lastName, tombstone.country, tombstone.locale]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    expect([tombstone.ordersCount, Number(tombstone.totalSpent), tombstone.lastOrderAt]).toEqual([0, 0, null]);
    // The other customers are imported as before.
    const others = [state.records[0], state.records[2]];
    const expected = expectedAggregates(others);
    for (const row of await prisma.customer.findMany({ where: { shop, redactedAt: null } })) {
      expect([row.shopifyId, row.ordersCount]).toEqual([row.shopifyId, expected.get(row.shopifyId)?.ordersCount]);
      expect(row.email).not.toBeNull();
    }
    expect(await prisma.customer.count({ where: { shop } })).toBe(3);
  });

  it("waits when Shopify says another bulk query is in progress, and records a failed operation", async () => {
    const { shop, state } = await shopWithHistory(2, 1);
    state.bulk = {
      id: "gid://shopify/BulkOperation/1",
      status: "RUNNING",
      pollsLeft: 5,
      createdAt: "",
      completedAt: null,
    };
    const delays: number[] = [];
    await startBackfill(shop, noLater);
    await advanceBackfill(shop, { later: (_shop, ms) => delays.push(ms) });
    expect(delays).toEqual([BUSY_RETRY_MS]);
    expect((await run(shop)).status).toBe("pending");

    state.bulk = null;
    state.bulkOutcome = "FAILED";
    state.pollsUntilComplete = 0;
    await advanceBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    const failed = await run(shop);
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("INTERNAL_SERVER_ERROR");
    expect((await getBackfillProgress(shop)).status).toBe("failed");
  });

  it("stops when the app is uninstalled: the run is cancelled and nothing more is asked of Shopify", async () => {
    const { shop, state } = await shopWithHistory(2, 1);
    await startBackfill(shop, noLater);
    await advanceBackfill(shop, noLater);
    expect((await deliver(appUninstalled, { topic: "app/uninstalled", shop, body: { id: 1 } })).status).toBe(200);
    expect((await run(shop)).status).toBe("cancelled");
    const calls = state.calls.length;
    await advanceBackfill(shop, noLater);
    expect(state.calls.length).toBe(calls);
  });
});

describe("the Admin client", () => {
  it("retries Shopify's 5xx answers and then succeeds", async () => {
    const { shop, state } = await shopWithHistory(1, 1);
    state.failNext = { status: 503, count: 2 };
    const client = await adminClientFor(shop, { sleep: async () => undefined });
    expect(await client.bulkOperation("gid://shopify/BulkOperation/404")).toBeNull();
    expect(state.calls).toEqual(["BulkOperation", "BulkOperation", "BulkOperation"]);
  });

  it("gives up after its attempts while Shopify keeps throttling", async () => {
    const { shop, state } = await shopWithHistory(1, 1);
    state.throttleNext = 10;
    const waits: number[] = [];
    const client = await adminClientFor(shop, {
      maxAttempts: 3,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await expect(client.ordersUpdatedSince(new Date(), null)).rejects.toThrow(/gave-up: THROTTLED/);
    // 52 points requested, none available, 100 restored per second: 520 ms each time.
    expect(waits).toEqual([520, 520]);
  });

  it("fails at once when the access token is refused", async () => {
    const { shop } = await shopWithHistory(1, 1);
    await prisma.session.update({ where: { id: `offline_${shop}` }, data: { accessToken: "shpat_revoked" } });
    const client = await adminClientFor(shop, { sleep: async () => undefined });
    const error = await client.bulkOperation("gid://shopify/BulkOperation/1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyAdminError);
    expect((error as ShopifyAdminError).kind).toBe("http");
  });
});
