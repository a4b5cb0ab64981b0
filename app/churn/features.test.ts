import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { dayFromIso, isoFromDay } from "./dates";
import { CadenceAccumulator, DEFAULT_INTERVAL_DAYS } from "./cadence";
import { computeFeatures, relativeChange } from "./features";
import type { CustomerActivity, ShopCadence, StorefrontDay } from "./types";

const asOf = dayFromIso("2026-03-31");
const cadence: ShopCadence = { medianIntervalDays: 40, byMarket: { DE: 20 } };

function customer(overrides: Partial<CustomerActivity> = {}): CustomerActivity {
  const purchases = [
    { day: asOf - 100, amount: 50 },
    { day: asOf - 70, amount: 30 },
    { day: asOf - 40, amount: 40 },
    { day: asOf - 10, amount: 80 },
  ];
  return {
    customerId: "42",
    market: "US",
    firstSeenDay: asOf - 120,
    ordersCount: 5,
    purchaseDaysCount: 4,
    totalSpent: 200,
    firstOrderDay: asOf - 100,
    lastOrderDay: asOf - 10,
    recentPurchases: purchases,
    ...overrides,
  };
}

function storefrontDay(daysAgo: number, values: Partial<StorefrontDay>): StorefrontDay {
  return {
    day: asOf - daysAgo,
    visits: 0,
    sessions: 0,
    dwellSeconds: 0,
    productViews: 0,
    distinctProducts: 0,
    searches: 0,
    cartAdds: 0,
    checkoutsStarted: 0,
    ...values,
  };
}

describe("dates", () => {
  it("converts ISO days both ways and refuses days that do not exist", () => {
    expect(isoFromDay(dayFromIso("2011-09-09"))).toBe("2011-09-09");
    expect(dayFromIso("2011-09-10") - dayFromIso("2011-09-09")).toBe(1);
    expect(dayFromIso("2011-02-30")).toBeNaN();
    expect(dayFromIso("yesterday")).toBeNaN();
  });
});

describe("computeFeatures", () => {
  it("derives recency, tenure, frequency, spend and the customer's own cadence", () => {
    const f = computeFeatures(customer(), asOf, cadence);
    expect(f.daysSinceLastOrder).toBe(10);
    expect(f.daysSinceFirstOrder).toBe(100);
    expect(f.tenureDays).toBe(120);
    expect(f.purchaseDays).toBe(4);
    expect(f.ordersCount).toBe(5);
    expect(f.averageOrderValue).toBe(50);
    expect(f.ownIntervalDays).toBe(30);
    expect(f.intervalsKnown).toBe(3);
    // Three own intervals of 30 days shrunk towards the market's 40 with weight 2.
    expect(f.expectedIntervalDays).toBeCloseTo((3 * 30 + 2 * 40) / 5, 10);
    expect(f.recencyToCadence).toBeCloseTo(10 / 34, 10);
  });

  it("counts the 30-day windows and the change against the 30 days before", () => {
    const f = computeFeatures(customer(), asOf, cadence);
    expect(f.purchaseDays30d).toBe(1);
    expect(f.purchaseDaysPrev30d).toBe(1);
    expect(f.spend30d).toBe(80);
    expect(f.spendPrev30d).toBe(40);
    expect(f.spend30dChange).toBeCloseTo(1, 10);
    expect(f.purchaseDays90d).toBe(3);
    // Last 90 days: 150 over 3 days vs 50 over 1 day before.
    expect(f.averageOrderValueChange).toBeCloseTo(0, 10);
  });

  it("uses the market's cadence for a one-time buyer, and the shop's when the market has none", () => {
    const once = {
      recentPurchases: [{ day: asOf - 5, amount: 10 }],
      purchaseDaysCount: 1,
      ordersCount: 1,
      totalSpent: 10,
      firstOrderDay: asOf - 5,
      lastOrderDay: asOf - 5,
    };
    expect(computeFeatures(customer({ ...once, market: "DE" }), asOf, cadence).expectedIntervalDays).toBe(20);
    expect(computeFeatures(customer({ ...once, market: "FR" }), asOf, cadence).expectedIntervalDays).toBe(40);
  });

  it("falls back to the aggregate's intervals when the recent window holds fewer than two purchases", () => {
    const f = computeFeatures(
      customer({ recentPurchases: [{ day: asOf - 5, amount: 10 }], recentIntervalsDays: [100, 200, 300] }),
      asOf,
      cadence,
    );
    expect(f.ownIntervalDays).toBe(200);
  });

  it("flags a purchase around the same date last year", () => {
    const seasonal = customer({
      recentPurchases: [
        { day: asOf - 360, amount: 10 },
        { day: asOf - 10, amount: 10 },
      ],
    });
    expect(computeFeatures(seasonal, asOf, cadence).boughtSameSeasonLastYear).toBe(true);
    expect(computeFeatures(customer(), asOf, cadence).boughtSameSeasonLastYear).toBe(false);
  });

  it("measures storefront week-over-week changes and abandoned carts", () => {
    const storefront = [
      // A cart from today may still be paid tomorrow: not abandoned yet.
      storefrontDay(0, { visits: 1, dwellSeconds: 100, checkoutsStarted: 1 }),
      storefrontDay(1, { visits: 1, cartAdds: 1 }),
      storefrontDay(3, { visits: 1, dwellSeconds: 50 }),
      storefrontDay(8, { visits: 6, dwellSeconds: 600, cartAdds: 2 }),
      // Cart on day -10 was paid that day (a purchase exists on asOf - 10): not abandoned.
      storefrontDay(10, { visits: 1, cartAdds: 1 }),
      storefrontDay(20, { visits: 1, cartAdds: 1, checkoutsStarted: 1 }),
      storefrontDay(45, { visits: 4 }),
    ];
    const f = computeFeatures(customer({ storefront }), asOf, cadence);
    expect(f.visits7d).toBe(3);
    // Days 7-13 ago: 6 + 1 visits, 600 s, 2 + 1 cart adds.
    expect(f.visitsPrev7d).toBe(7);
    expect(f.visitsWowChange).toBeCloseTo(-4 / 7, 10);
    expect(f.dwellWowChange).toBeCloseTo(-0.75, 10);
    expect(f.cartAddsWowChange).toBeCloseTo(-2 / 3, 10);
    expect(f.visits30d).toBe(11);
    expect(f.visitsPrev30d).toBe(4);
    expect(f.daysSinceLastVisit).toBe(0);
    // Carts of days 1, 8 and 20 ago were never paid; today's is still open.
    expect(f.abandonedCarts30d).toBe(3);
    expect(f.checkoutsStarted30d).toBe(2);
  });

  it("gives a customer without orders a defined result", () => {
    const f = computeFeatures(
      customer({
        ordersCount: 0,
        purchaseDaysCount: 0,
        totalSpent: 0,
        firstOrderDay: null,
        lastOrderDay: null,
        recentPurchases: [],
      }),
      asOf,
      cadence,
    );
    expect(f.hasOrders).toBe(false);
    expect(f.daysSinceLastOrder).toBeNaN();
    expect(f.purchaseDays).toBe(0);
    expect(f.tenureDays).toBe(120);
    expect(f.expectedIntervalDays).toBe(40);
  });

  it("ignores purchases after the as-of day (no peeking into the future)", () => {
    const withFuture = customer({
      recentPurchases: [...customer().recentPurchases, { day: asOf + 3, amount: 999 }],
      lastOrderDay: asOf + 3,
    });
    const f = computeFeatures(withFuture, asOf, cadence);
    expect(f.daysSinceLastOrder).toBe(10);
    expect(f.spend30d).toBe(80);
  });

  it("does not take lifetime totals from aggregates that already count later purchases", () => {
    const storedToday = customer({
      recentPurchases: [...customer().recentPurchases, { day: asOf + 3, amount: 999 }],
      lastOrderDay: asOf + 3,
      purchaseDaysCount: 5,
      ordersCount: 6,
      totalSpent: 1199,
    });
    const f = computeFeatures(storedToday, asOf, cadence);
    expect(f.purchaseDays).toBe(4);
    expect(f.ordersCount).toBe(4);
    expect(f.totalSpent).toBe(200);
  });

  it("never throws and never returns negative counts, whatever the input holds", () => {
    const weird = fc.oneof(
      fc.double(),
      fc.constantFrom(Number.NaN, -1, Infinity, -Infinity, 0),
      fc.integer({ min: -1000, max: 1000 }).map((d) => asOf + d),
    );
    const day = fc.oneof(
      fc.integer({ min: -900, max: 30 }).map((d) => asOf + d),
      weird,
    );
    fc.assert(
      fc.property(
        fc.record({
          market: fc.option(fc.constantFrom("US", "DE", "XX"), { nil: null }),
          firstSeenDay: fc.option(day, { nil: null }),
          ordersCount: weird,
          purchaseDaysCount: weird,
          totalSpent: weird,
          firstOrderDay: fc.option(day, { nil: null }),
          lastOrderDay: fc.option(day, { nil: null }),
          recentPurchases: fc.array(fc.record({ day, amount: weird }), { maxLength: 8 }),
          recentIntervalsDays: fc.array(weird, { maxLength: 4 }),
          storefront: fc.array(
            fc.record({
              day,
              visits: weird,
              sessions: weird,
              dwellSeconds: weird,
              productViews: weird,
              distinctProducts: weird,
              searches: weird,
              cartAdds: weird,
              checkoutsStarted: weird,
            }),
            { maxLength: 6 },
          ),
        }),
        (input) => {
          const f = computeFeatures({ customerId: "x", ...input }, asOf, cadence);
          for (const key of [
            "ordersCount",
            "purchaseDays",
            "totalSpent",
            "visits7d",
            "cartAdds30d",
            "abandonedCarts30d",
            "tenureDays",
          ] as const) {
            expect(f[key]).toBeGreaterThanOrEqual(0);
          }
          expect(Number.isFinite(f.expectedIntervalDays) && f.expectedIntervalDays > 0).toBe(true);
          if (f.hasOrders) {
            expect(f.daysSinceLastOrder).toBeGreaterThanOrEqual(0);
            expect(f.daysSinceFirstOrder).toBeGreaterThanOrEqual(f.daysSinceLastOrder);
            expect(f.purchaseDays).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("basket size and market", () => {
  it("averages line items per order, reads the last day's basket and compares the market with the shop's", () => {
    const f = computeFeatures(
      customer({
        recentPurchases: [
          { day: asOf - 100, amount: 50, orders: 1, lineItems: 4 },
          { day: asOf - 70, amount: 30, orders: 2, lineItems: 6 },
          { day: asOf - 10, amount: 80, orders: 2, lineItems: 10 },
        ],
      }),
      asOf,
      { ...cadence, mainMarket: "US" },
    );
    expect(f.lineItemsPerOrder).toBe(20 / 5);
    expect(f.lastOrderLineItems).toBe(5);
    expect(f.inMainMarket).toBe(true);
    expect(computeFeatures(customer({ market: "DE" }), asOf, { ...cadence, mainMarket: "US" }).inMainMarket).toBe(
      false,
    );
  });

  it("leaves them undefined when the rows carry no counts or the markets are unknown", () => {
    const f = computeFeatures(customer(), asOf, cadence);
    expect(f.lineItemsPerOrder).toBeNaN();
    expect(f.lastOrderLineItems).toBeNaN();
    expect(f.inMainMarket).toBeUndefined();
    expect(computeFeatures(customer({ market: null }), asOf, { ...cadence, mainMarket: "US" }).inMainMarket).toBe(
      undefined,
    );
    // Known on an older day only: the average uses what is known, the last basket stays unknown.
    const partly = computeFeatures(
      customer({
        recentPurchases: [
          { day: asOf - 40, amount: 10, lineItems: 3 },
          { day: asOf - 10, amount: 80 },
        ],
      }),
      asOf,
      cadence,
    );
    expect(partly.lineItemsPerOrder).toBe(3);
    expect(partly.lastOrderLineItems).toBeNaN();
  });

  it("merges unsorted duplicate days without losing or inventing counts", () => {
    const f = computeFeatures(
      customer({
        recentPurchases: [
          { day: asOf - 10, amount: 20, orders: 1, lineItems: 2 },
          { day: asOf - 40, amount: 10, orders: 1, lineItems: Number.NaN },
          { day: asOf - 10, amount: 30, orders: 1, lineItems: 6 },
        ],
      }),
      asOf,
      cadence,
    );
    expect(f.purchaseDays).toBeGreaterThanOrEqual(2);
    expect(f.lastOrderLineItems).toBe(4);
    expect(f.lineItemsPerOrder).toBe(4);
  });
});

describe("relativeChange", () => {
  it("reads as the merchant expects: halved is -50%, from nothing is +100%, nothing to nothing is 0", () => {
    expect(relativeChange(5, 10)).toBe(-0.5);
    expect(relativeChange(3, 0)).toBe(1);
    expect(relativeChange(0, 0)).toBe(0);
  });
});

describe("CadenceAccumulator", () => {
  it("gives the shop's median interval and per-market medians only for markets with enough data", () => {
    const acc = new CadenceAccumulator();
    for (let i = 0; i < 40; i++) acc.add("DE", 10);
    for (let i = 0; i < 5; i++) acc.add("FR", 90);
    for (let i = 0; i < 30; i++) acc.add(null, 60);
    acc.add("DE", Number.NaN);
    acc.add("DE", -3);
    const result = acc.result(30);
    expect(result.byMarket).toEqual({ DE: 10 });
    // 75 valid intervals: 40 x 10, 5 x 90, 30 x 60 -> the 38th smallest is 10.
    expect(result.medianIntervalDays).toBe(10);
  });

  it("names the market with the most buyers as the shop's main market, ties alphabetically", () => {
    const acc = new CadenceAccumulator();
    const once = [{ day: 1, amount: 1 }];
    for (const market of ["US", "GB", "GB", "US", null, null, null]) acc.addPurchases(market, once);
    acc.addPurchases("DE", []);
    expect(acc.result().mainMarket).toBe("GB");
    acc.addPurchases("US", once);
    expect(acc.result().mainMarket).toBe("US");
    expect(new CadenceAccumulator().result().mainMarket).toBeNull();
  });

  it("falls back to a default when the shop has no repeat purchases", () => {
    expect(new CadenceAccumulator().result().medianIntervalDays).toBe(DEFAULT_INTERVAL_DAYS);
  });
});
