/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least
 * squares). Features are standardised inside the fit so the one penalty means the same for every
 * feature whatever its unit; the intercept is never penalised.
 */
export interface LogisticModel {
  featureNames: readonly string[];
  intercept: number;
  /** Coefficients on the standardised scale: the log-odds change of one standard deviation. */
  weights: number[];
  means: number[];
  scales: number[];
}

export interface LogisticFitOptions {
  /** Penalty λ in  Σ log-loss + λ/2 ||w||² (per-sample weights sum to n). */
  l2: number;
  maxIterations?: number;
  tolerance?: number;
  sampleWeights?: ArrayLike<number>;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function fitLogistic(
  rows: ReadonlyArray<ArrayLike<number>>,
  labels: ArrayLike<boolean>,
  featureNames: readonly string[],
  options: LogisticFitOptions,
): LogisticModel {
  const n = rows.length;
  const d = featureNames.length;
  if (n === 0) throw new Error("fitLogistic: no rows");
  const sampleWeight = (i: number) => (options.sampleWeights ? options.sampleWeights[i] : 1);
  const means = new Array<number>(d).fill(0);
  const scales = new Array<number>(d).fill(1);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) totalWeight += sampleWeight(i);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += sampleWeight(i) * rows[i][j];
    mean /= totalWeight;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += sampleWeight(i) * (rows[i][j] - mean) ** 2;
    variance /= totalWeight;
    means[j] = mean;
    // A constant feature carries no information; scale 1 keeps its (zero) column harmless.
    scales[j] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  const x = rows.map((row) => {
    const z = new Float64Array(d + 1);
    z[0] = 1;
    for (let j = 0; j < d; j++) z[j + 1] = (row[j] - means[j]) / scales[j];
    return z;
  });
  const beta = new Float64Array(d + 1);
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-10;
  for (let iter = 0; iter < maxIterations; iter++) {
    const gradient = new Float64Array(d + 1);
    const hessian = Array.from({ length: d + 1 }, () => new Float64Array(d + 1));
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      let z = 0;
      for (let j = 0; j <= d; j++) z += beta[j] * xi[j];
      const p = sigmoid(z);
      const w = sampleWeight(i);
      const residual = w * ((labels[i] ? 1 : 0) - p);
      const curvature = w * Math.max(p * (1 - p), 1e-12);
      for (let j = 0; j <= d; j++) {
        gradient[j] += residual * xi[j];
        const cj = curvature * xi[j];
        for (let k = j; k <= d; k++) hessian[j][k] += cj * xi[k];
      }
    }
    for (let j = 1; j <= d; j++) {
      gradient[j] -= options.l2 * beta[j];
      hessian[j][j] += options.l2;
    }
    for (let j = 0; j <= d; j++) for (let k = 0; k < j; k++) hessian[j][k] = hessian[k][j];
    hessian[0][0] += 1e-9;
    const step = solveSymmetric(hessian, gradient);
    let change = 0;
    for (let j = 0; j <= d; j++) {
      beta[j] += step[j];
      change = Math.max(change, Math.abs(step[j]));
    }
    if (change < tolerance) break;
  }
  return {
    featureNames,
    intercept: beta[0],
    weights: Array.from(beta.slice(1)),
    means,
    scales,
  };
}

/** Log-odds of the positive class for one row of raw (unstandardised) features. */
export function logisticLogit(model: LogisticModel, row: ArrayLike<number>): number {
  let z = model.intercept;
  for (let j = 0; j < model.weights.length; j++) {
    z += (model.weights[j] * (row[j] - model.means[j])) / model.scales[j];
  }
  return z;
}

/** Solves A x = b for a symmetric positive-definite A by Cholesky decomposition. */
function solveSymmetric(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) l[i][i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i][j] = sum / l[j][j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
    y[i] = sum / l[i][i];
  }
  const result = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k][i] * result[k];
    result[i] = sum / l[i][i];
  }
  return result;
}
