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

/** app/uninstalled: the shop's access tokens go at once; its data stays until shop/redact. */
export async function markShopUninstalled(tx: Tx, domain: string, at: Date): Promise<void> {
  await tx.session.deleteMany({ where: { shop: domain } });
  await tx.shop.upsert({ where: { domain }, create: { domain, uninstalledAt: at }, update: { uninstalledAt: at } });
}

/** Jobs check this before doing work for a shop: an uninstalled shop gets nothing done. */
export async function isShopInstalled(domain: string, db: Tx = prisma): Promise<boolean> {
  const shop = await db.shop.findUnique({ where: { domain }, select: { uninstalledAt: true } });
  return shop !== null && shop.uninstalledAt === null;
}

/** afterAuth: a (re)installed shop is active again (clears uninstalledAt). */
export async function markShopInstalled(domain: string, at: Date = new Date()): Promise<void> {
  await prisma.shop.upsert({
    where: { domain },
    create: { domain, installedAt: at },
    update: { installedAt: at, uninstalledAt: null },
  });
}
