import { Prisma } from "@prisma/client";

import { aggregatePurchases, type PurchaseForAggregates } from "../churn/aggregates";
import prisma from "../db.server";
import { sortableId } from "../lib/ids";
import { inChunks } from "./order.server";
import { lockRecord } from "./record-lock.server";
import type { Tx } from "./webhook-delivery.server";

export interface CustomerVersion {
  shopifyId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  locale: string | null;
  state: string | null;
  tags: string | null;
  marketingConsent: boolean;
  shopifyCreatedAt: Date;
  shopifyUpdatedAt: Date;
}

/**
 * Stores a customer version unless a newer one is already there (Shopify may deliver an older
 * update after a newer one) or the customer was deleted or redacted: a late create or update
 * never brings personal data back. Returns whether the row changed.
 */
export async function saveCustomerVersion(tx: Tx, shop: string, version: CustomerVersion): Promise<boolean> {
  const existing = await tx.customer.findUnique({
    where: { shop_shopifyId: { shop, shopifyId: version.shopifyId } },
    select: { shopifyUpdatedAt: true, deletedAt: true, redactedAt: true },
  });
  if (existing?.deletedAt || existing?.redactedAt) return false;
  if (existing?.shopifyUpdatedAt && existing.shopifyUpdatedAt >= version.shopifyUpdatedAt) return false;
  const { shopifyId, ...fields } = version;
  await tx.customer.upsert({
    where: { shop_shopifyId: { shop, shopifyId } },
    create: { shop, shopifyId, ...fields },
    update: fields,
  });
  return true;
}

/** Recomputes one customer's purchase aggregates from that customer's own orders. */
export async function refreshCustomerAggregates(tx: Tx, shop: string, customerShopifyId: string): Promise<void> {
  await lockCustomers(tx, shop, [customerShopifyId]);
  const orders = await tx.order.findMany({
    where: { shop, customerShopifyId, cancelledAt: null },
    select: { processedAt: true, totalShop: true, refundedShop: true },
  });
  const aggregates = aggregatePurchases(
    orders.map((o) => ({ processedAt: o.processedAt, netShop: Number(o.totalShop) - Number(o.refundedShop) })),
  );
  const data = { ...aggregates, recentIntervals: JSON.stringify(aggregates.recentIntervals) };
  await tx.customer.upsert({
    where: { shop_shopifyId: { shop, shopifyId: customerShopifyId } },
    // An order can arrive before its customer's own webhook: keep its aggregates on a stub row
    // that the customer webhook fills in later.
    create: { shop, shopifyId: customerShopifyId, ...data },
    update: data,
  });
}

export async function countCustomers(shop: string): Promise<number> {
  return prisma.customer.count({ where: { shop, deletedAt: null } });
}

/** True when the customer was deleted in Shopify or redacted: such a row is never filled again. */
export async function isCustomerGone(tx: Tx, shop: string, shopifyId: string): Promise<boolean> {
  const row = await tx.customer.findUnique({
    where: { shop_shopifyId: { shop, shopifyId } },
    select: { deletedAt: true, redactedAt: true },
  });
  return Boolean(row?.deletedAt || row?.redactedAt);
}

/**
 * customers/delete: keeps a tombstone (the id, the purchase aggregates for shop totals, and
 * deletedAt) so that a late create/update delivery cannot bring the customer back, and drops the
 * personal fields at once. Returns false when the customer was already marked deleted.
 */
export async function markCustomerDeleted(tx: Tx, shop: string, shopifyId: string, at: Date): Promise<boolean> {
  const existing = await tx.customer.findUnique({
    where: { shop_shopifyId: { shop, shopifyId } },
    select: { deletedAt: true },
  });
  if (existing?.deletedAt) return false;
  const personal = { email: null, firstName: null, lastName: null, locale: null, tags: null, marketingConsent: false };
  await tx.customer.upsert({
    where: { shop_shopifyId: { shop, shopifyId } },
    create: { shop, shopifyId, deletedAt: at, ...personal },
    update: { deletedAt: at, ...personal },
  });
  return true;
}

function aggregateData(purchases: PurchaseForAggregates[]) {
  const aggregates = aggregatePurchases(purchases);
  return { ...aggregates, recentIntervals: JSON.stringify(aggregates.recentIntervals) };
}

/**
 * saveCustomerVersion for many customers at once: customers not stored yet are inserted in one
 * statement together with their purchase aggregates (from `purchasesOfNew`, the caller's orders
 * of this batch: a customer without a row has no stored orders, because storing an order always
 * creates its customer's row). Stored customers get the newer version; deleted or redacted ones
 * are left alone. Returns the ids inserted.
 */
export async function saveCustomerVersions(
  tx: Tx,
  shop: string,
  versions: CustomerVersion[],
  purchasesOfNew: Map<string, PurchaseForAggregates[]>,
): Promise<string[]> {
  const newest = new Map<string, CustomerVersion>();
  for (const version of versions) {
    const seen = newest.get(version.shopifyId);
    if (!seen || seen.shopifyUpdatedAt < version.shopifyUpdatedAt) newest.set(version.shopifyId, version);
  }
  if (newest.size === 0) return [];
  const existing = [];
  for (const ids of inChunks([...newest.keys()])) {
    existing.push(
      ...(await tx.customer.findMany({
        where: { shop, shopifyId: { in: ids } },
        select: { shopifyId: true, shopifyUpdatedAt: true, deletedAt: true, redactedAt: true },
      })),
    );
  }
  const stored = new Map(existing.map((row) => [row.shopifyId, row]));
  const toCreate: Prisma.CustomerCreateManyInput[] = [];
  for (const version of newest.values()) {
    const row = stored.get(version.shopifyId);
    if (!row) {
      toCreate.push({ shop, ...version, ...aggregateData(purchasesOfNew.get(version.shopifyId) ?? []) });
      continue;
    }
    if (row.deletedAt || row.redactedAt) continue;
    if (row.shopifyUpdatedAt && row.shopifyUpdatedAt >= version.shopifyUpdatedAt) continue;
    const { shopifyId, ...fields } = version;
    await tx.customer.update({ where: { shop_shopifyId: { shop, shopifyId } }, data: fields });
  }
  await insertCustomers(tx, toCreate);
  return toCreate.map((c) => c.shopifyId);
}

/**
 * Serialises, per customer, the transactions that recompute their aggregates (PostgreSQL; SQLite
 * runs one writer at a time). Without it two transactions adding orders of one customer at once
 * (orders/create and orders/paid of the same order arrive together) would each count only their
 * own order, and the last to commit would write a total that misses the other. The lock is the
 * same per-customer key ingestCustomer takes, and works before the customer has a row. Keys are
 * taken in sorted order so that two batches cannot wait on each other.
 */
async function lockCustomers(tx: Tx, shop: string, customerShopifyIds: string[]): Promise<void> {
  for (const id of [...customerShopifyIds].sort()) await lockRecord(tx, `customer:${shop}:${id}`);
}

const CUSTOMER_COLUMNS = [
  "id",
  "shop",
  "shopifyId",
  "email",
  "firstName",
  "lastName",
  "country",
  "locale",
  "state",
  "tags",
  "marketingConsent",
  "shopifyCreatedAt",
  "shopifyUpdatedAt",
  "ordersCount",
  "purchaseDays",
  "totalSpent",
  "firstOrderAt",
  "lastOrderAt",
  "recentIntervals",
  "createdAt",
  "updatedAt",
] as const;

/** Multi-row INSERT of new customers (see insertOrders in order.server.ts for why not createMany). */
async function insertCustomers(tx: Tx, rows: Prisma.CustomerCreateManyInput[]): Promise<void> {
  const now = new Date();
  for (const chunk of inChunks(rows, 400)) {
    const values = chunk.map(
      (row) =>
        Prisma.sql`(${Prisma.join([
          sortableId(),
          row.shop,
          row.shopifyId,
          row.email ?? null,
          row.firstName ?? null,
          row.lastName ?? null,
          row.country ?? null,
          row.locale ?? null,
          row.state ?? null,
          row.tags ?? null,
          row.marketingConsent ?? false,
          row.shopifyCreatedAt ?? null,
          row.shopifyUpdatedAt ?? null,
          row.ordersCount ?? 0,
          row.purchaseDays ?? 0,
          new Prisma.Decimal(row.totalSpent?.toString() ?? "0"),
          row.firstOrderAt ?? null,
          row.lastOrderAt ?? null,
          row.recentIntervals ?? "[]",
          now,
          now,
        ])})`,
    );
    const columns = Prisma.raw(CUSTOMER_COLUMNS.map((c) => `"${c}"`).join(", "));
    await tx.$executeRaw`INSERT INTO "Customer" (${columns}) VALUES ${Prisma.join(values)}`;
  }
}

/** refreshCustomerAggregates for many customers: one read of their orders, one write each. */
export async function refreshCustomersAggregates(tx: Tx, shop: string, customerShopifyIds: string[]): Promise<void> {
  if (customerShopifyIds.length === 0) return;
  await lockCustomers(tx, shop, customerShopifyIds);
  const orders = [];
  for (const ids of inChunks(customerShopifyIds)) {
    orders.push(
      ...(await tx.order.findMany({
        where: { shop, customerShopifyId: { in: ids }, cancelledAt: null },
        select: { customerShopifyId: true, processedAt: true, totalShop: true, refundedShop: true },
      })),
    );
  }
  const byCustomer = new Map<string, PurchaseForAggregates[]>(customerShopifyIds.map((id) => [id, []]));
  for (const o of orders) {
    if (!o.customerShopifyId) continue;
    byCustomer.get(o.customerShopifyId)?.push({
      processedAt: o.processedAt,
      netShop: Number(o.totalShop) - Number(o.refundedShop),
    });
  }
  for (const [shopifyId, purchases] of byCustomer) {
    const data = aggregateData(purchases);
    await tx.customer.upsert({
      where: { shop_shopifyId: { shop, shopifyId } },
      create: { shop, shopifyId, ...data },
      update: data,
    });
  }
}
