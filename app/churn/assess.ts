import type { DayNumber } from "./dates";
import { CadenceAccumulator } from "./cadence";
import { computeFeatures } from "./features";
import { type LifecycleStage, lifecycleStageFor } from "./lifecycle";
import type { BgNbdParameters } from "./risk/bgnbd";
import { type RiskAssessment, type RiskLevel, type RiskModel, scoreRisk } from "./risk/model";
import { fitBgNbdOnFeatures } from "./risk/training";
import { compileRule, parseRule, type RulePredicate, type RuleSubject } from "./rules";
import {
  type CustomerSegment,
  type RfmScores,
  rfmScoresFor,
  segmentFor,
  type ShopifyRfmGroup,
  shopifyRfmGroup,
  type ShopRfmThresholds,
  shopRfmThresholds,
  type ValueTier,
  valueTierFor,
} from "./tiers";
import type { CustomerActivity, CustomerFeatures, ShopCadence } from "./types";
import { type ChurnSettings, daysInactive, type InactivityStatus, inactivityStatus } from "./windows";

export interface CompiledRule {
  id: string;
  predicate: RulePredicate;
  level: RiskLevel | null;
}

/** What a scoring run knows about the shop; computed once per run, shared by every customer. */
export interface ShopScoringContext {
  asOf: DayNumber;
  cadence: ShopCadence;
  rfmThresholds: ShopRfmThresholds;
  settings: ChurnSettings;
  model: RiskModel;
  /** BG/NBD fitted on the shop's customers at `asOf`; null for shops too small to fit it. */
  bgNbd: BgNbdParameters | null;
  rules: readonly CompiledRule[];
}

export interface CustomerAssessment {
  features: CustomerFeatures;
  rfm: RfmScores | null;
  rfmGroup: ShopifyRfmGroup;
  tier: ValueTier;
  lifecycle: LifecycleStage;
  inactivity: InactivityStatus;
  segment: CustomerSegment;
  risk: RiskAssessment;
  matchedRuleIds: readonly string[];
  /** The higher of the model's level and any matching rule's level: rules can only escalate. */
  level: RiskLevel;
}

/** Parses, type-checks and compiles the shop's saved rules; a bad rule throws its RuleError. */
export function compileRules(rules: ReadonlyArray<{ id: string; source: string }>): CompiledRule[] {
  return rules.map(({ id, source }) => {
    const rule = parseRule(source);
    return { id, predicate: compileRule(rule), level: rule.level };
  });
}

/**
 * Builds the shop-wide part of a scoring run (cadence, RFM quintiles, BG/NBD) from the shop's
 * customers. For a very large shop pass a random sample: quintiles and medians of a few thousand
 * customers are as good as those of all of them, and memory stays bounded.
 */
export function shopScoringContext(
  customers: Iterable<CustomerActivity>,
  options: Omit<ShopScoringContext, "cadence" | "rfmThresholds" | "bgNbd"> & { perMarketRfm?: boolean },
): ShopScoringContext {
  const activities = [...customers];
  const cadenceAccumulator = new CadenceAccumulator();
  for (const activity of activities) cadenceAccumulator.addPurchases(activity.market, activity.recentPurchases ?? []);
  const cadence = cadenceAccumulator.result();
  const features = activities.map((activity) => computeFeatures(activity, options.asOf, cadence));
  return {
    asOf: options.asOf,
    settings: options.settings,
    model: options.model,
    rules: options.rules,
    cadence,
    rfmThresholds: shopRfmThresholds(features, options.perMarketRfm ?? true),
    // Too few customers to fit: the prior's typical-shop parameters (null for a learned model).
    bgNbd: fitBgNbdOnFeatures(features) ?? options.model.bgNbd,
  };
}

const NO_MATCHES: readonly string[] = Object.freeze([]);

const LEVEL_RANK: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };

/** features -> tier -> lifecycle -> churn window -> risk -> rules, for one customer. */
export function assessCustomer(activity: CustomerActivity, shop: ShopScoringContext): CustomerAssessment {
  const features = computeFeatures(activity, shop.asOf, shop.cadence);
  const rfm = rfmScoresFor(features, shop.rfmThresholds);
  const tier = valueTierFor(rfm);
  const lifecycle = lifecycleStageFor(features);
  const inactivity = inactivityStatus(features, tier, shop.settings);
  const segment = segmentFor(tier, inactivity, lifecycle === "new");
  const rfmGroup = shopifyRfmGroup(rfm);
  const risk = scoreRisk(shop.model, features, shop.bgNbd);
  let level = risk.level;
  let matchedRuleIds: string[] | null = null;
  if (shop.rules.length > 0) {
    const subject: RuleSubject = {
      features,
      tier,
      segment,
      lifecycle,
      rfm,
      rfmGroup,
      daysInactive: daysInactive(features),
      riskScore: risk.score,
      riskLevel: risk.level,
    };
    for (const rule of shop.rules) {
      if (!rule.predicate(subject)) continue;
      (matchedRuleIds ??= []).push(rule.id);
      if (rule.level !== null && LEVEL_RANK[rule.level] > LEVEL_RANK[level]) level = rule.level;
    }
  }
  return {
    features,
    rfm,
    rfmGroup,
    tier,
    lifecycle,
    inactivity,
    segment,
    risk,
    matchedRuleIds: matchedRuleIds ?? NO_MATCHES,
    level,
  };
}
