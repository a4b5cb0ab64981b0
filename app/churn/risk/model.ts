import type { CustomerFeatures } from "../types";
import type { BgNbdParameters } from "./bgnbd";
import { probabilityNoPurchase } from "./bgnbd";
import { fitLogistic, type LogisticModel, sigmoid } from "./logistic";

export const DEFAULT_HORIZON_DAYS = 90;

/**
 * The model's inputs, all transformed so that a linear log-odds model is reasonable across shops:
 * counts and money on log scale (heavy tails), BG/NBD's own probability as log-odds, then what the
 * app stores per order and customer beyond days and amounts: basket size in line items
 * (Order.lineItemsCount; log of the average per order and of the last purchase day's per order)
 * and whether the customer buys from the shop's main market. An input unknown for a customer (no
 * line-item counts, no market) is NaN in the vector and contributes nothing, in training (imputed
 * with the mean of the rows that know it) and in scoring.
 */
export const RISK_FEATURES = [
  "log_days_since_last_order",
  "log_days_since_first_order",
  "log_purchase_days",
  "log_total_spent",
  "log_average_order_value",
  "log_purchase_days_90d",
  "bgnbd_no_purchase_logit",
  "log_line_items_per_order",
  "log_last_order_line_items",
  "in_main_market",
] as const;
export type RiskFeatureName = (typeof RISK_FEATURES)[number];

/** Merchant-facing wording of each feature for the "top reasons" of a score. */
/**
 * How each input describes the customer: the first text when the customer's value is above the
 * shop's average, the second when below. Which way that pushes the risk is the contribution's
 * sign, learned per shop (large baskets may mean loyal buyers in one shop and one-off wholesale
 * orders in another), so the text never assumes a direction.
 */
const REASON_TEXT: Record<RiskFeatureName, [whenAboveAverage: string, whenBelowAverage: string]> = {
  log_days_since_last_order: ["long time since the last order", "ordered recently"],
  log_days_since_first_order: ["first ordered long ago", "recently acquired"],
  log_purchase_days: ["buys often", "few purchases so far"],
  log_total_spent: ["high total spend", "low total spend"],
  log_average_order_value: ["large orders", "small orders"],
  log_purchase_days_90d: ["several purchases in the last 90 days", "no purchases in the last 90 days"],
  bgnbd_no_purchase_logit: ["overdue for the usual buying rhythm", "on track with the usual buying rhythm"],
  log_line_items_per_order: ["large baskets (many items per order)", "small baskets (few items per order)"],
  log_last_order_line_items: ["many items in the last order", "few items in the last order"],
  in_main_market: ["buys from the shop's main market", "buys from outside the shop's main market"],
};

export type RiskLevel = "low" | "medium" | "high";
export type RiskConfidence = "low" | "medium" | "high";

export interface RiskReason {
  feature: RiskFeatureName;
  text: string;
  /** Contribution to the log-odds of churn relative to the shop's average customer. */
  contribution: number;
}

export interface RiskAssessment {
  probability: number;
  score: number;
  level: RiskLevel;
  reasons: RiskReason[];
  confidence: RiskConfidence;
}

export interface RiskModel {
  kind: "prior" | "learned";
  horizonDays: number;
  logistic: LogisticModel;
  bgNbd: BgNbdParameters | null;
  trainingRows: number;
  confidence: RiskConfidence;
}

/** Population statistics of a typical small online shop, used until the shop has its own labels. */
const PRIOR_BG_NBD: BgNbdParameters = { r: 0.5, alpha: 60, a: 0.6, b: 3 };

/**
 * The day-one model: coefficients in the direction and rough size that RFM studies report
 * (recency dominates, frequency and recent activity protect), centred on a typical small shop.
 * It ranks sensibly everywhere and is explicitly low-confidence.
 */
export const PRIOR_RISK_MODEL: RiskModel = {
  kind: "prior",
  horizonDays: DEFAULT_HORIZON_DAYS,
  logistic: {
    featureNames: RISK_FEATURES,
    intercept: 0.2,
    // Basket size and market get no say until a shop's own labels have shown which way they point.
    weights: [0.9, -0.1, -0.35, -0.1, 0, -0.25, 0.3, 0, 0, 0],
    means: [3.8, 4.8, 1.0, 5.0, 4.0, 0.4, 0.4, 1.5, 1.5, 0.5],
    scales: [1.2, 1.0, 0.6, 1.3, 1.0, 0.5, 1.5, 1.0, 1.0, 0.5],
  },
  bgNbd: PRIOR_BG_NBD,
  trainingRows: 0,
  confidence: "low",
};

function safeLog1p(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.log1p(value) : 0;
}

/** log of a positive count; NaN (unknown) for anything else. */
function logOrUnknown(value: number | undefined): number {
  return value !== undefined && value > 0 && value < Infinity ? Math.log(value) : Number.NaN;
}

function clampedLogit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, Number.isFinite(p) ? p : 0.5));
  return Math.log(q / (1 - q));
}

/** Writes the model inputs of one customer into `out` (reused across customers to avoid garbage). */
export function riskFeatureVector(
  features: CustomerFeatures,
  bgNbd: BgNbdParameters | null,
  horizonDays: number,
  out: Float64Array = new Float64Array(RISK_FEATURES.length),
): Float64Array {
  if (!features.hasOrders) {
    // Not meaningful without orders; `scoreRisk` gives prospects the model's baseline instead.
    out.fill(0);
    return out;
  }
  const T = Math.max(0, features.daysSinceFirstOrder);
  const recency = Math.max(0, features.daysSinceLastOrder);
  out[0] = safeLog1p(recency);
  out[1] = safeLog1p(T);
  out[2] = safeLog1p(features.purchaseDays);
  out[3] = safeLog1p(features.totalSpent);
  out[4] = safeLog1p(features.averageOrderValue);
  out[5] = safeLog1p(features.purchaseDays90d);
  out[6] = bgNbd
    ? clampedLogit(probabilityNoPurchase(bgNbd, Math.max(0, features.purchaseDays - 1), T - recency, T, horizonDays))
    : 0;
  out[7] = logOrUnknown(features.lineItemsPerOrder);
  out[8] = logOrUnknown(features.lastOrderLineItems);
  out[9] = features.inMainMarket === undefined ? Number.NaN : features.inMainMarket ? 1 : 0;
  return out;
}

export interface TrainingRow {
  features: CustomerFeatures;
  bgNbd: BgNbdParameters | null;
  churned: boolean;
}

/** Below this, a shop's own labels are too few to beat the prior; the prior stays in charge. */
export const MIN_TRAINING_ROWS = 200;
const MIN_ROWS_PER_CLASS = 30;
/** A fixed, data-independent penalty: weak enough for big shops, firm enough for small ones. */
const L2_PENALTY = 10;

export function trainRiskModel(rows: readonly TrainingRow[], horizonDays: number): RiskModel {
  let churned = 0;
  for (const row of rows) if (row.churned) churned++;
  if (rows.length < MIN_TRAINING_ROWS || churned < MIN_ROWS_PER_CLASS || rows.length - churned < MIN_ROWS_PER_CLASS) {
    return { ...PRIOR_RISK_MODEL, horizonDays };
  }
  const vectors = rows.map((row) => riskFeatureVector(row.features, row.bgNbd, horizonDays));
  imputeUnknowns(vectors);
  const logistic = fitLogistic(
    vectors,
    rows.map((row) => row.churned),
    RISK_FEATURES,
    { l2: L2_PENALTY },
  );
  return {
    kind: "learned",
    horizonDays,
    logistic,
    bgNbd: null,
    trainingRows: rows.length,
    confidence: rows.length >= 2000 ? "high" : "medium",
  };
}

/**
 * Unknown inputs take their column's mean over the rows that know them (0 when none do), so they
 * neither pull the fit nor, at scoring time, the score (where NaN contributes nothing).
 */
function imputeUnknowns(vectors: Float64Array[]): void {
  for (let j = 0; j < RISK_FEATURES.length; j++) {
    let sum = 0;
    let known = 0;
    for (const v of vectors) {
      if (Number.isFinite(v[j])) {
        sum += v[j];
        known++;
      }
    }
    const mean = known > 0 ? sum / known : 0;
    for (const v of vectors) if (!Number.isFinite(v[j])) v[j] = mean;
  }
}

/** Score bands from the product: low 0-30, medium 31-70, high 71-100. */
export function riskLevelFor(score: number): RiskLevel {
  if (score >= 71) return "high";
  if (score >= 31) return "medium";
  return "low";
}

const scratch = new Float64Array(RISK_FEATURES.length);
const contributionScratch = new Float64Array(RISK_FEATURES.length);

/**
 * `bgNbd` is the BG/NBD fitted on the population being scored (at its as-of day); a learned model
 * was trained with the BG/NBD of each training snapshot, so the feature means the same thing.
 */
export function scoreRisk(
  model: RiskModel,
  features: CustomerFeatures,
  // Required: a learned model's own bgNbd is null, and a forgotten argument must not silently
  // zero an input the model was trained on.
  bgNbd: BgNbdParameters | null,
  reasonCount = 3,
): RiskAssessment {
  const { logistic } = model;
  if (!features.hasOrders) {
    // A prospect has no purchase rhythm to judge: the shop's baseline, with no reasons and low confidence.
    const probability = sigmoid(logistic.intercept);
    const score = Math.round(probability * 100);
    return { probability, score, level: riskLevelFor(score), reasons: [], confidence: "low" };
  }
  const x = riskFeatureVector(features, bgNbd, model.horizonDays, scratch);
  let z = logistic.intercept;
  const contributions = contributionScratch;
  const known = logistic.weights.length;
  for (let j = 0; j < contributions.length; j++) {
    // Unknown inputs, and inputs a model stored before they existed (fewer weights), add nothing.
    const c =
      j >= known || Number.isNaN(x[j]) ? 0 : (logistic.weights[j] * (x[j] - logistic.means[j])) / logistic.scales[j];
    contributions[j] = c;
    z += c;
  }
  const probability = sigmoid(z);
  const score = Math.round(probability * 100);
  return {
    probability,
    score,
    level: riskLevelFor(score),
    reasons: topReasons(contributions, x, logistic.means, reasonCount),
    confidence: model.confidence,
  };
}

/**
 * The inputs merchants think of as one fact, so a reason is never half of a pair: recency is days
 * since the last order, purchases in the last 90 days and the BG/NBD "overdue" measure together;
 * spend is total and order value; basket size is the average and the last order's. The first input
 * of a group names the reason (and its wording); the group's contributions add up. Without this,
 * correlated inputs split one fact into small pieces (recency then rarely leads) or show one half
 * of a pair whose other half cancels it (many items per order, few in the last one).
 */
const REASON_GROUPS: readonly (readonly RiskFeatureName[])[] = [
  ["log_days_since_last_order", "log_purchase_days_90d", "bgnbd_no_purchase_logit"],
  ["log_purchase_days"],
  ["log_total_spent", "log_average_order_value"],
  ["log_line_items_per_order", "log_last_order_line_items"],
  ["log_days_since_first_order"],
  ["in_main_market"],
];
const GROUP_MEMBERS: readonly (readonly number[])[] = REASON_GROUPS.map((group) =>
  group.map((feature) => RISK_FEATURES.indexOf(feature)),
);
const groupScratch = new Float64Array(REASON_GROUPS.length);

function topReasons(
  contributions: Float64Array,
  x: Float64Array,
  means: readonly number[],
  count: number,
): RiskReason[] {
  const reasons: RiskReason[] = [];
  if (count <= 0) return reasons;
  const grouped = groupScratch;
  for (let g = 0; g < GROUP_MEMBERS.length; g++) {
    let sum = 0;
    for (const j of GROUP_MEMBERS[g]) sum += contributions[j];
    grouped[g] = sum;
  }
  // Selection of the largest |contribution| k times: k and the group count are tiny, and this
  // runs for every customer, so no sort and no index arrays.
  let taken = 0;
  while (reasons.length < count) {
    let best = -1;
    for (let g = 0; g < grouped.length; g++) {
      if ((taken & (1 << g)) === 0 && (best < 0 || Math.abs(grouped[g]) > Math.abs(grouped[best]))) best = g;
    }
    if (best < 0 || Math.abs(grouped[best]) < 0.05) break;
    taken |= 1 << best;
    const lead = GROUP_MEMBERS[best][0];
    const feature = RISK_FEATURES[lead];
    const [first, second] = REASON_TEXT[feature];
    // An unknown lead input (NaN) compares false: described as below average, and it contributed
    // nothing itself, so the rest of its group carried the reason.
    reasons.push({ feature, text: x[lead] > means[lead] ? first : second, contribution: grouped[best] });
  }
  return reasons;
}
