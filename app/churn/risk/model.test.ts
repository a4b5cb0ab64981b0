import { describe, expect, it } from "vitest";

import { seededRandom } from "../synthetic";
import type { CustomerFeatures } from "../types";
import { fitLogistic, logisticLogit, sigmoid } from "./logistic";
import {
  MIN_TRAINING_ROWS,
  PRIOR_RISK_MODEL,
  RISK_FEATURES,
  riskLevelFor,
  type RiskModel,
  scoreRisk,
  type TrainingRow,
  trainRiskModel,
} from "./model";

function buyer(values: Partial<CustomerFeatures>): CustomerFeatures {
  return {
    customerId: "1",
    market: "US",
    hasOrders: true,
    daysSinceLastOrder: 30,
    daysSinceFirstOrder: 300,
    tenureDays: 300,
    purchaseDays: 3,
    totalSpent: 150,
    averageOrderValue: 50,
    purchaseDays90d: 1,
    ...values,
  } as CustomerFeatures;
}

describe("logistic regression", () => {
  it("recovers known coefficients from simulated data", () => {
    const random = seededRandom(3);
    const rows: number[][] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = [random() * 4 - 2, random() * 4 - 2];
      rows.push(x);
      labels.push(random() < sigmoid(0.5 + 1.5 * x[0] - 1 * x[1]));
    }
    const model = fitLogistic(rows, labels, ["a", "b"], { l2: 0 });
    // Back on the raw scale: weight / scale, intercept adjusted by the means.
    const rawA = model.weights[0] / model.scales[0];
    const rawB = model.weights[1] / model.scales[1];
    expect(rawA).toBeCloseTo(1.5, 1);
    expect(rawB).toBeCloseTo(-1, 1);
    expect(logisticLogit(model, [0, 0])).toBeCloseTo(0.5, 1);
  });

  it("shrinks weights under the penalty and gives a constant feature no weight", () => {
    const rows = [
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
    ];
    const labels = [false, false, true, false, true, true];
    const free = fitLogistic(rows, labels, ["x", "constant"], { l2: 0 });
    const penalised = fitLogistic(rows, labels, ["x", "constant"], { l2: 10 });
    expect(Math.abs(penalised.weights[0])).toBeLessThan(Math.abs(free.weights[0]));
    expect(penalised.weights[1]).toBe(0);
  });
});

describe("risk model", () => {
  it("maps scores to the product's levels: low 0-30, medium 31-70, high 71-100", () => {
    expect([0, 30, 31, 70, 71, 100].map(riskLevelFor)).toEqual(["low", "low", "medium", "medium", "high", "high"]);
  });

  it("keeps the prior, at low confidence, until the shop has enough labelled customers", () => {
    const rows: TrainingRow[] = Array.from({ length: MIN_TRAINING_ROWS - 1 }, (_, i) => ({
      features: buyer({ daysSinceLastOrder: i }),
      bgNbd: null,
      churned: i % 2 === 0,
    }));
    const model = trainRiskModel(rows, 90);
    expect(model.kind).toBe("prior");
    expect(scoreRisk(model, buyer({}), model.bgNbd).confidence).toBe("low");
  });

  it("learns from labelled history that long-quiet customers churn", () => {
    const random = seededRandom(11);
    const rows: TrainingRow[] = Array.from({ length: 2000 }, () => {
      const recency = Math.floor(random() * 300);
      return { features: buyer({ daysSinceLastOrder: recency }), bgNbd: null, churned: random() < recency / 300 };
    });
    const model = trainRiskModel(rows, 90);
    expect(model.kind).toBe("learned");
    expect(model.confidence).toBe("high");
    const quiet = scoreRisk(model, buyer({ daysSinceLastOrder: 280 }), model.bgNbd);
    const fresh = scoreRisk(model, buyer({ daysSinceLastOrder: 3 }), model.bgNbd);
    expect(quiet.probability).toBeGreaterThan(0.75);
    expect(fresh.probability).toBeLessThan(0.25);
    expect(quiet.reasons[0]).toMatchObject({
      feature: "log_days_since_last_order",
      text: "long time since the last order",
    });
    expect(fresh.reasons[0].text).toBe("ordered recently");
  });

  it("ranks with the prior from day one: quiet one-time buyers above recent regulars", () => {
    const quiet = scoreRisk(
      PRIOR_RISK_MODEL,
      buyer({ daysSinceLastOrder: 200, purchaseDays: 1, purchaseDays90d: 0 }),
      PRIOR_RISK_MODEL.bgNbd,
    );
    const regular = scoreRisk(
      PRIOR_RISK_MODEL,
      buyer({ daysSinceLastOrder: 5, purchaseDays: 12, purchaseDays90d: 4 }),
      PRIOR_RISK_MODEL.bgNbd,
    );
    expect(quiet.score).toBeGreaterThan(regular.score);
    expect(quiet.level).toBe("high");
    expect(regular.level).toBe("low");
  });

  it("gives a customer without orders and a customer with broken numbers a defined, bounded result", () => {
    const prospect = scoreRisk(
      PRIOR_RISK_MODEL,
      buyer({ hasOrders: false, daysSinceLastOrder: Number.NaN }),
      PRIOR_RISK_MODEL.bgNbd,
    );
    // Neither reassuring nor alarming: the model's baseline, unexplained and low-confidence.
    expect(prospect.probability).toBeCloseTo(1 / (1 + Math.exp(-PRIOR_RISK_MODEL.logistic.intercept)), 12);
    expect(prospect.reasons).toEqual([]);
    expect(prospect.confidence).toBe("low");
    const broken = scoreRisk(
      PRIOR_RISK_MODEL,
      buyer({
        daysSinceLastOrder: -5,
        totalSpent: Number.NaN,
        averageOrderValue: -Infinity,
        purchaseDays90d: Number.NaN,
      }),
      PRIOR_RISK_MODEL.bgNbd,
    );
    expect(Number.isFinite(broken.probability)).toBe(true);
  });
});

describe("basket size and market inputs", () => {
  /** Simulated shop where small baskets churn more, whatever the recency. */
  function basketRows(seed: number): TrainingRow[] {
    const random = seededRandom(seed);
    return Array.from({ length: 3000 }, () => {
      const items = 1 + Math.floor(random() * 30);
      const recency = Math.floor(random() * 300);
      const z = -1 + (2 * recency) / 300 - 0.08 * items + 1;
      return {
        features: buyer({
          daysSinceLastOrder: recency,
          lineItemsPerOrder: items,
          lastOrderLineItems: items,
          inMainMarket: random() < 0.8,
        }),
        bgNbd: null,
        churned: random() < sigmoid(z),
      };
    });
  }

  it("learns that small baskets churn more and explains a score with it", () => {
    const model = trainRiskModel(basketRows(21), 90);
    const j = RISK_FEATURES.indexOf("log_line_items_per_order");
    const k = RISK_FEATURES.indexOf("log_last_order_line_items");
    expect(model.logistic.weights[j] + model.logistic.weights[k]).toBeLessThan(-0.3);
    const small = scoreRisk(
      model,
      buyer({ daysSinceLastOrder: 150, lineItemsPerOrder: 1, lastOrderLineItems: 1 }),
      null,
    );
    const large = scoreRisk(
      model,
      buyer({ daysSinceLastOrder: 150, lineItemsPerOrder: 30, lastOrderLineItems: 30 }),
      null,
    );
    expect(small.probability).toBeGreaterThan(large.probability);
    expect(small.reasons.map((r) => r.text)).toContain("small baskets (few items per order)");
  });

  it("describes the customer's value, whichever way the shop's model learned it pushes", () => {
    // A shop where LARGE baskets churn more (one-off wholesale orders): the reason must still say
    // "small baskets" for a one-item buyer, with a contribution that lowers the risk.
    const rows = basketRows(22).map((row) => ({ ...row, churned: !row.churned }));
    const model = trainRiskModel(rows, 90);
    const small = scoreRisk(
      model,
      buyer({ daysSinceLastOrder: 150, lineItemsPerOrder: 1, lastOrderLineItems: 1 }),
      null,
      10,
    );
    const basket = small.reasons.find((reason) => reason.feature === "log_line_items_per_order");
    expect(basket).toBeDefined();
    expect(basket!.text).toBe("small baskets (few items per order)");
    const large = scoreRisk(
      model,
      buyer({ daysSinceLastOrder: 150, lineItemsPerOrder: 30, lastOrderLineItems: 30 }),
      null,
      10,
    );
    expect(large.reasons.find((reason) => reason.feature === "log_line_items_per_order")?.text).toBe(
      "large baskets (many items per order)",
    );
  });

  it("treats unknown inputs as neutral, in training and in scoring, and never returns NaN", () => {
    const rows = basketRows(22).map((row, i) =>
      // A third of the shop's orders predate line-item counts: unknown, not zero.
      i % 3 === 0
        ? { ...row, features: { ...row.features, lineItemsPerOrder: Number.NaN, lastOrderLineItems: Number.NaN } }
        : row,
    );
    const model = trainRiskModel(rows, 90);
    expect(model.logistic.weights.every(Number.isFinite)).toBe(true);
    const unknown = scoreRisk(model, buyer({ lineItemsPerOrder: Number.NaN, lastOrderLineItems: undefined }), null);
    expect(Number.isFinite(unknown.probability)).toBe(true);
    expect(unknown.reasons.some((r) => r.feature === "log_line_items_per_order")).toBe(false);
    for (const junk of [0, -3, Infinity, Number.NaN]) {
      const p = scoreRisk(model, buyer({ lineItemsPerOrder: junk, lastOrderLineItems: junk }), null).probability;
      expect(p).toBeCloseTo(unknown.probability, 12);
    }
  });

  it("describes the market input by the customer's value, whichever way the shop's weight points", () => {
    const model = trainRiskModel(basketRows(23), 90);
    const j = RISK_FEATURES.indexOf("in_main_market");
    const forced = {
      ...model,
      logistic: { ...model.logistic, weights: model.logistic.weights.map((w, i) => (i === j ? 3 : w)) },
    };
    const home = scoreRisk(forced, buyer({ inMainMarket: true }), null, RISK_FEATURES.length);
    const abroad = scoreRisk(forced, buyer({ inMainMarket: false }), null, RISK_FEATURES.length);
    expect(home.reasons.find((r) => r.feature === "in_main_market")?.text).toBe("buys from the shop's main market");
    expect(abroad.reasons.find((r) => r.feature === "in_main_market")?.text).toBe(
      "buys from outside the shop's main market",
    );
  });

  it("gives one reason per fact: recency's parts add up, and a pair that cancels out is no reason", () => {
    const weight: Partial<Record<(typeof RISK_FEATURES)[number], number>> = {
      // Recency spread over three inputs, none of which alone outweighs frequency...
      log_days_since_last_order: 0.3,
      log_purchase_days_90d: -0.3,
      bgnbd_no_purchase_logit: 0.3,
      log_purchase_days: -0.5,
      // ...and two collinear basket inputs pulling against each other.
      log_line_items_per_order: -1,
      log_last_order_line_items: 1,
    };
    const model: RiskModel = {
      ...PRIOR_RISK_MODEL,
      kind: "learned",
      bgNbd: null,
      logistic: {
        ...PRIOR_RISK_MODEL.logistic,
        weights: RISK_FEATURES.map((feature) => weight[feature] ?? 0),
        means: RISK_FEATURES.map(() => 0),
        scales: RISK_FEATURES.map(() => 1),
      },
    };
    const quiet = buyer({
      daysSinceLastOrder: 300,
      daysSinceFirstOrder: 700,
      purchaseDays: 3,
      purchaseDays90d: 0,
      lineItemsPerOrder: 4,
      lastOrderLineItems: 4,
    });
    const assessment = scoreRisk(model, quiet, { r: 0.5, alpha: 60, a: 0.6, b: 3 }, RISK_FEATURES.length);
    // Each input alone: recency 0.3 * log1p(300) = 1.71, frequency -0.5 * log1p(3) = -0.69,
    // BG/NBD's overdue logit about 0.3 * 1.5, basket +-1.39 each. Grouped, recency leads.
    expect(assessment.reasons[0]).toMatchObject({
      feature: "log_days_since_last_order",
      text: "long time since the last order",
    });
    const individual = 0.3 * Math.log1p(300);
    expect(assessment.reasons[0].contribution).toBeGreaterThan(individual);
    // The basket pair sums to zero: neither half is offered as a reason.
    expect(assessment.reasons.some((r) => r.feature.startsWith("log_l"))).toBe(false);
    expect(new Set(assessment.reasons.map((r) => r.feature)).size).toBe(assessment.reasons.length);
    // The score itself is unchanged by how its reasons are grouped.
    const sum = assessment.reasons.reduce((total, r) => total + r.contribution, 0);
    expect(sum).toBeCloseTo(
      Math.log(assessment.probability / (1 - assessment.probability)) - model.logistic.intercept,
      9,
    );
  });

  it("still scores with a model stored before these inputs existed, without stale reasons", () => {
    const current = trainRiskModel(basketRows(24), 90);
    const stored = {
      ...current,
      logistic: {
        ...current.logistic,
        featureNames: current.logistic.featureNames.slice(0, 7),
        weights: current.logistic.weights.slice(0, 7),
        means: current.logistic.means.slice(0, 7),
        scales: current.logistic.scales.slice(0, 7),
      },
    };
    const customer = buyer({
      daysSinceLastOrder: 200,
      lineItemsPerOrder: 1,
      lastOrderLineItems: 1,
      inMainMarket: false,
    });
    scoreRisk(current, customer, null, RISK_FEATURES.length);
    const old = scoreRisk(stored, customer, null, RISK_FEATURES.length);
    expect(Number.isFinite(old.probability)).toBe(true);
    expect(old.reasons.every((r) => RISK_FEATURES.indexOf(r.feature) < 7)).toBe(true);
  });
});
