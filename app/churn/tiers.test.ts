import { describe, expect, it } from "vitest";

import { lifecycleStageFor } from "./lifecycle";
import {
  MIN_CUSTOMERS_PER_MARKET,
  rfmScoresFor,
  rfmThresholds,
  segmentFor,
  SHOPIFY_RFM_GROUPS,
  shopifyRfmGroup,
  shopRfmThresholds,
  valueTierFor,
} from "./tiers";
import type { CustomerFeatures } from "./types";

function features(values: Partial<CustomerFeatures>): CustomerFeatures {
  return {
    customerId: "1",
    market: "US",
    hasOrders: true,
    daysSinceLastOrder: 10,
    purchaseDays: 1,
    totalSpent: 10,
    tenureDays: 400,
    recencyToCadence: 0.5,
    visitsPrev30d: 0,
    visitsMomChange: 0,
    ...values,
  } as CustomerFeatures;
}

/** 100 customers: recency 1..100 days, purchase days 1..100, spend 10..1000. */
const population = Array.from({ length: 100 }, (_, i) =>
  features({ customerId: String(i), daysSinceLastOrder: i + 1, purchaseDays: i + 1, totalSpent: (i + 1) * 10 }),
);

describe("RFM quintiles", () => {
  it("scores store-relative fifths, 5 being the most recent, frequent and valuable", () => {
    const thresholds = shopRfmThresholds(population, false);
    expect(rfmScoresFor(features({ daysSinceLastOrder: 1, purchaseDays: 100, totalSpent: 1000 }), thresholds)).toEqual({
      recency: 5,
      frequency: 5,
      monetary: 5,
    });
    expect(rfmScoresFor(features({ daysSinceLastOrder: 100, purchaseDays: 1, totalSpent: 10 }), thresholds)).toEqual({
      recency: 1,
      frequency: 1,
      monetary: 1,
    });
    expect(rfmScoresFor(features({ daysSinceLastOrder: 50, purchaseDays: 50, totalSpent: 500 }), thresholds)).toEqual({
      recency: 3,
      frequency: 3,
      monetary: 3,
    });
  });

  it("puts equal values in the same quintile (most customers buy once)", () => {
    const mostlyOnce = Array.from({ length: 100 }, (_, i) => features({ purchaseDays: i < 70 ? 1 : i }));
    const t = rfmThresholds(mostlyOnce);
    const scores = mostlyOnce.map((f) => rfmScoresFor(f, { shop: t, byMarket: new Map() })!.frequency);
    expect(new Set(scores.slice(0, 70)).size).toBe(1);
    expect(scores[0]).toBe(1);
  });

  it("uses a market's own quintiles only when the market is big enough", () => {
    const germans = Array.from({ length: MIN_CUSTOMERS_PER_MARKET }, (_, i) =>
      features({ market: "DE", customerId: `de${i}`, totalSpent: 10_000 + i }),
    );
    const fewFrench = Array.from({ length: 10 }, () => features({ market: "FR", totalSpent: 1 }));
    const thresholds = shopRfmThresholds([...population, ...germans, ...fewFrench]);
    expect([...thresholds.byMarket.keys()]).toEqual(["DE"]);
    // Among Germans (10,000..10,199) 10,050 is in the second fifth; among the whole shop, the third.
    expect(rfmScoresFor(features({ market: "DE", totalSpent: 10_050 }), thresholds)!.monetary).toBe(2);
    expect(rfmScoresFor(features({ market: "US", totalSpent: 10_050 }), thresholds)!.monetary).toBe(3);
    expect(rfmScoresFor(features({ market: "FR", totalSpent: 10_050 }), thresholds)!.monetary).toBe(3);
  });

  it("gives no scores to customers without orders", () => {
    expect(rfmScoresFor(features({ hasOrders: false }), shopRfmThresholds(population))).toBeNull();
  });
});

describe("Shopify RFM groups and tiers", () => {
  it("maps the grid to Shopify's group names", () => {
    expect(shopifyRfmGroup({ recency: 5, frequency: 5, monetary: 5 })).toBe("CHAMPIONS");
    expect(shopifyRfmGroup({ recency: 5, frequency: 1, monetary: 1 })).toBe("NEW");
    expect(shopifyRfmGroup({ recency: 4, frequency: 1, monetary: 1 })).toBe("PROMISING");
    expect(shopifyRfmGroup({ recency: 3, frequency: 3, monetary: 3 })).toBe("NEEDS_ATTENTION");
    expect(shopifyRfmGroup({ recency: 3, frequency: 1, monetary: 2 })).toBe("ALMOST_LOST");
    expect(shopifyRfmGroup({ recency: 1, frequency: 5, monetary: 5 })).toBe("PREVIOUSLY_LOYAL");
    expect(shopifyRfmGroup({ recency: 2, frequency: 4, monetary: 3 })).toBe("AT_RISK");
    expect(shopifyRfmGroup({ recency: 1, frequency: 1, monetary: 1 })).toBe("DORMANT");
    expect(shopifyRfmGroup(null)).toBe("PROSPECTS");
  });

  it("reaches all eleven of Shopify's groups", () => {
    const seen = new Set<string>([shopifyRfmGroup(null)]);
    for (let r = 1; r <= 5; r++)
      for (let f = 1; f <= 5; f++)
        for (let m = 1; m <= 5; m++) seen.add(shopifyRfmGroup({ recency: r, frequency: f, monetary: m }));
    expect([...seen].sort()).toEqual([...SHOPIFY_RFM_GROUPS].sort());
  });

  it("ranks value tiers by frequency and spend, and names segments", () => {
    expect(valueTierFor({ recency: 1, frequency: 5, monetary: 4 })).toBe("VIP");
    expect(valueTierFor({ recency: 5, frequency: 3, monetary: 3 })).toBe("active");
    expect(valueTierFor({ recency: 5, frequency: 1, monetary: 2 })).toBe("regular");
    expect(valueTierFor(null)).toBe("prospect");
    expect(segmentFor("VIP", "active", false)).toBe("high_value_active");
    expect(segmentFor("VIP", "quiet", false)).toBe("needs_wake_up");
    expect(segmentFor("regular", "churned", true)).toBe("churned");
    expect(segmentFor("regular", "active", true)).toBe("new");
  });
});

describe("lifecycleStageFor", () => {
  it("stages by tenure: new under 3 months, growing to 12, mature after", () => {
    expect(lifecycleStageFor(features({ tenureDays: 30 }))).toBe("new");
    expect(lifecycleStageFor(features({ tenureDays: 200 }))).toBe("growing");
    expect(lifecycleStageFor(features({ tenureDays: 500 }))).toBe("mature");
    expect(lifecycleStageFor(features({ hasOrders: false }))).toBe("prospect");
  });

  it("calls an established customer declining when overdue or when visits halve", () => {
    expect(lifecycleStageFor(features({ tenureDays: 500, recencyToCadence: 2.5 }))).toBe("declining");
    expect(lifecycleStageFor(features({ tenureDays: 200, visitsPrev30d: 10, visitsMomChange: -0.6 }))).toBe(
      "declining",
    );
    // Too few visits to call a trend.
    expect(lifecycleStageFor(features({ tenureDays: 200, visitsPrev30d: 2, visitsMomChange: -1 }))).toBe("growing");
    // A brand-new customer is new, however long since their first order seems relative to cadence.
    expect(lifecycleStageFor(features({ tenureDays: 20, recencyToCadence: 5 }))).toBe("new");
  });
});
