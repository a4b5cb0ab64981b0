import prisma from "../db.server";
import { dateFromColumn, jsonTextList, param } from "./sql.server";
import type { Tx } from "./webhook-delivery.server";

// Alerts: raised by scoring runs, seen and handled by the merchant, resolved by the customer
// coming back. The cool-down is per customer and cause.

export const ALERT_STATE = {
  open: "open",
  acknowledged: "acknowledged",
  resolved: "resolved",
  autoResolved: "auto_resolved",
} as const;

const UNRESOLVED = [ALERT_STATE.open, ALERT_STATE.acknowledged];

export interface AlertSummary {
  id: string;
  customerShopifyId: string;
  cause: string;
  state: string;
  createdAt: Date;
}

export interface NewAlert {
  customerShopifyId: string;
  cause: string;
  level: string;
  reasons: string;
  behaviourPath: string;
}

/**
 * The alerts of these customers that matter to a new run: every unresolved one (they may be
 * auto-resolved) and every one created since `cooldownStart` (they suppress a repeat).
 */
export async function alertsForCustomers(
  shop: string,
  ids: readonly string[],
  cooldownStart: Date,
): Promise<Map<string, AlertSummary[]>> {
  const byCustomer = new Map<string, AlertSummary[]>();
  const CHUNK = 400;
  for (let from = 0; from < ids.length; from += CHUNK) {
    const rows = await prisma.alert.findMany({
      where: {
        shop,
        customerShopifyId: { in: ids.slice(from, from + CHUNK) },
        OR: [{ state: { in: UNRESOLVED } }, { createdAt: { gte: cooldownStart } }],
      },
      select: { id: true, customerShopifyId: true, cause: true, state: true, createdAt: true },
    });
    for (const row of rows) {
      const list = byCustomer.get(row.customerShopifyId) ?? [];
      list.push(row);
      byCustomer.set(row.customerShopifyId, list);
    }
  }
  return byCustomer;
}

export async function createAlerts(tx: Tx, shop: string, alerts: readonly NewAlert[], at: Date): Promise<number> {
  if (alerts.length === 0) return 0;
  const { count } = await tx.alert.createMany({
    data: alerts.map((alert) => ({ shop, ...alert, createdAt: at, updatedAt: at })),
  });
  return count;
}

/** The customer came back: their unresolved alerts close on their own. */
export async function autoResolveAlerts(tx: Tx, shop: string, alertIds: readonly string[], at: Date): Promise<number> {
  if (alertIds.length === 0) return 0;
  const { count } = await tx.alert.updateMany({
    where: { shop, id: { in: [...alertIds] }, state: { in: UNRESOLVED } },
    data: { state: ALERT_STATE.autoResolved, resolvedAt: at },
  });
  return count;
}

/** The merchant's actions on one alert; an alert of another shop is never touched. */
export async function setAlertState(
  shop: string,
  id: string,
  state: typeof ALERT_STATE.acknowledged | typeof ALERT_STATE.resolved,
  at: Date = new Date(),
): Promise<boolean> {
  const { count } = await prisma.alert.updateMany({
    where: { shop, id },
    data: state === ALERT_STATE.acknowledged ? { state, acknowledgedAt: at } : { state, resolvedAt: at },
  });
  return count === 1;
}

export async function listAlerts(shop: string, options: { states?: string[]; limit?: number } = {}) {
  return prisma.alert.findMany({
    where: { shop, ...(options.states ? { state: { in: options.states } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: options.limit ?? 50,
  });
}

export async function countAlerts(shop: string): Promise<Record<string, number>> {
  const rows = await prisma.alert.groupBy({ by: ["state"], where: { shop }, _count: { _all: true } });
  return Object.fromEntries(rows.map((row) => [row.state, row._count._all]));
}

export interface BehaviourStep {
  kind: "storefront" | "order";
  type: string;
  at: string;
  path?: string | null;
  productId?: string | null;
  searchQuery?: string | null;
  name?: string | null;
  total?: string;
}

/**
 * What each customer did last before going quiet: their latest storefront events and orders,
 * newest first, without personal data (paths, product ids, searches and totals only). Two
 * statements for any number of customers.
 */
export async function behaviourPathsOf(
  shop: string,
  customerIds: readonly string[],
  limit = 10,
): Promise<Map<string, BehaviourStep[]>> {
  const paths = new Map<string, BehaviourStep[]>();
  if (customerIds.length === 0) return paths;
  const ids = JSON.stringify(customerIds);
  const [events, orders] = await Promise.all([
    prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT * FROM (
         SELECT "customerShopifyId", "type", "occurredAt", "path", "productId", "searchQuery",
                ROW_NUMBER() OVER (PARTITION BY "customerShopifyId" ORDER BY "occurredAt" DESC) AS n
         FROM "StorefrontEvent" WHERE "shop" = ${param(1)} AND "customerShopifyId" IN ${jsonTextList(2)}
       ) AS latest WHERE n <= ${Number(limit)}`,
      shop,
      ids,
    ),
    prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT * FROM (
         SELECT "customerShopifyId", "name", "processedAt", "totalShop", "currencyShop", "cancelledAt",
                ROW_NUMBER() OVER (PARTITION BY "customerShopifyId" ORDER BY "processedAt" DESC) AS n
         FROM "Order" WHERE "shop" = ${param(1)} AND "customerShopifyId" IN ${jsonTextList(2)}
       ) AS latest WHERE n <= 5`,
      shop,
      ids,
    ),
  ]);
  const add = (id: unknown, step: BehaviourStep) => {
    const list = paths.get(String(id)) ?? [];
    list.push(step);
    paths.set(String(id), list);
  };
  for (const event of events) {
    add(event.customerShopifyId, {
      kind: "storefront",
      type: String(event.type),
      at: dateFromColumn(event.occurredAt)?.toISOString() ?? "",
      path: (event.path as string | null) ?? null,
      productId: (event.productId as string | null) ?? null,
      searchQuery: (event.searchQuery as string | null) ?? null,
    });
  }
  for (const order of orders) {
    add(order.customerShopifyId, {
      kind: "order",
      type: order.cancelledAt ? "order_cancelled" : "order",
      at: dateFromColumn(order.processedAt)?.toISOString() ?? "",
      name: (order.name as string | null) ?? null,
      total: `${String(order.totalShop)} ${String(order.currencyShop)}`,
    });
  }
  for (const [id, steps] of paths) {
    paths.set(id, steps.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit));
  }
  return paths;
}
