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

/** What one raw transaction row may say besides its amount. */
export interface TransactionDetail {
  /** Orders this row stands for (0 for a further line of an order already counted). */
  orders?: number;
  /** Line items this row stands for. */
  lineItems?: number;
}

interface LedgerDay {
  amount: number;
  orders: number;
  lineItems: number;
  itemsUnknown: boolean;
}

/**
 * Collects raw transactions (several per customer and day, any order) into per-customer purchase
 * days. Used by the evaluation harness and backtests, which start from an order log rather than
 * from the database's aggregates. A day carries order and line-item counts only when every one of
 * its rows gave them.
 */
export class PurchaseLedger {
  private readonly days = new Map<string, Map<DayNumber, LedgerDay>>();
  private readonly markets = new Map<string, string>();

  add(customerId: string, day: DayNumber, amount: number, market?: string | null, detail?: TransactionDetail): void {
    if (customerId === "" || !Number.isFinite(day)) return;
    let days = this.days.get(customerId);
    if (!days) {
      days = new Map();
      this.days.set(customerId, days);
    }
    let row = days.get(day);
    if (!row) {
      row = { amount: 0, orders: 0, lineItems: 0, itemsUnknown: false };
      days.set(day, row);
    }
    row.amount += Number.isFinite(amount) ? amount : 0;
    const items = detail?.lineItems;
    if (typeof items === "number" && Number.isFinite(items) && items >= 0) row.lineItems += items;
    else row.itemsUnknown = true;
    const orders = detail?.orders;
    if (typeof orders === "number" && Number.isFinite(orders) && orders > 0) row.orders += orders;
    if (market) this.markets.set(customerId, market);
  }

  histories(): CustomerHistory[] {
    const result: CustomerHistory[] = [];
    for (const [customerId, days] of this.days) {
      const purchases = [...days]
        .map(([day, row]): PurchaseDay => {
          const amount = Math.max(0, row.amount);
          if (row.itemsUnknown || row.lineItems <= 0) return { day, amount };
          return { day, amount, orders: Math.max(1, row.orders), lineItems: row.lineItems };
        })
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
