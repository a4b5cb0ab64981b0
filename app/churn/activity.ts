import type { CustomerAggregates, PurchaseForAggregates } from "./aggregates";
import { type DayOf, utcDayOf } from "./dates";
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

/**
 * A customer's orders as purchase days (one row per calendar day, ascending): amounts summed,
 * orders counted, line items summed when every order of the day has its count. Days are the
 * shop's (`dayOf`, see zonedDayOf).
 */
export function purchaseDaysFromOrders(
  orders: readonly PurchaseForAggregates[],
  dayOf: DayOf = utcDayOf,
): PurchaseDay[] {
  const byDay = new Map<number, PurchaseDay & { itemsUnknown: boolean }>();
  for (const order of orders) {
    const day = dayOf(order.processedAt.getTime());
    if (!Number.isFinite(day)) continue;
    const amount = Number.isFinite(order.netShop) ? Math.max(0, order.netShop) : 0;
    const items = order.lineItems;
    const known = typeof items === "number" && Number.isFinite(items) && items > 0;
    const row = byDay.get(day);
    if (row) {
      row.amount += amount;
      row.orders = (row.orders ?? 1) + 1;
      row.lineItems = (row.lineItems ?? 0) + (known ? items : 0);
      row.itemsUnknown ||= !known;
    } else {
      byDay.set(day, { day, amount, orders: 1, lineItems: known ? items : 0, itemsUnknown: !known });
    }
  }
  return [...byDay.values()]
    .sort((a, b) => a.day - b.day)
    .map(({ day, amount, orders, lineItems, itemsUnknown }) =>
      // Order counts and line items travel together: they only serve the basket-size features.
      itemsUnknown ? { day, amount } : { day, amount, orders, lineItems },
    );
}

/** The one place where stored rows (aggregate + recent orders + rollups) become engine input. */
export function customerActivityFrom(stored: StoredCustomer, dayOf: DayOf = utcDayOf): CustomerActivity {
  const recentPurchases = purchaseDaysFromOrders(stored.recentOrders, dayOf);
  const day = (at: Date | null) => (at ? dayOf(at.getTime()) : null);
  const { aggregates } = stored;
  return {
    customerId: stored.customerId,
    market: stored.market,
    firstSeenDay: day(stored.firstSeenAt),
    ordersCount: aggregates.ordersCount,
    purchaseDaysCount: aggregates.purchaseDays,
    totalSpent: aggregates.totalSpent,
    firstOrderDay: day(aggregates.firstOrderAt),
    lastOrderDay: day(aggregates.lastOrderAt),
    recentPurchases,
    recentIntervalsDays: aggregates.recentIntervals,
    storefront: stored.storefront ?? [],
  };
}
