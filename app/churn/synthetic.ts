import type { DayNumber } from "./dates";
import { RECENT_PURCHASE_WINDOW_DAYS } from "./transactions";
import type { CustomerActivity, PurchaseDay, StorefrontDay } from "./types";

/** Small, fast, seeded PRNG (mulberry32): the same seed gives the same shop on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MARKETS = ["US", "US", "US", "GB", "GB", "DE", "FR", "CA", "AU", "JP"];

/**
 * Generates plausible customers for benchmarks and robustness tests: mostly one-time buyers, a
 * tail of regulars, some prospects without orders, browsing for a minority, and a sprinkling of
 * broken values (NaN, negatives) that real data eventually contains.
 */
export function syntheticCustomer(random: () => number, index: number, asOf: DayNumber): CustomerActivity {
  const market = MARKETS[Math.floor(random() * MARKETS.length)];
  const tenure = Math.floor(random() * 900);
  const firstSeenDay = asOf - tenure;
  const broken = random() < 0.01;
  if (random() < 0.05) {
    return {
      customerId: `c${index}`,
      market,
      firstSeenDay,
      ordersCount: 0,
      purchaseDaysCount: 0,
      totalSpent: 0,
      firstOrderDay: null,
      lastOrderDay: null,
      recentPurchases: [],
      storefront: browsing(random, asOf, 0.5),
    };
  }
  const meanGap = 10 + random() * 120;
  const purchases: PurchaseDay[] = [];
  let day = firstSeenDay + Math.floor(random() * 10);
  const firstOrderDay = day;
  let olderCount = 0;
  let olderSpend = 0;
  const quitsAfter = random() < 0.6 ? 1 + Math.floor(-Math.log(1 - random()) * 3) : 1_000;
  for (let n = 0; day <= asOf && n < quitsAfter; n++) {
    const amount = Math.round((15 + random() * 150) * 100) / 100;
    // Basket size follows the amount (no extra draws, so the seeded stream is unchanged).
    if (day > asOf - RECENT_PURCHASE_WINDOW_DAYS)
      purchases.push({ day, amount, orders: 1, lineItems: 1 + Math.floor(amount / 40) });
    else {
      olderCount++;
      olderSpend += amount;
    }
    day += 1 + Math.floor(-Math.log(1 - random()) * meanGap);
  }
  const recentSpend = purchases.reduce((sum, p) => sum + p.amount, 0);
  const count = olderCount + purchases.length;
  const lastOrderDay = purchases.length > 0 ? purchases[purchases.length - 1].day : firstOrderDay;
  return {
    customerId: `c${index}`,
    market,
    firstSeenDay,
    ordersCount: broken ? Number.NaN : count + (random() < 0.1 ? 1 : 0),
    purchaseDaysCount: count,
    totalSpent: broken ? -1 : olderSpend + recentSpend,
    firstOrderDay,
    lastOrderDay,
    recentPurchases: purchases,
    storefront: browsing(random, asOf, 0.35),
  };
}

function browsing(random: () => number, asOf: DayNumber, share: number): StorefrontDay[] {
  if (random() >= share) return [];
  const days: StorefrontDay[] = [];
  const activeDays = 1 + Math.floor(random() * 12);
  for (let i = 0; i < activeDays; i++) {
    const visits = 1 + Math.floor(random() * 3);
    const cartAdds = random() < 0.25 ? 1 + Math.floor(random() * 2) : 0;
    days.push({
      day: asOf - Math.floor(random() * 60),
      visits,
      sessions: visits,
      dwellSeconds: Math.floor(random() * 600 * visits),
      productViews: Math.floor(random() * 8 * visits),
      distinctProducts: Math.floor(random() * 5),
      searches: random() < 0.3 ? 1 : 0,
      cartAdds,
      checkoutsStarted: cartAdds > 0 && random() < 0.5 ? 1 : 0,
    });
  }
  return days;
}
