import { JOB, jobs } from "../jobs/index.server";
import { ALERT_STATE, countAlerts } from "../models/alert.server";
import { getBackfillProgress, type BackfillProgress } from "../models/backfill-run.server";
import { scoreDistribution } from "../models/customer-score.server";
import { countCustomers } from "../models/customer.server";
import { countOrders, revenueByCountry } from "../models/order.server";
import { listScoreRuns } from "../models/score-run.server";
import { getShopTimeZone } from "../models/shop.server";

// What the app's index page in Shopify admin shows (app._index; the demo page shows the overview
// part), as plain serialisable view data (dates as ISO strings), so that a route only
// authenticates and calls one function here. The alerts and inbox pages have their own modules
// (alerts-page.server.ts, inbox-page.server.ts).

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
    getShopTimeZone(shop),
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
