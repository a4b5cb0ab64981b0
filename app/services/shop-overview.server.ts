import { JOB, jobs } from "../jobs/index.server";
import {
  ALERT_STATE,
  type AlertTransition,
  type BehaviourStep,
  countAlerts,
  listAlerts,
  setAlertState,
} from "../models/alert.server";
import { getBackfillProgress, type BackfillProgress } from "../models/backfill-run.server";
import { activityTimeZone } from "../models/customer-activity.server";
import { scoreDistribution } from "../models/customer-score.server";
import { countCustomers } from "../models/customer.server";
import { alertedCustomers, ruleNames } from "../models/notification.server";
import { countOrders, revenueByCountry } from "../models/order.server";
import { listScoreRuns } from "../models/score-run.server";
import { getShop } from "../models/shop.server";
import { listInbox, markRead, unreadCount } from "./notifications.server";

// What the merchant's pages in Shopify admin show, as plain serialisable view data (dates as ISO
// strings, JSON columns parsed), so that a route only authenticates and calls one function here.

export interface ShopOverview {
  customers: number;
  orders: number;
  revenueByCountry: { country: string; currency: string; orders: number; revenue: number }[];
  /** How far the import of the shop's order history has come. */
  backfill: BackfillProgress;
}

/** What the index page shows: the shop's customers, orders and revenue by market. */
export async function getShopOverview(shop: string): Promise<ShopOverview> {
  const [customers, orders, revenue, backfill] = await Promise.all([
    countCustomers(shop),
    countOrders(shop),
    revenueByCountry(shop),
    getBackfillProgress(shop),
  ]);
  return { customers, orders, revenueByCountry: revenue, backfill };
}

// ---- Churn risk ---------------------------------------------------------------------------------

export const RISK_LEVELS = ["high", "medium", "low"] as const;
export const VALUE_TIERS = ["VIP", "active", "regular", "prospect"] as const;
export type RiskLevelName = (typeof RISK_LEVELS)[number];
export type ValueTierName = (typeof VALUE_TIERS)[number];

export interface LastScoreRun {
  kind: string;
  /** running | completed | failed */
  status: string;
  scored: number;
  changed: number;
  alertsOpened: number;
  startedAt: string;
  completedAt: string | null;
}

export interface ChurnRiskSummary {
  /** Customers with a score. */
  scored: number;
  /** Customers per risk level, high first (every level, zeros included). */
  levels: { level: RiskLevelName; count: number }[];
  /** Customers per value tier, VIP first (every tier, zeros included). */
  tiers: { tier: ValueTierName; count: number }[];
  /** The shop's latest scoring run (possibly still running), or null when it was never scored. */
  lastRun: LastScoreRun | null;
  alerts: { open: number; acknowledged: number };
  /** A rescore is waiting to start in this process (the embedded runner; a queue does not say). */
  rescoreQueued: boolean;
  /** The shop's IANA time zone, in which the pages show dates. */
  timeZone: string;
}

export interface AdminHome extends ShopOverview {
  risk: ChurnRiskSummary;
}

/** The embedded index page: the overview plus the churn-risk summary. */
export async function getAdminHome(shop: string): Promise<AdminHome> {
  const [overview, risk] = await Promise.all([getShopOverview(shop), getChurnRiskSummary(shop)]);
  return { ...overview, risk };
}

export async function getChurnRiskSummary(shop: string): Promise<ChurnRiskSummary> {
  const [distribution, runs, alerts, timeZone] = await Promise.all([
    scoreDistribution(shop),
    listScoreRuns(shop, 1),
    countAlerts(shop),
    shopTimeZone(shop),
  ]);
  const run = runs[0];
  return {
    scored: distribution.total,
    levels: RISK_LEVELS.map((level) => ({ level, count: distribution.levels[level] ?? 0 })),
    tiers: VALUE_TIERS.map((tier) => ({ tier, count: distribution.tiers[tier] ?? 0 })),
    lastRun: run
      ? {
          kind: run.kind,
          status: run.status,
          scored: run.scored,
          changed: run.changed,
          alertsOpened: run.alertsOpened,
          startedAt: run.startedAt.toISOString(),
          completedAt: run.completedAt?.toISOString() ?? null,
        }
      : null,
    alerts: { open: alerts[ALERT_STATE.open] ?? 0, acknowledged: alerts[ALERT_STATE.acknowledged] ?? 0 },
    rescoreQueued: isRescoreQueued(shop),
    timeZone,
  };
}

/**
 * "Rescore now": the customers whose orders, profile or storefront activity changed since the
 * last run (a shop never scored gets a full run). Waiting requests of the same shop collapse
 * into one, and the scoring lease keeps two runs of a shop from overlapping.
 */
export function requestRescore(shop: string): { queued: true } {
  jobs.enqueue(JOB.scoreIncremental, shop);
  return { queued: true };
}

function isRescoreQueued(shop: string): boolean {
  return jobs
    .pending()
    .some((job) => job.shop === shop && (job.name === JOB.scoreIncremental || job.name === JOB.scoreFull));
}

async function shopTimeZone(shop: string): Promise<string> {
  return activityTimeZone((await getShop(shop))?.timezone);
}

// ---- Alerts -------------------------------------------------------------------------------------

export const ALERT_FILTERS = ["unresolved", "open", "acknowledged", "resolved"] as const;
export type AlertFilter = (typeof ALERT_FILTERS)[number];

const FILTER_STATES: Record<AlertFilter, string[]> = {
  unresolved: [ALERT_STATE.open, ALERT_STATE.acknowledged],
  open: [ALERT_STATE.open],
  acknowledged: [ALERT_STATE.acknowledged],
  resolved: [ALERT_STATE.resolved, ALERT_STATE.autoResolved],
};

/** Alerts on one page; older ones wait until the newer ones are handled. */
export const ALERTS_PAGE_SIZE = 100;

export function alertFilterFrom(value: string | null): AlertFilter {
  return ALERT_FILTERS.find((filter) => filter === value) ?? "unresolved";
}

export type AlertCause = { kind: "risk-level" } | { kind: "rule"; ruleName: string | null };

export interface AlertView {
  id: string;
  customerId: string;
  /** The customer's name, when the shop shared it; null otherwise. */
  customerName: string | null;
  /** The customer's current risk score (0-100), when scored. */
  score: number | null;
  level: string;
  state: string;
  cause: AlertCause;
  /** The top reasons, as sentences. */
  reasons: string[];
  /** What the customer did last, newest first. */
  behaviourPath: BehaviourStep[];
  createdAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
}

export interface AlertsPage {
  filter: AlertFilter;
  counts: Record<AlertFilter, number>;
  alerts: AlertView[];
  /** True when the filter matches more alerts than the page shows. */
  truncated: boolean;
  timeZone: string;
}

/** The alerts page: the shop's alerts in one state group, newest first, with their reasons and paths. */
export async function getAlertsPage(shop: string, filter: AlertFilter): Promise<AlertsPage> {
  const [rows, byState, timeZone] = await Promise.all([
    listAlerts(shop, { states: FILTER_STATES[filter], limit: ALERTS_PAGE_SIZE }),
    countAlerts(shop),
    shopTimeZone(shop),
  ]);
  const ruleIds = rows.map((row) => ruleIdOf(row.cause)).filter((id) => id !== null);
  const [customers, rules] = await Promise.all([
    alertedCustomers(
      shop,
      rows.map((row) => row.customerShopifyId),
    ),
    ruleNames(shop, ruleIds),
  ]);
  const counts = Object.fromEntries(
    ALERT_FILTERS.map((f) => [f, FILTER_STATES[f].reduce((sum, state) => sum + (byState[state] ?? 0), 0)]),
  ) as Record<AlertFilter, number>;
  const alerts = rows.map((row): AlertView => {
    const customer = customers.get(row.customerShopifyId);
    const ruleId = ruleIdOf(row.cause);
    const name = [customer?.firstName, customer?.lastName].filter(Boolean).join(" ").trim();
    return {
      id: row.id,
      customerId: row.customerShopifyId,
      customerName: name || null,
      score: customer?.score ?? null,
      level: row.level,
      state: row.state,
      cause: ruleId ? { kind: "rule", ruleName: rules.get(ruleId) ?? null } : { kind: "risk-level" },
      reasons: reasonTexts(row.reasons),
      behaviourPath: behaviourSteps(row.behaviourPath),
      createdAt: row.createdAt.toISOString(),
      acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
      resolvedAt: row.resolvedAt?.toISOString() ?? null,
    };
  });
  return { filter, counts, alerts, truncated: counts[filter] > rows.length, timeZone };
}

export type AlertAction = "acknowledge" | "resolve";

/**
 * The merchant acknowledges or resolves one of the shop's alerts: "not_found" when the shop has
 * no such alert, "not_allowed" when it is already past that state (e.g. resolved).
 */
export async function changeAlertState(shop: string, alertId: string, action: AlertAction): Promise<AlertTransition> {
  return setAlertState(shop, alertId, action === "acknowledge" ? ALERT_STATE.acknowledged : ALERT_STATE.resolved);
}

/** "rule:<id>" names the rule that raised an alert. */
function ruleIdOf(cause: string): string | null {
  return cause.startsWith("rule:") ? cause.slice("rule:".length) : null;
}

function parseJsonArray(json: string): unknown[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The `text` of each stored reason ({feature, text, contribution}); anything else is skipped. */
export function reasonTexts(json: string): string[] {
  return parseJsonArray(json)
    .map((reason) => (isRecord(reason) && typeof reason.text === "string" ? reason.text.trim() : ""))
    .filter((text) => text.length > 0);
}

function optionalText(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

/** The stored behaviour path, keeping only well-formed steps and their known fields. */
export function behaviourSteps(json: string): BehaviourStep[] {
  const steps: BehaviourStep[] = [];
  for (const item of parseJsonArray(json)) {
    if (!isRecord(item) || (item.kind !== "storefront" && item.kind !== "order")) continue;
    if (typeof item.type !== "string" || typeof item.at !== "string") continue;
    const step: BehaviourStep = { kind: item.kind, type: item.type, at: item.at };
    if (item.kind === "storefront") {
      step.path = optionalText(item.path);
      step.productId = optionalText(item.productId);
      step.searchQuery = optionalText(item.searchQuery);
    } else {
      step.name = optionalText(item.name);
      if (typeof item.total === "string") step.total = item.total;
    }
    steps.push(step);
  }
  return steps;
}

// ---- Inbox --------------------------------------------------------------------------------------

export const INBOX_PAGE_SIZE = 20;

export interface InboxEntryView {
  id: string;
  /** alert | digest | report */
  kind: string;
  level: string | null;
  subject: string;
  body: string;
  alertCount: number;
  /** pending | sent | failed | skipped */
  emailStatus: string;
  createdAt: string;
  sentAt: string | null;
  readAt: string | null;
}

export interface InboxPage {
  entries: InboxEntryView[];
  unread: number;
  /** The cursor of this page (null: the newest page) and of the next, older one. */
  cursor: string | null;
  nextCursor: string | null;
  timeZone: string;
}

/** The inbox page: the shop's notifications, newest first, a page at a time. */
export async function getInboxPage(shop: string, cursor: string | null): Promise<InboxPage> {
  const [page, unread, timeZone] = await Promise.all([
    listInbox(shop, { limit: INBOX_PAGE_SIZE, cursor }),
    unreadCount(shop),
    shopTimeZone(shop),
  ]);
  return {
    entries: page.entries.map((entry) => ({
      id: entry.id,
      kind: entry.kind,
      level: entry.level,
      subject: entry.subject,
      body: entry.body,
      alertCount: entry.alertCount,
      emailStatus: entry.emailStatus,
      createdAt: entry.createdAt.toISOString(),
      sentAt: entry.sentAt?.toISOString() ?? null,
      readAt: entry.readAt?.toISOString() ?? null,
    })),
    unread,
    cursor,
    nextCursor: page.nextCursor,
    timeZone,
  };
}

/** Marks one of the shop's notifications read; false when unknown, another shop's, or already read. */
export async function markInboxEntryRead(shop: string, id: string): Promise<boolean> {
  return markRead(shop, id);
}

/** The count the navigation shows beside "Inbox". */
export async function inboxUnreadCount(shop: string): Promise<number> {
  return unreadCount(shop);
}
