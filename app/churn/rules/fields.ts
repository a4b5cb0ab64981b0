import type { LifecycleStage } from "../lifecycle";
import type { RiskLevel } from "../risk/model";
import type { CustomerSegment, RfmScores, ShopifyRfmGroup, ValueTier } from "../tiers";
import { SHOPIFY_RFM_GROUPS } from "../tiers";
import type { CustomerFeatures } from "../types";

/** Everything a rule can look at for one customer. */
export interface RuleSubject {
  features: CustomerFeatures;
  tier: ValueTier;
  segment: CustomerSegment;
  lifecycle: LifecycleStage;
  rfm: RfmScores | null;
  rfmGroup: ShopifyRfmGroup;
  daysInactive: number;
  riskScore: number;
  riskLevel: RiskLevel;
}

/**
 * number: a count, amount or number of days; change: a relative change as a fraction, written
 * in rules as a percentage (`visits_wow_change <= -50%`); text fields may restrict their values.
 */
export type FieldDefinition =
  | { type: "number"; read: (s: RuleSubject) => number; description: string }
  | { type: "change"; read: (s: RuleSubject) => number; description: string }
  | { type: "boolean"; read: (s: RuleSubject) => boolean; description: string }
  | { type: "text"; read: (s: RuleSubject) => string | null; values?: readonly string[]; description: string };

const num = (description: string, read: (s: RuleSubject) => number): FieldDefinition => ({
  type: "number",
  read,
  description,
});
const change = (description: string, read: (s: RuleSubject) => number): FieldDefinition => ({
  type: "change",
  read,
  description,
});

export const RULE_FIELDS: Readonly<Record<string, FieldDefinition>> = {
  tier: {
    type: "text",
    read: (s) => s.tier,
    values: ["VIP", "active", "regular", "prospect"],
    description: "value tier",
  },
  segment: {
    type: "text",
    read: (s) => s.segment,
    values: ["high_value_active", "needs_wake_up", "new", "churned", "steady", "prospect"],
    description: "named segment",
  },
  lifecycle: {
    type: "text",
    read: (s) => s.lifecycle,
    values: ["prospect", "new", "growing", "mature", "declining"],
    description: "lifecycle stage",
  },
  rfm_group: { type: "text", read: (s) => s.rfmGroup, values: SHOPIFY_RFM_GROUPS, description: "Shopify RFM group" },
  market: { type: "text", read: (s) => s.features.market, description: "country / market code" },
  risk_level: { type: "text", read: (s) => s.riskLevel, values: ["low", "medium", "high"], description: "risk level" },
  risk_score: num("risk score 0-100", (s) => s.riskScore),
  has_orders: { type: "boolean", read: (s) => s.features.hasOrders, description: "has ordered at least once" },
  bought_same_season_last_year: {
    type: "boolean",
    read: (s) => s.features.boughtSameSeasonLastYear,
    description: "bought around this date last year",
  },
  rfm_recency: num("RFM recency score 1-5", (s) => s.rfm?.recency ?? Number.NaN),
  rfm_frequency: num("RFM frequency score 1-5", (s) => s.rfm?.frequency ?? Number.NaN),
  rfm_monetary: num("RFM monetary score 1-5", (s) => s.rfm?.monetary ?? Number.NaN),
  days_inactive: num("days since the last order or visit", (s) => s.daysInactive),
  days_since_last_order: num("days since the last order", (s) => s.features.daysSinceLastOrder),
  days_since_first_order: num("days since the first order", (s) => s.features.daysSinceFirstOrder),
  days_since_last_visit: num("days since the last storefront visit", (s) => s.features.daysSinceLastVisit),
  tenure_days: num("days since first seen", (s) => s.features.tenureDays),
  orders_count: num("orders", (s) => s.features.ordersCount),
  purchase_days: num("days with a purchase", (s) => s.features.purchaseDays),
  total_spent: num("total spend in shop currency", (s) => s.features.totalSpent),
  aov: num("average order value", (s) => s.features.averageOrderValue),
  own_interval_days: num("the customer's usual days between purchases", (s) => s.features.ownIntervalDays),
  expected_interval_days: num("expected days between purchases", (s) => s.features.expectedIntervalDays),
  recency_to_cadence: num("days since last order / usual interval", (s) => s.features.recencyToCadence),
  purchase_days_30d: num("purchase days in the last 30 days", (s) => s.features.purchaseDays30d),
  purchase_days_90d: num("purchase days in the last 90 days", (s) => s.features.purchaseDays90d),
  purchase_days_365d: num("purchase days in the last 365 days", (s) => s.features.purchaseDays365d),
  spend_30d: num("spend in the last 30 days", (s) => s.features.spend30d),
  visits_7d: num("visits in the last 7 days", (s) => s.features.visits7d),
  visits_30d: num("visits in the last 30 days", (s) => s.features.visits30d),
  dwell_seconds_7d: num("dwell time in the last 7 days (s)", (s) => s.features.dwellSeconds7d),
  cart_adds_7d: num("add-to-carts in the last 7 days", (s) => s.features.cartAdds7d),
  cart_adds_30d: num("add-to-carts in the last 30 days", (s) => s.features.cartAdds30d),
  product_views_30d: num("product views in the last 30 days", (s) => s.features.productViews30d),
  distinct_products_30d: num("distinct products viewed in 30 days", (s) => s.features.distinctProducts30d),
  searches_30d: num("searches in the last 30 days", (s) => s.features.searches30d),
  checkouts_30d: num("checkouts started in the last 30 days", (s) => s.features.checkoutsStarted30d),
  abandoned_carts_30d: num("abandoned carts in the last 30 days", (s) => s.features.abandonedCarts30d),
  visits_wow_change: change("visits, this week vs last", (s) => s.features.visitsWowChange),
  visits_mom_change: change("visits, last 30 days vs the 30 before", (s) => s.features.visitsMomChange),
  dwell_wow_change: change("dwell time, this week vs last", (s) => s.features.dwellWowChange),
  cart_adds_wow_change: change("add-to-carts, this week vs last", (s) => s.features.cartAddsWowChange),
  spend_30d_change: change("spend, last 30 days vs the 30 before", (s) => s.features.spend30dChange),
  purchase_days_30d_change: change("purchase days, last 30 vs the 30 before", (s) => s.features.purchaseDays30dChange),
  aov_change: change("AOV, last 90 days vs before", (s) => s.features.averageOrderValueChange),
};
