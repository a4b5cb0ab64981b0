import { describe, expect, it } from "vitest";

import { customerActivityFrom, purchaseDaysFromOrders } from "./activity";
import { aggregatePurchases } from "./aggregates";
import { dayFromIso } from "./dates";
import { computeFeatures } from "./features";

describe("customerActivityFrom", () => {
  it("turns stored aggregates and recent orders into engine input, one purchase day per date", () => {
    const orders = [
      { processedAt: new Date("2026-01-05T09:00:00Z"), netShop: 20 },
      { processedAt: new Date("2026-01-05T18:30:00Z"), netShop: 5 },
      { processedAt: new Date("2026-02-04T12:00:00Z"), netShop: 40 },
      { processedAt: new Date("2026-02-10T12:00:00Z"), netShop: Number.NaN },
    ];
    const activity = customerActivityFrom({
      customerId: "gid://shopify/Customer/1",
      market: "DE",
      firstSeenAt: new Date("2025-12-24T00:00:00Z"),
      aggregates: aggregatePurchases(orders),
      recentOrders: orders,
    });
    expect(activity.recentPurchases).toEqual([
      { day: dayFromIso("2026-01-05"), amount: 25 },
      { day: dayFromIso("2026-02-04"), amount: 40 },
      { day: dayFromIso("2026-02-10"), amount: 0 },
    ]);
    expect(activity.firstSeenDay).toBe(dayFromIso("2025-12-24"));
    const features = computeFeatures(activity, dayFromIso("2026-02-20"), { medianIntervalDays: 30, byMarket: {} });
    expect(features).toMatchObject({ ordersCount: 4, purchaseDays: 3, daysSinceLastOrder: 10, tenureDays: 58 });
    expect(features.ownIntervalDays).toBe((30 + 6) / 2);
  });
});

describe("purchaseDaysFromOrders", () => {
  it("carries order and line-item counts only for days where every order has its count", () => {
    const days = purchaseDaysFromOrders([
      { processedAt: new Date("2026-01-05T09:00:00Z"), netShop: 20, lineItems: 3 },
      { processedAt: new Date("2026-01-05T18:30:00Z"), netShop: 5, lineItems: 1 },
      { processedAt: new Date("2026-02-04T12:00:00Z"), netShop: 40, lineItems: 2 },
      // 0 is Order.lineItemsCount's default for rows stored before it was filled: unknown.
      { processedAt: new Date("2026-02-04T13:00:00Z"), netShop: 10, lineItems: 0 },
      { processedAt: new Date("2026-02-10T12:00:00Z"), netShop: 7 },
    ]);
    expect(days).toEqual([
      { day: dayFromIso("2026-01-05"), amount: 25, orders: 2, lineItems: 4 },
      { day: dayFromIso("2026-02-04"), amount: 50 },
      { day: dayFromIso("2026-02-10"), amount: 7 },
    ]);
  });
});
