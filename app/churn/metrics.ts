/**
 * Classification metrics of the benchmark (positive class = churned), computed exactly as the
 * reference tools do so that our numbers and the published baselines are comparable.
 */

/** ROC AUC via the rank-sum statistic; tied scores count one half. NaN when a class is empty. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]]) {
        positives++;
        positiveRankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Average precision (scikit-learn's definition): sum over distinct score thresholds of
 * (recall gain) x (precision at that threshold), ties entering together.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let totalPositives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) totalPositives++;
  if (totalPositives === 0) return Number.NaN;
  let truePositives = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let k = i; k <= j; k++) if (labels[order[k]]) truePositives++;
    const recall = truePositives / totalPositives;
    ap += (recall - previousRecall) * (truePositives / (j + 1));
    previousRecall = recall;
    i = j + 1;
  }
  return ap;
}

/** Precision among the top floor(fraction x n), sorted by score desc, then id asc to break ties. */
export function precisionAtFraction(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  ids: ArrayLike<string>,
  fraction = 0.1,
): number {
  const n = scores.length;
  const k = Math.floor(fraction * n);
  if (k === 0) return Number.NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => scores[b] - scores[a] || compareIds(ids[a], ids[b]),
  );
  let hits = 0;
  for (let i = 0; i < k; i++) if (labels[order[i]]) hits++;
  return hits / k;
}

/** Numeric ids compare as numbers (so "999" < "1000"), anything else as text. */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== "" && b !== "" && Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const n = probabilities.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const diff = probabilities[i] - (labels[i] ? 1 : 0);
    sum += diff * diff;
  }
  return sum / n;
}

export interface ScoreMetrics {
  roc_auc: number;
  pr_auc: number;
  precision_at_10: number;
  brier: number;
}

export function scoreMetrics(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  ids: ArrayLike<string>,
): ScoreMetrics {
  return {
    roc_auc: rocAuc(probabilities, labels),
    pr_auc: averagePrecision(probabilities, labels),
    precision_at_10: precisionAtFraction(probabilities, labels, ids, 0.1),
    brier: brierScore(probabilities, labels),
  };
}
