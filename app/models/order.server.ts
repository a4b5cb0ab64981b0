import { Prisma } from "@prisma/client";

import type { PurchaseForAggregates } from "../churn/aggregates";
import prisma from "../db.server";
import { sortableId } from "../lib/ids";
import { lockRecords } from "./record-lock.server";
import type { Tx } from "./webhook-delivery.server";

export interface OrderVersion {
  shopifyId: string;
  name: string | null;
  customerShopifyId: string | null;
  processedAt: Date;
  shopifyUpdatedAt: Date;
  cancelledAt: Date | null;
  financialStatus: string | null;
  totalShop: string;
  currencyShop: string;
  totalPresentment: string;
  currencyPresentment: string;
  refundedShop: string;
  country: string | null;
  lineItemsCount: number;
  discountCodes: string[];
}

export async function countOrders(shop: string): Promise<number> {
  return prisma.order.count({ where: { shop } });
}

export async function revenueByCountry(shop: string) {
  const rows = await prisma.order.groupBy({
    by: ["country", "currencyShop"],
    where: { shop, cancelledAt: null },
    _sum: { totalShop: true, refundedShop: true },
    _count: { _all: true },
  });
  return rows
    .map((r) => ({
      country: r.country ?? "unknown",
      currency: r.currencyShop,
      orders: r._count._all,
      revenue: Number(r._sum.totalShop ?? 0) - Number(r._sum.refundedShop ?? 0),
    }))
    .sort((a, b) => b.revenue - a.revenue);
}

export interface NewerOrderVersions {
  /** The versions to write: new orders, and newer versions of stored ones (one per order). */
  newer: OrderVersion[];
  /** Customers the re-written orders belonged to before (an order can change customer). */
  previousCustomerShopifyIds: string[];
}

/**
 * The first half of storing many order versions at once (webhook queue, backfill,
 * reconciliation, demo import): a version is written unless the same or a newer version of that
 * order is stored already. Locks the orders (one statement) and reads them (one per 500) but
 * writes nothing: the caller locks and checks their customers, then calls writeOrderVersions.
 */
export async function newerOrderVersions(tx: Tx, shop: string, versions: OrderVersion[]): Promise<NewerOrderVersions> {
  const newest = new Map<string, OrderVersion>();
  for (const version of versions) {
    const seen = newest.get(version.shopifyId);
    if (!seen || seen.shopifyUpdatedAt < version.shopifyUpdatedAt) newest.set(version.shopifyId, version);
  }
  if (newest.size === 0) return { newer: [], previousCustomerShopifyIds: [] };
  // Two transactions writing versions of one order (two queue drainers, a drain and a backfill
  // page) would otherwise both pass the newer-wins check below and the older could commit last.
  await lockRecords(
    tx,
    [...newest.keys()].map((id) => `order:${shop}:${id}`),
  );
  const existing = [];
  for (const ids of inChunks([...newest.keys()])) {
    existing.push(
      ...(await tx.order.findMany({
        where: { shop, shopifyId: { in: ids } },
        select: { shopifyId: true, shopifyUpdatedAt: true, customerShopifyId: true },
      })),
    );
  }
  const stored = new Map(existing.map((row) => [row.shopifyId, row]));
  const newer: OrderVersion[] = [];
  const previous = new Set<string>();
  for (const version of newest.values()) {
    const row = stored.get(version.shopifyId);
    if (row && row.shopifyUpdatedAt >= version.shopifyUpdatedAt) continue;
    newer.push(version);
    if (row?.customerShopifyId) previous.add(row.customerShopifyId);
  }
  return { newer, previousCustomerShopifyIds: [...previous] };
}

/**
 * Writes order versions that newerOrderVersions chose (in the same transaction, which still
 * holds their locks): one multi-row upsert per 400 orders.
 */
export async function writeOrderVersions(tx: Tx, shop: string, versions: OrderVersion[]): Promise<void> {
  await upsertOrders(
    tx,
    versions.map((version) => ({ shop, ...orderData(version) })),
  );
}

/**
 * The versions with the link to these customers dropped (redacted customers: the order and its
 * amounts stay for the shop's totals, the person does not come back). Others are returned as
 * they are, the same objects.
 */
export function withoutCustomers(versions: OrderVersion[], customerShopifyIds: ReadonlySet<string>): OrderVersion[] {
  if (customerShopifyIds.size === 0) return versions;
  return versions.map((version) =>
    version.customerShopifyId !== null && customerShopifyIds.has(version.customerShopifyId)
      ? { ...version, customerShopifyId: null }
      : version,
  );
}

/**
 * Each customer's purchases among these order versions, for their aggregates: a customer whose
 * only order here was cancelled is listed with none (their aggregates still need recomputing).
 */
export function purchasesByCustomer(orders: readonly OrderVersion[]): Map<string, PurchaseForAggregates[]> {
  const purchases = new Map<string, PurchaseForAggregates[]>();
  for (const order of orders) {
    if (!order.customerShopifyId) continue;
    const list = purchases.get(order.customerShopifyId) ?? [];
    if (!order.cancelledAt) {
      list.push({ processedAt: order.processedAt, netShop: Number(order.totalShop) - Number(order.refundedShop) });
    }
    purchases.set(order.customerShopifyId, list);
  }
  return purchases;
}

/** An order version's stored fields, in the one order every raw writer (here, SQLite bulk) uses. */
export const ORDER_VERSION_FIELDS = [
  "name",
  "customerShopifyId",
  "processedAt",
  "shopifyUpdatedAt",
  "cancelledAt",
  "financialStatus",
  "totalShop",
  "currencyShop",
  "totalPresentment",
  "currencyPresentment",
  "refundedShop",
  "country",
  "lineItemsCount",
  "discountCodes",
] as const;

const ORDER_COLUMNS = ["id", "shop", "shopifyId", ...ORDER_VERSION_FIELDS, "createdAt", "updatedAt"] as const;

/**
 * Multi-row INSERT of orders, updating the stored row of an order that has one (the caller has
 * already decided these versions win). Prisma's createMany costs about 0.3 ms per row in its query
 * compiler, too slow for a million-order backfill; a raw statement with bound parameters costs a
 * fraction of that. Values go through the same driver adapter as Prisma's own writes (Date and
 * Decimal parameters are encoded the way the client encodes them), so rows read back the same.
 */
async function upsertOrders(tx: Tx, rows: Prisma.OrderCreateManyInput[]): Promise<void> {
  const now = new Date();
  for (const chunk of inChunks(rows, 400)) {
    const values = chunk.map(
      (row) =>
        Prisma.sql`(${Prisma.join([
          sortableId(),
          row.shop,
          row.shopifyId,
          row.name ?? null,
          row.customerShopifyId ?? null,
          row.processedAt,
          row.shopifyUpdatedAt,
          row.cancelledAt ?? null,
          row.financialStatus ?? null,
          row.totalShop,
          row.currencyShop,
          row.totalPresentment,
          row.currencyPresentment,
          row.refundedShop ?? new Prisma.Decimal(0),
          row.country ?? null,
          row.lineItemsCount ?? 0,
          row.discountCodes ?? "[]",
          now,
          now,
        ])})`,
    );
    const columns = Prisma.raw(ORDER_COLUMNS.map((c) => `"${c}"`).join(", "));
    await tx.$executeRaw`INSERT INTO "Order" (${columns}) VALUES ${Prisma.join(values)} ON CONFLICT ("shop", "shopifyId") DO UPDATE SET ${ORDER_UPDATES}`;
  }
}

// Everything but the row's own identity and creation time follows the newer version.
const ORDER_UPDATES = Prisma.raw(
  ORDER_COLUMNS.filter((c) => !["id", "shop", "shopifyId", "createdAt"].includes(c))
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(", "),
);

function orderData(version: OrderVersion) {
  const { discountCodes, totalShop, totalPresentment, refundedShop, ...fields } = version;
  return {
    ...fields,
    totalShop: new Prisma.Decimal(totalShop),
    totalPresentment: new Prisma.Decimal(totalPresentment),
    refundedShop: new Prisma.Decimal(refundedShop),
    discountCodes: JSON.stringify(discountCodes),
  };
}

/**
 * Prisma's query compiler refuses a statement with more bound parameters than the database
 * allows (999 on SQLite's conservative default), so long `in` lists are split.
 */
export function inChunks<T>(items: T[], size = 500): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
