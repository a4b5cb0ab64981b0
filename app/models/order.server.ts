import { Prisma } from "@prisma/client";

import prisma from "../db.server";
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

export type SaveOrderResult =
  { saved: false } | { saved: true; customerShopifyId: string | null; previousCustomerShopifyId: string | null };

/** Stores an order version unless a newer version of that order is already stored. */
export async function saveOrderVersion(tx: Tx, shop: string, version: OrderVersion): Promise<SaveOrderResult> {
  const existing = await tx.order.findUnique({
    where: { shop_shopifyId: { shop, shopifyId: version.shopifyId } },
    select: { shopifyUpdatedAt: true, customerShopifyId: true },
  });
  if (existing && existing.shopifyUpdatedAt >= version.shopifyUpdatedAt) return { saved: false };
  const { shopifyId, discountCodes, totalShop, totalPresentment, refundedShop, ...fields } = version;
  const data = {
    ...fields,
    totalShop: new Prisma.Decimal(totalShop),
    totalPresentment: new Prisma.Decimal(totalPresentment),
    refundedShop: new Prisma.Decimal(refundedShop),
    discountCodes: JSON.stringify(discountCodes),
  };
  await tx.order.upsert({
    where: { shop_shopifyId: { shop, shopifyId } },
    create: { shop, shopifyId, ...data },
    update: data,
  });
  return {
    saved: true,
    customerShopifyId: version.customerShopifyId,
    previousCustomerShopifyId: existing?.customerShopifyId ?? null,
  };
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
