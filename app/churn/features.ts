import { DEFAULT_INTERVAL_DAYS } from "./cadence";
import type { DayNumber } from "./dates";
import type { CustomerActivity, CustomerFeatures, PurchaseDay, ShopCadence, StorefrontDay } from "./types";

/** How many of the customer's own intervals weigh as much as the market's cadence (shrinkage). */
const CADENCE_PRIOR_WEIGHT = 2;
/** A cart counts as abandoned when no purchase follows within this many days. */
const ABANDONED_CART_GRACE_DAYS = 1;
const SEASON_HALF_WIDTH_DAYS = 45;

function count(value: number | null | undefined): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

function dayOrNaN(value: number | null | undefined): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.floor(value) : Number.NaN;
}

/**
 * Relative change of `current` against `previous` as a fraction. Nothing before and nothing now
 * is "no change"; something from nothing is +100% (a finite value, so rules can compare it).
 */
export function relativeChange(current: number, previous: number): number {
  if (previous > 0) return (current - previous) / previous;
  return current > 0 ? 1 : 0;
}

/** Scratch space for interval medians: the hot path allocates nothing per customer here. */
let intervalScratch = new Float64Array(512);

/** Median of the first `length` values of `intervalScratch` (insertion sort: lists are short). */
function scratchMedian(length: number): number {
  if (length === 0) return Number.NaN;
  const values = intervalScratch;
  for (let i = 1; i < length; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && values[j] > v) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = v;
  }
  const mid = length >> 1;
  return length % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

/** The common case, checked without allocating: ascending whole days up to as-of, sane amounts. */
function isClean(purchases: readonly PurchaseDay[], asOf: DayNumber): boolean {
  let previous = Number.NEGATIVE_INFINITY;
  for (const p of purchases) {
    if (
      !p ||
      !(p.day > previous) ||
      p.day > asOf ||
      !Number.isInteger(p.day) ||
      !(p.amount >= 0) ||
      p.amount === Infinity
    ) {
      return false;
    }
    previous = p.day;
  }
  return true;
}

/** Purchases up to the as-of day with sane values, ascending, one per day. */
function cleanPurchases(purchases: readonly PurchaseDay[], asOf: DayNumber): readonly PurchaseDay[] {
  if (isClean(purchases, asOf)) return purchases;
  const kept: PurchaseDay[] = [];
  let sorted = true;
  for (const p of purchases) {
    if (!p || !Number.isFinite(p.day) || p.day > asOf) continue;
    if (kept.length > 0 && p.day <= kept[kept.length - 1].day) sorted = false;
    const row: PurchaseDay = { day: Math.floor(p.day), amount: count(p.amount) };
    if (p.orders !== undefined) row.orders = orderCount(p.orders);
    // 0 or junk is unknown; an unknown row makes its whole day unknown when days are merged below.
    if (count(p.lineItems) > 0) row.lineItems = p.lineItems;
    kept.push(row);
  }
  if (sorted) return kept;
  kept.sort((a, b) => a.day - b.day);
  const merged: PurchaseDay[] = [];
  for (const p of kept) {
    const last = merged[merged.length - 1];
    if (last && last.day === p.day) {
      last.amount += p.amount;
      if (last.orders !== undefined || p.orders !== undefined)
        last.orders = orderCount(last.orders) + orderCount(p.orders);
      // A day is only as known as its least known row.
      last.lineItems =
        last.lineItems !== undefined && p.lineItems !== undefined ? last.lineItems + p.lineItems : undefined;
    } else {
      merged.push(p);
    }
  }
  return merged;
}

/** Orders on a purchase day: at least one (the day is a purchase day), 1 when unknown. */
function orderCount(value: number | undefined): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 1 ? Math.floor(value) : 1;
}

/** Writes the customer's intervals into `intervalScratch` and returns how many there are. */
function collectIntervals(activity: CustomerActivity, purchases: readonly PurchaseDay[]): number {
  const needed = Math.max(purchases.length, activity.recentIntervalsDays?.length ?? 0);
  if (needed > intervalScratch.length) intervalScratch = new Float64Array(needed * 2);
  let length = 0;
  if (purchases.length >= 2) {
    for (let i = 1; i < purchases.length; i++) intervalScratch[length++] = purchases[i].day - purchases[i - 1].day;
    return length;
  }
  for (const d of activity.recentIntervalsDays ?? []) {
    if (Number.isFinite(d) && d > 0) intervalScratch[length++] = d;
  }
  return length;
}

export function computeFeatures(activity: CustomerActivity, asOf: DayNumber, cadence: ShopCadence): CustomerFeatures {
  const purchases = cleanPurchases(activity.recentPurchases ?? [], asOf);
  let lastOrderDay = dayOrNaN(activity.lastOrderDay);
  let firstOrderDay = dayOrNaN(activity.firstOrderDay);
  // Aggregates can lag behind the purchase rows (or be missing); the rows are the ground truth.
  if (purchases.length > 0) {
    const newest = purchases[purchases.length - 1].day;
    if (!(lastOrderDay >= newest) || lastOrderDay > asOf) lastOrderDay = newest;
    if (!(firstOrderDay <= purchases[0].day)) firstOrderDay = purchases[0].day;
  }
  if (lastOrderDay > asOf) lastOrderDay = Number.NaN;
  const hasOrders = Number.isFinite(lastOrderDay);
  if (hasOrders && !(firstOrderDay <= lastOrderDay)) firstOrderDay = lastOrderDay;

  // Stored aggregates count every purchase to date: when scoring an earlier day (a backtest) they
  // include purchases after it, so only the dated purchase rows may be used.
  const aggregatesUsable = !(dayOrNaN(activity.lastOrderDay) > asOf);
  const purchaseDays = Math.max(
    aggregatesUsable ? count(activity.purchaseDaysCount) : 0,
    purchases.length,
    hasOrders ? 1 : 0,
  );
  const ordersCount = Math.max(aggregatesUsable ? count(activity.ordersCount) : 0, purchaseDays);
  let recentSpend = 0;
  for (const p of purchases) recentSpend += p.amount;
  const totalSpent = Math.max(aggregatesUsable ? count(activity.totalSpent) : 0, recentSpend);

  const known = collectIntervals(activity, purchases);
  const ownIntervalDays = scratchMedian(known);
  const shopIntervalDays = count(cadence.medianIntervalDays) || DEFAULT_INTERVAL_DAYS;
  const marketIntervalDays = (activity.market !== null && count(cadence.byMarket[activity.market])) || shopIntervalDays;
  const expectedIntervalDays =
    known > 0
      ? (known * ownIntervalDays + CADENCE_PRIOR_WEIGHT * marketIntervalDays) / (known + CADENCE_PRIOR_WEIGHT)
      : marketIntervalDays;

  const daysSinceLastOrder = hasOrders ? asOf - lastOrderDay : Number.NaN;
  const daysSinceFirstOrder = hasOrders ? asOf - firstOrderDay : Number.NaN;
  const firstSeen = dayOrNaN(activity.firstSeenDay);
  const tenureStart = Math.min(
    Number.isFinite(firstSeen) && firstSeen <= asOf ? firstSeen : Infinity,
    hasOrders ? firstOrderDay : Infinity,
  );
  const tenureDays = Number.isFinite(tenureStart) ? asOf - tenureStart : 0;

  let purchaseDays30d = 0;
  let purchaseDaysPrev30d = 0;
  let purchaseDays90d = 0;
  let purchaseDays365d = 0;
  let spend30d = 0;
  let spendPrev30d = 0;
  let spend90d = 0;
  let boughtSameSeasonLastYear = false;
  let lineItems = 0;
  let ordersWithLineItems = 0;
  for (const p of purchases) {
    const age = asOf - p.day;
    // Shops whose orders carry no line-item counts (0 is Order.lineItemsCount's default) leave the
    // basket features undefined rather than claiming empty baskets.
    const items = p.lineItems;
    if (items !== undefined && items > 0 && items < Infinity) {
      lineItems += items;
      ordersWithLineItems += orderCount(p.orders);
    }
    if (age < 30) {
      purchaseDays30d++;
      spend30d += p.amount;
    } else if (age < 60) {
      purchaseDaysPrev30d++;
      spendPrev30d += p.amount;
    }
    if (age < 90) {
      purchaseDays90d++;
      spend90d += p.amount;
    }
    if (age < 365) purchaseDays365d++;
    if (Math.abs(age - 365) <= SEASON_HALF_WIDTH_DAYS) boughtSameSeasonLastYear = true;
  }
  const averageOrderValue = hasOrders ? totalSpent / purchaseDays : Number.NaN;
  const averageOrderValue90d = purchaseDays90d > 0 ? spend90d / purchaseDays90d : Number.NaN;
  const olderDays = purchaseDays - purchaseDays90d;
  const olderAov = olderDays > 0 ? Math.max(0, totalSpent - spend90d) / olderDays : Number.NaN;
  const averageOrderValueChange =
    Number.isFinite(averageOrderValue90d) && olderAov > 0 ? relativeChange(averageOrderValue90d, olderAov) : Number.NaN;

  const lastPurchase = purchases.length > 0 ? purchases[purchases.length - 1] : undefined;
  const lastItems =
    lastPurchase !== undefined && lastPurchase.day === lastOrderDay ? lastPurchase.lineItems : undefined;
  const lastOrderLineItems =
    lastItems !== undefined && lastItems > 0 && lastItems < Infinity
      ? lastItems / orderCount(lastPurchase?.orders)
      : Number.NaN;
  const mainMarket = cadence.mainMarket;
  const inMainMarket =
    typeof mainMarket === "string" && activity.market !== null ? activity.market === mainMarket : undefined;

  const store = storefrontWindows(activity.storefront ?? [], asOf, purchases);

  return {
    customerId: activity.customerId,
    market: activity.market,
    asOfDay: asOf,
    hasOrders,
    daysSinceLastOrder,
    daysSinceFirstOrder,
    tenureDays,
    ordersCount,
    purchaseDays,
    totalSpent,
    averageOrderValue,
    ownIntervalDays,
    intervalsKnown: known,
    shopIntervalDays,
    marketIntervalDays,
    expectedIntervalDays,
    recencyToCadence: hasOrders ? daysSinceLastOrder / expectedIntervalDays : Number.NaN,
    purchaseDays30d,
    purchaseDaysPrev30d,
    purchaseDays90d,
    purchaseDays365d,
    spend30d,
    spendPrev30d,
    spend30dChange: relativeChange(spend30d, spendPrev30d),
    purchaseDays30dChange: relativeChange(purchaseDays30d, purchaseDaysPrev30d),
    averageOrderValue90d,
    averageOrderValueChange,
    boughtSameSeasonLastYear,
    lineItemsPerOrder: ordersWithLineItems > 0 ? lineItems / ordersWithLineItems : Number.NaN,
    lastOrderLineItems,
    inMainMarket,
    // Listed one by one: a spread here would cost a slow-path copy per customer on the hot path.
    visits7d: store.visits7d,
    visitsPrev7d: store.visitsPrev7d,
    visitsWowChange: store.visitsWowChange,
    visits30d: store.visits30d,
    visitsPrev30d: store.visitsPrev30d,
    visitsMomChange: store.visitsMomChange,
    dwellSeconds7d: store.dwellSeconds7d,
    dwellWowChange: store.dwellWowChange,
    cartAdds7d: store.cartAdds7d,
    cartAddsWowChange: store.cartAddsWowChange,
    productViews30d: store.productViews30d,
    distinctProducts30d: store.distinctProducts30d,
    searches30d: store.searches30d,
    cartAdds30d: store.cartAdds30d,
    checkoutsStarted30d: store.checkoutsStarted30d,
    abandonedCarts30d: store.abandonedCarts30d,
    daysSinceLastVisit: store.daysSinceLastVisit,
  };
}

type StorefrontFeatures = Pick<
  CustomerFeatures,
  | "visits7d"
  | "visitsPrev7d"
  | "visitsWowChange"
  | "visits30d"
  | "visitsPrev30d"
  | "visitsMomChange"
  | "dwellSeconds7d"
  | "dwellWowChange"
  | "cartAdds7d"
  | "cartAddsWowChange"
  | "productViews30d"
  | "distinctProducts30d"
  | "searches30d"
  | "cartAdds30d"
  | "checkoutsStarted30d"
  | "abandonedCarts30d"
  | "daysSinceLastVisit"
>;

/** Most customers have no tracked browsing: one shared result spares an allocation each. */
const NO_STOREFRONT_ACTIVITY: StorefrontFeatures = Object.freeze({
  visits7d: 0,
  visitsPrev7d: 0,
  visitsWowChange: 0,
  visits30d: 0,
  visitsPrev30d: 0,
  visitsMomChange: 0,
  dwellSeconds7d: 0,
  dwellWowChange: 0,
  cartAdds7d: 0,
  cartAddsWowChange: 0,
  productViews30d: 0,
  distinctProducts30d: 0,
  searches30d: 0,
  cartAdds30d: 0,
  checkoutsStarted30d: 0,
  abandonedCarts30d: 0,
  daysSinceLastVisit: Number.NaN,
});

function storefrontWindows(
  days: readonly StorefrontDay[],
  asOf: DayNumber,
  purchases: readonly PurchaseDay[],
): StorefrontFeatures {
  if (days.length === 0) return NO_STOREFRONT_ACTIVITY;
  let visits7d = 0;
  let visitsPrev7d = 0;
  let visits30d = 0;
  let visitsPrev30d = 0;
  let dwell7d = 0;
  let dwellPrev7d = 0;
  let cartAdds7d = 0;
  let cartAddsPrev7d = 0;
  let productViews30d = 0;
  let distinctProducts30d = 0;
  let searches30d = 0;
  let cartAdds30d = 0;
  let checkouts30d = 0;
  let abandonedCarts30d = 0;
  let lastVisitDay = Number.NEGATIVE_INFINITY;
  for (const d of days) {
    if (!d || !Number.isFinite(d.day)) continue;
    const age = asOf - Math.floor(d.day);
    if (age < 0 || age >= 60) continue;
    const visits = count(d.visits);
    if (visits > 0 && d.day > lastVisitDay) lastVisitDay = d.day;
    if (age < 7) {
      visits7d += visits;
      dwell7d += count(d.dwellSeconds);
      cartAdds7d += count(d.cartAdds);
    } else if (age < 14) {
      visitsPrev7d += visits;
      dwellPrev7d += count(d.dwellSeconds);
      cartAddsPrev7d += count(d.cartAdds);
    }
    if (age < 30) {
      visits30d += visits;
      productViews30d += count(d.productViews);
      distinctProducts30d += count(d.distinctProducts);
      searches30d += count(d.searches);
      cartAdds30d += count(d.cartAdds);
      checkouts30d += count(d.checkoutsStarted);
      if (count(d.cartAdds) + count(d.checkoutsStarted) > 0 && !paidSoonAfter(purchases, d.day, asOf)) {
        abandonedCarts30d++;
      }
    } else {
      visitsPrev30d += visits;
    }
  }
  return {
    visits7d,
    visitsPrev7d,
    visitsWowChange: relativeChange(visits7d, visitsPrev7d),
    visits30d,
    visitsPrev30d,
    visitsMomChange: relativeChange(visits30d, visitsPrev30d),
    dwellSeconds7d: dwell7d,
    dwellWowChange: relativeChange(dwell7d, dwellPrev7d),
    cartAdds7d,
    cartAddsWowChange: relativeChange(cartAdds7d, cartAddsPrev7d),
    productViews30d,
    distinctProducts30d,
    searches30d,
    cartAdds30d,
    checkoutsStarted30d: checkouts30d,
    abandonedCarts30d,
    daysSinceLastVisit: Number.isFinite(lastVisitDay) ? asOf - lastVisitDay : Number.NaN,
  };
}

/** Whether a purchase happened on the cart day or within the grace period (that has already elapsed). */
function paidSoonAfter(purchases: readonly PurchaseDay[], cartDay: DayNumber, asOf: DayNumber): boolean {
  const until = cartDay + ABANDONED_CART_GRACE_DAYS;
  // A cart from today may still be paid tomorrow: not abandoned yet.
  if (until > asOf) return true;
  for (let i = purchases.length - 1; i >= 0; i--) {
    const day = purchases[i].day;
    if (day < cartDay) return false;
    if (day <= until) return true;
  }
  return false;
}
