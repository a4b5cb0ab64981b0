import { type DayOf, utcDayOf } from "./dates";

// Per-customer purchase aggregates, recomputed from one customer's own orders whenever one of
// them changes, so that scoring reads one row per customer and never scans the order table.

export interface PurchaseForAggregates {
  processedAt: Date;
  /** Net total in shop money (after refunds); cancelled orders are left out by the caller. */
  netShop: number;
  /** Order.lineItemsCount; optional, and 0 is read as unknown (the column's default). */
  lineItems?: number;
}

export interface CustomerAggregates {
  ordersCount: number;
  purchaseDays: number;
  totalSpent: number;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  /** Days between consecutive purchase days, oldest first, at most `maxIntervals` of them. */
  recentIntervals: number[];
}

/** `dayOf` is the shop's calendar (zonedDayOf): purchase days and intervals are counted on it. */
export function aggregatePurchases(
  purchases: readonly PurchaseForAggregates[],
  maxIntervals = 12,
  dayOf: DayOf = utcDayOf,
): CustomerAggregates {
  if (purchases.length === 0) {
    return {
      ordersCount: 0,
      purchaseDays: 0,
      totalSpent: 0,
      firstOrderAt: null,
      lastOrderAt: null,
      recentIntervals: [],
    };
  }
  const sorted = [...purchases].sort((a, b) => a.processedAt.getTime() - b.processedAt.getTime());
  const days: number[] = [];
  let total = 0;
  for (const p of sorted) {
    total += Number.isFinite(p.netShop) ? p.netShop : 0;
    const day = dayOf(p.processedAt.getTime());
    if (days.length === 0 || days[days.length - 1] !== day) days.push(day);
  }
  const intervals: number[] = [];
  for (let i = 1; i < days.length; i++) intervals.push(days[i] - days[i - 1]);
  return {
    ordersCount: sorted.length,
    purchaseDays: days.length,
    totalSpent: Math.round(total * 100) / 100,
    firstOrderAt: sorted[0].processedAt,
    lastOrderAt: sorted[sorted.length - 1].processedAt,
    recentIntervals: intervals.slice(-maxIntervals),
  };
}
