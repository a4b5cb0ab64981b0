import { describe, expect, it } from "vitest";

import { aggregatePurchases } from "./aggregates";

const at = (iso: string) => new Date(iso);

describe("aggregatePurchases", () => {
  it("gives zeros and nulls for a customer without purchases", () => {
    expect(aggregatePurchases([])).toEqual({
      ordersCount: 0,
      purchaseDays: 0,
      totalSpent: 0,
      firstOrderAt: null,
      lastOrderAt: null,
      recentIntervals: [],
    });
  });

  it("counts two orders on one day as one purchase day and measures intervals between days", () => {
    const result = aggregatePurchases([
      { processedAt: at("2024-03-11T09:00:00Z"), netShop: 20 },
      { processedAt: at("2024-03-01T10:00:00Z"), netShop: 10.1 },
      { processedAt: at("2024-03-01T18:00:00Z"), netShop: 5.2 },
    ]);
    expect(result.ordersCount).toBe(3);
    expect(result.purchaseDays).toBe(2);
    expect(result.totalSpent).toBe(35.3);
    expect(result.firstOrderAt?.toISOString()).toBe("2024-03-01T10:00:00.000Z");
    expect(result.lastOrderAt?.toISOString()).toBe("2024-03-11T09:00:00.000Z");
    expect(result.recentIntervals).toEqual([10]);
  });

  it("keeps only the most recent intervals and ignores non-finite amounts", () => {
    const purchases = Array.from({ length: 6 }, (_, i) => ({
      processedAt: new Date(Date.UTC(2024, 0, 1 + i * (i + 1))),
      netShop: i === 2 ? Number.NaN : 1,
    }));
    const result = aggregatePurchases(purchases, 3);
    expect(result.recentIntervals).toEqual([6, 8, 10]);
    expect(result.totalSpent).toBe(5);
  });
});
