import { randomUUID } from "node:crypto";

import type { PurchaseForAggregates } from "../churn/aggregates";
import { customerActivityFrom, purchaseDaysFromOrders, type StoredCustomer } from "../churn/activity";
import {
  assessCustomer,
  type CompiledRule,
  compileRules,
  type CustomerAssessment,
  shopScoringContext,
  type ShopScoringContext,
} from "../churn/assess";
import { dayFromIso, type DayNumber, type DayOf, isoFromDay, utcDayOf, zonedDayOf } from "../churn/dates";
import { trainOnHistory } from "../churn/risk/training";
import { RECENT_PURCHASE_WINDOW_DAYS, type CustomerHistory } from "../churn/transactions";
import { churnWindowFor, daysInactive } from "../churn/windows";
import { logger } from "../lib/logger.server";
import { localDay } from "../lib/time-zones";
import {
  alertsForCustomers,
  type AlertSummary,
  autoResolveAlerts,
  behaviourPathsOf,
  createAlerts,
  type NewAlert,
} from "../models/alert.server";
import {
  attachRecentActivity,
  pruneScoreSnapshots,
  readChangedCustomerIds,
  readCustomerPage,
  readCustomersByIds,
  readOrderHistories,
  readScores,
  sampleCustomerIds,
  scoringConnection,
  type StoredScore,
  writeChangedScores,
} from "../models/customer-score.server";
import { acquireLease, releaseLease, renewLease } from "../models/job-lease.server";
import { enabledRules } from "../models/rule.server";
import {
  advanceScoreRun,
  completeScoreRun,
  failScoreRun,
  latestCompletedScoreRun,
  openScoreRun,
  type ScoreRunKind,
  type ScoreRunRow,
  saveScoreRunContext,
} from "../models/score-run.server";
import { getShop, settingsOfShop, type ShopSettings } from "../models/shop.server";
import type { SqlExecutor } from "../models/sql.server";

// Scoring a shop: every live customer (or, incrementally, every changed one) through the churn
// engine in keyset-paginated batches. Each batch commits its changed scores, snapshots, alerts
// and the run's cursor in one transaction, so a crash resumes after the last committed batch with
// the same shop-wide context and ends with the same scores and alerts as an uninterrupted run.

export const SCORING_BATCH_SIZE = 2_000;
/** Customers sampled for the shop-wide statistics and the model's training rows. */
export const CONTEXT_SAMPLE_SIZE = 5_000;
const STOREFRONT_DAYS = 60;
const LEASE_TTL_MS = 5 * 60_000;
/** A customer who crossed their churn window (plus buffer) longer ago than this is not news. */
const ALERT_FRESH_DAYS = 30;
/** Bumped when the model's inputs change (v2: basket size and home market). */
const MODEL_VERSION = "risk-v2";

export interface ScoreShopOptions {
  kind?: ScoreRunKind;
  now?: Date;
  batchSize?: number;
  /** Lease owner id (defaults to one per call); two callers with different owners never overlap. */
  owner?: string;
  /** Called after each committed batch; a test throws here to simulate a crash. */
  afterBatch?: (batchNumber: number) => void | Promise<void>;
}

export interface ScoreShopResult {
  status: "completed" | "already-completed" | "busy" | "skipped";
  runId: string | null;
  key: string | null;
  scored: number;
  changed: number;
  alertsOpened: number;
  alertsResolved: number;
}

const LEVEL_RANK: Record<string, number> = { low: 0, medium: 1, high: 2 };

/** The lease that keeps two processes from scoring one shop at the same time. */
export const scoringLeaseName = (shop: string) => `score:${shop}`;

export async function scoreShop(shop: string, options: ScoreShopOptions = {}): Promise<ScoreShopResult> {
  const now = options.now ?? new Date();
  const kind = options.kind ?? "full";
  const owner = options.owner ?? randomUUID();
  const none = { runId: null, key: null, scored: 0, changed: 0, alertsOpened: 0, alertsResolved: 0 };
  const shopRow = await getShop(shop);
  if (!shopRow || shopRow.uninstalledAt) return { status: "skipped", ...none };
  if (!(await acquireLease(scoringLeaseName(shop), owner, LEASE_TTL_MS, now))) return { status: "busy", ...none };
  try {
    const runDate = localDay(now, shopRow.timezone);
    const previous = await latestCompletedScoreRun(shop);
    if (kind === "incremental" && !previous) {
      // Nothing scored yet: the first run of a shop is a full one.
      return await scoreShop(shop, { ...options, kind: "full", owner });
    }
    const key = kind === "full" ? `full:${runDate}` : `incremental:${now.toISOString()}`;
    const run = await openScoreRun(shop, key, {
      kind,
      runDate,
      since: kind === "incremental" && previous ? previous.startedAt : null,
    });
    if (run.status === "completed") {
      return { status: "already-completed", ...countsOf(run) };
    }
    const sql = await scoringConnection();
    try {
      const settings = settingsOfShop(shopRow.settings);
      const context = await runContext(sql, shop, run, settings, dayFromIso(runDate), zonedDayOf(shopRow.timezone));
      const finished = await scoreBatches(sql, shop, run, context, settings, { ...options, now, owner });
      if (kind === "full") {
        const keepFrom = isoFromDay(dayFromIso(runDate) - settings.scoring.snapshotRetentionDays);
        await pruneScoreSnapshots(shop, keepFrom);
      }
      return { status: "completed", ...countsOf(finished) };
    } catch (error) {
      const message = error instanceof Error ? error.message : "unknown error";
      await failScoreRun(run.id, message).catch(() => undefined);
      throw error;
    } finally {
      sql.close();
    }
  } finally {
    await releaseLease(scoringLeaseName(shop), owner).catch(() => undefined);
  }
}

function countsOf(run: ScoreRunRow) {
  return {
    runId: run.id,
    key: run.key,
    scored: run.scored,
    changed: run.changed,
    alertsOpened: run.alertsOpened,
    alertsResolved: run.alertsResolved,
  };
}

interface RunContext {
  shop: ShopScoringContext;
  rules: { id: string; source: string }[];
  /** The shop's calendar: orders' days and the run date are both counted in its time zone. */
  dayOf: DayOf;
}

/** The run's shop-wide context: the one it stored when it started, else built and stored now. */
async function runContext(
  sql: SqlExecutor,
  shop: string,
  run: ScoreRunRow,
  settings: ShopSettings,
  asOf: DayNumber,
  dayOf: DayOf,
): Promise<RunContext> {
  if (run.context) return deserializeContext(run.context, asOf, dayOf);
  let context: RunContext | null = null;
  if (run.kind === "incremental") {
    // An incremental run scores like the day's full run did: same model, quintiles and cadence.
    const full = await latestCompletedScoreRun(shop, "full");
    if (full?.context) context = deserializeContext(full.context, asOf, dayOf);
  }
  context ??= await buildContext(sql, shop, settings, asOf, dayOf);
  await saveScoreRunContext(run.id, serializeContext(context));
  return context;
}

async function buildContext(
  sql: SqlExecutor,
  shop: string,
  settings: ShopSettings,
  asOf: DayNumber,
  dayOf: DayOf,
): Promise<RunContext> {
  const sampleIds = await sampleCustomerIds(shop, CONTEXT_SAMPLE_SIZE);
  const sample = await withRecentActivity(sql, shop, await readCustomersByIds(sql, shop, sampleIds), asOf);
  const histories = await readOrderHistories(sql, shop, sampleIds);
  const horizon = settings.churn.horizonDays;
  const model = trainOnHistory(
    sample.map((customer) => historyOf(customer, histories.get(customer.customerId) ?? [], dayOf)),
    asOf,
    horizon,
  );
  const rules = await enabledRules(shop);
  const shopContext = shopScoringContext(
    sample.map((customer) => customerActivityFrom(customer, dayOf)),
    { asOf, settings: settings.churn, model, rules: compileShopRules(shop, rules) },
  );
  return { shop: shopContext, rules, dayOf };
}

function historyOf(customer: StoredCustomer, orders: readonly PurchaseForAggregates[], dayOf: DayOf): CustomerHistory {
  return { customerId: customer.customerId, market: customer.market, purchases: purchaseDaysFromOrders(orders, dayOf) };
}

/** Rules are checked when saved; one that no longer compiles is skipped, never fatal to the run. */
function compileShopRules(shop: string, rules: readonly { id: string; source: string }[]): CompiledRule[] {
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    try {
      compiled.push(...compileRules([rule]));
    } catch (error) {
      logger.warn(
        { shop, ruleId: rule.id, err: error instanceof Error ? error.message : "unknown" },
        "rule skipped: it does not compile",
      );
    }
  }
  return compiled;
}

async function withRecentActivity(sql: SqlExecutor, shop: string, customers: StoredCustomer[], asOf: DayNumber) {
  const ordersFrom = new Date((asOf - RECENT_PURCHASE_WINDOW_DAYS) * 86_400_000);
  return attachRecentActivity(sql, shop, customers, ordersFrom, isoFromDay(asOf - STOREFRONT_DAYS));
}

async function scoreBatches(
  sql: SqlExecutor,
  shop: string,
  run: ScoreRunRow,
  context: RunContext,
  settings: ShopSettings,
  options: ScoreShopOptions & { now: Date; owner: string },
): Promise<ScoreRunRow> {
  const batchSize = options.batchSize ?? SCORING_BATCH_SIZE;
  const asOf = context.shop.asOf;
  let cursor = run.cursor;
  let batchNumber = 0;
  for (;;) {
    const page = await nextPage(sql, shop, run, cursor, batchSize);
    if (page.length === 0) break;
    const customers = await withRecentActivity(sql, shop, page, asOf);
    const ids = customers.map((customer) => customer.customerId);
    const cooldownStart = new Date(options.now.getTime() - settings.alerts.cooldownDays * 86_400_000);
    const previous = await readScores(sql, shop, ids);
    const alerts = await alertsForCustomers(sql, shop, ids, cooldownStart);
    const outcome = assessBatch(customers, context, previous, alerts, options.now, settings);
    const paths = await behaviourPathsOf(sql, shop, [
      ...new Set(outcome.alerts.map((alert) => alert.customerShopifyId)),
    ]);
    const newAlerts: NewAlert[] = outcome.alerts.map((alert) => ({
      ...alert,
      behaviourPath: JSON.stringify(paths.get(alert.customerShopifyId) ?? []),
    }));
    cursor = ids[ids.length - 1];
    const batchCursor = cursor;
    await sql.transaction(async (tx) => {
      await writeChangedScores(tx, shop, run.runDate, outcome.changed, outcome.previous, options.now);
      const opened = await createAlerts(tx, shop, newAlerts, options.now);
      const resolved = await autoResolveAlerts(tx, shop, outcome.resolvedAlertIds, options.now);
      const progress = {
        cursor: batchCursor,
        scored: customers.length,
        changed: outcome.changed.length,
        alertsOpened: opened,
        alertsResolved: resolved,
      };
      await advanceScoreRun(tx, run.id, progress, options.now);
    });
    batchNumber++;
    if (!(await renewLease(scoringLeaseName(shop), options.owner, LEASE_TTL_MS))) {
      throw new Error("scoring lease lost to another process");
    }
    await options.afterBatch?.(batchNumber);
    if (page.length < batchSize) break;
  }
  return completeScoreRun(run.id);
}

async function nextPage(sql: SqlExecutor, shop: string, run: ScoreRunRow, cursor: string | null, limit: number) {
  if (run.kind === "full") return readCustomerPage(sql, shop, cursor, limit);
  const since = run.since ?? new Date(0);
  const ids = await readChangedCustomerIds(sql, shop, since, localDayBefore(since), cursor, limit);
  return readCustomersByIds(sql, shop, ids);
}

/** Rollups are keyed by shop-local day; one day earlier covers any time zone. */
function localDayBefore(instant: Date): string {
  return isoFromDay(utcDayOf(instant.getTime()) - 1);
}

interface BatchOutcome {
  changed: StoredScore[];
  /** The stored scores the changed ones replace (history snapshots). */
  previous: StoredScore[];
  alerts: Omit<NewAlert, "behaviourPath">[];
  resolvedAlertIds: string[];
}

/** The pure part of a batch: assessments, which scores changed, which alerts open and close. */
function assessBatch(
  customers: readonly StoredCustomer[],
  { shop: context, dayOf }: RunContext,
  previous: ReadonlyMap<string, StoredScore>,
  alerts: ReadonlyMap<string, readonly AlertSummary[]>,
  now: Date,
  settings: ShopSettings,
): BatchOutcome {
  const outcome: BatchOutcome = { changed: [], previous: [], alerts: [], resolvedAlertIds: [] };
  const ruleLevels = new Map(context.rules.map((rule) => [rule.id, rule.level]));
  for (const customer of customers) {
    const assessment = assessCustomer(customerActivityFrom(customer, dayOf), context);
    const score = storedScoreOf(customer.customerId, assessment);
    const before = previous.get(customer.customerId);
    if (!before) {
      outcome.changed.push(score);
    } else if (scoreChanged(before, score)) {
      outcome.changed.push(score);
      outcome.previous.push(before);
    }
    const existing = alerts.get(customer.customerId) ?? [];
    decideAlerts(customer.customerId, assessment, existing, ruleLevels, now, settings, dayOf, outcome);
  }
  return outcome;
}

function storedScoreOf(customerId: string, assessment: CustomerAssessment): StoredScore {
  const { risk } = assessment;
  return {
    customerShopifyId: customerId,
    score: risk.score,
    probability: Math.round(risk.probability * 10_000) / 10_000,
    confidence: risk.confidence,
    level: assessment.level,
    tier: assessment.tier,
    rfmGroup: assessment.rfmGroup,
    lifecycle: assessment.lifecycle,
    reasons: JSON.stringify(
      risk.reasons.map((reason) => ({
        feature: reason.feature,
        text: reason.text,
        contribution: Math.round(reason.contribution * 100) / 100,
      })),
    ),
    modelVersion: MODEL_VERSION,
  };
}

/** A row is rewritten only when something the merchant sees changed (not the probability's last digits). */
function scoreChanged(before: StoredScore, after: StoredScore): boolean {
  return (
    before.score !== after.score ||
    before.level !== after.level ||
    before.tier !== after.tier ||
    before.rfmGroup !== after.rfmGroup ||
    before.lifecycle !== after.lifecycle ||
    before.confidence !== after.confidence ||
    reasonFeatures(before.reasons) !== reasonFeatures(after.reasons)
  );
}

function reasonFeatures(json: string): string {
  try {
    const reasons = JSON.parse(json) as { feature?: string }[];
    return reasons.map((reason) => reason.feature ?? "").join(",");
  } catch {
    return "";
  }
}

/**
 * Alerts for one customer, de-noised:
 * - risk-level: medium or high risk, quiet for longer than the tier's churn window plus its
 *   confirmation buffer (one quiet week is not news), and crossed that line recently;
 * - rule:<id>: a merchant rule with a level matched;
 * - never while an alert for the same cause is unresolved, nor inside the cool-down after one;
 * - a customer who ordered after an alert was raised (or is active and low risk again) has come
 *   back: their unresolved alerts auto-resolve and nothing new opens.
 */
function decideAlerts(
  customerId: string,
  assessment: CustomerAssessment,
  existing: readonly AlertSummary[],
  ruleLevels: ReadonlyMap<string, string | null>,
  now: Date,
  settings: ShopSettings,
  dayOf: DayOf,
  outcome: BatchOutcome,
): void {
  const { features } = assessment;
  const unresolved = existing.filter((alert) => alert.state === "open" || alert.state === "acknowledged");
  const nowDay = dayOf(now.getTime());
  const cameBack = (alert: AlertSummary) =>
    (features.hasOrders && features.daysSinceLastOrder < nowDay - dayOf(alert.createdAt.getTime())) ||
    (assessment.level === "low" && assessment.inactivity === "active");
  const returned = unresolved.filter(cameBack);
  for (const alert of returned) outcome.resolvedAlertIds.push(alert.id);
  if (returned.length > 0 || !features.hasOrders) return;

  const blocked = (cause: string) =>
    existing.some(
      (alert) =>
        alert.cause === cause &&
        (alert.state === "open" ||
          alert.state === "acknowledged" ||
          now.getTime() - alert.createdAt.getTime() < settings.alerts.cooldownDays * 86_400_000),
    );
  const reasons = JSON.stringify(assessment.risk.reasons);
  const window = churnWindowFor(settings.churn, assessment.tier, features.market);
  const overdueBy = daysInactive(features) - window - settings.churn.confirmationDays;
  if (LEVEL_RANK[assessment.level] >= 1 && overdueBy > 0 && overdueBy <= ALERT_FRESH_DAYS && !blocked("risk-level")) {
    outcome.alerts.push({ customerShopifyId: customerId, cause: "risk-level", level: assessment.level, reasons });
  }
  for (const ruleId of assessment.matchedRuleIds) {
    const level = ruleLevels.get(ruleId);
    if (!level || blocked(`rule:${ruleId}`)) continue;
    outcome.alerts.push({ customerShopifyId: customerId, cause: `rule:${ruleId}`, level, reasons });
  }
}

// The context is stored as JSON; the few Maps in it travel as tagged entry lists.
function serializeContext(context: RunContext): string {
  const shop: Partial<ShopScoringContext> = { ...context.shop };
  delete shop.rules;
  return JSON.stringify({ shop, rules: context.rules }, (_key, value: unknown) =>
    value instanceof Map ? { __map: [...(value as Map<unknown, unknown>)] } : value,
  );
}

function deserializeContext(json: string, asOf: DayNumber, dayOf: DayOf): RunContext {
  const parsed = JSON.parse(json, (_key, value: unknown) =>
    value && typeof value === "object" && "__map" in value
      ? new Map((value as { __map: [unknown, unknown][] }).__map)
      : value,
  ) as { shop: Omit<ShopScoringContext, "rules">; rules: { id: string; source: string }[] };
  return {
    shop: { ...parsed.shop, asOf, rules: compileShopRules("", parsed.rules) },
    rules: parsed.rules,
    dayOf,
  };
}
