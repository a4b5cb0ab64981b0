import { describe, expect, it } from "vitest";

import { assessCustomer, compileRules, shopScoringContext } from "./assess";
import { PRIOR_RISK_MODEL } from "./risk/model";
import { RuleError } from "./rules";
import { seededRandom, syntheticCustomer } from "./synthetic";
import type { CustomerActivity } from "./types";
import { DEFAULT_CHURN_SETTINGS } from "./windows";

const asOf = 20_000;
const random = seededRandom(99);
const shopCustomers = Array.from({ length: 600 }, (_, i) => syntheticCustomer(random, i, asOf));

function vipGoneQuiet(): CustomerActivity {
  const purchases = Array.from({ length: 20 }, (_, i) => ({ day: asOf - 400 + i * 19, amount: 500 }));
  return {
    customerId: "vip",
    market: "US",
    firstSeenDay: asOf - 400,
    ordersCount: 20,
    purchaseDaysCount: 20,
    totalSpent: 10_000,
    firstOrderDay: purchases[0].day,
    lastOrderDay: purchases[19].day,
    recentPurchases: purchases,
    storefront: [],
  };
}

describe("assessCustomer", () => {
  it("runs features -> tier -> lifecycle -> window -> risk -> rules, rules escalating the level", () => {
    const rules = compileRules([
      { id: "vip-quiet", source: "tier = 'VIP' AND visits_7d < 2 AND days_since_last_order > 15 => high" },
      { id: "calm", source: "risk_score < 0 => low" },
    ]);
    const shop = shopScoringContext(shopCustomers, {
      asOf,
      settings: DEFAULT_CHURN_SETTINGS,
      model: PRIOR_RISK_MODEL,
      rules,
    });
    const withoutRules = assessCustomer(vipGoneQuiet(), { ...shop, rules: [] });
    const assessed = assessCustomer(vipGoneQuiet(), shop);
    expect(assessed.tier).toBe("VIP");
    expect(assessed.features.daysSinceLastOrder).toBe(39);
    expect(assessed.inactivity).toBe("churned");
    expect(assessed.segment).toBe("churned");
    expect(assessed.matchedRuleIds).toEqual(["vip-quiet"]);
    expect(assessed.level).toBe("high");
    // The model alone rates a big regular spender lower: only the rule raises it.
    expect(withoutRules.level).not.toBe("high");
    expect(withoutRules.risk.score).toBe(assessed.risk.score);
  });

  it("gives a prospect a complete, defined assessment", () => {
    const shop = shopScoringContext(shopCustomers, {
      asOf,
      settings: DEFAULT_CHURN_SETTINGS,
      model: PRIOR_RISK_MODEL,
      rules: [],
    });
    const prospect = assessCustomer(
      {
        customerId: "p",
        market: null,
        firstSeenDay: asOf - 3,
        ordersCount: 0,
        purchaseDaysCount: 0,
        totalSpent: 0,
        firstOrderDay: null,
        lastOrderDay: null,
        recentPurchases: [],
      },
      shop,
    );
    expect(prospect).toMatchObject({
      tier: "prospect",
      rfmGroup: "PROSPECTS",
      lifecycle: "prospect",
      segment: "prospect",
    });
    expect(prospect.risk.confidence).toBe("low");
  });

  it("never throws on broken numbers and always returns a score in 0-100", () => {
    const rules = compileRules([
      { id: "any", source: "visits_wow_change <= -50% OR NOT (aov_change > 10%) => medium" },
    ]);
    const shop = shopScoringContext(shopCustomers, {
      asOf,
      settings: DEFAULT_CHURN_SETTINGS,
      model: PRIOR_RISK_MODEL,
      rules,
    });
    const corrupt = seededRandom(5);
    const junk = [Number.NaN, -1, Infinity, -Infinity, 1e308, 0];
    const pick = () => junk[Math.floor(corrupt() * junk.length)];
    for (let i = 0; i < 2000; i++) {
      const activity = syntheticCustomer(corrupt, i, asOf) as unknown as Record<string, unknown>;
      for (const key of [
        "ordersCount",
        "purchaseDaysCount",
        "totalSpent",
        "firstOrderDay",
        "lastOrderDay",
        "firstSeenDay",
      ]) {
        if (corrupt() < 0.3) activity[key] = corrupt() < 0.2 ? null : pick();
      }
      const purchases = activity.recentPurchases as { day: number; amount: number }[];
      if (purchases.length > 0 && corrupt() < 0.3) purchases[0] = { day: pick(), amount: pick() };
      const assessed = assessCustomer(activity as unknown as CustomerActivity, shop);
      expect(assessed.risk.score).toBeGreaterThanOrEqual(0);
      expect(assessed.risk.score).toBeLessThanOrEqual(100);
    }
  });

  it("refuses to compile a shop's rule set with a broken rule", () => {
    expect(() => compileRules([{ id: "typo", source: "tier = 'VIP' AND vists_7d < 2" }])).toThrow(RuleError);
  });
});
