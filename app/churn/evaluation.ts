import { plattProbabilities, recencyScore, rfmBaselineScores } from "./baselines";
import type { DayNumber } from "./dates";
import { brierScore, type ScoreMetrics, scoreMetrics } from "./metrics";
import { type RiskModel, scoreRisk } from "./risk/model";
import { snapshotAt, trainOnHistory } from "./risk/training";
import { churnedAfter, type CustomerHistory, lastPurchaseDay } from "./transactions";
import type { CustomerFeatures } from "./types";

export interface CustomerScore {
  customerId: string;
  churnProbability: number;
}

export interface ChurnEvaluation {
  n: number;
  scores: CustomerScore[];
  model: RiskModel;
  /** Present only when the data reaches past the horizon, so that labels can be known. */
  result: {
    eval: "churn";
    n: number;
    base_rate: number;
    model: ScoreMetrics;
    baselines: { recency: ScoreMetrics; rfm: ScoreMetrics };
  } | null;
}

/**
 * The backtest: scores everyone who bought on or before `cutoff` with a model trained only on
 * labels that ended by `cutoff`, then, if the data holds the horizon, measures the model and the
 * two reference baselines on the same population with the same metrics.
 */
export function evaluateChurn(
  histories: readonly CustomerHistory[],
  cutoff: DayNumber,
  horizonDays: number,
): ChurnEvaluation {
  const model = trainOnHistory(histories, cutoff, horizonDays);
  const snapshot = snapshotAt(histories, cutoff);
  const probabilities = snapshot.features.map((f) => scoreRisk(model, f, snapshot.bgNbd, 0).probability);
  const ids = snapshot.features.map((f) => f.customerId);
  const scores = ids.map((customerId, i) => ({ customerId, churnProbability: probabilities[i] }));
  const n = ids.length;
  if (lastPurchaseDay(histories) < cutoff + horizonDays || n === 0) return { n, scores, model, result: null };

  const labels = snapshot.histories.map((h) => churnedAfter(h, cutoff, horizonDays));
  const trainingCutoff = cutoff - horizonDays;
  const training = snapshotAt(histories, trainingCutoff);
  const trainingLabels = training.histories.map((h) => churnedAfter(h, trainingCutoff, horizonDays));
  const measureBaseline = (
    scoresOf: (population: readonly CustomerFeatures[]) => number[],
    toPlattScale: (score: number) => number,
  ): ScoreMetrics => {
    const raw = scoresOf(snapshot.features);
    const probabilities = plattProbabilities(
      scoresOf(training.features).map(toPlattScale),
      trainingLabels,
      raw.map(toPlattScale),
    );
    // Ranking metrics from the raw score (the mapping is monotone); the Brier score needs probabilities.
    return { ...scoreMetrics(raw, labels, ids), brier: brierScore(probabilities, labels) };
  };
  const churned = labels.filter(Boolean).length;
  return {
    n,
    scores,
    model,
    result: {
      eval: "churn",
      n,
      base_rate: churned / n,
      model: scoreMetrics(probabilities, labels, ids),
      baselines: {
        // The published recency row maps log1p(days) to a probability; the RFM row maps its score as is.
        recency: measureBaseline((population) => population.map(recencyScore), Math.log1p),
        rfm: measureBaseline(rfmBaselineScores, (score) => score),
      },
    },
  };
}
