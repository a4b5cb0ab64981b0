import { describe, expect, it } from "vitest";

import prisma from "~/db.server";
import { action as customersCreate } from "~/routes/webhooks.customers.create";
import { action as ordersCreate } from "~/routes/webhooks.orders.create";

import { customerPayload, orderPayload } from "./fixtures/shopify/order-payload";
import { drainQueuedWebhooks, signedWebhookRequest, uniqueShop } from "./support/shopify-webhooks";

/** Posts the delivery, then lets the queue apply it: assertions see what the app ends up storing. */
async function call(handler: typeof ordersCreate, request: Request): Promise<Response> {
  const response = (await handler({ request, params: {}, context: {} })) as Response;
  await drainQueuedWebhooks();
  return response;
}

async function rowsFor(shop: string) {
  const [orders, customers, deliveries] = await Promise.all([
    prisma.order.count({ where: { shop } }),
    prisma.customer.count({ where: { shop } }),
    prisma.webhookDelivery.count({ where: { shop } }),
  ]);
  return { orders, customers, deliveries };
}

describe("orders/create webhook", () => {
  it("stores a verified order in shop money, keeps the 64-bit ids exact and updates the customer", async () => {
    const shop = uniqueShop();
    const response = await call(
      ordersCreate,
      signedWebhookRequest({ topic: "orders/create", shop, body: orderPayload() }),
    );
    expect(response.status).toBe(200);

    const order = await prisma.order.findUniqueOrThrow({
      where: { shop_shopifyId: { shop, shopifyId: "820982911946154508" } },
    });
    expect(order.customerShopifyId).toBe("115310627314723954");
    expect(order.totalShop.toString()).toBe("398");
    expect(order.currencyShop).toBe("GBP");
    expect(order.totalPresentment.toString()).toBe("463.57");
    expect(order.currencyPresentment).toBe("EUR");
    expect(order.country).toBe("DE");
    expect(JSON.parse(order.discountCodes)).toEqual(["WELCOME10"]);

    const customer = await prisma.customer.findUniqueOrThrow({
      where: { shop_shopifyId: { shop, shopifyId: "115310627314723954" } },
    });
    expect(customer.ordersCount).toBe(1);
    expect(Number(customer.totalSpent)).toBe(398);
    expect(customer.lastOrderAt?.toISOString()).toBe("2026-10-01T16:30:00.000Z");
  });

  it("changes nothing when the same delivery arrives again, however often", async () => {
    const shop = uniqueShop();
    const delivery = { topic: "orders/create", shop, body: orderPayload(), webhookId: "b54557e4-bdd9-4b37-8a5f" };
    for (let i = 0; i < 5; i++) {
      const response = await call(ordersCreate, signedWebhookRequest(delivery));
      expect(response.status).toBe(200);
    }
    expect(await rowsFor(shop)).toEqual({ orders: 1, customers: 1, deliveries: 1 });
    const customer = await prisma.customer.findFirstOrThrow({ where: { shop } });
    expect(customer.ordersCount).toBe(1);
  });

  it("never lets an older version of an order overwrite a newer one", async () => {
    const shop = uniqueShop();
    const newer = orderPayload({ updatedAt: "2026-10-02T10:00:00Z", currentTotalShop: "300.00" });
    const older = orderPayload({ updatedAt: "2026-10-01T17:00:00Z" });
    await call(ordersCreate, signedWebhookRequest({ topic: "orders/updated", shop, body: newer }));
    await call(ordersCreate, signedWebhookRequest({ topic: "orders/create", shop, body: older }));
    const order = await prisma.order.findFirstOrThrow({ where: { shop } });
    expect(order.refundedShop.toString()).toBe("98");
    expect(order.shopifyUpdatedAt.toISOString()).toBe("2026-10-02T10:00:00.000Z");
  });

  it("refuses a forged signature with 401 and writes nothing", async () => {
    const shop = uniqueShop();
    const forged = signedWebhookRequest({
      topic: "orders/create",
      shop,
      body: orderPayload(),
      secret: "not-the-secret",
    });
    const response = await call(ordersCreate, forged);
    expect(response.status).toBe(401);
    expect(await rowsFor(shop)).toEqual({ orders: 0, customers: 0, deliveries: 0 });
  });

  it.each(["x-shopify-topic", "x-shopify-shop-domain", "x-shopify-api-version", "x-shopify-webhook-id"])(
    "answers 400 when %s is missing",
    async (header) => {
      const shop = uniqueShop();
      const request = signedWebhookRequest({
        topic: "orders/create",
        shop,
        body: orderPayload(),
        omitHeaders: [header],
      });
      const response = await call(ordersCreate, request);
      expect(response.status).toBe(400);
      expect(await rowsFor(shop)).toEqual({ orders: 0, customers: 0, deliveries: 0 });
    },
  );

  it("answers 400 to a correctly signed body that is not JSON, and stores nothing", async () => {
    const shop = uniqueShop();
    const request = signedWebhookRequest({ topic: "orders/create", shop, body: null, rawBody: '{"id": 1,' });
    const response = await call(ordersCreate, request);
    expect(response.status).toBe(400);
    expect(await rowsFor(shop)).toEqual({ orders: 0, customers: 0, deliveries: 0 });
  });

  it("rejects a payload without what we need with its reason, and makes no partial write", async () => {
    const shop = uniqueShop();
    const body: Record<string, unknown> = orderPayload();
    delete body.total_price_set;
    // A malformed field holding personal data: the logged and stored reason must not echo it.
    body.customer = { admin_graphql_api_id: "jon@example.com" };
    const response = await call(ordersCreate, signedWebhookRequest({ topic: "orders/create", shop, body }));
    expect(response.status).toBe(400);
    const reason = await response.text();
    expect(reason).toContain("total_price_set");
    expect(reason).toContain("customer.admin_graphql_api_id");
    expect(reason).not.toContain("jon@example.com");
    const counts = await rowsFor(shop);
    expect(counts.orders).toBe(0);
    expect(counts.customers).toBe(0);
    const trace = await prisma.webhookDelivery.findFirstOrThrow({ where: { shop } });
    expect(trace.status).toBe("rejected");
    expect(trace.reason).not.toContain("jon@example.com");
  });
});

describe("a delivery refused once", () => {
  it("is processed when Shopify retries the same webhook id with a payload we accept", async () => {
    const shop = uniqueShop();
    const broken: Record<string, unknown> = orderPayload();
    delete broken.total_price_set;
    const webhookId = "retry-after-rejection";
    const first = await call(
      ordersCreate,
      signedWebhookRequest({ topic: "orders/create", shop, body: broken, webhookId }),
    );
    expect(first.status).toBe(400);
    const retry = await call(
      ordersCreate,
      signedWebhookRequest({ topic: "orders/create", shop, body: orderPayload(), webhookId }),
    );
    expect(retry.status).toBe(200);
    expect(await rowsFor(shop)).toEqual({ orders: 1, customers: 1, deliveries: 1 });
    const delivery = await prisma.webhookDelivery.findFirstOrThrow({ where: { shop } });
    expect(delivery.status).toBe("processed");
  });
});

describe("money and size limits", () => {
  it("keeps a three-decimal currency's refund exact", async () => {
    const shop = uniqueShop();
    const body = orderPayload({ totalShop: "100.000", currentTotalShop: "87.655" });
    await call(ordersCreate, signedWebhookRequest({ topic: "orders/updated", shop, body }));
    const order = await prisma.order.findFirstOrThrow({ where: { shop } });
    expect(order.refundedShop.toString()).toBe("12.345");
  });

  it("refuses a body over 5 MB with 413 and writes nothing", async () => {
    const shop = uniqueShop();
    const body = { ...orderPayload(), note: "x".repeat(5 * 1024 * 1024) };
    const response = await call(ordersCreate, signedWebhookRequest({ topic: "orders/create", shop, body }));
    expect(response.status).toBe(413);
    expect(await rowsFor(shop)).toEqual({ orders: 0, customers: 0, deliveries: 0 });
  });
});

describe("customers/create webhook", () => {
  it("stores the customer with their market, idempotently", async () => {
    const shop = uniqueShop();
    const delivery = { topic: "customers/create", shop, body: customerPayload(), webhookId: "c-1" };
    expect((await call(customersCreate, signedWebhookRequest(delivery))).status).toBe(200);
    expect((await call(customersCreate, signedWebhookRequest(delivery))).status).toBe(200);
    const customers = await prisma.customer.findMany({ where: { shop } });
    expect(customers).toHaveLength(1);
    expect(customers[0].shopifyId).toBe("706405506930370084");
    expect(customers[0].country).toBe("DE");
    expect(customers[0].marketingConsent).toBe(true);
  });

  it("never brings a deleted customer's personal data back with a late create", async () => {
    const shop = uniqueShop();
    const late = signedWebhookRequest({
      topic: "customers/create",
      shop,
      body: customerPayload({ updatedAt: "2026-10-05T00:00:00Z" }),
    });
    await prisma.customer.create({
      data: { shop, shopifyId: "706405506930370084", deletedAt: new Date("2026-10-02T00:00:00Z") },
    });
    expect((await call(customersCreate, late)).status).toBe(200);
    const customer = await prisma.customer.findFirstOrThrow({ where: { shop } });
    expect(customer.email).toBeNull();
    expect(customer.firstName).toBeNull();
  });

  it("keeps purchase aggregates when the customer webhook arrives after their first order", async () => {
    const shop = uniqueShop();
    await call(
      ordersCreate,
      signedWebhookRequest({ topic: "orders/create", shop, body: orderPayload({ customerId: "706405506930370084" }) }),
    );
    await call(customersCreate, signedWebhookRequest({ topic: "customers/create", shop, body: customerPayload() }));
    const customer = await prisma.customer.findFirstOrThrow({ where: { shop } });
    expect(customer.ordersCount).toBe(1);
    expect(customer.email).toBe("bob@biller.com");
  });
});
