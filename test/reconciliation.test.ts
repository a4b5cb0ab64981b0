import { afterAll, beforeAll, describe, expect, it } from "vitest";

import prisma from "~/db.server";
import { action as customersRedact } from "~/routes/webhooks.customers.redact";
import { action as ordersUpdated } from "~/routes/webhooks.orders.updated";
import { FIRST_RECONCILE_LOOKBACK_MS, reconcileShop } from "~/services/reconciliation.server";

import { orderPayload } from "./fixtures/shopify/order-payload";
import { shopRecords, type ShopRecord } from "./shopify-stand-in/dataset";
import type { ShopifyStandIn } from "./shopify-stand-in/server";
import { uniqueShop } from "./support/shopify-webhooks";
import { installStandInShop, stopShopifyStandIn, useShopifyStandIn } from "./support/shopify-stand-in";
import { deliver } from "./support/webhook-routes";

let standIn: ShopifyStandIn;
beforeAll(async () => {
  standIn = await useShopifyStandIn();
});
afterAll(async () => {
  await stopShopifyStandIn();
});

const NOW = new Date("2026-11-20T12:00:00Z");
const HOUR = 3_600_000;

/** A shop whose records were all changed `hoursAgo` before NOW (webhooks for them never came). */
function recentlyChanged(records: ShopRecord[], hoursAgo: number): ShopRecord[] {
  const at = new Date(NOW.getTime() - hoursAgo * HOUR).toISOString();
  return records.map(({ customer, orders }) => ({
    customer: { ...customer, updatedAt: at },
    orders: orders.map((o) => ({ ...o, updatedAt: at })),
  }));
}

describe("reconciliation", () => {
  it("heals missed webhooks from the last day, page by page, through throttling, guests included", async () => {
    const shop = uniqueShop("reconcile");
    const state = await installStandInShop(standIn, shop);
    const [recent, old] = [
      recentlyChanged([...shopRecords({ seed: 3, customers: 4, ordersPerCustomer: 2 })], 5),
      // Changed long ago: already reflected by the backfill, not re-read.
      recentlyChanged(
        [...shopRecords({ seed: 4, customers: 2, ordersPerCustomer: 1 })].map((r, i) => ({
          customer: { ...r.customer, id: `gid://shopify/Customer/${555 + i}` },
          orders: r.orders.map((o, k) => ({
            ...o,
            id: `gid://shopify/Order/${777 + i * 10 + k}`,
            customer: { id: `gid://shopify/Customer/${555 + i}` },
          })),
        })),
        30 * 24,
      ),
    ];
    state.records = [...recent, ...old];
    const guest = { ...recent[0].orders[0], id: "gid://shopify/Order/9000000000000000001", customer: null };
    state.guestOrders = [guest];
    state.pageSize = 3;
    state.throttleNext = 1;

    const result = await reconcileShop(shop, { now: NOW });
    expect(result).toMatchObject({ customers: 4, orders: 9, invalid: 0 });
    expect(result?.since).toBe(new Date(NOW.getTime() - FIRST_RECONCILE_LOOKBACK_MS).toISOString());
    expect(await prisma.customer.count({ where: { shop } })).toBe(4);
    expect(await prisma.order.count({ where: { shop } })).toBe(9);
    expect(await prisma.order.count({ where: { shop, customerShopifyId: null } })).toBe(1);
    const first = recent[0];
    const row = await prisma.customer.findFirstOrThrow({
      where: { shop, shopifyId: first.customer.id.split("/").pop() },
    });
    expect(row.ordersCount).toBe(first.orders.filter((o) => o.cancelledAt === null).length);
    expect(state.calls.filter((c) => c === "RecentlyUpdatedCustomers").length).toBe(3); // throttled + 2 pages
  });

  it("starts the next run from where the last one ended, and never undoes a newer webhook", async () => {
    const shop = uniqueShop("reconcile");
    const state = await installStandInShop(standIn, shop);
    const orderId = "820982911946154508";
    const staleInShopify = {
      ...recentlyChanged([...shopRecords({ seed: 5, customers: 1, ordersPerCustomer: 1 })], 2)[0].orders[0],
      id: `gid://shopify/Order/${orderId}`,
      customer: null,
    };
    state.guestOrders = [staleInShopify];
    // The webhook already delivered a newer version than the one reconciliation will read.
    await deliver(ordersUpdated, {
      topic: "orders/updated",
      shop,
      body: orderPayload({
        customerId: null,
        updatedAt: new Date(NOW.getTime() - HOUR).toISOString(),
        totalShop: "12.34",
      }),
    });

    await reconcileShop(shop, { now: NOW });
    const order = await prisma.order.findUniqueOrThrow({ where: { shop_shopifyId: { shop, shopifyId: orderId } } });
    expect(order.totalShop.toString()).toBe("12.34");

    const later = new Date(NOW.getTime() + 6 * HOUR);
    const second = await reconcileShop(shop, { now: later });
    expect(second?.since).toBe(new Date(NOW.getTime() - 10 * 60_000).toISOString());
    expect(second?.orders).toBe(0);
  });

  it("reads a redacted customer's orders again without linking them to the customer", async () => {
    const shop = uniqueShop("reconcile");
    const state = await installStandInShop(standIn, shop);
    state.records = recentlyChanged([...shopRecords({ seed: 6, customers: 2, ordersPerCustomer: 2 })], 5);
    await reconcileShop(shop, { now: NOW });
    const [redactedId] = state.records[0].customer.id.split("/").slice(-1);
    expect((await prisma.customer.findFirstOrThrow({ where: { shop, shopifyId: redactedId } })).ordersCount).toBe(
      state.records[0].orders.filter((o) => o.cancelledAt === null).length,
    );
    const rawBody = `{"shop_id":1,"shop_domain":"${shop}","customer":{"id":${redactedId}},"orders_to_redact":[]}`;
    expect((await deliver(customersRedact, { topic: "customers/redact", shop, body: null, rawBody })).status).toBe(200);

    // Both customers and their orders change in Shopify after the redaction.
    const changedAt = new Date(NOW.getTime() + 5 * HOUR).toISOString();
    state.records = state.records.map(({ customer, orders }) => ({
      customer: { ...customer, updatedAt: changedAt, firstName: "Changed" },
      orders: orders.map((o) => ({ ...o, updatedAt: changedAt })),
    }));
    const second = await reconcileShop(shop, { now: new Date(NOW.getTime() + 6 * HOUR) });
    expect(second).toMatchObject({ customers: 2, orders: 4 });

    const orders = await prisma.order.findMany({ where: { shop }, orderBy: { shopifyId: "asc" } });
    expect(orders.map((o) => [o.shopifyUpdatedAt.toISOString(), o.customerShopifyId])).toEqual(
      state.records.flatMap((r, i) =>
        r.orders.map((o) => [changedAt, i === 0 ? null : o.customer?.id.split("/").pop()]),
      ),
    );
    const rows = await prisma.customer.findMany({ where: { shop }, orderBy: { shopifyId: "asc" } });
    expect(rows.map((c) => [c.shopifyId, c.firstName, c.ordersCount, c.redactedAt !== null])).toEqual([
      [redactedId, null, 0, true],
      [
        state.records[1].customer.id.split("/").pop(),
        "Changed",
        state.records[1].orders.filter((o) => o.cancelledAt === null).length,
        false,
      ],
    ]);
  });

  it("does nothing for a shop that uninstalled the app", async () => {
    const shop = uniqueShop("reconcile");
    const state = await installStandInShop(standIn, shop);
    await prisma.shop.update({ where: { domain: shop }, data: { uninstalledAt: new Date() } });
    expect(await reconcileShop(shop, { now: NOW })).toBeNull();
    expect(state.calls).toEqual([]);
  });
});
