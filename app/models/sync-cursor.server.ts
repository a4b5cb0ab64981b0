import prisma from "../db.server";

/** Per-shop position of incremental work, e.g. "reconcile" = the instant reconciled up to. */
export async function getSyncCursor(shop: string, name: string): Promise<string | null> {
  const row = await prisma.syncCursor.findUnique({ where: { shop_name: { shop, name } }, select: { value: true } });
  return row?.value ?? null;
}

export async function setSyncCursor(shop: string, name: string, value: string): Promise<void> {
  await prisma.syncCursor.upsert({
    where: { shop_name: { shop, name } },
    create: { shop, name, value },
    update: { value },
  });
}
