import type { CustomerFeatures } from "./types";

export type LifecycleStage = "prospect" | "new" | "growing" | "mature" | "declining";

const NEW_UNTIL_DAYS = 90;
const GROWING_UNTIL_DAYS = 365;
/** Twice the usual gap without an order is the point at which a relationship is fading. */
const DECLINING_CADENCE_MULTIPLE = 2;
const DECLINING_VISIT_DROP = -0.5;
const MIN_VISITS_FOR_TREND = 4;

/**
 * Stage by tenure (new 0-3 months, growing 3-12, mature 12+), except that an established customer
 * whose orders or visits are clearly falling away is "declining" whatever the tenure.
 */
export function lifecycleStageFor(features: CustomerFeatures): LifecycleStage {
  if (!features.hasOrders) return "prospect";
  const tenure = features.tenureDays;
  if (tenure < NEW_UNTIL_DAYS) return "new";
  const overdue = features.recencyToCadence >= DECLINING_CADENCE_MULTIPLE;
  const visitsFalling =
    features.visitsPrev30d >= MIN_VISITS_FOR_TREND && features.visitsMomChange <= DECLINING_VISIT_DROP;
  if (overdue || visitsFalling) return "declining";
  return tenure < GROWING_UNTIL_DAYS ? "growing" : "mature";
}
