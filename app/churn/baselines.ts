import { fitLogistic, logisticLogit, sigmoid } from "./risk/logistic";
import { compareIds } from "./metrics";
import type { CustomerFeatures } from "./types";

/**
 * The two reference baselines of data/online-retail/README.md, computed the way the published
 * numbers were: a score per customer, turned into a probability (for the Brier score only) by a
 * one-feature logistic regression fitted at the training cut-off.
 */

/** Days since the last order; its probability mapping uses log1p(days), as the reference did. */
export function recencyScore(features: CustomerFeatures): number {
  return features.daysSinceLastOrder;
}

/**
 * 15 - (R + F + M) with quintiles 1..5 over the population, ranks tied in customer-id order
 * (pandas `rank(method="first")` on id-sorted rows). Monetary is total spend, frequency purchase
 * days; R is 5 for the most recent fifth.
 */
export function rfmBaselineScores(population: readonly CustomerFeatures[]): number[] {
  const byId = population.map((f, index) => ({ f, index })).sort((a, b) => compareIds(a.f.customerId, b.f.customerId));
  const quintiles = (value: (f: CustomerFeatures) => number): number[] => {
    const n = byId.length;
    const order = byId
      .map((entry, position) => ({ value: value(entry.f), position }))
      .sort((a, b) => a.value - b.value || a.position - b.position);
    const result = new Array<number>(population.length);
    order.forEach((entry, rank) => {
      result[byId[entry.position].index] = Math.floor((5 * rank) / n) + 1;
    });
    return result;
  };
  const recencyQuintile = quintiles((f) => f.daysSinceLastOrder);
  const frequency = quintiles((f) => f.purchaseDays);
  const monetary = quintiles((f) => f.totalSpent);
  return population.map((_, i) => 15 - (6 - recencyQuintile[i] + frequency[i] + monetary[i]));
}

/** Fits score -> P(churn) on the training population (a Platt mapping) and applies it. */
export function plattProbabilities(
  trainingScores: readonly number[],
  trainingLabels: readonly boolean[],
  scores: readonly number[],
): number[] {
  const model = fitLogistic(
    trainingScores.map((s) => [s]),
    trainingLabels,
    ["score"],
    { l2: 0 },
  );
  return scores.map((s) => sigmoid(logisticLogit(model, [s])));
}
