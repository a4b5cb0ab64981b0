import type { CustomerFeatures } from "./types";

/** 1..5 per dimension, 5 = best (most recent, most frequent, highest spend), store-relative. */
export interface RfmScores {
  recency: number;
  frequency: number;
  monetary: number;
}

/** The four inner quintile edges (20/40/60/80%) of each dimension over the shop's buyers. */
export interface RfmThresholds {
  recencyDays: readonly number[];
  purchaseDays: readonly number[];
  totalSpent: readonly number[];
  customers: number;
}

/** Quintiles per market only where the market has enough buyers to make its own fifths meaningful. */
export const MIN_CUSTOMERS_PER_MARKET = 200;

export interface ShopRfmThresholds {
  shop: RfmThresholds;
  byMarket: ReadonlyMap<string, RfmThresholds>;
}

function quintileEdges(values: number[]): number[] {
  values.sort((a, b) => a - b);
  const n = values.length;
  if (n === 0) return [0, 0, 0, 0];
  return [0.2, 0.4, 0.6, 0.8].map((q) => values[Math.min(n - 1, Math.floor(q * n))]);
}

export function rfmThresholds(population: Iterable<CustomerFeatures>): RfmThresholds {
  const recency: number[] = [];
  const frequency: number[] = [];
  const monetary: number[] = [];
  for (const f of population) {
    if (!f.hasOrders) continue;
    recency.push(f.daysSinceLastOrder);
    frequency.push(f.purchaseDays);
    monetary.push(f.totalSpent);
  }
  return {
    recencyDays: quintileEdges(recency),
    purchaseDays: quintileEdges(frequency),
    totalSpent: quintileEdges(monetary),
    customers: recency.length,
  };
}

export function shopRfmThresholds(population: readonly CustomerFeatures[], perMarket = true): ShopRfmThresholds {
  const byMarket = new Map<string, RfmThresholds>();
  if (perMarket) {
    const groups = new Map<string, CustomerFeatures[]>();
    for (const f of population) {
      if (f.market === null || !f.hasOrders) continue;
      let group = groups.get(f.market);
      if (!group) groups.set(f.market, (group = []));
      group.push(f);
    }
    for (const [market, group] of groups) {
      if (group.length >= MIN_CUSTOMERS_PER_MARKET) byMarket.set(market, rfmThresholds(group));
    }
  }
  return { shop: rfmThresholds(population), byMarket };
}

/** 1 + the number of edges the value exceeds: equal values always land in the same quintile. */
function quintileOf(value: number, edges: readonly number[]): number {
  return (
    1 +
    (value > edges[0] ? 1 : 0) +
    (value > edges[1] ? 1 : 0) +
    (value > edges[2] ? 1 : 0) +
    (value > edges[3] ? 1 : 0)
  );
}

/** Null for a customer without orders: there is nothing to score. */
export function rfmScoresFor(features: CustomerFeatures, thresholds: ShopRfmThresholds): RfmScores | null {
  if (!features.hasOrders) return null;
  const t = (features.market !== null && thresholds.byMarket.get(features.market)) || thresholds.shop;
  return {
    recency: 6 - quintileOf(features.daysSinceLastOrder, t.recencyDays),
    frequency: quintileOf(features.purchaseDays, t.purchaseDays),
    monetary: quintileOf(features.totalSpent, t.totalSpent),
  };
}

export const SHOPIFY_RFM_GROUPS = [
  "ACTIVE",
  "ALMOST_LOST",
  "AT_RISK",
  "CHAMPIONS",
  "DORMANT",
  "LOYAL",
  "NEEDS_ATTENTION",
  "NEW",
  "PREVIOUSLY_LOYAL",
  "PROMISING",
  "PROSPECTS",
] as const;
export type ShopifyRfmGroup = (typeof SHOPIFY_RFM_GROUPS)[number];

/**
 * Shopify's 11 groups (CustomerRfmGroup) on the classic recency x frequency-monetary grid. Shopify
 * does not publish its cell boundaries; this grid follows its group descriptions so merchants can
 * compare with the admin, and is ours to adjust.
 */
export function shopifyRfmGroup(scores: RfmScores | null): ShopifyRfmGroup {
  if (scores === null) return "PROSPECTS";
  const fm = Math.round((scores.frequency + scores.monetary) / 2);
  switch (scores.recency) {
    case 5:
      return fm >= 4 ? "CHAMPIONS" : fm >= 2 ? "ACTIVE" : "NEW";
    case 4:
      return fm >= 4 ? "LOYAL" : fm >= 2 ? "ACTIVE" : "PROMISING";
    case 3:
      return fm >= 4 ? "LOYAL" : fm === 3 ? "NEEDS_ATTENTION" : "ALMOST_LOST";
    default:
      return fm >= 5 ? "PREVIOUSLY_LOYAL" : fm >= 3 ? "AT_RISK" : "DORMANT";
  }
}

/** The value tier that picks the churn window: VIPs are expected back sooner. */
export type ValueTier = "VIP" | "active" | "regular" | "prospect";

export function valueTierFor(scores: RfmScores | null): ValueTier {
  if (scores === null) return "prospect";
  const fm = (scores.frequency + scores.monetary) / 2;
  if (fm >= 4.5) return "VIP";
  if (fm >= 3) return "active";
  return "regular";
}

/** The product's named segments, from value tier and whether the customer has gone quiet. */
export type CustomerSegment = "high_value_active" | "needs_wake_up" | "new" | "churned" | "steady" | "prospect";

export function segmentFor(
  tier: ValueTier,
  inactivity: "active" | "quiet" | "churned",
  isNewCustomer: boolean,
): CustomerSegment {
  if (tier === "prospect") return "prospect";
  if (inactivity === "churned") return "churned";
  if (inactivity === "quiet") return "needs_wake_up";
  if (isNewCustomer) return "new";
  return tier === "VIP" ? "high_value_active" : "steady";
}
