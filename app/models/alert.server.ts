import prisma from "../db.server";
import { sortableId } from "../lib/ids";
import {
  type ColumnKind,
  dateFromColumn,
  jsonTextList,
  param,
  quotedColumns,
  selectFromJsonRows,
  type SqlExecutor,
  sqlTimestamp,
  timestampParam,
} from "./sql.server";

// Alerts: raised by scoring runs, seen and handled by the merchant, resolved by the customer
// coming back. The cool-down is per customer and cause.

export const ALERT_STATE = {
  open: "open",
  acknowledged: "acknowledged",
  resolved: "resolved",
  autoResolved: "auto_resolved",
} as const;

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
  sql: SqlExecutor,
  shop: string,
  ids: readonly string[],
  cooldownStart: Date,
): Promise<Map<string, AlertSummary[]>> {
  const byCustomer = new Map<string, AlertSummary[]>();
  if (ids.length === 0) return byCustomer;
  const rows = await sql.all(
    `SELECT "id", "customerShopifyId", "cause", "state", "createdAt" FROM "Alert"
     WHERE "shop" = ${param(1)} AND "customerShopifyId" IN ${jsonTextList(2)}
       AND ("state" IN ('open', 'acknowledged') OR "createdAt" >= ${timestampParam(3)})`,
    [shop, JSON.stringify(ids), sqlTimestamp(cooldownStart)],
  );
  for (const row of rows) {
    const alert: AlertSummary = {
      id: String(row.id),
      customerShopifyId: String(row.customerShopifyId),
      cause: String(row.cause),
      state: String(row.state),
      createdAt: dateFromColumn(row.createdAt) ?? new Date(0),
    };
    const list = byCustomer.get(alert.customerShopifyId) ?? [];
    list.push(alert);
    byCustomer.set(alert.customerShopifyId, list);
  }
  return byCustomer;
}

const ALERT_COLUMNS: readonly (readonly [string, ColumnKind])[] = [
  ["id", "text"],
  ["shop", "text"],
  ["customerShopifyId", "text"],
  ["cause", "text"],
  ["level", "text"],
  ["reasons", "text"],
  ["behaviourPath", "text"],
  ["createdAt", "timestamp"],
  ["updatedAt", "timestamp"],
];

export async function createAlerts(
  sql: SqlExecutor,
  shop: string,
  alerts: readonly NewAlert[],
  at: Date,
): Promise<number> {
  if (alerts.length === 0) return 0;
  const stamp = sqlTimestamp(at);
  const rows = alerts.map((alert) => [
    sortableId(),
    shop,
    alert.customerShopifyId,
    alert.cause,
    alert.level,
    alert.reasons,
    alert.behaviourPath,
    stamp,
    stamp,
  ]);
  return sql.run(
    `INSERT INTO "Alert" (${quotedColumns(ALERT_COLUMNS.map(([name]) => name))})
     ${selectFromJsonRows(
       1,
       ALERT_COLUMNS.map(([, kind]) => kind),
     )}`,
    [JSON.stringify(rows)],
  );
}

/** The customer came back: their unresolved alerts close on their own. */
export async function autoResolveAlerts(
  sql: SqlExecutor,
  shop: string,
  alertIds: readonly string[],
  at: Date,
): Promise<number> {
  if (alertIds.length === 0) return 0;
  return sql.run(
    `UPDATE "Alert" SET "state" = '${ALERT_STATE.autoResolved}', "resolvedAt" = ${timestampParam(1)}, "updatedAt" = ${timestampParam(2)}
     WHERE "shop" = ${param(3)} AND "id" IN ${jsonTextList(4)} AND "state" IN ('open', 'acknowledged')`,
    [sqlTimestamp(at), sqlTimestamp(at), shop, JSON.stringify(alertIds)],
  );
}

/** What became of a merchant's action on one alert. */
export type AlertTransition =
  | { outcome: "changed" }
  /** No such alert in this shop (an unknown id, or another shop's). */
  | { outcome: "not_found" }
  /** The alert exists but is past the requested state; `state` is where it stands now. */
  | { outcome: "not_allowed"; state: string };

/** The merchant's actions on one alert; an alert of another shop is never touched. */
export async function setAlertState(
  shop: string,
  id: string,
  state: typeof ALERT_STATE.acknowledged | typeof ALERT_STATE.resolved,
  at: Date = new Date(),
): Promise<AlertTransition> {
  // Only forward: an alert already resolved (by the merchant or by the customer's return) stays so.
  const from = state === ALERT_STATE.acknowledged ? [ALERT_STATE.open] : [ALERT_STATE.open, ALERT_STATE.acknowledged];
  const { count } = await prisma.alert.updateMany({
    where: { shop, id, state: { in: from } },
    data: state === ALERT_STATE.acknowledged ? { state, acknowledgedAt: at } : { state, resolvedAt: at },
  });
  if (count === 1) return { outcome: "changed" };
  // The conditional update is the decision; this read only tells the two refusals apart.
  const current = await prisma.alert.findFirst({ where: { shop, id }, select: { state: true } });
  return current ? { outcome: "not_allowed", state: current.state } : { outcome: "not_found" };
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
  sql: SqlExecutor,
  shop: string,
  customerIds: readonly string[],
  limit = 10,
): Promise<Map<string, BehaviourStep[]>> {
  const paths = new Map<string, BehaviourStep[]>();
  if (customerIds.length === 0) return paths;
  const ids = JSON.stringify(customerIds);
  const [events, orders] = await Promise.all([
    sql.all(
      `SELECT * FROM (
         SELECT "customerShopifyId", "type", "occurredAt", "path", "productId", "searchQuery",
                ROW_NUMBER() OVER (PARTITION BY "customerShopifyId" ORDER BY "occurredAt" DESC) AS n
         FROM "StorefrontEvent" WHERE "shop" = ${param(1)} AND "customerShopifyId" IN ${jsonTextList(2)}
       ) AS latest WHERE n <= ${Number(limit)}`,
      [shop, ids],
    ),
    sql.all(
      `SELECT * FROM (
         SELECT "customerShopifyId", "name", "processedAt", "totalShop", "currencyShop", "cancelledAt",
                ROW_NUMBER() OVER (PARTITION BY "customerShopifyId" ORDER BY "processedAt" DESC) AS n
         FROM "Order" WHERE "shop" = ${param(1)} AND "customerShopifyId" IN ${jsonTextList(2)}
       ) AS latest WHERE n <= 5`,
      [shop, ids],
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
