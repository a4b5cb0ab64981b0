import prisma from "../db.server";

// The queries of the metafield sync (app/services/metafield-sync.server.ts). A score needs
// writing to Shopify when it was never written (metafieldsSyncedAt null) or changed after it
// was last written (metafieldsSyncedAt < changedAt).

export interface PendingScoreSync {
  customerShopifyId: string;
  score: number;
  level: string;
  tier: string;
  changedAt: Date;
}

/**
 * The next `take` scores of the shop that need writing, after `after` in customer id order
 * (keyset pagination: each page is one index range, memory stays at one page).
 */
export async function pendingScoreSyncs(shop: string, after: string | null, take: number): Promise<PendingScoreSync[]> {
  return prisma.customerScore.findMany({
    where: {
      shop,
      ...(after === null ? {} : { customerShopifyId: { gt: after } }),
      OR: [{ metafieldsSyncedAt: null }, { metafieldsSyncedAt: { lt: prisma.customerScore.fields.changedAt } }],
    },
    select: { customerShopifyId: true, score: true, level: true, tier: true, changedAt: true },
    orderBy: { customerShopifyId: "asc" },
    take,
  });
}

/**
 * Marks scores as written, each only if it has not changed since it was read (its changedAt is
 * still the one that was sent): a score the scoring job changed meanwhile stays pending and is
 * written next time. The mark is never earlier than changedAt, whatever the clocks say.
 */
export async function markScoresSynced(
  shop: string,
  rows: readonly { customerShopifyId: string; changedAt: Date }[],
  at: Date,
): Promise<number> {
  if (rows.length === 0) return 0;
  const updates = await prisma.$transaction(
    rows.map((row) =>
      prisma.customerScore.updateMany({
        where: { shop, customerShopifyId: row.customerShopifyId, changedAt: row.changedAt },
        data: { metafieldsSyncedAt: row.changedAt > at ? row.changedAt : at },
      }),
    ),
  );
  return updates.reduce((sum, u) => sum + u.count, 0);
}
