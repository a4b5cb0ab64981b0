import { logger } from "../lib/logger.server";
import { deleteStorefrontEventsBefore, shopsWithStorefrontEvents } from "../models/storefront-event.server";

export const DEFAULT_STOREFRONT_RETENTION_DAYS = 180;

export interface PruneOptions {
  /** Raw events older than this many days go; the daily rollups stay. */
  retentionDays?: number;
  /** Rows deleted per statement: small enough that live ingestion never waits long for the lock. */
  batchSize?: number;
  /** Only these shops (default: every shop that has events). */
  shops?: string[];
  now?: Date;
}

/**
 * Deletes raw storefront events older than the retention, shop by shop, in bounded batches.
 * Safe to run at any time and to run twice. Scheduling is wired in app/jobs (daily is plenty).
 * A per-shop retention setting can pass its own `retentionDays` per call.
 */
export async function pruneStorefrontEvents(options: PruneOptions = {}): Promise<{ deleted: number }> {
  const retentionDays = options.retentionDays ?? DEFAULT_STOREFRONT_RETENTION_DAYS;
  const batchSize = options.batchSize ?? 5_000;
  if (!Number.isInteger(retentionDays) || retentionDays < 1)
    throw new Error("retentionDays must be a whole number >= 1");
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error("batchSize must be a whole number >= 1");
  const cutoff = new Date((options.now ?? new Date()).getTime() - retentionDays * 86_400_000);

  let deleted = 0;
  for (const shop of options.shops ?? (await shopsWithStorefrontEvents())) {
    let shopDeleted = 0;
    for (;;) {
      const count = await deleteStorefrontEventsBefore(shop, cutoff, batchSize);
      shopDeleted += count;
      if (count < batchSize) break;
    }
    if (shopDeleted > 0)
      logger.info({ job: "prune-storefront-events", shop, deleted: shopDeleted }, "pruned raw events");
    deleted += shopDeleted;
  }
  return { deleted };
}
