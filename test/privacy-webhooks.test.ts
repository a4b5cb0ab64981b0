import { afterAll, beforeAll, describe, expect, it } from "vitest";

import prisma from "~/db.server";
import { parseDatabaseUrl } from "~/lib/database-url";
import { redactCustomerData, shopScopedModels } from "~/models/privacy.server";
import { action as customersCreate } from "~/routes/webhooks.customers.create";
import { action as customersDataRequest } from "~/routes/webhooks.customers.data_request";
import { action as customersRedact } from "~/routes/webhooks.customers.redact";
import { action as customersUpdate } from "~/routes/webhooks.customers.update";
import { action as ordersCreate } from "~/routes/webhooks.orders.create";
import { action as ordersUpdated } from "~/routes/webhooks.orders.updated";
import { action as shopRedact } from "~/routes/webhooks.shop.redact";
import { ingestVersions, orderVersionFrom } from "~/services/ingestion.server";
import { scoreShop } from "~/services/scoring.server";
import { drainWebhookQueue, setAutoDrain } from "~/services/webhook-queue.server";

import { customerPayload, orderPayload } from "./fixtures/shopify/order-payload";
import { postWebhook, uniqueShop } from "./support/shopify-webhooks";
import { deliver } from "./support/webhook-routes";

// Compliance payloads as Shopify documents them: ids are bare JSON numbers, so these bodies are
// written as raw text to keep 64-bit ids that JavaScript numbers would round.
const CUSTOMER = "115310627314723954";
const ORDER = "820982911946154508";
const OTHER_ORDER = "820982911946154599";

const dataRequestBody = (shop: string, customerId = CUSTOMER, requestId = "9223372036854775807") =>
  `{"shop_id":954889,"shop_domain":"${shop}","orders_requested":[${ORDER},${OTHER_ORDER}],` +
  `"customer":{"id":${customerId},"email":"john@example.com","phone":"555-625-1199"},"data_request":{"id":${requestId}}}`;

const redactBody = (shop: string, customerId = CUSTOMER) =>
  `{"shop_id":954889,"shop_domain":"${shop}","customer":{"id":${customerId},"email":"john@example.com",` +
  `"phone":"555-625-1199"},"orders_to_redact":[${ORDER},${OTHER_ORDER}]}`;

const shopRedactBody = (shop: string) => `{"shop_id":954889,"shop_domain":"${shop}"}`;

/** A customer with an order, storefront events (two browsers), a score, an alert and a win-back action. */
async function seedCustomer(shop: string) {
  await deliver(ordersCreate, { topic: "orders/create", shop, body: orderPayload() });
  // A guest order that the customer later asks about by id.
  await deliver(ordersCreate, {
    topic: "orders/create",
    shop,
    body: orderPayload({ orderId: OTHER_ORDER, customerId: null, createdAt: "2026-09-01T10:00:00Z" }),
  });
  const at = new Date("2026-10-01T10:00:00Z");
  await prisma.storefrontEvent.createMany({
    data: [
      {
        shop,
        eventId: "e-1",
        visitorId: "visitor-laptop",
        customerShopifyId: CUSTOMER,
        type: "page_view",
        occurredAt: at,
      },
      // Same browser before logging in: anonymous, but the same person.
      {
        shop,
        eventId: "e-2",
        visitorId: "visitor-laptop",
        type: "product_view",
        occurredAt: at,
        productId: "1",
      },
      { shop, eventId: "e-3", visitorId: "visitor-stranger", type: "page_view", occurredAt: at },
    ],
  });
  await prisma.customerDailyActivity.create({
    data: { shop, customerShopifyId: CUSTOMER, day: "2026-10-01", visits: 1 },
  });
  await prisma.customerScore.create({
    data: {
      shop,
      customerShopifyId: CUSTOMER,
      score: 80,
      probability: 0.8,
      confidence: "high",
      level: "high",
      tier: "vip",
      rfmGroup: "AT_RISK",
      lifecycle: "lapsing",
      changedAt: new Date(),
      modelVersion: "test",
      scoredAt: at,
    },
  });
  await prisma.alert.create({ data: { shop, customerShopifyId: CUSTOMER, cause: "risk-level", level: "high" } });
  await prisma.winBackAction.create({ data: { shop, customerShopifyId: CUSTOMER, campaignKey: "2026-10" } });
}

/** The stored customer row's personal fields and aggregates, and whether it is still redacted. */
async function redactedTombstone(shop: string) {
  const row = await prisma.customer.findUniqueOrThrow({ where: { shop_shopifyId: { shop, shopifyId: CUSTOMER } } });
  return {
    redacted: row.redactedAt !== null,
    personal: [row.email, row.firstName, row.lastName, row.country, row.locale, row.state, row.tags],
    marketingConsent: row.marketingConsent,
    aggregates: {
      ordersCount: row.ordersCount,
      purchaseDays: row.purchaseDays,
      totalSpent: Number(row.totalSpent),
      firstOrderAt: row.firstOrderAt,
      lastOrderAt: row.lastOrderAt,
      recentIntervals: row.recentIntervals,
    },
  };
}

const EMPTIED = {
  redacted: true,
  personal: [null, null, null, null, null, null, null],
  marketingConsent: false,
  aggregates: {
    ordersCount: 0,
    purchaseDays: 0,
    totalSpent: 0,
    firstOrderAt: null,
    lastOrderAt: null,
    recentIntervals: "[]",
  },
};

async function rowsOfCustomer(shop: string) {
  const byCustomer = { shop, customerShopifyId: CUSTOMER };
  const [events, activity, scores, alerts, actions, requests] = await Promise.all([
    prisma.storefrontEvent.count({ where: { shop } }),
    prisma.customerDailyActivity.count({ where: byCustomer }),
    prisma.customerScore.count({ where: byCustomer }),
    prisma.alert.count({ where: byCustomer }),
    prisma.winBackAction.count({ where: byCustomer }),
    prisma.customerDataRequest.count({ where: byCustomer }),
  ]);
  return { events, activity, scores, alerts, actions, requests };
}

describe("customers/data_request", () => {
  it("records the customer's export once, with their orders and events and exact 64-bit ids", async () => {
    const shop = uniqueShop();
    await seedCustomer(shop);
    const delivery = {
      topic: "customers/data_request",
      shop,
      body: null,
      rawBody: dataRequestBody(shop),
      webhookId: "dr-1",
    };
    expect((await deliver(customersDataRequest, delivery)).status).toBe(200);
    expect((await deliver(customersDataRequest, delivery)).status).toBe(200);
    // Shopify may also send the same request again as a new delivery.
    expect((await deliver(customersDataRequest, { ...delivery, webhookId: "dr-2" })).status).toBe(200);

    const requests = await prisma.customerDataRequest.findMany({ where: { shop } });
    expect(requests).toHaveLength(1);
    expect(requests[0].customerShopifyId).toBe(CUSTOMER);
    expect(requests[0].requestId).toBe("9223372036854775807");
    const data = JSON.parse(requests[0].export) as {
      customer: { shopifyId: string } | null;
      orders: { shopifyId: string; totalShop: string }[];
      storefrontEvents: { eventId: string }[];
      score: { score: number } | null;
      alerts: unknown[];
      winBackActions: unknown[];
    };
    expect(data.customer?.shopifyId).toBe(CUSTOMER);
    expect(data.orders.map((o) => o.shopifyId).sort()).toEqual([ORDER, OTHER_ORDER]);
    expect(data.orders[1].totalShop).toBe("398");
    expect(data.storefrontEvents.map((e) => e.eventId).sort()).toEqual(["e-1", "e-2"]);
    expect(data.score?.score).toBe(80);
    expect(data.alerts).toHaveLength(1);
    expect(data.winBackActions).toHaveLength(1);
  });

  it("records a request about a customer it has never seen, with an empty export", async () => {
    const shop = uniqueShop();
    const response = await deliver(customersDataRequest, {
      topic: "customers/data_request",
      shop,
      body: null,
      rawBody: dataRequestBody(shop, "207119551", "1"),
    });
    expect(response.status).toBe(200);
    const request = await prisma.customerDataRequest.findFirstOrThrow({ where: { shop } });
    expect(JSON.parse(request.export)).toMatchObject({ customer: null, orders: [], storefrontEvents: [] });
    expect(await prisma.customer.count({ where: { shop } })).toBe(0);
  });

  it("rejects a request without its data_request id, and records nothing", async () => {
    const shop = uniqueShop();
    const rawBody = `{"shop_domain":"${shop}","customer":{"id":${CUSTOMER}},"orders_requested":[]}`;
    const response = await deliver(customersDataRequest, {
      topic: "customers/data_request",
      shop,
      body: null,
      rawBody,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("data_request");
    expect(await prisma.customerDataRequest.count({ where: { shop } })).toBe(0);
  });
});

describe("customers/redact", () => {
  it("empties the bodies of failed deliveries about the customer, and only those", async () => {
    const shop = uniqueShop();
    await seedCustomer(shop);
    const failed = (webhookId: string, customerId: string) =>
      prisma.webhookDelivery.create({
        data: {
          shop,
          webhookId,
          topic: "customers/update",
          status: "failed",
          reason: "set aside",
          payload: `{"admin_graphql_api_id":"gid://shopify/Customer/${customerId}","email":"someone@example.com"}`,
        },
      });
    await failed("failed-about-them", CUSTOMER);
    await failed("failed-about-another", `${CUSTOMER}9`);

    await deliver(customersRedact, { topic: "customers/redact", shop, body: null, rawBody: redactBody(shop) });

    const rows = await prisma.webhookDelivery.findMany({
      where: { shop, status: "failed" },
      orderBy: { webhookId: "asc" },
    });
    expect(rows.map((row) => [row.webhookId, row.payload === null])).toEqual([
      ["failed-about-another", false],
      ["failed-about-them", true],
    ]);
  });

  it("erases the customer's personal data and events, detaches their orders, and keeps other shops intact", async () => {
    const shop = uniqueShop();
    const neighbour = uniqueShop();
    await seedCustomer(shop);
    await seedCustomer(neighbour);
    await deliver(customersDataRequest, {
      topic: "customers/data_request",
      shop,
      body: null,
      rawBody: dataRequestBody(shop),
    });

    const response = await deliver(customersRedact, {
      topic: "customers/redact",
      shop,
      body: null,
      rawBody: redactBody(shop),
    });
    expect(response.status).toBe(200);

    const customer = await prisma.customer.findUniqueOrThrow({
      where: { shop_shopifyId: { shop, shopifyId: CUSTOMER } },
    });
    expect(customer.redactedAt).not.toBeNull();
    expect([customer.email, customer.firstName, customer.lastName, customer.country]).toEqual([null, null, null, null]);
    expect(customer.ordersCount).toBe(0);
    // Only the stranger's event is left; the customer's logged-in and anonymous events are gone.
    expect(await rowsOfCustomer(shop)).toEqual({
      events: 1,
      activity: 0,
      scores: 0,
      alerts: 0,
      actions: 0,
      requests: 0,
    });
    const orders = await prisma.order.findMany({ where: { shop } });
    expect(orders).toHaveLength(2);
    expect(orders.every((o) => o.customerShopifyId === null)).toBe(true);

    expect(await rowsOfCustomer(neighbour)).toEqual({
      events: 3,
      activity: 1,
      scores: 1,
      alerts: 1,
      actions: 1,
      requests: 0,
    });
    const untouched = await prisma.customer.findFirstOrThrow({ where: { shop: neighbour, shopifyId: CUSTOMER } });
    expect(untouched.redactedAt).toBeNull();
    expect(untouched.ordersCount).toBe(1);
  });

  it("keeps a redacted customer redacted when a late customers/update arrives", async () => {
    const shop = uniqueShop();
    await deliver(customersCreate, {
      topic: "customers/create",
      shop,
      body: customerPayload({ customerId: CUSTOMER }),
    });
    await deliver(customersRedact, { topic: "customers/redact", shop, body: null, rawBody: redactBody(shop) });
    const late = customerPayload({ customerId: CUSTOMER, updatedAt: "2027-01-01T00:00:00Z" });
    const response = await deliver(customersUpdate, {
      topic: "customers/update",
      shop,
      body: late,
      webhookId: "late-update",
    });
    expect(response.status).toBe(200);
    expect(await redactedTombstone(shop)).toEqual(EMPTIED);
    const trace = await prisma.webhookDelivery.findFirstOrThrow({ where: { shop, webhookId: "late-update" } });
    expect(trace.status).toBe("ignored");
  });

  it("answers 200 for a customer it does not know and changes nothing", async () => {
    const shop = uniqueShop();
    await seedCustomer(shop);
    const before = await rowsOfCustomer(shop);
    const response = await deliver(customersRedact, {
      topic: "customers/redact",
      shop,
      body: null,
      rawBody: `{"shop_id":954889,"shop_domain":"${shop}","customer":{"id":207119551},"orders_to_redact":[]}`,
    });
    expect(response.status).toBe(200);
    expect(await rowsOfCustomer(shop)).toEqual(before);
    expect(await prisma.customer.count({ where: { shop } })).toBe(1);
    expect(await prisma.customer.count({ where: { shop, shopifyId: "207119551" } })).toBe(0);
    const trace = await prisma.webhookDelivery.findFirstOrThrow({ where: { shop, topic: "CUSTOMERS_REDACT" } });
    expect(trace.status).toBe("ignored");
  });

  it("rejects a redact request without a customer and deletes nothing", async () => {
    const shop = uniqueShop();
    await seedCustomer(shop);
    const response = await deliver(customersRedact, {
      topic: "customers/redact",
      shop,
      body: null,
      rawBody: `{"shop_id":954889,"shop_domain":"${shop}","orders_to_redact":[]}`,
    });
    expect(response.status).toBe(400);
    expect((await rowsOfCustomer(shop)).events).toBe(3);
  });
});

describe("orders arriving after customers/redact", () => {
  const NEW_ORDER = "820982911946154600";
  const OTHER_CUSTOMER = "115310627314723999";

  /** A customer with a profile, two orders of theirs and a guest order, then redacted. */
  async function redactedCustomerShop() {
    const shop = uniqueShop();
    await deliver(customersCreate, {
      topic: "customers/create",
      shop,
      body: customerPayload({ customerId: CUSTOMER }),
    });
    await seedCustomer(shop);
    await deliver(ordersCreate, {
      topic: "orders/create",
      shop,
      body: orderPayload({ orderId: NEW_ORDER, createdAt: "2026-10-20T10:00:00Z", totalShop: "120.00" }),
    });
    expect((await prisma.customer.findFirstOrThrow({ where: { shop, shopifyId: CUSTOMER } })).ordersCount).toBe(2);
    await deliver(customersRedact, { topic: "customers/redact", shop, body: null, rawBody: redactBody(shop) });
    expect(await redactedTombstone(shop)).toEqual(EMPTIED);
    return shop;
  }

  const linksOf = async (shop: string) =>
    Object.fromEntries(
      (await prisma.order.findMany({ where: { shop }, orderBy: { shopifyId: "asc" } })).map((o) => [
        o.shopifyId,
        o.customerShopifyId,
      ]),
    );

  it("stores a late orders/updated and orders/create without the customer, and brings nothing of them back", async () => {
    const shop = await redactedCustomerShop();

    // A refund on one of their orders, and an order Shopify created before the redaction but
    // delivered after it: each a delivery of its own, applied as a batch of one.
    const refunded = orderPayload({ updatedAt: "2026-12-01T00:00:00Z", currentTotalShop: "300.00" });
    const late = orderPayload({ orderId: "820982911946154601", createdAt: "2026-12-02T10:00:00Z" });
    const responses = [
      await deliver(ordersUpdated, { topic: "orders/updated", shop, body: refunded, webhookId: "late-updated" }),
      await deliver(ordersCreate, { topic: "orders/create", shop, body: late, webhookId: "late-create" }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200]);

    expect(await linksOf(shop)).toEqual({
      [ORDER]: null,
      [OTHER_ORDER]: null,
      [NEW_ORDER]: null,
      "820982911946154601": null,
    });
    // The new versions were stored: their amounts still count for the shop.
    const updated = await prisma.order.findUniqueOrThrow({ where: { shop_shopifyId: { shop, shopifyId: ORDER } } });
    expect(updated.shopifyUpdatedAt.toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(Number(updated.refundedShop)).toBe(98);
    const traces = await prisma.webhookDelivery.findMany({
      where: { shop, webhookId: { in: ["late-updated", "late-create"] } },
    });
    expect(traces.map((t) => t.status)).toEqual(["processed", "processed"]);

    expect(await redactedTombstone(shop)).toEqual(EMPTIED);
    expect(await prisma.customer.count({ where: { shop } })).toBe(1);
    await scoreShop(shop, { now: new Date("2026-12-10T00:00:00Z") });
    expect(await rowsOfCustomer(shop)).toEqual({
      events: 1,
      activity: 0,
      scores: 0,
      alerts: 0,
      actions: 0,
      requests: 0,
    });
    expect(await prisma.customerScoreSnapshot.count({ where: { shop, customerShopifyId: CUSTOMER } })).toBe(0);
  });

  it("never recomputes a tombstone's aggregates, even from orders still linked to it", async () => {
    const shop = await redactedCustomerShop();
    // As a version written before redacted customers were checked left them.
    await prisma.order.updateMany({
      where: { shop, shopifyId: { in: [ORDER, NEW_ORDER] } },
      data: { customerShopifyId: CUSTOMER },
    });
    const refunded = orderPayload({ updatedAt: "2026-12-01T00:00:00Z", currentTotalShop: "300.00" });
    await deliver(ordersUpdated, { topic: "orders/updated", shop, body: refunded });
    expect((await linksOf(shop))[ORDER]).toBeNull();
    expect(await redactedTombstone(shop)).toEqual(EMPTIED);
  });

  it.skipIf(parseDatabaseUrl(process.env.DATABASE_URL).provider !== "postgresql")(
    "makes a batch outside the webhook queue (a backfill page) wait for a redaction in progress",
    async () => {
      const shop = uniqueShop();
      await deliver(ordersCreate, { topic: "orders/create", shop, body: orderPayload() });
      let release = () => undefined as void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const redaction = prisma.$transaction(
        async (tx) => {
          await redactCustomerData(tx, shop, CUSTOMER, [], new Date());
          await held;
        },
        { timeout: 10_000 },
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const late = orderVersionFrom(orderPayload({ orderId: NEW_ORDER, createdAt: "2026-10-20T10:00:00Z" }));
      let written = false;
      const page = prisma
        .$transaction((tx) => ingestVersions(tx, shop, { customers: [], orders: [late] }), { timeout: 10_000 })
        .then(() => (written = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(written).toBe(false);
      release();
      await redaction;
      await page;
      expect(await linksOf(shop)).toEqual({ [ORDER]: null, [NEW_ORDER]: null });
      expect((await redactedTombstone(shop)).aggregates).toEqual(EMPTIED.aggregates);
    },
  );

  describe("in one drained batch", () => {
    beforeAll(() => setAutoDrain(false));
    afterAll(() => setAutoDrain(true));

    it("unlinks only the redacted customer's orders, and keeps their profile empty", async () => {
      const shop = await redactedCustomerShop();
      const posted = await Promise.all([
        postWebhook(ordersUpdated, {
          topic: "orders/updated",
          shop,
          body: orderPayload({
            orderId: NEW_ORDER,
            createdAt: "2026-10-20T10:00:00Z",
            updatedAt: "2026-12-01T00:00:00Z",
          }),
        }),
        postWebhook(ordersCreate, {
          topic: "orders/create",
          shop,
          body: orderPayload({ orderId: "820982911946154601", customerId: OTHER_CUSTOMER, totalShop: "50.00" }),
        }),
        postWebhook(customersUpdate, {
          topic: "customers/update",
          shop,
          body: customerPayload({ customerId: CUSTOMER, updatedAt: "2027-01-01T00:00:00Z" }),
        }),
        postWebhook(customersUpdate, {
          topic: "customers/update",
          shop,
          body: customerPayload({ customerId: OTHER_CUSTOMER, updatedAt: "2027-01-01T00:00:00Z" }),
        }),
      ]);
      expect(posted.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(await drainWebhookQueue({ shop })).toMatchObject({ batches: 1, processed: 3, ignored: 1, failed: 0 });

      expect(await linksOf(shop)).toEqual({
        [ORDER]: null,
        [OTHER_ORDER]: null,
        [NEW_ORDER]: null,
        "820982911946154601": OTHER_CUSTOMER,
      });
      expect(await redactedTombstone(shop)).toEqual(EMPTIED);
      const other = await prisma.customer.findUniqueOrThrow({
        where: { shop_shopifyId: { shop, shopifyId: OTHER_CUSTOMER } },
      });
      expect([other.email, other.ordersCount, Number(other.totalSpent), other.redactedAt]).toEqual([
        "bob@biller.com",
        1,
        50,
        null,
      ]);
    });
  });
});

describe("shop/redact", () => {
  it("deletes every row of the shop in every shop-scoped table, and nothing of other shops", async () => {
    const shop = uniqueShop();
    const neighbour = uniqueShop();
    for (const s of [shop, neighbour]) {
      await seedCustomer(s);
      await prisma.session.create({ data: { id: `offline_${s}`, shop: s, state: "x", accessToken: "shpat_test" } });
      await prisma.backfillRun.create({ data: { shop: s, status: "completed" } });
      await prisma.syncCursor.create({ data: { shop: s, name: "reconcile:orders", value: "2026-10-01T00:00:00Z" } });
      await prisma.rule.create({ data: { shop: s, name: "r", source: "days_since_last_order > 90", level: "high" } });
      await prisma.customerScoreSnapshot.create({
        data: { shop: s, customerShopifyId: CUSTOMER, day: "2026-10-01", score: 1, level: "low", tier: "t" },
      });
      await deliver(customersDataRequest, {
        topic: "customers/data_request",
        shop: s,
        body: null,
        rawBody: dataRequestBody(s),
      });
    }

    const delivery = { topic: "shop/redact", shop, body: null, rawBody: shopRedactBody(shop), webhookId: "sr-1" };
    expect((await deliver(shopRedact, delivery)).status).toBe(200);
    expect((await deliver(shopRedact, delivery)).status).toBe(200);

    const models = shopScopedModels();
    const seeded = [
      "Session",
      "Customer",
      "Order",
      "StorefrontEvent",
      "CustomerDailyActivity",
      "CustomerScore",
      "CustomerScoreSnapshot",
      "Rule",
      "Alert",
      "WinBackAction",
      "WebhookDelivery",
      "BackfillRun",
      "CustomerDataRequest",
      "SyncCursor",
    ];
    expect(models).toEqual(expect.arrayContaining(["Customer", "Order", "StorefrontEvent", "Session", "BackfillRun"]));
    type Counter = { count(args: { where: { shop: string } }): Promise<number> };
    const delegates = prisma as unknown as Record<string, Counter>;
    for (const model of models) {
      const delegate = delegates[model.charAt(0).toLowerCase() + model.slice(1)];
      const left = await delegate.count({ where: { shop } });
      expect({ model, left }).toEqual({ model, left: model === "WebhookDelivery" ? 1 : 0 });
      if (seeded.includes(model)) {
        expect({ model, neighbourKept: (await delegate.count({ where: { shop: neighbour } })) > 0 }).toEqual({
          model,
          neighbourKept: true,
        });
      }
    }
    expect(await prisma.shop.findUnique({ where: { domain: shop } })).toBeNull();
    expect(await prisma.shop.findUnique({ where: { domain: neighbour } })).not.toBeNull();
  });
});
