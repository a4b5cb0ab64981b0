import { describe, expect, it } from "vitest";

import { assessCustomer, shopScoringContext } from "../churn/assess";
import { dayFromIso } from "../churn/dates";
import { PRIOR_RISK_MODEL, RISK_FEATURES } from "../churn/risk/model";
import { seededRandom, syntheticCustomer } from "../churn/synthetic";
import { DEFAULT_CHURN_SETTINGS } from "../churn/windows";
import { notificationMessages } from "./catalogue";
import { isoWeekOf } from "./periods";
import {
  type AlertFacts,
  customerAdminUrl,
  MAX_LISTED_CUSTOMERS,
  reasonLabels,
  renderAlertMessage,
  renderGroupMessage,
} from "./render";

const facts = (overrides: Partial<AlertFacts> = {}): AlertFacts => ({
  shop: "acme.myshopify.com",
  customerShopifyId: "115310627314723954",
  firstName: "Jane",
  lastName: "Doe",
  level: "high",
  score: 80,
  reasons: JSON.stringify([{ feature: "log_days_since_last_order", text: "x", contribution: 1 }]),
  ruleName: null,
  ...overrides,
});

describe("renderAlertMessage", () => {
  it("escapes every value from data in the HTML", () => {
    const message = renderAlertMessage(
      facts({ firstName: '<img src=x onerror="alert(1)">', lastName: "O'Hara & Co", ruleName: "<b>VIP</b>" }),
      "en",
    );

    expect(message.html).not.toContain("<img");
    expect(message.html).not.toContain("<b>VIP");
    expect(message.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; O&#39;Hara &amp; Co");
    expect(message.text).toContain("<img src=x");
  });

  it("keeps a name on one line, so it cannot add lines to the subject", () => {
    const message = renderAlertMessage(facts({ firstName: "Jane\r\nBcc: x@example.com", lastName: null }), "en");
    expect(message.subject).toBe("[Churn Radar] High churn risk: Jane Bcc: x@example.com");
  });

  it("links the customer's page in Shopify admin with the 64-bit id intact", () => {
    expect(customerAdminUrl("acme.myshopify.com", "115310627314723954")).toBe(
      "https://admin.shopify.com/store/acme/customers/115310627314723954",
    );
  });

  it("leaves the reasons out when there are none it can word", () => {
    const message = renderAlertMessage(facts({ reasons: "not json", score: null }), "en");
    expect(message.text).not.toContain("Top reasons");
    expect(message.text.split("\n")[0]).toBe("Jane Doe is at high risk of churning.");
  });
});

describe("reasonLabels", () => {
  it("words every risk-model feature in both languages", () => {
    for (const locale of ["en", "zh-CN"] as const) {
      const messages = notificationMessages(locale);
      for (const feature of RISK_FEATURES) {
        const [label] = reasonLabels(JSON.stringify([{ feature, contribution: 0.5 }]), messages);
        expect(label, `${locale} ${feature}`).toBe(messages.reason[feature][0]);
      }
    }
  });

  it("words each reason the risk model gives exactly as the model does, in English", () => {
    const asOf = dayFromIso("2026-11-22");
    const random = seededRandom(11);
    const customers = Array.from({ length: 3000 }, (_, i) => syntheticCustomer(random, i, asOf));
    const context = shopScoringContext(customers, {
      asOf,
      settings: DEFAULT_CHURN_SETTINGS,
      model: PRIOR_RISK_MODEL,
      rules: [],
    });
    const reasons = customers.flatMap((customer) => assessCustomer(customer, context).risk.reasons);
    const english = notificationMessages("en");
    const worded = new Set<string>();

    for (const reason of reasons.filter((r) => r.contribution > 0)) {
      expect(reasonLabels(JSON.stringify([reason]), english)).toEqual([reason.text]);
      worded.add(reason.feature);
    }
    // Every reason the prior model can give (recency, frequency, spend, tenure; it gives basket and
    // market no weight) occurs, so a renamed or reworded reason cannot slip by.
    expect(worded.size).toBeGreaterThanOrEqual(4);
  });

  it("tells a yes/no input's two wordings apart by the model's text, not by the sign", () => {
    const [yes, no] = notificationMessages("en").reason.in_main_market;
    const zh = notificationMessages("zh-CN");
    const outside = JSON.stringify([{ feature: "in_main_market", text: no, contribution: 0.7 }]);
    const inside = JSON.stringify([{ feature: "in_main_market", text: yes, contribution: 0.7 }]);

    expect(reasonLabels(outside, zh)).toEqual([zh.reason.in_main_market[1]]);
    expect(reasonLabels(inside, zh)).toEqual([zh.reason.in_main_market[0]]);
  });

  it("keeps the reasons that raised the risk, strongest first, and a rule's own label", () => {
    const reasons = JSON.stringify([
      { feature: "log_total_spent", contribution: -2 },
      { feature: "log_purchase_days", contribution: 0.3 },
      { feature: "visits_7d", label: "visits down 50% week over week", contribution: 0.9 },
      { feature: "unknown_feature", contribution: 5 },
      "garbage",
      { feature: "log_days_since_last_order", contribution: 1.4 },
    ]);

    expect(reasonLabels(reasons, notificationMessages("en"))).toEqual([
      "long time since the last order",
      "visits down 50% week over week",
      "few purchases so far",
    ]);
  });
});

describe("renderGroupMessage", () => {
  it("lists at most MAX_LISTED_CUSTOMERS customers and counts the rest", () => {
    const alerts = Array.from({ length: MAX_LISTED_CUSTOMERS + 4 }, (_, i) =>
      facts({ customerShopifyId: String(1000 + i), firstName: null, lastName: null, level: "medium" }),
    );

    const en = renderGroupMessage({ kind: "digest", label: "2026-11-22" }, alerts, "en");
    expect(en.subject).toBe("[Churn Radar] Daily digest 2026-11-22: 29 customers at medium churn risk");
    expect(en.text).toContain(`Customer #${1000 + MAX_LISTED_CUSTOMERS - 1}`);
    expect(en.text).not.toContain(`Customer #${1000 + MAX_LISTED_CUSTOMERS}`);
    expect(en.text).toContain("...and 4 more in the Churn Radar inbox.");

    const zh = renderGroupMessage({ kind: "digest", label: "2026-11-22" }, alerts, "zh-CN");
    expect(zh.subject).toBe("[Churn Radar] 每日摘要 2026-11-22：29 位客户流失风险为中");
    expect(zh.text).toContain("另有 4 位客户");
  });

  it("counts every customer when given only the riskiest of many", () => {
    const riskiest = Array.from({ length: 3 }, (_, i) =>
      facts({ customerShopifyId: String(2000 + i), level: "medium" }),
    );

    const en = renderGroupMessage({ kind: "digest", label: "2026-11-22" }, riskiest, "en", 50_000);
    expect(en.subject).toBe("[Churn Radar] Daily digest 2026-11-22: 50000 customers at medium churn risk");
    expect(en.text.match(/^- /gm)).toHaveLength(3);
    expect(en.text).toContain("...and 49997 more in the Churn Radar inbox.");
    expect(en.html).toContain("...and 49997 more");
  });

  it("says '1 customer' for one", () => {
    const report = renderGroupMessage({ kind: "report", label: "2026-W47" }, [facts({ level: "low" })], "en");
    expect(report.subject).toBe("[Churn Radar] Weekly report 2026-W47: 1 customer at low churn risk");
  });
});

describe("isoWeekOf", () => {
  it("numbers weeks from Monday, week 1 holding the year's first Thursday", () => {
    expect(isoWeekOf("2026-11-22")).toBe("2026-W47"); // Sunday
    expect(isoWeekOf("2026-11-23")).toBe("2026-W48"); // Monday
    expect(isoWeekOf("2027-01-01")).toBe("2026-W53");
    expect(isoWeekOf("2024-12-30")).toBe("2025-W01");
    expect(isoWeekOf("2021-01-03")).toBe("2020-W53");
  });

  it("refuses text that is not a day", () => {
    expect(() => isoWeekOf("2026-W47")).toThrow(/not a calendar day/);
  });
});
