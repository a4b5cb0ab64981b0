import { logger } from "../lib/logger.server";
import {
  MAX_BATCH_BYTES,
  isBatchTooLarge,
  parseEventBatch,
  type DroppedCounts,
  type StorefrontEvent,
} from "../lib/storefront-events";
import { STORED_TYPE } from "../models/customer-activity.server";
import { getShopTimeZone } from "../models/shop.server";
import { storeEventBatch, type NewStorefrontEvent } from "../models/storefront-event.server";

// Storefront events arriving through the app proxy: the route has verified Shopify's signature;
// this decides what is stored. The body is never logged (it holds search queries); logs carry
// the shop and counts only.

/**
 * A token bucket per shop + visitor, in memory: a visitor that floods gets 429 while everyone
 * else is served. The tracker flushes every few seconds and on pagehide, far below the refill
 * rate. The map is bounded: past `maxKeys` the least recently seen visitors are forgotten
 * (their next batch starts with a full bucket), so a stream of made-up visitor ids costs a
 * fixed amount of memory. Per process: behind several instances the limit is per instance.
 */
export class VisitorRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly capacity = 30,
    readonly refillPerSecond = 1,
    readonly maxKeys = 100_000,
  ) {}

  /** Takes one token; false when the visitor must wait. */
  take(key: string, now: number = Date.now()): boolean {
    const bucket = this.buckets.get(key);
    let tokens = this.capacity;
    if (bucket) {
      tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond);
      this.buckets.delete(key); // re-inserted below: the Map's order is least recently seen first
    } else if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed;
  }

  /** Seconds until the visitor has a token again. */
  retryAfterSeconds(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket || bucket.tokens >= 1) return 1;
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerSecond));
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** 30 batches at once, then one a second: a tracker sends one every 5 s and one per page left. */
export const visitorRateLimiter = new VisitorRateLimiter(30, 1);

/** Shop time zones change rarely: read each shop's at most once a TTL per process. */
const TIME_ZONE_TTL_MS = 10 * 60_000;
const MAX_CACHED_SHOPS = 10_000;
const timeZones = new Map<string, { zone: string; until: number }>();

async function shopTimeZone(shop: string, now: number): Promise<string> {
  const cached = timeZones.get(shop);
  if (cached && cached.until > now) return cached.zone;
  const zone = await getShopTimeZone(shop);
  if (timeZones.size >= MAX_CACHED_SHOPS) timeZones.clear();
  timeZones.set(shop, { zone, until: now + TIME_ZONE_TTL_MS });
  return zone;
}

/** Forgets cached shop time zones (tests change a shop's zone between batches). */
export function forgetShopTimeZones(): void {
  timeZones.clear();
}

const SHOPIFY_ID = /^[1-9]\d{0,19}$/;

export interface EventBatchRequest {
  shop: string;
  /** `logged_in_customer_id` from the signed query: "" or null when the visitor is anonymous. */
  loggedInCustomerId: string | null;
  body: string;
  now?: number;
}

export type EventBatchOutcome =
  | { status: 200; body: { stored: number; duplicates: number; dropped: DroppedCounts } }
  | { status: 400 | 413; body: { error: string } }
  | { status: 429; body: { error: string }; retryAfterSeconds: number };

/**
 * Free text from the storefront as every database can store it: PostgreSQL text holds no NUL
 * and its JSON no lone surrogate, and either would fail the whole transaction.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storableText(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD").replaceAll("\u0000", "\uFFFD");
}

function toStored(event: StorefrontEvent): NewStorefrontEvent {
  const base = {
    eventId: event.id,
    occurredAt: event.occurredAt,
    path: storableText(event.path),
    productId: null,
    variantId: null,
    quantity: null,
    searchQuery: null,
    dwellMs: null,
  };
  switch (event.type) {
    case "page_view":
      return { ...base, type: event.seq === 0 ? STORED_TYPE.pageView : STORED_TYPE.pageDwell, dwellMs: event.dwellMs };
    case "product_view":
      return { ...base, type: STORED_TYPE.productView, productId: event.productId };
    case "search":
      return { ...base, type: STORED_TYPE.search, searchQuery: storableText(event.query) };
    case "add_to_cart":
      return {
        ...base,
        type: STORED_TYPE.addToCart,
        productId: event.productId ?? null,
        variantId: event.variantId,
        quantity: event.quantity,
      };
    case "collection_view":
    case "cart_view":
    case "checkout_started":
      return { ...base, type: event.type };
  }
}

/**
 * Validates one batch (parseEventBatch: the contract shared with the tracker), applies the
 * visitor's rate limit, then stores the new events and updates the customer's rollups.
 * Idempotent: the same batch again stores nothing and changes no rollup.
 */
export async function receiveEventBatch(
  request: EventBatchRequest,
  limiter: VisitorRateLimiter = visitorRateLimiter,
): Promise<EventBatchOutcome> {
  const now = request.now ?? Date.now();
  const { shop } = request;
  if (isBatchTooLarge(Buffer.byteLength(request.body))) return { status: 413, body: { error: "batch_too_large" } };
  const customerShopifyId = request.loggedInCustomerId ? request.loggedInCustomerId : null;
  if (customerShopifyId !== null && !SHOPIFY_ID.test(customerShopifyId)) {
    return { status: 400, body: { error: "invalid_customer_id" } };
  }

  let json: unknown;
  try {
    json = JSON.parse(request.body);
  } catch {
    return { status: 400, body: { error: "invalid_json" } };
  }
  const parsed = parseEventBatch(json, now);
  if (!parsed.ok) {
    logger.debug({ shop, reason: parsed.reason }, "storefront batch refused");
    return { status: parsed.reason === "too_many_events" ? 413 : 400, body: { error: parsed.reason } };
  }

  const key = `${shop}\u0000${parsed.visitorId}`;
  if (!limiter.take(key, now)) {
    logger.debug({ shop }, "storefront batch rate limited");
    return { status: 429, body: { error: "rate_limited" }, retryAfterSeconds: limiter.retryAfterSeconds(key) };
  }

  const { dropped } = parsed;
  if (parsed.accepted.length === 0) return { status: 200, body: { stored: 0, duplicates: 0, dropped } };

  const result = await storeEventBatch({
    shop,
    visitorId: parsed.visitorId,
    customerShopifyId,
    events: parsed.accepted.map(toStored),
    timeZone: await shopTimeZone(shop, now),
    receivedAt: new Date(now),
  });
  logger.debug(
    { shop, stored: result.stored, duplicates: result.duplicates, stitched: result.stitched, dropped },
    "storefront batch stored",
  );
  return { status: 200, body: { stored: result.stored, duplicates: result.duplicates, dropped } };
}

/**
 * The request body as text, refusing more than MAX_BATCH_BYTES without reading the rest:
 * null means too large. Beacons send text/plain, so the content type is not checked.
 */
export async function readBatchBody(request: Request): Promise<string | null> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (isBatchTooLarge(declared)) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BATCH_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
