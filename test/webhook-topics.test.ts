import { readdirSync, readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import prisma from "~/db.server";
import { jobs } from "~/jobs/index.server";
import { action as anyTopic } from "~/routes/webhooks.$";
import { action as appUninstalled } from "~/routes/webhooks.app.uninstalled";
import { action as bulkFinish } from "~/routes/webhooks.bulk_operations.finish";
import { action as customersCreate } from "~/routes/webhooks.customers.create";
import { action as customersDataRequest } from "~/routes/webhooks.customers.data_request";
import { action as customersDelete } from "~/routes/webhooks.customers.delete";
import { action as customersRedact } from "~/routes/webhooks.customers.redact";
import { action as customersUpdate } from "~/routes/webhooks.customers.update";
import { action as ordersCancelled } from "~/routes/webhooks.orders.cancelled";
import { action as ordersCreate } from "~/routes/webhooks.orders.create";
import { action as ordersPaid } from "~/routes/webhooks.orders.paid";
import { action as ordersUpdated } from "~/routes/webhooks.orders.updated";
import { action as shopRedact } from "~/routes/webhooks.shop.redact";

import { customerPayload, orderPayload } from "./fixtures/shopify/order-payload";
import { deliverAndDrain as deliver, uniqueShop } from "./support/shopify-webhooks";

const CUSTOMER = "115310627314723954";
const ORDER = "820982911946154508";

async function counts(shop: string) {
  const [orders, customers, deliveries, sessions] = await Promise.all([
    prisma.order.count({ where: { shop } }),
    prisma.customer.count({ where: { shop } }),
    prisma.webhookDelivery.count({ where: { shop } }),
    prisma.session.count({ where: { shop } }),
  ]);
  return { orders, customers, deliveries, sessions };
}

const customerRow = (shop: string, shopifyId = CUSTOMER) =>
  prisma.customer.findUniqueOrThrow({ where: { shop_shopifyId: { shop, shopifyId } } });

describe("every subscribed topic has its route", () => {
  it("maps each webhook URI in shopify.app.toml to a route file", () => {
    const toml = readFileSync("shopify.app.toml", "utf8");
    const uris = [...toml.matchAll(/^\s*uri\s*=\s*"\/webhooks\/([^"]+)"/gm)].map((m) => m[1]);
    expect(uris.length).toBeGreaterThanOrEqual(12);
    const routes = new Set(readdirSync("app/routes"));
    const missing = uris.filter((uri) => !routes.has(`webhooks.${uri.split("/").join(".")}.tsx`));
    expect(missing).toEqual([]);
  });

  const everyRoute = [
    ["orders/updated", ordersUpdated],
    ["orders/paid", ordersPaid],
    ["orders/cancelled", ordersCancelled],
    ["customers/update", customersUpdate],
    ["customers/delete", customersDelete],
    ["customers/data_request", customersDataRequest],
    ["customers/redact", customersRedact],
    ["shop/redact", shopRedact],
    ["app/uninstalled", appUninstalled],
    ["bulk_operations/finish", bulkFinish],
    ["products/create", anyTopic],
  ] as const;

  it.each(everyRoute)("%s refuses a forged signature with 401 and writes nothing", async (topic, action) => {
    const shop = uniqueShop();
    const response = await deliver(action, { topic, shop, body: orderPayload(), secret: "not-the-secret" });
    expect(response.status).toBe(401);
    expect(await counts(shop)).toEqual({ orders: 0, customers: 0, deliveries: 0, sessions: 0 });
  });
});

describe("order topics", () => {
  it("orders/updated applies a refund: net spend drops, shop and presentment money stay apart", async () => {
    const shop = uniqueShop();
    await deliver(ordersCreate, { topic: "orders/create", shop, body: orderPayload() });
    const refunded = orderPayload({ updatedAt: "2026-10-05T09:00:00Z", currentTotalShop: "298.00" });
    expect((await deliver(ordersUpdated, { topic: "orders/updated", shop, body: refunded })).status).toBe(200);

    const order = await prisma.order.findUniqueOrThrow({ where: { shop_shopifyId: { shop, shopifyId: ORDER } } });
    expect(order.refundedShop.toString()).toBe("100");
    expect(order.totalShop.toString()).toBe("398");
    expect(order.currencyPresentment).toBe("EUR");
    const customer = await customerRow(shop);
    expect(Number(customer.totalSpent)).toBe(298);
    expect(customer.ordersCount).toBe(1);
  });

  it("orders/paid records the financial status of the newer version", async () => {
    const shop = uniqueShop();
    const pending = { ...orderPayload(), financial_status: "pending" };
    const paid = { ...orderPayload({ updatedAt: "2026-10-01T18:00:00Z" }), financial_status: "paid" };
    await deliver(ordersCreate, { topic: "orders/create", shop, body: pending });
    expect((await deliver(ordersPaid, { topic: "orders/paid", shop, body: paid })).status).toBe(200);
    const order = await prisma.order.findFirstOrThrow({ where: { shop } });
    expect(order.financialStatus).toBe("paid");
  });

  it("orders/cancelled takes the order out of the customer's aggregates", async () => {
    const shop = uniqueShop();
    await deliver(ordersCreate, { topic: "orders/create", shop, body: orderPayload() });
    await deliver(ordersCreate, {
      topic: "orders/create",
      shop,
      body: orderPayload({ orderId: "820982911946154509", createdAt: "2026-10-20T10:00:00Z" }),
    });
    expect((await customerRow(shop)).ordersCount).toBe(2);

    const cancelled = orderPayload({
      orderId: "820982911946154509",
      createdAt: "2026-10-20T10:00:00Z",
      updatedAt: "2026-10-21T10:00:00Z",
      cancelledAt: "2026-10-21T10:00:00Z",
    });
    expect((await deliver(ordersCancelled, { topic: "orders/cancelled", shop, body: cancelled })).status).toBe(200);
    const customer = await customerRow(shop);
    expect(customer.ordersCount).toBe(1);
    expect(customer.lastOrderAt?.toISOString()).toBe("2026-10-01T16:30:00.000Z");
    expect(Number(customer.totalSpent)).toBe(398);
  });

  it("resolves out-of-order deliveries across topics by updated_at", async () => {
    const shop = uniqueShop();
    const newest = orderPayload({ updatedAt: "2026-10-09T00:00:00Z", cancelledAt: "2026-10-09T00:00:00Z" });
    const older = orderPayload({ updatedAt: "2026-10-03T00:00:00Z", currentTotalShop: "350.00" });
    await deliver(ordersCancelled, { topic: "orders/cancelled", shop, body: newest });
    await deliver(ordersUpdated, { topic: "orders/updated", shop, body: older });
    await deliver(ordersPaid, { topic: "orders/paid", shop, body: orderPayload() });
    const order = await prisma.order.findFirstOrThrow({ where: { shop } });
    expect(order.cancelledAt?.toISOString()).toBe("2026-10-09T00:00:00.000Z");
    expect(order.refundedShop.toString()).toBe("0");
    expect((await customerRow(shop)).ordersCount).toBe(0);
  });

  it("stores every one of many concurrent deliveries for a new shop and customer (no lost races)", async () => {
    const shop = uniqueShop();
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        deliver(ordersCreate, {
          topic: "orders/create",
          shop,
          body: orderPayload({
            orderId: String(820982911946154600n + BigInt(i)),
            createdAt: `2026-10-${10 + i}T10:00:00Z`,
          }),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(await counts(shop)).toMatchObject({ orders: 12, customers: 1, deliveries: 12 });
    expect((await customerRow(shop)).ordersCount).toBe(12);
  });

  it("stores the same delivery 100 times as one row", async () => {
    const shop = uniqueShop();
    const delivery = { topic: "orders/updated", shop, body: orderPayload(), webhookId: "same-delivery-1" };
    for (let i = 0; i < 100; i++) expect((await deliver(ordersUpdated, delivery)).status).toBe(200);
    expect(await counts(shop)).toEqual({ orders: 1, customers: 1, deliveries: 1, sessions: 0 });
  });

  it("rejects an order payload without its updated_at, with the reason and no partial write", async () => {
    const shop = uniqueShop();
    const body: Record<string, unknown> = orderPayload();
    delete body.updated_at;
    const response = await deliver(ordersPaid, { topic: "orders/paid", shop, body });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("updated_at");
    expect(await counts(shop)).toMatchObject({ orders: 0, customers: 0 });
  });
});

describe("customer topics", () => {
  it("customers/update stores a newer version and ignores an older one", async () => {
    const shop = uniqueShop();
    const id = "706405506930370084";
    await deliver(customersCreate, { topic: "customers/create", shop, body: customerPayload() });
    const moved = customerPayload({ updatedAt: "2026-10-10T00:00:00Z", countryCode: "FR" });
    const stale = customerPayload({ updatedAt: "2026-10-02T00:00:00Z", countryCode: "IT" });
    expect((await deliver(customersUpdate, { topic: "customers/update", shop, body: moved })).status).toBe(200);
    expect((await deliver(customersUpdate, { topic: "customers/update", shop, body: stale })).status).toBe(200);
    expect((await customerRow(shop, id)).country).toBe("FR");
  });

  it("customers/delete empties the personal fields, keeps a tombstone, and a late update cannot revive it", async () => {
    const shop = uniqueShop();
    const id = "706405506930370084";
    await deliver(customersCreate, { topic: "customers/create", shop, body: customerPayload() });
    const deletion = {
      id: Number(id),
      phone: null,
      addresses: [],
      tax_exemptions: [],
      email_marketing_consent: null,
      sms_marketing_consent: null,
      admin_graphql_api_id: `gid://shopify/Customer/${id}`,
    };
    expect((await deliver(customersDelete, { topic: "customers/delete", shop, body: deletion })).status).toBe(200);
    const gone = await customerRow(shop, id);
    expect(gone.deletedAt).not.toBeNull();
    expect([gone.email, gone.firstName, gone.lastName]).toEqual([null, null, null]);

    const late = customerPayload({ updatedAt: "2026-12-01T00:00:00Z" });
    expect((await deliver(customersUpdate, { topic: "customers/update", shop, body: late })).status).toBe(200);
    expect((await customerRow(shop, id)).email).toBeNull();
  });

  it("customers/delete for a customer never seen leaves a tombstone and nothing personal", async () => {
    const shop = uniqueShop();
    const body = { id: 1, admin_graphql_api_id: "gid://shopify/Customer/9007199254740993" };
    expect((await deliver(customersDelete, { topic: "customers/delete", shop, body })).status).toBe(200);
    const row = await customerRow(shop, "9007199254740993");
    expect(row.deletedAt).not.toBeNull();
    expect(row.email).toBeNull();
  });

  it("customers/delete without a customer GID is rejected with its reason", async () => {
    const shop = uniqueShop();
    const response = await deliver(customersDelete, { topic: "customers/delete", shop, body: { id: 5 } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("admin_graphql_api_id");
    expect((await counts(shop)).customers).toBe(0);
  });
});

describe("app/uninstalled", () => {
  it("deletes the sessions, stops the shop's backfill and jobs, and keeps its data for shop/redact", async () => {
    const shop = uniqueShop();
    const other = uniqueShop();
    for (const s of [shop, other]) {
      await prisma.session.create({
        data: { id: `offline_${s}`, shop: s, state: "x", isOnline: false, accessToken: "shpat_test" },
      });
    }
    await deliver(ordersCreate, { topic: "orders/create", shop, body: orderPayload() });
    await prisma.backfillRun.create({
      data: { shop, status: "running", bulkOperationId: "gid://shopify/BulkOperation/1" },
    });
    jobs.enqueue("backfill.advance", shop, { delayMs: 60_000 });
    jobs.enqueue("backfill.advance", other, { delayMs: 60_000 });

    const body = {
      id: 548380009,
      name: "Super Toys",
      email: "super@supertoys.com",
      domain: shop,
      myshopify_domain: shop,
    };
    const response = await deliver(appUninstalled, { topic: "app/uninstalled", shop, body });
    expect(response.status).toBe(200);

    expect(await counts(shop)).toMatchObject({ sessions: 0, orders: 1, customers: 1 });
    expect((await counts(other)).sessions).toBe(1);
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: shop } })).uninstalledAt).not.toBeNull();
    expect((await prisma.backfillRun.findFirstOrThrow({ where: { shop } })).status).toBe("cancelled");
    expect(jobs.pending().map((j) => j.shop)).not.toContain(shop);
    expect(jobs.pending().map((j) => j.shop)).toContain(other);
    jobs.cancelShop(other);
  });
});

describe("a topic without a handler", () => {
  it("is verified, answered 200 and recorded once as ignored", async () => {
    const shop = uniqueShop();
    const delivery = { topic: "products/create", shop, body: { id: 1 }, webhookId: "p-1" };
    expect((await deliver(anyTopic, delivery)).status).toBe(200);
    expect((await deliver(anyTopic, delivery)).status).toBe(200);
    const rows = await prisma.webhookDelivery.findMany({ where: { shop } });
    expect(rows.map((r) => [r.topic, r.status])).toEqual([["PRODUCTS_CREATE", "ignored"]]);
  });
});
