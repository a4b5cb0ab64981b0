import { Prisma } from "@prisma/client";

import { aggregatePurchases, type PurchaseForAggregates } from "../churn/aggregates";
import type { DayOf } from "../churn/dates";
import prisma from "../db.server";
import { sortableId } from "../lib/ids";
import { inChunks } from "./order.server";
import { lockRecords } from "./record-lock.server";
import { shopCalendar } from "./shop.server";
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

export async function countCustomers(shop: string): Promise<number> {
  return prisma.customer.count({ where: { shop, deletedAt: null } });
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

function aggregateData(purchases: PurchaseForAggregates[], dayOf: DayOf) {
  const aggregates = aggregatePurchases(purchases, undefined, dayOf);
  return { ...aggregates, recentIntervals: JSON.stringify(aggregates.recentIntervals) };
}

export interface SavedCustomerVersions {
  /** Customers inserted by this call (they carry the aggregates of `purchasesOfNew`). */
  created: string[];
  /** The versions written, inserted or updated. */
  saved: CustomerVersion[];
}

/**
 * Stores many customer versions at once. A version is written unless the same or a newer one is
 * stored, or the customer was deleted or redacted: a late create or update never brings personal
 * data back (the statement itself re-checks that, so even a redaction committed meanwhile wins).
 * Customers not stored yet are inserted together with their purchase aggregates (from
 * `purchasesOfNew`, the caller's orders of this batch: a customer without a row has no stored
 * orders, because storing an order always creates its customer's row).
 */
export async function saveCustomerVersions(
  tx: Tx,
  shop: string,
  versions: CustomerVersion[],
  purchasesOfNew: Map<string, PurchaseForAggregates[]>,
): Promise<SavedCustomerVersions> {
  const newest = new Map<string, CustomerVersion>();
  for (const version of versions) {
    const seen = newest.get(version.shopifyId);
    if (!seen || seen.shopifyUpdatedAt < version.shopifyUpdatedAt) newest.set(version.shopifyId, version);
  }
  if (newest.size === 0) return { created: [], saved: [] };
  await lockCustomers(tx, shop, [...newest.keys()]);
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
  const dayOf = await shopCalendar(tx, shop);
  const toCreate: Prisma.CustomerCreateManyInput[] = [];
  const toUpdate: CustomerVersion[] = [];
  for (const version of newest.values()) {
    const row = stored.get(version.shopifyId);
    if (!row) {
      toCreate.push({ shop, ...version, ...aggregateData(purchasesOfNew.get(version.shopifyId) ?? [], dayOf) });
      continue;
    }
    if (row.deletedAt || row.redactedAt) continue;
    if (row.shopifyUpdatedAt && row.shopifyUpdatedAt >= version.shopifyUpdatedAt) continue;
    toUpdate.push(version);
  }
  await insertCustomers(tx, toCreate);
  await updateCustomers(tx, shop, toUpdate);
  const updated = new Set(toUpdate);
  return {
    created: toCreate.map((c) => c.shopifyId),
    saved: [...newest.values()].filter((v) => !stored.has(v.shopifyId) || updated.has(v)),
  };
}

/**
 * Serialises, per customer, the transactions that write them (PostgreSQL; SQLite runs one writer
 * at a time). Without it two transactions adding orders of one customer at once (orders/create
 * and orders/paid of the same order in two drains) would each count only their own order, and
 * the last to commit would write a total that misses the other. The key is per customer, so it
 * works before the customer has a row; keys are taken in sorted order in one statement.
 */
export async function lockCustomers(tx: Tx, shop: string, customerShopifyIds: string[]): Promise<void> {
  await lockRecords(
    tx,
    customerShopifyIds.map((id) => `customer:${shop}:${id}`),
  );
}

/**
 * Which of these customers were redacted (customers/redact) in the shop: one read per 500 ids.
 * Their tombstone stays so that nothing written later links data to them again.
 */
export async function redactedCustomerIds(tx: Tx, shop: string, customerShopifyIds: string[]): Promise<Set<string>> {
  const redacted = new Set<string>();
  for (const ids of inChunks([...new Set(customerShopifyIds)])) {
    const rows = await tx.customer.findMany({
      where: { shop, shopifyId: { in: ids }, redactedAt: { not: null } },
      select: { shopifyId: true },
    });
    for (const row of rows) redacted.add(row.shopifyId);
  }
  return redacted;
}

/** A customer version's profile fields and the purchase aggregates: one order for every raw writer. */
export const CUSTOMER_PROFILE_FIELDS = [
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
] as const;
export const CUSTOMER_AGGREGATE_FIELDS = [
  "ordersCount",
  "purchaseDays",
  "totalSpent",
  "firstOrderAt",
  "lastOrderAt",
  "recentIntervals",
] as const;

const CUSTOMER_COLUMNS = [
  "id",
  "shop",
  "shopifyId",
  ...CUSTOMER_PROFILE_FIELDS,
  ...CUSTOMER_AGGREGATE_FIELDS,
  "createdAt",
  "updatedAt",
] as const;

const columnList = (columns: readonly string[]) => Prisma.raw(columns.map((c) => `"${c}"`).join(", "));
const excludedSets = (columns: readonly string[]) =>
  Prisma.raw(columns.map((c) => `"${c}" = excluded."${c}"`).join(", "));

/** Multi-row INSERT of new customers (see upsertOrders in order.server.ts for why not createMany). */
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
    await tx.$executeRaw`INSERT INTO "Customer" (${columnList(CUSTOMER_COLUMNS)}) VALUES ${Prisma.join(values)}`;
  }
}

const PROFILE_COLUMNS = [...CUSTOMER_PROFILE_FIELDS, "updatedAt"] as const;

/**
 * Newer versions of stored customers, in one statement per 400. The conflict clause repeats the
 * rules (not deleted, not redacted, strictly newer) against the row as committed at write time.
 */
async function updateCustomers(tx: Tx, shop: string, versions: CustomerVersion[]): Promise<void> {
  const now = new Date();
  const columns = ["id", "shop", "shopifyId", ...PROFILE_COLUMNS, "createdAt"];
  for (const chunk of inChunks(versions, 400)) {
    const values = chunk.map(
      (v) =>
        Prisma.sql`(${Prisma.join([
          sortableId(),
          shop,
          v.shopifyId,
          v.email,
          v.firstName,
          v.lastName,
          v.country,
          v.locale,
          v.state,
          v.tags,
          v.marketingConsent,
          v.shopifyCreatedAt,
          v.shopifyUpdatedAt,
          now,
          now,
        ])})`,
    );
    await tx.$executeRaw`INSERT INTO "Customer" (${columnList(columns)}) VALUES ${Prisma.join(values)}
      ON CONFLICT ("shop", "shopifyId") DO UPDATE SET ${excludedSets(PROFILE_COLUMNS)}
      WHERE "Customer"."deletedAt" IS NULL AND "Customer"."redactedAt" IS NULL
        AND ("Customer"."shopifyUpdatedAt" IS NULL OR "Customer"."shopifyUpdatedAt" < excluded."shopifyUpdatedAt")`;
  }
}

const AGGREGATE_COLUMNS = [...CUSTOMER_AGGREGATE_FIELDS, "updatedAt"] as const;

/**
 * Recomputes the purchase aggregates of many customers from their own stored orders: one read of
 * their orders and one multi-row write. An order can arrive before its customer's own webhook:
 * its aggregates then go on a stub row that the customer webhook fills in later. A redacted
 * customer keeps the emptied aggregates of their tombstone (the statement itself checks).
 */
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
  const now = new Date();
  const dayOf = await shopCalendar(tx, shop);
  const columns = ["id", "shop", "shopifyId", ...AGGREGATE_COLUMNS, "createdAt"];
  for (const chunk of inChunks([...byCustomer], 400)) {
    const values = chunk.map(([shopifyId, purchases]) => {
      const a = aggregatePurchases(purchases, undefined, dayOf);
      return Prisma.sql`(${Prisma.join([
        sortableId(),
        shop,
        shopifyId,
        a.ordersCount,
        a.purchaseDays,
        new Prisma.Decimal(a.totalSpent.toString()),
        a.firstOrderAt,
        a.lastOrderAt,
        JSON.stringify(a.recentIntervals),
        now,
        now,
      ])})`;
    });
    await tx.$executeRaw`INSERT INTO "Customer" (${columnList(columns)}) VALUES ${Prisma.join(values)}
      ON CONFLICT ("shop", "shopifyId") DO UPDATE SET ${excludedSets(AGGREGATE_COLUMNS)}
      WHERE "Customer"."redactedAt" IS NULL`;
  }
}
