import prisma from "../db.server";
import type { Tx } from "./webhook-delivery.server";

/** Makes sure the shop has its row; the first webhook or page load of a new shop creates it. */
export async function ensureShop(domain: string, db: Tx = prisma): Promise<void> {
  await db.shop.upsert({ where: { domain }, create: { domain }, update: {} });
}

export async function getShop(domain: string) {
  return prisma.shop.findUnique({ where: { domain } });
}

export async function upsertShopDetails(
  domain: string,
  details: { name?: string; currency?: string; timezone?: string; locale?: string },
): Promise<void> {
  await prisma.shop.upsert({ where: { domain }, create: { domain, ...details }, update: details });
}
