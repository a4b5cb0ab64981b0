import { Prisma } from "@prisma/client";

import prisma from "../db.server";
import { CustomerWebhookPayload, describeIssues, OrderWebhookPayload } from "../integrations/shopify/webhook-payloads";
import { logger } from "../lib/logger.server";
import type { CustomerVersion } from "../models/customer.server";
import type { OrderVersion } from "../models/order.server";
import {
  claimPendingDeliveries,
  enqueueDeliveries,
  markDeliveriesApplied,
  markDeliveryFailed,
  type DeliveryKey,
  type DeliveryToQueue,
  type PendingDelivery,
} from "../models/webhook-delivery.server";
import { customerVersionFrom, ingestVersions, orderVersionFrom } from "./ingestion.server";

// Order and customer webhooks are answered as soon as the verified delivery is stored as
// "pending" (app/services/webhooks.server.ts). This drainer applies pending deliveries in
// batches through ingestVersions: a few statements per batch instead of ten per delivery. A batch
// is claimed, applied and marked done in one transaction, so a crash leaves its deliveries
// pending for the next drain and never half-applied.

/** Topics served by the queue (in the library's stored form) and what each one carries. */
export const QUEUED_TOPICS = {
  ORDERS_CREATE: "order",
  ORDERS_UPDATED: "order",
  ORDERS_PAID: "order",
  ORDERS_CANCELLED: "order",
  CUSTOMERS_CREATE: "customer",
  CUSTOMERS_UPDATE: "customer",
} as const;

export type QueuedKind = (typeof QUEUED_TOPICS)[keyof typeof QUEUED_TOPICS];

export const QUEUED_SCHEMAS = { order: OrderWebhookPayload, customer: CustomerWebhookPayload } as const;

export function queuedKindOf(topic: string): QueuedKind | undefined {
  return Object.hasOwn(QUEUED_TOPICS, topic) ? QUEUED_TOPICS[topic as keyof typeof QUEUED_TOPICS] : undefined;
}

/** A delivery that fails this often is set aside as "failed" (its body kept for a replay). */
export const MAX_DELIVERY_ATTEMPTS = 5;
const DEFAULT_BATCH_SIZE = 200;
/** A failing batch is retried whole this often (deadlock, busy database) before going row by row. */
const BATCH_RETRIES = 2;
/** After a delivery arrives, the in-process drain waits this long so that a batch can gather. */
const DRAIN_DELAY_MS = 40;

export interface DrainOptions {
  /** Only this shop's deliveries; such a drain waits for a drain of the same shop elsewhere. */
  shop?: string;
  /** Only deliveries received at or before this instant. */
  receivedBefore?: Date;
  /** Deliveries per transaction (default 200). */
  batchSize?: number;
  /** Stop after this many batches (default: when nothing is pending any more). */
  maxBatches?: number;
}

export interface DrainResult {
  batches: number;
  /** Applied and written. */
  processed: number;
  /** Applied, but older than what was stored (or a customer deleted/redacted): nothing to write. */
  ignored: number;
  /** Failed this time; pending again for a later drain. */
  retry: number;
  /** Set aside as "failed" (a payload that cannot apply, or too many attempts). */
  failed: number;
}

type Parsed =
  | { delivery: PendingDelivery; kind: "order"; version: OrderVersion }
  | { delivery: PendingDelivery; kind: "customer"; version: CustomerVersion };

/** A stored body back to a version; a reason (PII-free) when it cannot be one. */
function parseDelivery(delivery: PendingDelivery): Parsed | { reason: string } {
  const kind = queuedKindOf(delivery.topic);
  if (!kind) return { reason: `topic ${delivery.topic} is not served by the queue` };
  let json: unknown;
  try {
    json = JSON.parse(delivery.payload);
  } catch {
    return { reason: "stored body is not valid JSON" };
  }
  if (kind === "order") {
    const parsed = OrderWebhookPayload.safeParse(json);
    return parsed.success
      ? { delivery, kind, version: orderVersionFrom(parsed.data) }
      : { reason: `invalid payload: ${describeIssues(parsed.error)}` };
  }
  const parsed = CustomerWebhookPayload.safeParse(json);
  return parsed.success
    ? { delivery, kind, version: customerVersionFrom(parsed.data) }
    : { reason: `invalid payload: ${describeIssues(parsed.error)}` };
}

interface BatchOutcome {
  claimed: string[];
  processed: number;
  ignored: number;
  failed: number;
  busy: boolean;
}

interface BatchFilter {
  shop?: string;
  receivedBefore?: Date;
  ids?: string[];
  exclude: string[];
}

/** Claims, applies and marks one batch in one transaction. */
async function applyBatch(filter: BatchFilter, limit: number, claimed: { ids: string[] }): Promise<BatchOutcome> {
  return prisma.$transaction(
    async (tx) => {
      const { deliveries, busy } = await claimPendingDeliveries(tx, {
        ...filter,
        limit,
        busyShops: filter.shop === undefined ? "skip" : "wait",
      });
      claimed.ids = deliveries.map((d) => d.id);
      const outcome: BatchOutcome = { claimed: claimed.ids, processed: 0, ignored: 0, failed: 0, busy };
      const byShop = new Map<string, Parsed[]>();
      for (const delivery of deliveries) {
        const parsed = parseDelivery(delivery);
        if ("reason" in parsed) {
          // Validated when it arrived, so only a schema change or a damaged row gets here; it
          // would fail the same way every time.
          await markDeliveryFailed(delivery.id, parsed.reason, 1, tx);
          logger.warn(
            { shop: delivery.shop, webhookId: delivery.webhookId, reason: parsed.reason },
            "queued webhook cannot apply",
          );
          outcome.failed++;
          continue;
        }
        byShop.set(delivery.shop, [...(byShop.get(delivery.shop) ?? []), parsed]);
      }
      const processed: string[] = [];
      const ignored: string[] = [];
      for (const [shop, items] of [...byShop].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const orders: OrderVersion[] = [];
        const customers: CustomerVersion[] = [];
        for (const item of items) {
          if (item.kind === "order") orders.push(item.version);
          else customers.push(item.version);
        }
        // Oldest first within the batch: on equal updated_at the first delivery wins, as it did
        // when each delivery was applied on its own.
        const result = await ingestVersions(tx, shop, { orders, customers });
        for (const item of items) {
          const written =
            item.kind === "order" ? result.saved.orders.has(item.version) : result.saved.customers.has(item.version);
          (written ? processed : ignored).push(item.delivery.id);
        }
      }
      await markDeliveriesApplied(tx, { processed, ignored });
      outcome.processed = processed.length;
      outcome.ignored = ignored.length;
      return outcome;
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}

function isTransient(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === "P2034";
  const text = error instanceof Error ? error.message : "";
  return /SQLITE_BUSY|database is locked|deadlock|could not serialize/i.test(text);
}

/** What may be stored and logged about an error: its kind, never its message (it can quote data). */
function errorReason(error: unknown): string {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return `${error.name} ${error.code}`;
  return error instanceof Error ? error.name : "unknown error";
}

async function drain(options: DrainOptions & { stopWhenShort?: boolean }): Promise<DrainResult> {
  const limit = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const result: DrainResult = { batches: 0, processed: 0, ignored: 0, retry: 0, failed: 0 };
  // Deliveries that failed during this drain wait for the next one instead of being retried
  // (and counted) again at once.
  const exclude: string[] = [];
  const filter: BatchFilter = { shop: options.shop, receivedBefore: options.receivedBefore, exclude };
  while (result.batches < (options.maxBatches ?? Infinity)) {
    const claimed = { ids: [] as string[] };
    let outcome: BatchOutcome | undefined;
    for (let attempt = 0; !outcome; attempt++) {
      try {
        outcome = await applyBatch(filter, limit, claimed);
      } catch (error) {
        if (attempt < BATCH_RETRIES && isTransient(error)) continue;
        if (claimed.ids.length === 0) throw error;
        logger.warn(
          { reason: errorReason(error), deliveries: claimed.ids.length },
          "webhook batch failed; applying its deliveries one by one",
        );
        outcome = await applyOneByOne(claimed.ids, filter, result);
      }
    }
    if (outcome.claimed.length > 0) result.batches++;
    result.processed += outcome.processed;
    result.ignored += outcome.ignored;
    result.failed += outcome.failed;
    if (outcome.claimed.length === 0) {
      // Another process is draining the shops at the head of the queue: it carries on; look
      // again shortly in case it stops before they are done.
      if (outcome.busy) scheduleWebhookDrain();
      break;
    }
    if (options.stopWhenShort && outcome.claimed.length < limit) break;
  }
  return result;
}

/** Isolates the delivery that broke a batch: each one alone, failures counted against it. */
async function applyOneByOne(ids: string[], filter: BatchFilter, result: DrainResult): Promise<BatchOutcome> {
  const total: BatchOutcome = { claimed: ids, processed: 0, ignored: 0, failed: 0, busy: false };
  for (const id of ids) {
    try {
      const one = await applyBatch({ ...filter, ids: [id] }, 1, { ids: [] });
      total.processed += one.processed;
      total.ignored += one.ignored;
      total.failed += one.failed;
    } catch (error) {
      const reason = errorReason(error);
      const status = await markDeliveryFailed(id, reason, MAX_DELIVERY_ATTEMPTS);
      logger.warn({ deliveryId: id, reason, status }, "queued webhook failed");
      if (status === "failed") total.failed++;
      else result.retry++;
      filter.exclude.push(id);
    }
  }
  return total;
}

let running: Promise<DrainResult> | null = null;

/**
 * Applies pending order and customer deliveries, oldest first, in batches, until none are left
 * (or `maxBatches`). One unscoped drain runs at a time in a process: a call while one runs waits
 * for it, then drains what is left. Safe to run in several processes at once (PostgreSQL): a
 * shop's deliveries are applied by one drainer at a time, in arrival order within a batch, and
 * the newer-wins rule holds whatever the order of batches.
 *
 * `shop` drains one shop without waiting for the process's unscoped drain: a synchronous
 * webhook of that shop (customers/redact, ...) does that first, so it comes after every delivery
 * received before it.
 */
export async function drainWebhookQueue(options: DrainOptions = {}): Promise<DrainResult> {
  if (options.shop !== undefined) return drain(options);
  return runExclusive(() => drain(options));
}

async function runExclusive(work: () => Promise<DrainResult>): Promise<DrainResult> {
  while (running) await running.catch(() => undefined);
  const current = work().finally(() => {
    if (running === current) running = null;
  });
  running = current;
  return current;
}

interface Waiting extends DeliveryToQueue {
  settle: (outcome: Promise<"queued" | "duplicate">) => void;
}

const waiting: Waiting[] = [];
let storing = false;
/** Deliveries per group insert (one statement, one commit). */
const MAX_GROUP = 100;

/**
 * Stores a verified order or customer delivery as pending and asks for a drain. Deliveries that
 * arrive together, or while the previous insert is being written, share one insert (group
 * commit): one statement and one commit for all of them. Resolves once the delivery is
 * committed, so the caller may answer 200.
 */
export function queueDelivery(key: DeliveryKey, payload: string): Promise<"queued" | "duplicate"> {
  const stored = new Promise<"queued" | "duplicate">((resolve, reject) => {
    waiting.push({ key, payload, receivedAt: new Date(), settle: (outcome) => outcome.then(resolve, reject) });
  });
  if (!storing) {
    storing = true;
    // After the other requests whose bodies arrived in this turn of the event loop: they join
    // this insert instead of each paying a statement and a commit (an fsync) of their own.
    setImmediate(() => void storeWaiting());
  }
  return stored.then((outcome) => {
    if (outcome === "queued") scheduleWebhookDrain();
    return outcome;
  });
}

async function storeWaiting(): Promise<void> {
  try {
    while (waiting.length > 0) {
      const group = waiting.splice(0, MAX_GROUP);
      const outcomes = enqueueDeliveries(group);
      // Every delivery of the group gets the group's fate: stored, or the insert's error (500).
      group.forEach((delivery, i) => delivery.settle(outcomes.then((all) => all[i])));
      await outcomes.catch(() => undefined);
    }
  } finally {
    storing = false;
  }
}

let autoDrain = true;
let timer: ReturnType<typeof setTimeout> | null = null;

/**
 * Asks for an in-process drain soon, without waiting for it: called after each queued delivery.
 * Calls within DRAIN_DELAY_MS share one drain, so that deliveries arriving together are applied
 * as one batch. A drain that fails leaves its deliveries pending for the next one (or the
 * periodic sweep).
 */
export function scheduleWebhookDrain(): void {
  if (!autoDrain || timer) return;
  timer = setTimeout(() => {
    timer = null;
    runExclusive(() => drain({ stopWhenShort: true })).catch((error: unknown) => {
      logger.error({ reason: errorReason(error) }, "webhook queue drain failed; deliveries stay pending");
    });
  }, DRAIN_DELAY_MS);
  timer.unref();
}

/**
 * Turns the in-process drain after each delivery on or off (on by default). Off leaves the queue
 * to explicit drainWebhookQueue calls: a web process whose queue a worker drains, or a test.
 */
export function setAutoDrain(enabled: boolean): void {
  autoDrain = enabled;
  if (!enabled && timer) {
    clearTimeout(timer);
    timer = null;
  }
}
