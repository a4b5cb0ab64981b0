import type { Prisma } from "@prisma/client";

import prisma from "../db.server";
import { parseDatabaseUrl } from "../lib/database-url";
import {
  SESSION_GAP_MS,
  STORED_TYPE,
  addToCustomerDays,
  batchDeltas,
  compareText,
  countDays,
  dayBounds,
  dayOf,
  lockCustomerDays,
  setCustomerDays,
  type ActivityEvent,
  type CustomerDayCounters,
} from "./customer-activity.server";
import type { Tx } from "./webhook-delivery.server";

/** One validated storefront event as it is stored (see STORED_TYPE for `type`). */
export interface NewStorefrontEvent {
  eventId: string;
  type: string;
  /** Epoch milliseconds, already corrected for the visitor's clock. */
  occurredAt: number;
  path: string | null;
  productId: string | null;
  variantId: string | null;
  quantity: number | null;
  searchQuery: string | null;
  dwellMs: number | null;
}

export interface EventBatchToStore {
  shop: string;
  visitorId: string;
  /** From the signed app proxy query; null for an anonymous visitor. */
  customerShopifyId: string | null;
  events: NewStorefrontEvent[];
  /** The zone that decides which day an event counts on (see activityTimeZone). */
  timeZone: string;
  receivedAt: Date;
}

export interface StoredBatch {
  stored: number;
  duplicates: number;
  /** Earlier anonymous events of this visitor now tied to the customer. */
  stitched: number;
}

const activitySelect = {
  eventId: true,
  visitorId: true,
  type: true,
  occurredAt: true,
  productId: true,
  dwellMs: true,
} as const;

type ActivityRow = Prisma.StorefrontEventGetPayload<{ select: typeof activitySelect }>;

function toActivity(row: ActivityRow): ActivityEvent {
  return { ...row, occurredAt: row.occurredAt.getTime() };
}

function toActivityEvent(visitorId: string, event: NewStorefrontEvent): ActivityEvent {
  return {
    eventId: event.eventId,
    visitorId,
    type: event.type,
    occurredAt: event.occurredAt,
    productId: event.productId,
    dwellMs: event.dwellMs,
  };
}

let sqlite: boolean | undefined;
function isSqlite(): boolean {
  sqlite ??= parseDatabaseUrl(process.env.DATABASE_URL).provider === "sqlite";
  return sqlite;
}

const keyOf = (a: string, b: string) => `${a}\u0000${b}`;

// ---------------------------------------------------------------------------------------------
// Group commit. Batches that arrive while a transaction is being written wait and go into the
// next one together: one transaction, one INSERT and one rollup statement for many batches
// instead of several queries each (every Prisma query costs about a millisecond of CPU here).
// Each caller still gets its own result only after its events are committed.

const MAX_EVENTS_PER_FLUSH = 2_000;
const INSERT_CHUNK_ROWS = 1_000;

interface Pending {
  batch: EventBatchToStore;
  resolve: (stored: StoredBatch) => void;
  reject: (error: unknown) => void;
}

const queue: Pending[] = [];
let writing = 0;
/**
 * Transactions written at once. SQLite has one writer (and the adapter one connection), so one;
 * on PostgreSQL a second transaction works while the first waits for its commit to reach disk.
 * Two transactions never wait for each other in a cycle: both take row locks in sorted order.
 */
const maxWriting = () => (isSqlite() ? 1 : 2);
let scheduled = false;

/**
 * Stores one batch of one visitor and keeps the customer's daily rollups in step, in the same
 * transaction (shared with the other batches waiting at that moment). Anonymous events are
 * stored as they are, without rollups: there is no customer yet. A batch that carries the
 * customer first stitches the visitor's earlier anonymous events to the customer and recounts
 * the days they fall on; otherwise its own events are added incrementally.
 */
export function storeEventBatch(batch: EventBatchToStore): Promise<StoredBatch> {
  if (batch.customerShopifyId === null) forgetStitched(batch.shop, batch.visitorId);
  return new Promise((resolve, reject) => {
    queue.push({ batch, resolve, reject });
    scheduleFlush();
  });
}

function scheduleFlush(): void {
  if (writing >= maxWriting() || scheduled || queue.length === 0) return;
  scheduled = true;
  setImmediate(() => void flush());
}

async function flush(): Promise<void> {
  scheduled = false;
  writing++;
  let events = 0;
  let take = 0;
  while (take < queue.length && (take === 0 || events + queue[take].batch.events.length <= MAX_EVENTS_PER_FLUSH)) {
    events += queue[take].batch.events.length;
    take++;
  }
  const work = queue.splice(0, take);
  scheduleFlush();
  try {
    const results = await storeBatches(work.map((pending) => pending.batch));
    work.forEach((pending, i) => pending.resolve(results[i]));
  } catch (error) {
    // One bad batch must not sink the others: each gets its own transaction and its own answer.
    if (work.length === 1) work[0].reject(error);
    else {
      for (const pending of work) {
        try {
          pending.resolve((await storeBatches([pending.batch]))[0]);
        } catch (single) {
          pending.reject(single);
        }
      }
    }
  } finally {
    writing--;
    scheduleFlush();
  }
}

// Visitors whose events all carry their customer already: the stitch UPDATE (a query per
// logged-in batch that almost always changes nothing) is skipped for them. Forgotten when the
// visitor sends an anonymous batch (logged out) and after a while, in case that batch went to
// another instance of the app.
const STITCH_MEMORY_MS = 10 * 60_000;
const MAX_REMEMBERED_VISITORS = 100_000;
const stitchedVisitors = new Map<string, { customerShopifyId: string; until: number }>();

function isKnownStitched(shop: string, visitorId: string, customerShopifyId: string, now: number): boolean {
  const known = stitchedVisitors.get(keyOf(shop, visitorId));
  return known !== undefined && known.customerShopifyId === customerShopifyId && known.until > now;
}

function rememberStitched(shop: string, visitorId: string, customerShopifyId: string, now: number): void {
  const key = keyOf(shop, visitorId);
  stitchedVisitors.delete(key);
  if (stitchedVisitors.size >= MAX_REMEMBERED_VISITORS) {
    const oldest = stitchedVisitors.keys().next();
    if (!oldest.done) stitchedVisitors.delete(oldest.value);
  }
  stitchedVisitors.set(key, { customerShopifyId, until: now + STITCH_MEMORY_MS });
}

function forgetStitched(shop: string, visitorId: string): void {
  stitchedVisitors.delete(keyOf(shop, visitorId));
}

interface Claimed {
  batch: EventBatchToStore;
  event: NewStorefrontEvent;
}

// The columns of an inserted event, in the order of the JSON rows below.
const EVENT_COLUMNS = [
  "shop",
  "eventId",
  "visitorId",
  "customerShopifyId",
  "type",
  "occurredAt",
  "receivedAt",
  "path",
  "productId",
  "variantId",
  "quantity",
  "searchQuery",
  "dwellMs",
] as const;
const TIMESTAMP_COLUMNS = new Set<string>(["occurredAt", "receivedAt"]);
const INTEGER_COLUMNS = new Set<string>(["quantity", "dwellMs"]);
const EVENT_COLUMN_LIST = EVENT_COLUMNS.map((column) => `"${column}"`).join(", ");

/**
 * The INSERT for a JSON array of rows (one array of EVENT_COLUMNS values per event), passed as a
 * single parameter: the database unpacks it (json_each / jsonb_array_elements), so a flush of
 * thousands of events costs one short statement instead of one bind parameter per value.
 */
function insertEventsSql(): string {
  if (isSqlite()) {
    const values = EVENT_COLUMNS.map((_, i) => `row.value ->> ${i}`).join(", ");
    return `INSERT INTO "StorefrontEvent" (${EVENT_COLUMN_LIST})
      SELECT ${values} FROM json_each(?) AS row WHERE true
      ON CONFLICT ("shop", "eventId") DO NOTHING
      RETURNING "shop", "eventId"`;
  }
  const values = EVENT_COLUMNS.map((column, i) => {
    if (TIMESTAMP_COLUMNS.has(column)) return `(row ->> ${i})::timestamp(3)`;
    if (INTEGER_COLUMNS.has(column)) return `(row ->> ${i})::integer`;
    return `row ->> ${i}`;
  }).join(", ");
  return `INSERT INTO "StorefrontEvent" (${EVENT_COLUMN_LIST})
    SELECT ${values} FROM jsonb_array_elements($1::jsonb) AS row
    ON CONFLICT ("shop", "eventId") DO NOTHING
    RETURNING "shop", "eventId"`;
}

/** How the adapters store a DateTime: ISO 8601 in UTC (SQLite keeps the text as it is). */
function timestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("Z", "+00:00");
}

/**
 * Inserts the claimed events that are not stored yet and returns the shop + event id keys of
 * those it inserted: the unique (shop, eventId) key with ON CONFLICT DO NOTHING makes a resent
 * batch, even one racing its first copy in another transaction, store each event once.
 */
async function insertNewEvents(tx: Tx, claimed: readonly Claimed[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  const sql = insertEventsSql();
  // Sorted by key: two transactions inserting the same ids take them in the same order.
  claimed = [...claimed].sort(
    (a, b) => compareText(a.batch.shop, b.batch.shop) || compareText(a.event.eventId, b.event.eventId),
  );
  for (let from = 0; from < claimed.length; from += INSERT_CHUNK_ROWS) {
    const rows = claimed
      .slice(from, from + INSERT_CHUNK_ROWS)
      .map(({ batch, event }) => [
        batch.shop,
        event.eventId,
        batch.visitorId,
        batch.customerShopifyId,
        event.type,
        timestamp(event.occurredAt),
        timestamp(batch.receivedAt.getTime()),
        event.path,
        event.productId,
        event.variantId,
        event.quantity,
        event.searchQuery,
        event.dwellMs,
      ]);
    const returned = await tx.$queryRawUnsafe<{ shop: string; eventId: string }[]>(sql, JSON.stringify(rows));
    for (const row of returned) inserted.add(keyOf(row.shop, row.eventId));
  }
  return inserted;
}

/** The logged-in work of one flush for one customer. */
interface CustomerWork {
  shop: string;
  customerShopifyId: string;
  timeZone: string;
  /** Per visitor: earliest and latest event time of its batches in this flush. */
  visitors: Map<string, { from: number; to: number }>;
  productIds: Set<string>;
  times: number[];
  stitched: number;
}

function customerWorkOf(batches: readonly EventBatchToStore[]): Map<string, CustomerWork> {
  const customers = new Map<string, CustomerWork>();
  for (const batch of batches) {
    if (batch.customerShopifyId === null || batch.events.length === 0) continue;
    const key = keyOf(batch.shop, batch.customerShopifyId);
    let work = customers.get(key);
    if (!work) {
      work = {
        shop: batch.shop,
        customerShopifyId: batch.customerShopifyId,
        timeZone: batch.timeZone,
        visitors: new Map(),
        productIds: new Set(),
        times: [],
        stitched: 0,
      };
      customers.set(key, work);
    }
    const range = work.visitors.get(batch.visitorId) ?? { from: Infinity, to: -Infinity };
    for (const event of batch.events) {
      range.from = Math.min(range.from, event.occurredAt);
      range.to = Math.max(range.to, event.occurredAt);
      work.times.push(event.occurredAt);
      if (event.type === STORED_TYPE.productView && event.productId) work.productIds.add(event.productId);
    }
    work.visitors.set(batch.visitorId, range);
  }
  return customers;
}

function daysOf(work: CustomerWork): string[] {
  return [...new Set(work.times.map((time) => dayOf(time, work.timeZone)))].sort();
}

interface ContextRow {
  kind: "near" | "viewed";
  shop: string;
  customerShopifyId: string;
  eventId: string;
  visitorId: string;
  type: string;
  occurredAt: Date | string;
  productId: string | null;
  dwellMs: number | bigint | string | null;
}

/**
 * Two parameters, JSON arrays of rows: `near` ([shop, customer, visitor, from, to]) and `viewed`
 * ([shop, customer, from, to, [product ids]]), so that the customer's days are scanned once for
 * all the products it viewed, not once per product.
 */
function contextSql(): string {
  const columns = `e."shop", e."customerShopifyId", e."eventId", e."visitorId", e."type", e."occurredAt", e."productId", e."dwellMs"`;
  const [q, at, first, second, productIds] = isSqlite()
    ? ["q.value", (i: number) => `q.value ->> ${i}`, "json_each(?)", "json_each(?)", "json_each(q.value -> 4)"]
    : [
        "q",
        (i: number) => `(q ->> ${i})::timestamp(3)`,
        "jsonb_array_elements($1::jsonb)",
        "jsonb_array_elements($2::jsonb)",
        "jsonb_array_elements_text(q -> 4)",
      ];
  return `SELECT 'near' AS "kind", ${columns}
    FROM ${first} AS q JOIN "StorefrontEvent" AS e
      ON e."shop" = ${q} ->> 0 AND e."visitorId" = ${q} ->> 2 AND e."occurredAt" >= ${at(3)} AND e."occurredAt" <= ${at(4)}
    WHERE e."customerShopifyId" = ${q} ->> 1
    UNION ALL
    SELECT 'viewed' AS "kind", ${columns}
    FROM ${second} AS q JOIN "StorefrontEvent" AS e
      ON e."shop" = ${q} ->> 0 AND e."customerShopifyId" = ${q} ->> 1
        AND e."occurredAt" >= ${at(2)} AND e."occurredAt" < ${at(3)}
    WHERE e."type" = '${STORED_TYPE.productView}' AND e."productId" IN (SELECT value FROM ${productIds} AS p)`;
}

/**
 * What incremental rollups need to know of what was stored before (see batchDeltas), for every
 * customer of the flush in one query: each visitor's events within SESSION_GAP_MS of its new
 * ones, and the customer's earlier views of the products it viewed now, on the same days.
 */
async function readContext(tx: Tx, customers: readonly CustomerWork[]) {
  const near: (string | null)[][] = [];
  const viewed: (string | string[])[][] = [];
  for (const work of customers) {
    for (const [visitorId, range] of work.visitors) {
      near.push([
        work.shop,
        work.customerShopifyId,
        visitorId,
        timestamp(range.from - SESSION_GAP_MS),
        timestamp(range.to + SESSION_GAP_MS),
      ]);
    }
    if (work.productIds.size === 0) continue;
    const days = daysOf(work);
    const from = timestamp(dayBounds(days[0], work.timeZone).start);
    const to = timestamp(dayBounds(days[days.length - 1], work.timeZone).end);
    viewed.push([work.shop, work.customerShopifyId, from, to, [...work.productIds]]);
  }
  const rows = await tx.$queryRawUnsafe<ContextRow[]>(contextSql(), JSON.stringify(near), JSON.stringify(viewed));
  const context = new Map<string, { neighbours: ActivityEvent[]; viewed: ActivityEvent[] }>();
  for (const row of rows) {
    const key = keyOf(row.shop, row.customerShopifyId);
    const entry = context.get(key) ?? { neighbours: [], viewed: [] };
    context.set(key, entry);
    const event: ActivityEvent = {
      eventId: row.eventId,
      visitorId: row.visitorId,
      type: row.type,
      occurredAt: new Date(row.occurredAt).getTime(),
      productId: row.productId,
      dwellMs: row.dwellMs === null ? null : Number(row.dwellMs),
    };
    if (row.kind === "near") entry.neighbours.push(event);
    else entry.viewed.push(event);
  }
  return context;
}

/**
 * Ties the earlier anonymous events of these visitors ([shop, visitorId, customerShopifyId]
 * rows) to their customer, in one statement, and returns the rows it changed. The null test is
 * written so that no index can serve it: without statistics (a young table) PostgreSQL would
 * otherwise walk every anonymous event of the shop instead of the visitor's few.
 */
async function stitchVisitors(tx: Tx, visitors: string[][]) {
  if (visitors.length === 0) return [];
  const sql = isSqlite()
    ? `UPDATE "StorefrontEvent" SET "customerShopifyId" = q.value ->> 2
        FROM json_each(?) AS q
        WHERE "StorefrontEvent"."shop" = q.value ->> 0 AND "StorefrontEvent"."visitorId" = q.value ->> 1
          AND COALESCE("StorefrontEvent"."customerShopifyId", '') = ''
        RETURNING "StorefrontEvent"."shop", "StorefrontEvent"."visitorId", "StorefrontEvent"."customerShopifyId",
          "StorefrontEvent"."occurredAt"`
    : `UPDATE "StorefrontEvent" AS e SET "customerShopifyId" = q ->> 2
        FROM jsonb_array_elements($1::jsonb) AS q
        WHERE e."shop" = q ->> 0 AND e."visitorId" = q ->> 1 AND COALESCE(e."customerShopifyId", '') = ''
        RETURNING e."shop", e."visitorId", e."customerShopifyId", e."occurredAt"`;
  return tx.$queryRawUnsafe<
    { shop: string; visitorId: string; customerShopifyId: string; occurredAt: Date | string }[]
  >(sql, JSON.stringify(visitors));
}

/** One transaction for a group of batches; returns each batch's outcome in order. */
async function storeBatches(batches: readonly EventBatchToStore[]): Promise<StoredBatch[]> {
  const now = Date.now();
  // The first batch that carries an event id inserts it; the same id again is a duplicate.
  const seen = new Set<string>();
  const claimed: Claimed[] = [];
  for (const batch of batches) {
    for (const event of batch.events) {
      const key = keyOf(batch.shop, event.eventId);
      if (seen.has(key)) continue;
      seen.add(key);
      claimed.push({ batch, event });
    }
  }
  const customers = customerWorkOf(batches);

  const { inserted, stitched } = await prisma.$transaction(async (tx) => {
    const stitched = new Map<string, number>();
    const unknown = [...customers.values()].flatMap((work) =>
      [...work.visitors.keys()]
        .filter((visitorId) => !isKnownStitched(work.shop, visitorId, work.customerShopifyId, now))
        .map((visitorId) => [work.shop, visitorId, work.customerShopifyId]),
    );
    for (const row of await stitchVisitors(tx, unknown)) {
      const work = customers.get(keyOf(row.shop, row.customerShopifyId));
      if (!work) continue;
      const key = keyOf(row.shop, row.visitorId);
      stitched.set(key, (stitched.get(key) ?? 0) + 1);
      work.stitched++;
      work.times.push(new Date(row.occurredAt).getTime());
    }
    if (!isSqlite()) {
      const days = [...customers.values()].flatMap((work) =>
        daysOf(work).map((day) => ({ shop: work.shop, customerShopifyId: work.customerShopifyId, day })),
      );
      await lockCustomerDays(tx, days);
    }

    const incremental = [...customers.values()].filter((work) => work.stitched === 0);
    // Read before inserting: what was stored before these batches, in one query.
    const context = incremental.length === 0 ? new Map() : await readContext(tx, incremental);
    const inserted = await insertNewEvents(tx, claimed);

    const added = new Map<string, ActivityEvent[]>();
    for (const { batch, event } of claimed) {
      if (batch.customerShopifyId === null || !inserted.has(keyOf(batch.shop, event.eventId))) continue;
      const key = keyOf(batch.shop, batch.customerShopifyId);
      const list = added.get(key) ?? [];
      list.push(toActivityEvent(batch.visitorId, event));
      added.set(key, list);
    }
    const deltas: CustomerDayCounters[] = [];
    for (const work of incremental) {
      const key = keyOf(work.shop, work.customerShopifyId);
      const newEvents = added.get(key);
      if (!newEvents) continue;
      const before = context.get(key) ?? { neighbours: [], viewed: [] };
      for (const [day, counters] of batchDeltas(newEvents, before.neighbours, before.viewed, work.timeZone)) {
        deltas.push({ shop: work.shop, customerShopifyId: work.customerShopifyId, day, counters });
      }
    }
    await addToCustomerDays(tx, deltas);

    const recounted: CustomerDayCounters[] = [];
    for (const work of customers.values()) {
      if (work.stitched > 0) recounted.push(...(await recountDays(tx, work)));
    }
    await setCustomerDays(tx, recounted);
    return { inserted, stitched };
  });

  const anonymous = new Set(batches.filter((b) => b.customerShopifyId === null).map((b) => keyOf(b.shop, b.visitorId)));
  for (const batch of batches) {
    if (batch.customerShopifyId !== null && !anonymous.has(keyOf(batch.shop, batch.visitorId))) {
      rememberStitched(batch.shop, batch.visitorId, batch.customerShopifyId, now);
    }
  }
  const storedPerBatch = new Map<EventBatchToStore, number>();
  for (const { batch, event } of claimed) {
    if (inserted.has(keyOf(batch.shop, event.eventId))) storedPerBatch.set(batch, (storedPerBatch.get(batch) ?? 0) + 1);
  }
  return batches.map((batch) => {
    const stored = storedPerBatch.get(batch) ?? 0;
    return {
      stored,
      duplicates: batch.events.length - stored,
      stitched: stitched.get(keyOf(batch.shop, batch.visitorId)) ?? 0,
    };
  });
}

/**
 * Recounts the customer's days from the raw events (after a stitch). A new event can also end
 * or join a session that starts on the following day, so the day after each event's session
 * gap is recounted too and written when it has anything to count.
 */
async function recountDays(tx: Tx, work: CustomerWork): Promise<CustomerDayCounters[]> {
  const { shop, customerShopifyId, timeZone } = work;
  const days = new Set(daysOf(work));
  const spill = new Set(
    work.times.map((time) => dayOf(time + SESSION_GAP_MS, timeZone)).filter((day) => !days.has(day)),
  );
  const all = [...days, ...spill].sort();
  const from = dayBounds(all[0], timeZone).start - SESSION_GAP_MS;
  const to = dayBounds(all[all.length - 1], timeZone).end;
  const rows = await tx.storefrontEvent.findMany({
    where: { shop, customerShopifyId, occurredAt: { gte: new Date(from), lt: new Date(to) } },
    select: activitySelect,
  });
  const counted = countDays(rows.map(toActivity), new Set(all), timeZone);
  return [...counted]
    .filter(([day, counters]) => !spill.has(day) || Object.values(counters).some((value) => value !== 0))
    .map(([day, counters]) => ({ shop, customerShopifyId, day, counters }));
}

/** The shops that have raw events, for the pruning job. */
export async function shopsWithStorefrontEvents(): Promise<string[]> {
  const groups = await prisma.storefrontEvent.groupBy({ by: ["shop"] });
  return groups.map((group) => group.shop);
}

/**
 * Deletes up to `limit` of the shop's raw events that occurred before `cutoff` and returns how
 * many it deleted: the job calls it until it returns less than `limit`, so no single
 * transaction holds the write lock for long. Rollups are kept.
 */
export async function deleteStorefrontEventsBefore(shop: string, cutoff: Date, limit: number): Promise<number> {
  const old = await prisma.storefrontEvent.findMany({
    where: { shop, occurredAt: { lt: cutoff } },
    select: { eventId: true },
    orderBy: { occurredAt: "asc" },
    take: limit,
  });
  if (old.length === 0) return 0;
  const { count } = await prisma.storefrontEvent.deleteMany({
    where: { shop, eventId: { in: old.map((row) => row.eventId) } },
  });
  return count;
}
