import { Prisma } from "@prisma/client";

import prisma from "../db.server";
import { lockCustomers } from "./customer.server";
import { deleteCustomerNotifications } from "./notification.server";
import type { Tx } from "./webhook-delivery.server";

// What the three compliance webhooks do to the database. Each function runs inside the
// delivery's transaction and is safe to run twice.

export interface CustomerExport {
  shop: string;
  customerShopifyId: string;
  generatedAt: string;
  customer: Record<string, unknown> | null;
  orders: Record<string, unknown>[];
  storefrontEvents: Record<string, unknown>[];
  dailyActivity: Record<string, unknown>[];
  score: Record<string, unknown> | null;
  scoreHistory: Record<string, unknown>[];
  alerts: Record<string, unknown>[];
  winBackActions: Record<string, unknown>[];
}

/** Decimal and BigInt do not survive JSON.stringify as they are: make every row plain JSON. */
function plain<T>(row: T): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(row, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value)),
  ) as Record<string, unknown>;
}

/** Every browser (visitor id) that was ever tied to the customer: their anonymous events are theirs too. */
async function visitorIdsOf(tx: Tx, shop: string, customerShopifyId: string): Promise<string[]> {
  const visitors = await tx.storefrontEvent.findMany({
    where: { shop, customerShopifyId },
    distinct: ["visitorId"],
    select: { visitorId: true },
  });
  return visitors.map((v) => v.visitorId);
}

/** Everything stored about one customer: their row, orders, storefront events, scores, alerts, actions. */
export async function buildCustomerExport(
  tx: Tx,
  shop: string,
  customerShopifyId: string,
  requestedOrderIds: string[],
  at: Date,
): Promise<CustomerExport> {
  const byCustomer = { shop, customerShopifyId };
  const visitorIds = await visitorIdsOf(tx, shop, customerShopifyId);
  const [customer, orders, events, activity, score, history, alerts, actions] = await Promise.all([
    tx.customer.findUnique({ where: { shop_shopifyId: { shop, shopifyId: customerShopifyId } } }),
    tx.order.findMany({
      where: { shop, OR: [{ customerShopifyId }, { shopifyId: { in: requestedOrderIds } }] },
      orderBy: { processedAt: "asc" },
    }),
    tx.storefrontEvent.findMany({
      where: { shop, OR: [{ customerShopifyId }, { visitorId: { in: visitorIds } }] },
      orderBy: { occurredAt: "asc" },
    }),
    tx.customerDailyActivity.findMany({ where: byCustomer, orderBy: { day: "asc" } }),
    tx.customerScore.findUnique({ where: { shop_customerShopifyId: byCustomer } }),
    tx.customerScoreSnapshot.findMany({ where: byCustomer, orderBy: { day: "asc" } }),
    tx.alert.findMany({ where: byCustomer, orderBy: { createdAt: "asc" } }),
    tx.winBackAction.findMany({ where: byCustomer, orderBy: { createdAt: "asc" } }),
  ]);
  return {
    shop,
    customerShopifyId,
    generatedAt: at.toISOString(),
    customer: customer ? plain(customer) : null,
    orders: orders.map(plain),
    storefrontEvents: events.map(plain),
    dailyActivity: activity.map(plain),
    score: score ? plain(score) : null,
    scoreHistory: history.map(plain),
    alerts: alerts.map(plain),
    winBackActions: actions.map(plain),
  };
}

/** Records a data request once (a repeated delivery of the same request keeps the first export). */
export async function saveDataRequest(
  tx: Tx,
  request: { shop: string; customerShopifyId: string; requestId: string; export: CustomerExport },
): Promise<void> {
  await tx.customerDataRequest.upsert({
    where: { shop_requestId: { shop: request.shop, requestId: request.requestId } },
    create: {
      shop: request.shop,
      customerShopifyId: request.customerShopifyId,
      requestId: request.requestId,
      export: JSON.stringify(request.export),
    },
    update: {},
  });
}

/** The data requests a merchant still has to answer, newest first (without the export bodies). */
export async function listDataRequests(shop: string) {
  return prisma.customerDataRequest.findMany({
    where: { shop },
    orderBy: { createdAt: "desc" },
    select: { id: true, customerShopifyId: true, requestId: true, createdAt: true, deliveredAt: true },
  });
}

export async function getDataRequestExport(shop: string, id: string): Promise<CustomerExport | null> {
  const row = await prisma.customerDataRequest.findFirst({ where: { shop, id }, select: { export: true } });
  return row ? (JSON.parse(row.export) as CustomerExport) : null;
}

export interface RedactionResult {
  customerFound: boolean;
  ordersDetached: number;
  eventsDeleted: number;
  rowsDeleted: number;
}

/**
 * customers/redact: deletes the customer's storefront events (also those of every visitor id
 * ever tied to them), activity, scores, alerts, win-back actions and data-request exports, and
 * detaches their orders (amounts stay for the shop's totals, the link to the person goes). The
 * customer row stays as a tombstone with every personal field emptied and redactedAt set, so a
 * late webhook cannot bring the person back. An unknown customer leaves everything untouched.
 */
export async function redactCustomerData(
  tx: Tx,
  shop: string,
  customerShopifyId: string,
  orderIds: string[],
  at: Date,
): Promise<RedactionResult> {
  // The lock every batch writing this customer's orders takes before it checks for redacted
  // customers (a backfill page or a reconciliation does not wait for the webhook queue's shop key):
  // such a batch commits first, and its orders are detached below, or it waits and sees the tombstone.
  await lockCustomers(tx, shop, [customerShopifyId]);
  const byCustomer = { shop, customerShopifyId };
  const visitorIds = await visitorIdsOf(tx, shop, customerShopifyId);
  const events = await tx.storefrontEvent.deleteMany({
    where: { shop, OR: [{ customerShopifyId }, { visitorId: { in: visitorIds } }] },
  });
  // Notifications name the customer: those about them go before their alerts do.
  await deleteCustomerNotifications(tx, shop, customerShopifyId);
  // Deliveries set aside as failed keep their body for a retry; one about this customer may hold
  // their e-mail and address, so the body goes (pending ones were applied before this redact).
  await tx.webhookDelivery.updateMany({
    where: { shop, status: "failed", payload: { contains: `gid://shopify/Customer/${customerShopifyId}"` } },
    data: { payload: null },
  });
  const deleted = await Promise.all([
    tx.customerDailyActivity.deleteMany({ where: byCustomer }),
    tx.customerScore.deleteMany({ where: byCustomer }),
    tx.customerScoreSnapshot.deleteMany({ where: byCustomer }),
    tx.alert.deleteMany({ where: byCustomer }),
    tx.winBackAction.deleteMany({ where: byCustomer }),
    tx.customerDataRequest.deleteMany({ where: byCustomer }),
  ]);
  const orders = await tx.order.updateMany({
    where: { shop, OR: [{ customerShopifyId }, { shopifyId: { in: orderIds } }] },
    data: { customerShopifyId: null },
  });
  const customer = await tx.customer.findUnique({
    where: { shop_shopifyId: { shop, shopifyId: customerShopifyId } },
    select: { id: true, deletedAt: true },
  });
  if (customer) {
    await tx.customer.update({
      where: { id: customer.id },
      data: {
        email: null,
        firstName: null,
        lastName: null,
        country: null,
        locale: null,
        state: null,
        tags: null,
        marketingConsent: false,
        redactedAt: at,
        deletedAt: customer.deletedAt ?? at,
        ordersCount: 0,
        purchaseDays: 0,
        totalSpent: 0,
        firstOrderAt: null,
        lastOrderAt: null,
        recentIntervals: "[]",
      },
    });
  }
  return {
    customerFound: customer !== null,
    ordersDetached: orders.count,
    eventsDeleted: events.count,
    rowsDeleted: deleted.reduce((sum, d) => sum + d.count, 0),
  };
}

type ShopScopedDelegate = { deleteMany(args: { where: { shop: string } }): Promise<{ count: number }> };

/** Every model with a `shop` column, read from Prisma's own data model: a table added later is covered too. */
export function shopScopedModels(): string[] {
  return Prisma.dmmf.datamodel.models
    .filter((model) => model.fields.some((field) => field.name === "shop"))
    .map((model) => model.name);
}

/**
 * shop/redact: deletes every row of the shop in every shop-scoped table, sessions included, and
 * the shop itself. Webhook delivery traces of shop/redact stay (ids only) so that Shopify's
 * retries of this very delivery are still recognised.
 */
export async function deleteShopData(tx: Tx, shop: string): Promise<number> {
  let total = 0;
  for (const name of shopScopedModels()) {
    const delegate = (tx as unknown as Record<string, ShopScopedDelegate>)[
      name.charAt(0).toLowerCase() + name.slice(1)
    ];
    if (name === "WebhookDelivery") {
      // The library reports topics in enum form (SHOP_REDACT); both spellings are kept out.
      const kept = ["SHOP_REDACT", "shop/redact"];
      total += (await tx.webhookDelivery.deleteMany({ where: { shop, topic: { notIn: kept } } })).count;
    } else {
      total += (await delegate.deleteMany({ where: { shop } })).count;
    }
  }
  total += (await tx.shop.deleteMany({ where: { domain: shop } })).count;
  return total;
}
