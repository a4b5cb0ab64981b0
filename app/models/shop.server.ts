import prisma from "../db.server";
import type { Tx } from "./webhook-delivery.server";

/** Makes sure the shop has its row; the first webhook or page load of a new shop creates it. */
export async function ensureShop(domain: string, db: Tx = prisma): Promise<void> {
  await db.shop.upsert({ where: { domain }, create: { domain }, update: {} });
}

export async function getShop(domain: string) {
  return prisma.shop.findUnique({ where: { domain } });
}

/** Saves what Shopify says about the shop; a (re)install also clears a previous uninstall. */
export async function upsertShopDetails(
  domain: string,
  details: { name?: string; currency?: string; timezone?: string; locale?: string; uninstalledAtReset?: boolean },
): Promise<void> {
  const { uninstalledAtReset, ...fields } = details;
  const update = uninstalledAtReset ? { ...fields, uninstalledAt: null } : fields;
  await prisma.shop.upsert({ where: { domain }, create: { domain, ...fields }, update });
}
