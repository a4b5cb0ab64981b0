import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import prisma from "~/db.server";
import { parseDatabaseUrl } from "~/lib/database-url";
import { enqueueDelivery, lockShopQueue } from "~/models/webhook-delivery.server";
import { action as customersCreate } from "~/routes/webhooks.customers.create";
import { action as customersRedact } from "~/routes/webhooks.customers.redact";
import { action as ordersCreate } from "~/routes/webhooks.orders.create";
import { action as ordersUpdated } from "~/routes/webhooks.orders.updated";
import * as ingestion from "~/services/ingestion.server";
import { drainWebhookQueue, MAX_DELIVERY_ATTEMPTS, setAutoDrain } from "~/services/webhook-queue.server";

import { customerPayload, orderPayload } from "./fixtures/shopify/order-payload";
import { postWebhook as deliver, uniqueShop } from "./support/shopify-webhooks";

// The queue itself: these tests drain by hand, so nothing is applied behind their back.
beforeAll(() => setAutoDrain(false));
afterAll(() => setAutoDrain(true));
afterEach(() => vi.restoreAllMocks());

const onPostgres = parseDatabaseUrl(process.env.DATABASE_URL).provider === "postgresql";
const CUSTOMER = "115310627314723954";
const ORDER = "820982911946154508";

const deliveries = (shop: string) =>
  prisma.webhookDelivery.findMany({ where: { shop }, orderBy: [{ receivedAt: "asc" }, { id: "asc" }] });

const orderNumber = (i: number) => String(820982911946154600n + BigInt(i));

describe("a queued delivery", () => {
  it("is answered 200 once stored as pending with its body, and applied by the next drain", async () => {
    const shop = uniqueShop();
    const response = await deliver(ordersCreate, {
      topic: "orders/create",
      shop,
      body: orderPayload(),
      webhookId: "q-1",
      eventId: "e-1",
    });
    expect(response.status).toBe(200);
    const [waiting] = await deliveries(shop);
    expect(waiting).toMatchObject({ status: "pending", topic: "ORDERS_CREATE", eventId: "e-1", attempts: 0 });
    expect(JSON.parse(waiting.payload ?? "")).toMatchObject({ admin_graphql_api_id: `gid://shopify/Order/${ORDER}` });
    expect(await prisma.order.count({ where: { shop } })).toBe(0);

    // As after a restart: whatever was stored before it is applied by the next drain.
    const result = await drainWebhookQueue({ shop });
    expect(result).toMatchObject({ processed: 1, ignored: 0, retry: 0, failed: 0 });
    const [done] = await deliveries(shop);
    expect(done).toMatchObject({ status: "processed", payload: null, attempts: 1 });
    expect(done.processedAt).not.toBeNull();
    const customer = await prisma.customer.findUniqueOrThrow({
      where: { shop_shopifyId: { shop, shopifyId: CUSTOMER } },
    });
    expect(customer.ordersCount).toBe(1);
    expect(Number(customer.totalSpent)).toBe(398);
  });

  it("seen again, before or after it was applied, stays one row and is applied once", async () => {
    const shop = uniqueShop();
    const delivery = { topic: "orders/create", shop, body: orderPayload(), webhookId: "dup-1" };
    for (let i = 0; i < 3; i++) expect((await deliver(ordersCreate, delivery)).status).toBe(200);
    await drainWebhookQueue({ shop });
    for (let i = 0; i < 3; i++) expect((await deliver(ordersCreate, delivery)).status).toBe(200);
    expect(await drainWebhookQueue({ shop })).toMatchObject({ processed: 0, ignored: 0 });
    expect(await prisma.webhookDelivery.count({ where: { shop } })).toBe(1);
    expect(await prisma.order.count({ where: { shop } })).toBe(1);
    expect((await prisma.customer.findFirstOrThrow({ where: { shop } })).ordersCount).toBe(1);
  });
});

describe("deliveries arriving together", () => {
  it("share inserts, and one arriving several times at once is still one row, applied once", async () => {
    const shop = uniqueShop();
    const same = { topic: "orders/create", shop, body: orderPayload(), webhookId: "same-at-once" };
    const others = Array.from({ length: 6 }, (_, i) => ({
      topic: "orders/create",
      shop,
      body: orderPayload({ orderId: orderNumber(i), createdAt: `2026-10-1${i}T10:00:00Z` }),
    }));
    const responses = await Promise.all([same, ...others, same, same].map((d) => deliver(ordersCreate, d)));
    expect(responses.map((r) => r.status)).toEqual(Array(9).fill(200));
    expect(await prisma.webhookDelivery.count({ where: { shop, status: "pending" } })).toBe(7);
    expect(await drainWebhookQueue({ shop })).toMatchObject({ processed: 7, ignored: 0 });
    expect(await prisma.order.count({ where: { shop } })).toBe(7);
    expect((await prisma.customer.findFirstOrThrow({ where: { shop } })).ordersCount).toBe(7);
  });
});

describe("a drain", () => {
  it("applies two versions of one order in one batch newest-wins, whichever arrived first", async () => {
    for (const newerFirst of [true, false]) {
      const shop = uniqueShop();
      const older = orderPayload({ updatedAt: "2026-10-02T10:00:00Z", currentTotalShop: "300.00" });
      const newer = orderPayload({ updatedAt: "2026-10-03T10:00:00Z", currentTotalShop: "250.00" });
      const [first, second] = newerFirst ? [newer, older] : [older, newer];
      await deliver(ordersUpdated, { topic: "orders/updated", shop, body: first, webhookId: "v-1" });
      await deliver(ordersUpdated, { topic: "orders/updated", shop, body: second, webhookId: "v-2" });

      const result = await drainWebhookQueue({ shop });
      expect(result).toMatchObject({ batches: 1, processed: 1, ignored: 1 });
      const order = await prisma.order.findFirstOrThrow({ where: { shop } });
      expect(order.shopifyUpdatedAt.toISOString()).toBe("2026-10-03T10:00:00.000Z");
      expect(order.refundedShop.toString()).toBe("148");
      expect(Number((await prisma.customer.findFirstOrThrow({ where: { shop } })).totalSpent)).toBe(250);
      const statuses = (await deliveries(shop)).map((d) => [d.webhookId, d.status]);
      expect(statuses).toEqual(
        newerFirst
          ? [
              ["v-1", "processed"],
              ["v-2", "ignored"],
            ]
          : [
              ["v-1", "ignored"],
              ["v-2", "processed"],
            ],
      );
    }
  });

  it("that dies mid-batch leaves every delivery pending and nothing half-written; the next applies each once", async () => {
    const shop = uniqueShop();
    for (let i = 0; i < 3; i++) {
      await deliver(ordersCreate, {
        topic: "orders/create",
        shop,
        body: orderPayload({ orderId: orderNumber(i), createdAt: `2026-10-1${i}T10:00:00Z` }),
      });
    }
    const real = ingestion.ingestVersions;
    // Writes everything, then fails before the transaction commits: as a process killed there.
    vi.spyOn(ingestion, "ingestVersions").mockImplementation(async (tx, s, batch) => {
      await real(tx, s, batch);
      throw new Error("killed mid-batch");
    });
    const failed = await drainWebhookQueue({ shop });
    expect(failed).toMatchObject({ processed: 0, retry: 3, failed: 0 });
    expect(await prisma.order.count({ where: { shop } })).toBe(0);
    expect(await prisma.customer.count({ where: { shop } })).toBe(0);
    expect((await deliveries(shop)).map((d) => [d.status, d.attempts])).toEqual([
      ["pending", 1],
      ["pending", 1],
      ["pending", 1],
    ]);

    vi.mocked(ingestion.ingestVersions).mockRestore();
    expect(await drainWebhookQueue({ shop })).toMatchObject({ processed: 3, retry: 0 });
    expect(await prisma.order.count({ where: { shop } })).toBe(3);
    expect((await prisma.customer.findFirstOrThrow({ where: { shop } })).ordersCount).toBe(3);
    expect((await deliveries(shop)).every((d) => d.status === "processed" && d.payload === null)).toBe(true);
  });

  it("sets a poison delivery aside with its body after repeated failures, and applies the rest", async () => {
    const shop = uniqueShop();
    const poison = orderNumber(66);
    for (const id of [orderNumber(1), poison, orderNumber(2)]) {
      await deliver(ordersCreate, { topic: "orders/create", shop, body: orderPayload({ orderId: id }), webhookId: id });
    }
    const real = ingestion.ingestVersions;
    vi.spyOn(ingestion, "ingestVersions").mockImplementation(async (tx, s, batch) => {
      if (batch.orders.some((o) => o.shopifyId === poison)) throw new Error("cannot store this one");
      return real(tx, s, batch);
    });

    expect(await drainWebhookQueue({ shop })).toMatchObject({ processed: 2, retry: 1, failed: 0 });
    for (let attempt = 2; attempt <= MAX_DELIVERY_ATTEMPTS; attempt++) await drainWebhookQueue({ shop });

    const rows = await deliveries(shop);
    const set = rows.find((d) => d.webhookId === poison);
    expect(set).toMatchObject({ status: "failed", attempts: MAX_DELIVERY_ATTEMPTS, reason: "Error" });
    expect(set?.payload).toContain(poison);
    expect(rows.filter((d) => d.status === "processed")).toHaveLength(2);
    expect(await prisma.order.count({ where: { shop } })).toBe(2);
    // Set aside: later drains leave it alone.
    expect(await drainWebhookQueue({ shop })).toMatchObject({ processed: 0, retry: 0, failed: 0 });
  });

  it("sets aside at once a stored body that no longer validates, without blocking its batch", async () => {
    const shop = uniqueShop();
    await enqueueDelivery({ shop, webhookId: "broken", topic: "ORDERS_CREATE" }, '{"admin_graphql_api_id":"x"}');
    await enqueueDelivery({ shop, webhookId: "garbled", topic: "CUSTOMERS_UPDATE" }, "{not json");
    await deliver(ordersCreate, { topic: "orders/create", shop, body: orderPayload(), webhookId: "fine" });

    expect(await drainWebhookQueue({ shop })).toMatchObject({ processed: 1, failed: 2 });
    const rows = await deliveries(shop);
    expect(rows.map((d) => [d.webhookId, d.status])).toEqual([
      ["broken", "failed"],
      ["garbled", "failed"],
      ["fine", "processed"],
    ]);
    expect(rows[0].reason).toContain("admin_graphql_api_id");
    expect(rows[0].payload).not.toBeNull();
    expect(rows[1].reason).toBe("stored body is not valid JSON");
  });
});

describe("privacy and the queue", () => {
  it("a customers/redact is applied after the customer's queued deliveries, and a late update cannot undo it", async () => {
    const shop = uniqueShop();
    await deliver(customersCreate, {
      topic: "customers/create",
      shop,
      body: customerPayload({ customerId: CUSTOMER }),
    });
    await deliver(ordersCreate, { topic: "orders/create", shop, body: orderPayload() });
    expect(await prisma.customer.count({ where: { shop } })).toBe(0);

    const redact =
      `{"shop_id":954889,"shop_domain":"${shop}","customer":{"id":${CUSTOMER},"email":"john@example.com"},` +
      `"orders_to_redact":[${ORDER}]}`;
    const response = await deliver(customersRedact, { topic: "customers/redact", shop, body: null, rawBody: redact });
    expect(response.status).toBe(200);
    const redacted = await prisma.customer.findUniqueOrThrow({
      where: { shop_shopifyId: { shop, shopifyId: CUSTOMER } },
    });
    expect(redacted.redactedAt).not.toBeNull();
    expect([redacted.email, redacted.firstName]).toEqual([null, null]);
    expect((await prisma.order.findFirstOrThrow({ where: { shop } })).customerShopifyId).toBeNull();

    const late = customerPayload({ customerId: CUSTOMER, updatedAt: "2027-01-01T00:00:00Z" });
    await deliver(customersCreate, { topic: "customers/update", shop, body: late });
    await drainWebhookQueue({ shop });
    const after = await prisma.customer.findUniqueOrThrow({ where: { shop_shopifyId: { shop, shopifyId: CUSTOMER } } });
    expect(after.email).toBeNull();
    expect(await prisma.webhookDelivery.count({ where: { shop, status: "pending" } })).toBe(0);
  });
});

// Several processes each run their own drain: on PostgreSQL a shop's queue key says who has it.
describe.skipIf(!onPostgres)("drains in several processes", () => {
  it("leave a shop another process is draining to that process, and take the other shops", async () => {
    const busy = uniqueShop();
    const free = uniqueShop();
    for (const shop of [busy, free]) {
      await deliver(ordersCreate, { topic: "orders/create", shop, body: orderPayload() });
    }
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // Another process's drain of `busy`, in the middle of its transaction.
    const other = prisma.$transaction(
      async (tx) => {
        await lockShopQueue(tx, busy);
        locked();
        await held;
      },
      { timeout: 20_000 },
    );
    await isLocked;
    try {
      await drainWebhookQueue();
      expect(await prisma.order.count({ where: { shop: free } })).toBe(1);
      expect(await prisma.order.count({ where: { shop: busy } })).toBe(0);
      expect((await deliveries(busy))[0].status).toBe("pending");
    } finally {
      release();
      await other;
    }
    await drainWebhookQueue();
    expect(await prisma.order.count({ where: { shop: busy } })).toBe(1);
  });
});
