import { logBeta, logGamma, nelderMead } from "./special";

/**
 * BG/NBD (Fader, Hardie & Lee 2005): purchases follow a Poisson process with rate ~ Gamma(r, alpha)
 * and after each purchase the customer drops out with probability p ~ Beta(a, b).
 * Time is in whatever unit the summaries use (the engine uses days).
 */
export interface BgNbdParameters {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** A customer's history in BG/NBD terms: repeat purchases x, time of the last one t_x, age T. */
export interface BgNbdSummary {
  x: number;
  tx: number;
  T: number;
  /** How many identical customers this row stands for (1 when omitted). */
  weight?: number;
}

export function bgNbdLogLikelihood(params: BgNbdParameters, rows: readonly BgNbdSummary[]): number {
  const { r, alpha, a, b } = params;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return Number.NEGATIVE_INFINITY;
  const logBetaAB = logBeta(a, b);
  const logGammaR = logGamma(r);
  const logAlpha = Math.log(alpha);
  let total = 0;
  // The Γ and B terms depend on x only; rows sorted by x (as fitBgNbd passes them) reuse them.
  let cachedX = Number.NaN;
  let common = 0;
  let staysConstant = 0;
  let leavesConstant = 0;
  for (const row of rows) {
    const { x, tx, T } = row;
    if (x !== cachedX) {
      cachedX = x;
      common = logGamma(r + x) - logGammaR + r * logAlpha;
      staysConstant = logBeta(a, b + x) - logBetaAB;
      leavesConstant = x > 0 ? logBeta(a + 1, b + x - 1) - logBetaAB : 0;
    }
    const stays = staysConstant - (r + x) * Math.log(alpha + T);
    let term = stays;
    if (x > 0) {
      const leftAfterLast = leavesConstant - (r + x) * Math.log(alpha + tx);
      const max = Math.max(stays, leftAfterLast);
      term = max + Math.log(Math.exp(stays - max) + Math.exp(leftAfterLast - max));
    }
    total += (row.weight ?? 1) * (common + term);
  }
  return total;
}

/**
 * Maximum-likelihood fit over log-parameters (so positivity is free). The tiny penalty on extreme
 * log-parameters keeps unidentified directions (a -> 0, b -> infinity on data with little dropout
 * signal) from wandering off to overflow without moving identified fits measurably.
 */
export function fitBgNbd(unsortedRows: readonly BgNbdSummary[], options: { tolerance?: number } = {}): BgNbdParameters {
  if (unsortedRows.length === 0) throw new Error("fitBgNbd: no customers");
  const rows = unsortedRows.slice().sort((p, q) => p.x - q.x);
  let meanT = 0;
  let weightSum = 0;
  for (const row of rows) {
    const w = row.weight ?? 1;
    meanT += w * row.T;
    weightSum += w;
  }
  meanT /= weightSum;
  const unpack = (v: number[]): BgNbdParameters => ({
    r: Math.exp(v[0]),
    alpha: Math.exp(v[1]),
    a: Math.exp(v[2]),
    b: Math.exp(v[3]),
  });
  const objective = (v: number[]) => {
    let penalty = 0;
    for (const value of v) if (Math.abs(value) > 12) penalty += (Math.abs(value) - 12) ** 2;
    return -bgNbdLogLikelihood(unpack(v), rows) / weightSum + penalty;
  };
  const start = [0, Math.log(Math.max(meanT, 1e-3) / 4), 0, 0];
  const best = nelderMead(objective, start, {
    step: 0.8,
    tolerance: options.tolerance ?? 1e-10,
    maxEvaluations: 20_000,
  });
  return unpack(best.x);
}

/** P(alive | x, t_x, T). Exactly 1 for customers without repeat purchases: see the ADR. */
export function probabilityAlive(params: BgNbdParameters, x: number, tx: number, T: number): number {
  if (x <= 0) return 1;
  const { r, alpha, a, b } = params;
  const odds = (a / (b + x - 1)) * Math.exp((r + x) * Math.log((alpha + T) / (alpha + tx)));
  return 1 / (1 + odds);
}

/** P(no purchase in the next `horizon` time units | x, t_x, T). */
export function probabilityNoPurchase(
  params: BgNbdParameters,
  x: number,
  tx: number,
  T: number,
  horizon: number,
): number {
  const alive = probabilityAlive(params, x, tx, T);
  const quietIfAlive = Math.exp((params.r + x) * Math.log((params.alpha + T) / (params.alpha + T + horizon)));
  return 1 - alive + alive * quietIfAlive;
}
