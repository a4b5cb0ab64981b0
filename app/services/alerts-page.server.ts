import {
  ALERT_STATE,
  type AlertTransition,
  type BehaviourStep,
  countAlerts,
  listAlerts,
  setAlertState,
} from "../models/alert.server";
import { alertedCustomers, ruleNames } from "../models/notification.server";
import { getShopTimeZone } from "../models/shop.server";

// What the alerts page (app.alerts) shows, as plain serialisable view data (dates as ISO strings,
// the JSON columns of an alert parsed), so that the route only authenticates and calls one
// function here.

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
    getShopTimeZone(shop),
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
