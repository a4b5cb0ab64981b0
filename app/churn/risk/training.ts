import type { DayNumber } from "../dates";
import { CadenceAccumulator } from "../cadence";
import { computeFeatures } from "../features";
import { activityAt, churnedAfter, type CustomerHistory } from "../transactions";
import type { CustomerFeatures, ShopCadence } from "../types";
import { type BgNbdParameters, type BgNbdSummary, fitBgNbd } from "./bgnbd";
import { type RiskModel, type TrainingRow, trainRiskModel } from "./model";

/** Every customer with a purchase on or before `asOf`, described with what was known at `asOf`. */
export interface Snapshot {
  asOf: DayNumber;
  histories: CustomerHistory[];
  features: CustomerFeatures[];
  cadence: ShopCadence;
  bgNbd: BgNbdParameters | null;
}

/** BG/NBD needs some repeat buyers to say anything; below this the feature is left out (0). */
const MIN_BGNBD_CUSTOMERS = 50;

export function bgNbdSummary(features: CustomerFeatures): BgNbdSummary {
  return {
    x: Math.max(0, features.purchaseDays - 1),
    tx: features.daysSinceFirstOrder - features.daysSinceLastOrder,
    T: features.daysSinceFirstOrder,
  };
}

/** Merges customers with the same (x, t_x, T): the likelihood only depends on those. */
export function fitBgNbdOnFeatures(features: readonly CustomerFeatures[]): BgNbdParameters | null {
  const buyers = features.filter((f) => f.hasOrders);
  if (buyers.length < MIN_BGNBD_CUSTOMERS || !buyers.some((f) => f.purchaseDays > 1)) return null;
  const merged = new Map<string, BgNbdSummary>();
  for (const f of buyers) {
    const s = bgNbdSummary(f);
    const key = `${s.x}|${s.tx}|${s.T}`;
    const row = merged.get(key);
    if (row) row.weight = (row.weight ?? 1) + 1;
    else merged.set(key, { ...s, weight: 1 });
  }
  return fitBgNbd([...merged.values()]);
}

export function snapshotAt(histories: readonly CustomerHistory[], asOf: DayNumber): Snapshot {
  const present: CustomerHistory[] = [];
  const activities = [];
  const cadence = new CadenceAccumulator();
  for (const history of histories) {
    const activity = activityAt(history, asOf);
    if (!activity) continue;
    present.push(history);
    activities.push(activity);
    cadence.addPurchases(activity.market, activity.recentPurchases);
  }
  const shopCadence = cadence.result();
  const features = activities.map((a) => computeFeatures(a, asOf, shopCadence));
  return { asOf, histories: present, features, cadence: shopCadence, bgNbd: fitBgNbdOnFeatures(features) };
}

/**
 * How a shop's history becomes training rows. Fixed for every shop (never tuned to one data set):
 * cut-offs step back two weeks at a time from the latest allowed one, each needing two months of
 * history before it to describe customers meaningfully.
 */
export interface TrainingRecipe {
  stepDays: number;
  maxCutoffs: number;
  minHistoryDays: number;
}

export const DEFAULT_TRAINING_RECIPE: TrainingRecipe = {
  stepDays: 14,
  maxCutoffs: 7,
  minHistoryDays: 60,
};

/**
 * Learns from the shop's own past without ever looking past `scoringCutoff`: the latest training
 * cut-off is `scoringCutoff - horizon`, so every training label lies entirely before the scoring
 * day. Several cut-offs (two weeks apart) are stacked, which both adds rows for small shops and
 * averages out the season of any one cut-off.
 */
export function trainOnHistory(
  histories: readonly CustomerHistory[],
  scoringCutoff: DayNumber,
  horizonDays: number,
  recipe: TrainingRecipe = DEFAULT_TRAINING_RECIPE,
): RiskModel {
  let firstDay = Number.POSITIVE_INFINITY;
  for (const h of histories) if (h.purchases.length > 0) firstDay = Math.min(firstDay, h.purchases[0].day);
  const rows: TrainingRow[] = [];
  for (let k = 0; k < recipe.maxCutoffs; k++) {
    const cutoff = scoringCutoff - horizonDays - k * recipe.stepDays;
    if (cutoff - firstDay < recipe.minHistoryDays) break;
    const snapshot = snapshotAt(histories, cutoff);
    snapshot.features.forEach((features, i) => {
      const churned = churnedAfter(snapshot.histories[i], cutoff, horizonDays);
      rows.push({ features, bgNbd: snapshot.bgNbd, churned });
    });
  }
  return trainRiskModel(rows, horizonDays);
}
