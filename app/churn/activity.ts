import type { CustomerAggregates, PurchaseForAggregates } from "./aggregates";
import { dayFromDate } from "./dates";
import type { CustomerActivity, PurchaseDay, StorefrontDay } from "./types";

export interface StoredCustomer {
  customerId: string;
  market: string | null;
  /** Account creation or first tracked visit, whichever the database knows first. */
  firstSeenAt: Date | null;
  aggregates: CustomerAggregates;
  /** The customer's paid orders of the last RECENT_PURCHASE_WINDOW_DAYS (400) days, any order. */
  recentOrders: readonly PurchaseForAggregates[];
  /** Daily storefront rollups of the last 60 days. */
  storefront?: readonly StorefrontDay[];
}

/** The one place where stored rows (aggregate + recent orders + rollups) become engine input. */
export function customerActivityFrom(stored: StoredCustomer): CustomerActivity {
  const byDay = new Map<number, number>();
  for (const order of stored.recentOrders) {
    const day = dayFromDate(order.processedAt);
    if (!Number.isFinite(day)) continue;
    const amount = Number.isFinite(order.netShop) ? Math.max(0, order.netShop) : 0;
    byDay.set(day, (byDay.get(day) ?? 0) + amount);
  }
  const recentPurchases: PurchaseDay[] = [...byDay]
    .map(([day, amount]) => ({ day, amount }))
    .sort((a, b) => a.day - b.day);
  const { aggregates } = stored;
  return {
    customerId: stored.customerId,
    market: stored.market,
    firstSeenDay: stored.firstSeenAt ? dayFromDate(stored.firstSeenAt) : null,
    ordersCount: aggregates.ordersCount,
    purchaseDaysCount: aggregates.purchaseDays,
    totalSpent: aggregates.totalSpent,
    firstOrderDay: aggregates.firstOrderAt ? dayFromDate(aggregates.firstOrderAt) : null,
    lastOrderDay: aggregates.lastOrderAt ? dayFromDate(aggregates.lastOrderAt) : null,
    recentPurchases,
    recentIntervalsDays: aggregates.recentIntervals,
    storefront: stored.storefront ?? [],
  };
}
