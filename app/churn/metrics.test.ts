import { describe, expect, it } from "vitest";

import { averagePrecision, brierScore, compareIds, precisionAtFraction, rocAuc } from "./metrics";

describe("metrics", () => {
  it("computes ROC AUC as the share of correctly ordered pairs, ties counting one half", () => {
    // Positives 0.9, 0.5; negatives 0.5, 0.1: pairs (0.9>0.5)(0.9>0.1)(0.5=0.5 -> 1/2)(0.5>0.1).
    expect(rocAuc([0.9, 0.5, 0.5, 0.1], [true, true, false, false])).toBeCloseTo(3.5 / 4, 12);
    expect(rocAuc([0.1, 0.9], [true, false])).toBe(0);
    expect(rocAuc([1, 2], [true, true])).toBeNaN();
  });

  it("computes average precision over distinct thresholds, ties entering together", () => {
    // Sorted: 0.9(+), 0.8(-), 0.7(+): AP = 1/2 * 1 + 1/2 * 2/3.
    expect(averagePrecision([0.9, 0.8, 0.7], [true, false, true])).toBeCloseTo(0.5 + 1 / 3, 12);
    // One tied block of two with one positive: precision 1/2 at recall 1.
    expect(averagePrecision([0.5, 0.5], [true, false])).toBeCloseTo(0.5, 12);
  });

  it("takes the top floor(10%) by score, breaking ties by customer id", () => {
    const scores = Array.from({ length: 20 }, (_, i) => (i < 3 ? 1 : 0));
    const labels = scores.map((_, i) => i === 1 || i === 2);
    const ids = scores.map((_, i) => String(100 - i));
    // k = 2; the three tied top scores have ids 100, 99, 98: ids 98 and 99 win (indexes 2 and 1).
    expect(precisionAtFraction(scores, labels, ids, 0.1)).toBe(1);
  });

  it("orders numeric ids numerically", () => {
    expect(compareIds("999", "1000")).toBeLessThan(0);
    expect(compareIds("b", "a")).toBeGreaterThan(0);
  });

  it("computes the Brier score", () => {
    expect(brierScore([1, 0, 0.5], [true, true, false])).toBeCloseTo((0 + 1 + 0.25) / 3, 12);
  });
});
