import { aggregatePurchases } from "../churn/aggregates";
import prisma from "../db.server";
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
 * Stores a customer version unless a newer one is already there: Shopify may deliver an older
 * update after a newer one. Returns whether the row changed.
 */
export async function saveCustomerVersion(tx: Tx, shop: string, version: CustomerVersion): Promise<boolean> {
  const existing = await tx.customer.findUnique({
    where: { shop_shopifyId: { shop, shopifyId: version.shopifyId } },
    select: { shopifyUpdatedAt: true },
  });
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
