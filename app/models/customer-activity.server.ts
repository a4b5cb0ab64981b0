import { Prisma } from "@prisma/client";

import { zonedWallTimeToUtc } from "../lib/time-zones";
import type { Tx } from "./webhook-delivery.server";

// CustomerDailyActivity: one row per customer per day, what the churn engine reads of the
// storefront. The arithmetic here is pure (events in, counters out) so that the incremental
// path (a new batch) and the rebuild path (a visitor stitched to a customer) count the same way:
// - day: the shop's IANA time zone (Shop.timezone) when it has one, else UTC;
// - visits: page views (the segment with seq 0); dwellSeconds: sum over segments of
//   round(dwellMs / 1000), rounded per stored segment so that both paths agree to the second;
// - sessions: per browser (visitor id) and customer, an event more than 30 minutes after that
//   browser's previous event starts a session; the session counts on the day it starts;
// - distinctProducts: distinct product ids among the day's product views.

export const SESSION_GAP_MS = 30 * 60 * 1000;

/** Stored event types. A page view's later segments (seq > 0) carry only dwell: they are not visits. */
export const STORED_TYPE = {
  pageView: "page_view",
  pageDwell: "page_dwell",
  productView: "product_view",
  collectionView: "collection_view",
  search: "search",
  addToCart: "add_to_cart",
  cartView: "cart_view",
  checkoutStarted: "checkout_started",
} as const;

export interface ActivityEvent {
  eventId: string;
  visitorId: string;
  type: string;
  /** Epoch milliseconds. */
  occurredAt: number;
  productId: string | null;
  dwellMs: number | null;
}

export interface DayCounters {
  visits: number;
  sessions: number;
  dwellSeconds: number;
  productViews: number;
  distinctProducts: number;
  searches: number;
  cartAdds: number;
  checkoutsStarted: number;
}

const COUNTER_COLUMNS = [
  "visits",
  "sessions",
  "dwellSeconds",
  "productViews",
  "distinctProducts",
  "searches",
  "cartAdds",
  "checkoutsStarted",
] as const satisfies readonly (keyof DayCounters)[];

export function emptyCounters(): DayCounters {
  return {
    visits: 0,
    sessions: 0,
    dwellSeconds: 0,
    productViews: 0,
    distinctProducts: 0,
    searches: 0,
    cartAdds: 0,
    checkoutsStarted: 0,
  };
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** A usable IANA zone, or "UTC" for null and for names this runtime does not know. */
export function activityTimeZone(timezone: string | null | undefined): string {
  if (!timezone || timezone === "UTC") return "UTC";
  if (dayFormats.has(timezone)) return timezone;
  try {
    dayFormats.set(
      timezone,
      new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }),
    );
    return timezone;
  } catch {
    return "UTC";
  }
}

/** The YYYY-MM-DD day of an instant in a zone returned by activityTimeZone. */
export function dayOf(epochMs: number, timeZone: string): string {
  const format = timeZone === "UTC" ? undefined : dayFormats.get(timeZone);
  if (!format) return new Date(epochMs).toISOString().slice(0, 10);
  return format.format(epochMs);
}

/** [start, end) of a local day as epoch milliseconds. */
export function dayBounds(day: string, timeZone: string): { start: number; end: number } {
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  if (timeZone === "UTC") return { start: Date.parse(`${day}T00:00:00Z`), end: Date.parse(`${next}T00:00:00Z`) };
  return {
    start: zonedWallTimeToUtc(`${day} 00:00`, timeZone).getTime(),
    end: zonedWallTimeToUtc(`${next} 00:00`, timeZone).getTime(),
  };
}

/** Code-unit order: the same everywhere, and much cheaper than localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byTimeThenId(a: ActivityEvent, b: ActivityEvent): number {
  return a.occurredAt - b.occurredAt || compareText(a.eventId, b.eventId);
}

/** Times of the events that start a session (per visitor id), in no particular order. */
export function sessionStartTimes(events: readonly ActivityEvent[]): number[] {
  const byVisitor = new Map<string, ActivityEvent[]>();
  for (const event of events) {
    const list = byVisitor.get(event.visitorId);
    if (list) list.push(event);
    else byVisitor.set(event.visitorId, [event]);
  }
  const starts: number[] = [];
  for (const list of byVisitor.values()) {
    list.sort(byTimeThenId);
    let previous: number | undefined;
    for (const event of list) {
      if (previous === undefined || event.occurredAt - previous > SESSION_GAP_MS) starts.push(event.occurredAt);
      previous = event.occurredAt;
    }
  }
  return starts;
}

function dayEntry(days: Map<string, DayCounters>, day: string): DayCounters {
  let counters = days.get(day);
  if (!counters) {
    counters = emptyCounters();
    days.set(day, counters);
  }
  return counters;
}

/** The counters that simply add up (everything but sessions and distinct products). */
function addAdditive(counters: DayCounters, event: ActivityEvent): void {
  switch (event.type) {
    case STORED_TYPE.pageView:
      counters.visits++;
      counters.dwellSeconds += Math.round((event.dwellMs ?? 0) / 1000);
      break;
    case STORED_TYPE.pageDwell:
      counters.dwellSeconds += Math.round((event.dwellMs ?? 0) / 1000);
      break;
    case STORED_TYPE.productView:
      counters.productViews++;
      break;
    case STORED_TYPE.search:
      counters.searches++;
      break;
    case STORED_TYPE.addToCart:
      counters.cartAdds++;
      break;
    case STORED_TYPE.checkoutStarted:
      counters.checkoutsStarted++;
      break;
  }
}

/**
 * The complete counters of `days`, from every event of the customer in those days plus the
 * events of the SESSION_GAP_MS before the first of them (they decide whether the first events
 * continue a session). Events outside `days` only serve as that context.
 */
export function countDays(events: readonly ActivityEvent[], days: ReadonlySet<string>, timeZone: string) {
  const result = new Map<string, DayCounters>();
  for (const day of days) result.set(day, emptyCounters());
  const products = new Map<string, Set<string>>();
  for (const event of events) {
    const day = dayOf(event.occurredAt, timeZone);
    const counters = result.get(day);
    if (!counters) continue;
    addAdditive(counters, event);
    if (event.type === STORED_TYPE.productView && event.productId) {
      const seen = products.get(day) ?? new Set<string>();
      seen.add(event.productId);
      products.set(day, seen);
    }
  }
  for (const [day, seen] of products) dayEntry(result, day).distinctProducts = seen.size;
  for (const start of sessionStartTimes(events)) {
    const counters = result.get(dayOf(start, timeZone));
    if (counters) counters.sessions++;
  }
  return result;
}

/**
 * What one batch of newly stored events adds to its customer's days, given what was stored
 * before: `neighbours` are the same visitor's and customer's earlier-stored events within
 * SESSION_GAP_MS of the new ones (a late event can split or join sessions), and
 * `viewedProducts` the customer's earlier product views on the days of the batch.
 */
export function batchDeltas(
  inserted: readonly ActivityEvent[],
  neighbours: readonly ActivityEvent[],
  viewedProducts: readonly ActivityEvent[],
  timeZone: string,
): Map<string, DayCounters> {
  const deltas = new Map<string, DayCounters>();
  if (inserted.length === 0) return deltas;
  const productsSeen = new Map<string, Set<string>>();
  for (const view of viewedProducts) {
    if (!view.productId) continue;
    const day = dayOf(view.occurredAt, timeZone);
    const seen = productsSeen.get(day) ?? new Set<string>();
    seen.add(view.productId);
    productsSeen.set(day, seen);
  }
  let earliest = Infinity;
  for (const event of inserted) {
    const day = dayOf(event.occurredAt, timeZone);
    const counters = dayEntry(deltas, day);
    addAdditive(counters, event);
    earliest = Math.min(earliest, event.occurredAt);
    if (event.type === STORED_TYPE.productView && event.productId) {
      const seen = productsSeen.get(day) ?? new Set<string>();
      if (!seen.has(event.productId)) counters.distinctProducts++;
      seen.add(event.productId);
      productsSeen.set(day, seen);
    }
  }
  // Session starts at or after the earliest new event may change; earlier ones cannot.
  for (const start of sessionStartTimes([...neighbours, ...inserted])) {
    if (start >= earliest) dayEntry(deltas, dayOf(start, timeZone)).sessions++;
  }
  for (const start of sessionStartTimes(neighbours)) {
    if (start >= earliest) dayEntry(deltas, dayOf(start, timeZone)).sessions--;
  }
  return deltas;
}

/** One customer-day of one shop: the key of a CustomerDailyActivity row. */
export interface CustomerDay {
  shop: string;
  customerShopifyId: string;
  day: string;
}

export type CustomerDayCounters = CustomerDay & { counters: DayCounters };

function rowsSql(rows: readonly CustomerDayCounters[]): Prisma.Sql {
  return Prisma.join(
    rows.map(
      ({ shop, customerShopifyId, day, counters }) =>
        Prisma.sql`(${shop}, ${customerShopifyId}, ${day}, ${Prisma.join(COUNTER_COLUMNS.map((column) => counters[column]))})`,
    ),
  );
}

const INSERT_COLUMNS = Prisma.raw(
  `"shop", "customerShopifyId", "day", ${COUNTER_COLUMNS.map((column) => `"${column}"`).join(", ")}`,
);
const ADD_EXCLUDED = Prisma.raw(
  COUNTER_COLUMNS.map((column) => `"${column}" = "CustomerDailyActivity"."${column}" + excluded."${column}"`).join(
    ", ",
  ),
);
const SET_EXCLUDED = Prisma.raw(COUNTER_COLUMNS.map((column) => `"${column}" = excluded."${column}"`).join(", "));

const byKey = (a: CustomerDay, b: CustomerDay) =>
  compareText(a.shop, b.shop) || compareText(a.customerShopifyId, b.customerShopifyId) || compareText(a.day, b.day);

/**
 * Creates the rows of these customer-days if missing and locks them for the rest of the
 * transaction (a no-op update takes the row lock), so that concurrent transactions of one
 * customer read and update the same days one after the other. Sorted, so that two
 * transactions never wait for each other's rows in opposite orders. (SQLite needs none of
 * this: it has a single writer.)
 */
export async function lockCustomerDays(tx: Tx, days: readonly CustomerDay[]): Promise<void> {
  if (days.length === 0) return;
  const rows = [...days].sort(byKey).map((d) => Prisma.sql`(${d.shop}, ${d.customerShopifyId}, ${d.day})`);
  await tx.$executeRaw`INSERT INTO "CustomerDailyActivity" ("shop", "customerShopifyId", "day")
    VALUES ${Prisma.join(rows)}
    ON CONFLICT ("shop", "customerShopifyId", "day") DO UPDATE SET "visits" = "CustomerDailyActivity"."visits"`;
}

/** Adds deltas to customer-days in one statement. */
export async function addToCustomerDays(tx: Tx, rows: readonly CustomerDayCounters[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRaw`INSERT INTO "CustomerDailyActivity" (${INSERT_COLUMNS})
    VALUES ${rowsSql([...rows].sort(byKey))}
    ON CONFLICT ("shop", "customerShopifyId", "day") DO UPDATE SET ${ADD_EXCLUDED}`;
}

/** Overwrites customer-days with freshly counted values in one statement. */
export async function setCustomerDays(tx: Tx, rows: readonly CustomerDayCounters[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRaw`INSERT INTO "CustomerDailyActivity" (${INSERT_COLUMNS})
    VALUES ${rowsSql([...rows].sort(byKey))}
    ON CONFLICT ("shop", "customerShopifyId", "day") DO UPDATE SET ${SET_EXCLUDED}`;
}
