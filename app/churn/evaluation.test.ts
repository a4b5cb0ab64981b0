import { describe, expect, it } from "vitest";

import { rfmBaselineScores } from "./baselines";
import { evaluateChurn } from "./evaluation";
import { ShopActivityAccumulator } from "./shop-activity";
import { seededRandom } from "./synthetic";
import { activityAt, churnedAfter, type CustomerHistory, PurchaseLedger } from "./transactions";
import type { CustomerFeatures } from "./types";

/** A small shop: 400 customers over two years, some regulars, many one-time buyers. */
function shopHistories(seed: number): CustomerHistory[] {
  const random = seededRandom(seed);
  const ledger = new PurchaseLedger();
  for (let c = 0; c < 400; c++) {
    let day = Math.floor(random() * 600);
    const gap = 10 + random() * 90;
    const lifetime = random() < 0.5 ? 0 : random() * 700;
    const start = day;
    do {
      ledger.add(String(1000 + c), day, 10 + random() * 90, c % 3 === 0 ? "DE" : "US");
      day += 1 + Math.floor(-Math.log(1 - random()) * gap);
    } while (day < 730 && day - start < lifetime);
  }
  return ledger.histories();
}

describe("PurchaseLedger and labels", () => {
  it("sums a customer's rows per day and keeps days ascending", () => {
    const ledger = new PurchaseLedger();
    ledger.add("7", 12, 5, "GB");
    ledger.add("7", 10, 1);
    ledger.add("7", 12, 2.5);
    ledger.add("", 12, 2.5);
    const [history] = ledger.histories();
    expect(history).toEqual({
      customerId: "7",
      market: "GB",
      purchases: [
        { day: 10, amount: 1 },
        { day: 12, amount: 7.5 },
      ],
    });
    expect(activityAt(history, 9)).toBeNull();
    expect(activityAt(history, 11)).toMatchObject({ purchaseDaysCount: 1, totalSpent: 1, lastOrderDay: 10 });
    expect(churnedAfter(history, 10, 1)).toBe(true);
    expect(churnedAfter(history, 10, 2)).toBe(false);
  });
});

describe("PurchaseLedger order details", () => {
  it("counts orders and line items per day, and drops both for a day where any row lacks them", () => {
    const ledger = new PurchaseLedger();
    // Two lines of one order and a one-line second order on day 3; day 5 has a row without details.
    ledger.add("1", 3, 10, "GB", { orders: 1, lineItems: 1 });
    ledger.add("1", 3, 5, "GB", { orders: 0, lineItems: 1 });
    ledger.add("1", 3, 2, "GB", { orders: 1, lineItems: 1 });
    ledger.add("1", 5, 4, "GB", { orders: 1, lineItems: 2 });
    ledger.add("1", 5, 4, "GB");
    expect(ledger.histories()[0].purchases).toEqual([
      { day: 3, amount: 17, orders: 2, lineItems: 3 },
      { day: 5, amount: 8 },
    ]);
  });
});

describe("evaluateChurn", () => {
  const histories = shopHistories(5);
  const cutoff = 600;

  it("measures the model and both baselines on the same population", () => {
    const evaluation = evaluateChurn(histories, cutoff, 90);
    expect(evaluation.result).not.toBeNull();
    const result = evaluation.result!;
    expect(result.n).toBe(evaluation.scores.length);
    expect(result.n).toBe(histories.filter((h) => h.purchases[0].day <= cutoff).length);
    expect(result.model.roc_auc).toBeGreaterThan(0.6);
    for (const metrics of [result.model, result.baselines.recency, result.baselines.rfm]) {
      expect(metrics.brier).toBeGreaterThan(0);
      expect(metrics.brier).toBeLessThan(0.3);
    }
  });

  it("never uses anything after the cut-off: rewriting the future leaves every score unchanged", () => {
    const rewritten = histories.map((h, i) => ({
      ...h,
      purchases: [
        ...h.purchases.filter((p) => p.day <= cutoff),
        ...(i % 2 === 0 ? [{ day: cutoff + 5, amount: 1_000 }] : []),
      ],
    }));
    const original = evaluateChurn(histories, cutoff, 90).scores;
    const changed = evaluateChurn(rewritten, cutoff, 90).scores;
    expect(changed).toEqual(original);
  });

  it("reports no metrics when the data ends before the horizon", () => {
    const truncated = histories.map((h) => ({ ...h, purchases: h.purchases.filter((p) => p.day <= 650) }));
    expect(evaluateChurn(truncated, cutoff, 90).result).toBeNull();
  });
});

describe("rfmBaselineScores", () => {
  it("scores 15 - (R + F + M) with fifths by rank, ties broken by customer id", () => {
    const population = Array.from({ length: 5 }, (_, i) => ({
      customerId: String(i + 1),
      daysSinceLastOrder: 10 * (i + 1),
      purchaseDays: 1,
      totalSpent: 5 - i,
    })) as CustomerFeatures[];
    // Customer 1: most recent (R=5), frequency tie broken by id -> F=1, lowest... spend 5 is highest (M=5).
    expect(rfmBaselineScores(population)).toEqual([
      15 - (5 + 1 + 5),
      15 - (4 + 2 + 4),
      15 - (3 + 3 + 3),
      15 - (2 + 4 + 2),
      15 - (1 + 5 + 1),
    ]);
  });
});

describe("ShopActivityAccumulator", () => {
  it("counts DAU/WAU/MAU and the funnel per customer", () => {
    const asOf = 100;
    const acc = new ShopActivityAccumulator(asOf);
    const base = {
      market: null,
      firstSeenDay: 0,
      ordersCount: 0,
      purchaseDaysCount: 0,
      totalSpent: 0,
      firstOrderDay: null,
      lastOrderDay: null,
      recentPurchases: [],
    };
    const day = (
      d: number,
      v: Partial<{ visits: number; productViews: number; cartAdds: number; checkoutsStarted: number }>,
    ) => ({
      day: d,
      visits: 0,
      sessions: 0,
      dwellSeconds: 0,
      productViews: 0,
      distinctProducts: 0,
      searches: 0,
      cartAdds: 0,
      checkoutsStarted: 0,
      ...v,
    });
    acc.add({ ...base, customerId: "a", storefront: [day(100, { visits: 1, productViews: 3 })] });
    acc.add({ ...base, customerId: "b", storefront: [day(96, { visits: 2, productViews: 1, cartAdds: 1 })] });
    acc.add({
      ...base,
      customerId: "c",
      storefront: [day(80, { visits: 1, productViews: 1, cartAdds: 1, checkoutsStarted: 1 })],
      recentPurchases: [{ day: 80, amount: 10 }],
    });
    acc.add({ ...base, customerId: "d", storefront: [day(20, { visits: 5 })] });
    const result = acc.result();
    expect([result.dau, result.wau, result.mau]).toEqual([1, 2, 3]);
    expect(result.funnel).toEqual({ viewedProduct: 3, addedToCart: 2, startedCheckout: 1, paid: 1 });
    expect(result.conversion.viewToCart).toBeCloseTo(2 / 3, 12);
    expect(result.stickiness).toBeCloseTo(1 / 3, 12);
  });
});
