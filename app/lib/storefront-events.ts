import { z } from "zod";

/**
 * The contract between the storefront tracker (extensions/churn-radar-tracker/assets/tracker.js)
 * and the `proxy.events` route. The tracker is plain JavaScript without a build step, so it
 * repeats these limits by hand; the browser tests parse every batch it sends with
 * `parseEventBatch` to keep the two halves honest.
 *
 * Wire format: POST <app proxy path> (default /apps/churn-radar/events), body = JSON of
 * `{ visitorId, sentAt?, events: [...] }`, sent as text/plain (sendBeacon Blob or fetch keepalive).
 * The customer is never in the body: Shopify adds the signed `logged_in_customer_id` to the query.
 */

export const STOREFRONT_EVENT_TYPES = [
  "page_view",
  "product_view",
  "collection_view",
  "search",
  "add_to_cart",
  "cart_view",
  "checkout_started",
] as const;
export type StorefrontEventType = (typeof STOREFRONT_EVENT_TYPES)[number];

export const MAX_EVENTS_PER_BATCH = 50;
export const MAX_BATCH_BYTES = 64 * 1024;
export const MAX_EVENT_AGE_MS = 24 * 60 * 60 * 1000;
export const MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000;

export const MAX_PATH_LENGTH = 512;
export const MAX_SEARCH_QUERY_LENGTH = 200;
/** One page_view segment never reports more visible time than this. */
export const MAX_DWELL_MS = 60 * 60 * 1000;
export const MAX_QUANTITY = 10_000;

/** Visitor ids and event ids: a UUID or the tracker's fallback (time + random, base 36). */
const clientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "8 to 64 characters of A-Z a-z 0-9 _ -");
/** Shopify numeric ids are int64: always strings, JSON numbers would lose precision. */
const shopifyIdSchema = z.string().regex(/^[1-9]\d{0,19}$/, "a Shopify numeric id as a string");

/**
 * Paths under /account/ (with or without a locale prefix) can hold a customer id and a live
 * password-reset or activation token: keep only "/account", whatever an old tracker sent.
 */
export function redactAccountPath(path: string): string {
  return path.replace(/\/account\/.*$/, "/account");
}

const baseEvent = {
  id: clientIdSchema,
  occurredAt: z.number().int().nonnegative(),
  path: z.string().min(1).max(MAX_PATH_LENGTH).startsWith("/").transform(redactAccountPath),
};

/**
 * A page view is reported in segments so dwell survives a tab that is never closed cleanly:
 * `seq` 0 is sent soon after the page is seen (that one counts as the visit), later segments
 * (seq 1, 2, ...) carry only the visible time added since the previous segment. Total dwell for
 * a page = sum of `dwellMs` over its segments; visits = count of `seq === 0`.
 */
const pageViewSchema = z.object({
  ...baseEvent,
  type: z.literal("page_view"),
  dwellMs: z.number().int().min(0).max(MAX_DWELL_MS),
  seq: z.number().int().min(0).max(10_000),
});

const productViewSchema = z.object({
  ...baseEvent,
  type: z.literal("product_view"),
  productId: shopifyIdSchema,
});

const collectionViewSchema = z.object({
  ...baseEvent,
  type: z.literal("collection_view"),
  collectionId: shopifyIdSchema.optional(),
});

const searchSchema = z.object({
  ...baseEvent,
  type: z.literal("search"),
  query: z.string().trim().min(1).max(MAX_SEARCH_QUERY_LENGTH),
});

const addToCartSchema = z.object({
  ...baseEvent,
  type: z.literal("add_to_cart"),
  productId: shopifyIdSchema.optional(),
  variantId: shopifyIdSchema,
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
  /** How the theme added it: classic form post to /cart/add, or the Ajax API /cart/add.js. */
  via: z.enum(["form", "fetch", "xhr"]).optional(),
});

const cartViewSchema = z.object({
  ...baseEvent,
  type: z.literal("cart_view"),
});

const checkoutStartedSchema = z.object({
  ...baseEvent,
  type: z.literal("checkout_started"),
});

export const storefrontEventSchema = z.discriminatedUnion("type", [
  pageViewSchema,
  productViewSchema,
  collectionViewSchema,
  searchSchema,
  addToCartSchema,
  cartViewSchema,
  checkoutStartedSchema,
]);
export type StorefrontEvent = z.infer<typeof storefrontEventSchema>;
export type PageViewEvent = z.infer<typeof pageViewSchema>;
export type AddToCartEvent = z.infer<typeof addToCartSchema>;

/** The batch envelope; events stay `unknown` here so one bad event cannot sink the rest. */
export const eventBatchSchema = z.object({
  visitorId: clientIdSchema,
  /** The visitor's clock when the batch left; used to correct skewed device clocks. */
  sentAt: z.number().int().nonnegative().optional(),
  events: z.array(z.unknown()).max(MAX_EVENTS_PER_BATCH),
});

export interface DroppedCounts {
  unknownType: number;
  invalid: number;
  tooOld: number;
  inFuture: number;
  /** Same event id twice in one batch (the tracker never does this; retries across batches are the store's job). */
  duplicate: number;
}

export type BatchRejection =
  "not_an_object" | "invalid_visitor_id" | "events_not_an_array" | "too_many_events" | "invalid_sent_at";

export type ParsedEventBatch =
  | { ok: true; visitorId: string; accepted: StorefrontEvent[]; dropped: DroppedCounts }
  | { ok: false; reason: BatchRejection };

const knownTypes: ReadonlySet<string> = new Set(STOREFRONT_EVENT_TYPES);

export function isStorefrontEventType(value: unknown): value is StorefrontEventType {
  return typeof value === "string" && knownTypes.has(value);
}

/** True when a batch of `bytes` bytes must be refused with 413 before it is even parsed. */
export function isBatchTooLarge(bytes: number): boolean {
  return bytes > MAX_BATCH_BYTES;
}

/**
 * Validates one batch as it arrived (already JSON-parsed). The envelope either passes or the
 * whole batch is refused (`too_many_events` maps to 413, the rest to 400); after that each
 * event is judged alone and dropped with a counted reason.
 *
 * When the batch carries `sentAt`, every `occurredAt` is shifted by (now - sentAt) before the
 * age checks, so a visitor whose device clock is hours off still has correctly dated events;
 * accepted events carry the corrected time.
 */
export function parseEventBatch(json: unknown, now: number): ParsedEventBatch {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { ok: false, reason: "not_an_object" };
  const raw = json as Record<string, unknown>;
  if (!Array.isArray(raw.events)) return { ok: false, reason: "events_not_an_array" };
  if (raw.events.length > MAX_EVENTS_PER_BATCH) return { ok: false, reason: "too_many_events" };

  const envelope = eventBatchSchema.safeParse(json);
  if (!envelope.success) {
    const field = envelope.error.issues[0]?.path[0];
    return { ok: false, reason: field === "sentAt" ? "invalid_sent_at" : "invalid_visitor_id" };
  }
  const { visitorId, sentAt, events } = envelope.data;
  const clockOffset = sentAt === undefined ? 0 : now - sentAt;

  const dropped: DroppedCounts = { unknownType: 0, invalid: 0, tooOld: 0, inFuture: 0, duplicate: 0 };
  const accepted: StorefrontEvent[] = [];
  const seenIds = new Set<string>();

  for (const candidate of events) {
    const type =
      typeof candidate === "object" && candidate !== null ? (candidate as { type?: unknown }).type : undefined;
    if (typeof type === "string" && !knownTypes.has(type)) {
      dropped.unknownType++;
      continue;
    }
    const parsed = storefrontEventSchema.safeParse(candidate);
    if (!parsed.success) {
      dropped.invalid++;
      continue;
    }
    const event = parsed.data;
    const occurredAt = event.occurredAt + clockOffset;
    if (occurredAt > now + MAX_CLOCK_AHEAD_MS) {
      dropped.inFuture++;
      continue;
    }
    if (occurredAt < now - MAX_EVENT_AGE_MS) {
      dropped.tooOld++;
      continue;
    }
    if (seenIds.has(event.id)) {
      dropped.duplicate++;
      continue;
    }
    seenIds.add(event.id);
    accepted.push({ ...event, occurredAt });
  }

  return { ok: true, visitorId, accepted, dropped };
}
