import type { DayNumber } from "./dates";

/** One calendar day on which the customer paid for at least one order (amounts in shop money). */
export interface PurchaseDay {
  day: DayNumber;
  /** Sum of the day's paid orders in the shop's currency, net of refunds; never negative. */
  amount: number;
  /** How many paid orders the day holds; 1 when omitted. */
  orders?: number;
  /**
   * Line items of the day's orders together (Order.lineItemsCount summed); omitted when unknown,
   * which makes the basket-size features neutral instead of wrong.
   */
  lineItems?: number;
}

/** One customer's storefront behaviour on one day, as rolled up from the theme extension's events. */
export interface StorefrontDay {
  day: DayNumber;
  visits: number;
  sessions: number;
  dwellSeconds: number;
  productViews: number;
  distinctProducts: number;
  searches: number;
  cartAdds: number;
  checkoutsStarted: number;
}

/**
 * Everything the engine needs to know about one customer, in plain numbers.
 *
 * `customerActivityFrom` (activity.ts) builds it from stored rows; what each field comes from
 * (all money already converted to shop money):
 * - `ordersCount`, `purchaseDaysCount`, `totalSpent`, `firstOrderDay`, `lastOrderDay`: the
 *   incrementally maintained per-customer aggregate row.
 * - `recentPurchases`: the customer's purchase days of the last 400 days up to the as-of day
 *   (one row per day, ascending). 400 days covers the 30/60/90/365-day windows and "same season
 *   last year" while bounding the work per customer.
 * - `recentIntervalsDays`: the aggregate's last N inter-purchase intervals (oldest first). Used for
 *   the customer's cadence when the 400-day window holds fewer than two purchases.
 * - `storefront`: the daily rollups of the last 60 days (days without activity may be omitted).
 * - `firstSeenDay`: when the shop first knew the customer (account created or first tracked visit).
 *
 * Every number may be NaN, negative or missing in bad data: the engine sanitises instead of
 * crashing, and a customer with no orders is valid (a "prospect").
 */
export interface CustomerActivity {
  customerId: string;
  /** ISO country / market code the customer buys from; null when unknown. */
  market: string | null;
  firstSeenDay: DayNumber | null;
  ordersCount: number;
  purchaseDaysCount: number;
  totalSpent: number;
  firstOrderDay: DayNumber | null;
  lastOrderDay: DayNumber | null;
  recentPurchases: readonly PurchaseDay[];
  recentIntervalsDays?: readonly number[];
  storefront?: readonly StorefrontDay[];
}

/** How long the shop's customers usually take between purchases (days), overall and per market. */
export interface ShopCadence {
  medianIntervalDays: number;
  byMarket: Readonly<Record<string, number>>;
  /** The market most of the shop's buyers are in; null or absent when unknown. */
  mainMarket?: string | null;
}

/**
 * The per-customer features at an as-of day. NaN means "not defined for this customer" (e.g. the
 * recency of a customer who never ordered); rules treat it as matching no comparison.
 * Changes (`...Change`) are fractions: -0.5 is "down 50%".
 */
export interface CustomerFeatures {
  customerId: string;
  market: string | null;
  asOfDay: DayNumber;
  hasOrders: boolean;
  daysSinceLastOrder: number;
  daysSinceFirstOrder: number;
  tenureDays: number;
  ordersCount: number;
  purchaseDays: number;
  totalSpent: number;
  averageOrderValue: number;
  ownIntervalDays: number;
  intervalsKnown: number;
  shopIntervalDays: number;
  marketIntervalDays: number;
  /** The customer's cadence shrunk towards the market's: usable from the first purchase on. */
  expectedIntervalDays: number;
  /** Days since the last order divided by the expected interval: 1.5 means "1.5x the usual gap". */
  recencyToCadence: number;
  purchaseDays30d: number;
  purchaseDaysPrev30d: number;
  purchaseDays90d: number;
  purchaseDays365d: number;
  spend30d: number;
  spendPrev30d: number;
  spend30dChange: number;
  purchaseDays30dChange: number;
  averageOrderValue90d: number;
  averageOrderValueChange: number;
  boughtSameSeasonLastYear: boolean;
  /**
   * Average line items per order over the purchase rows (the last 400 days); NaN when the rows
   * carry no line-item counts. Optional only so that hand-built feature objects stay valid.
   */
  lineItemsPerOrder?: number;
  /** Line items per order on the last purchase day; NaN when unknown. */
  lastOrderLineItems?: number;
  /** Whether the customer buys from the shop's main market; undefined when either is unknown. */
  inMainMarket?: boolean;
  visits7d: number;
  visitsPrev7d: number;
  visitsWowChange: number;
  visits30d: number;
  visitsPrev30d: number;
  visitsMomChange: number;
  dwellSeconds7d: number;
  dwellWowChange: number;
  cartAdds7d: number;
  cartAddsWowChange: number;
  productViews30d: number;
  distinctProducts30d: number;
  searches30d: number;
  cartAdds30d: number;
  checkoutsStarted30d: number;
  abandonedCarts30d: number;
  daysSinceLastVisit: number;
}
