import type { DayNumber } from "./dates";
import type { CustomerActivity, PurchaseDay } from "./types";

/** A customer's complete purchase history: one row per purchase day, ascending. */
export interface CustomerHistory {
  customerId: string;
  market: string | null;
  purchases: PurchaseDay[];
}

/** How far back `activityAt` copies purchase rows; the same bound the database query uses. */
export const RECENT_PURCHASE_WINDOW_DAYS = 400;

/**
 * Collects raw transactions (several per customer and day, any order) into per-customer purchase
 * days. Used by the evaluation harness and backtests, which start from an order log rather than
 * from the database's aggregates.
 */
export class PurchaseLedger {
  private readonly amounts = new Map<string, Map<DayNumber, number>>();
  private readonly markets = new Map<string, string>();

  add(customerId: string, day: DayNumber, amount: number, market?: string | null): void {
    if (customerId === "" || !Number.isFinite(day)) return;
    let days = this.amounts.get(customerId);
    if (!days) {
      days = new Map();
      this.amounts.set(customerId, days);
    }
    const safeAmount = Number.isFinite(amount) ? amount : 0;
    days.set(day, (days.get(day) ?? 0) + safeAmount);
    if (market) this.markets.set(customerId, market);
  }

  histories(): CustomerHistory[] {
    const result: CustomerHistory[] = [];
    for (const [customerId, days] of this.amounts) {
      const purchases = [...days]
        .map(([day, amount]) => ({ day, amount: Math.max(0, amount) }))
        .sort((a, b) => a.day - b.day);
      result.push({ customerId, market: this.markets.get(customerId) ?? null, purchases });
    }
    return result.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  }
}

/** What the database's aggregates would have said about this customer at the end of `asOf`. */
export function activityAt(history: CustomerHistory, asOf: DayNumber): CustomerActivity | null {
  let end = 0;
  while (end < history.purchases.length && history.purchases[end].day <= asOf) end++;
  if (end === 0) return null;
  const past = history.purchases.slice(0, end);
  let totalSpent = 0;
  for (const p of past) totalSpent += p.amount;
  const windowStart = asOf - RECENT_PURCHASE_WINDOW_DAYS;
  return {
    customerId: history.customerId,
    market: history.market,
    firstSeenDay: past[0].day,
    ordersCount: past.length,
    purchaseDaysCount: past.length,
    totalSpent,
    firstOrderDay: past[0].day,
    lastOrderDay: past[end - 1].day,
    recentPurchases: past.filter((p) => p.day > windowStart),
  };
}

/** The label of the benchmark: no purchase day in (asOf, asOf + horizonDays]. */
export function churnedAfter(history: CustomerHistory, asOf: DayNumber, horizonDays: number): boolean {
  for (const p of history.purchases) {
    if (p.day > asOf && p.day <= asOf + horizonDays) return false;
  }
  return true;
}

/** The latest purchase day in the data: labels exist only for horizons that end by then. */
export function lastPurchaseDay(histories: readonly CustomerHistory[]): DayNumber {
  let last = Number.NEGATIVE_INFINITY;
  for (const h of histories) {
    const p = h.purchases[h.purchases.length - 1];
    if (p && p.day > last) last = p.day;
  }
  return last;
}
