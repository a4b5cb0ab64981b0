import { describe, expect, it } from "vitest";
import {
  MAX_BATCH_BYTES,
  MAX_EVENTS_PER_BATCH,
  MAX_SEARCH_QUERY_LENGTH,
  STOREFRONT_EVENT_TYPES,
  isBatchTooLarge,
  parseEventBatch,
} from "./storefront-events";

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let counter = 0;
function event(type: string, fields: Record<string, unknown> = {}) {
  counter++;
  return { id: `evt-${String(counter).padStart(6, "0")}`, type, occurredAt: NOW - MINUTE, path: "/", ...fields };
}

const oneOfEach = () => [
  event("page_view", { dwellMs: 0, seq: 0 }),
  event("product_view", { path: "/products/wool-scarf", productId: "8123456789012" }),
  event("collection_view", { path: "/collections/winter", collectionId: "4200000001" }),
  event("collection_view", { path: "/collections/all" }),
  event("search", { path: "/search", query: "wool scarf" }),
  event("add_to_cart", { variantId: "45012345678901", productId: "8123456789012", quantity: 2, via: "fetch" }),
  event("add_to_cart", { variantId: "45012345678902", quantity: 1 }),
  event("cart_view", { path: "/cart" }),
  event("checkout_started", { path: "/cart" }),
];

function expectOk(result: ReturnType<typeof parseEventBatch>) {
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}`);
  return result;
}

describe("parseEventBatch", () => {
  it("accepts one event of every type and keeps their fields", () => {
    const events = oneOfEach();
    const result = expectOk(parseEventBatch({ visitorId: "v-1234567890", events }, NOW));
    expect(result.visitorId).toBe("v-1234567890");
    expect(result.accepted).toEqual(events);
    expect(new Set(result.accepted.map((e) => e.type))).toEqual(new Set(STOREFRONT_EVENT_TYPES));
    expect(result.dropped).toEqual({ unknownType: 0, invalid: 0, tooOld: 0, inFuture: 0, duplicate: 0 });
  });

  it("drops and counts unknown types without failing the batch", () => {
    const result = expectOk(
      parseEventBatch({ visitorId: "visitor-abc", events: [event("wishlist_add"), event("cart_view")] }, NOW),
    );
    expect(result.accepted.map((e) => e.type)).toEqual(["cart_view"]);
    expect(result.dropped.unknownType).toBe(1);
  });

  it.each([
    ["missing id", { ...event("cart_view"), id: undefined }],
    ["short id", event("cart_view", { id: "x" })],
    ["id with spaces", event("cart_view", { id: "has spaces in it" })],
    ["relative path", event("cart_view", { path: "cart" })],
    ["path too long", event("cart_view", { path: `/${"a".repeat(600)}` })],
    ["fractional timestamp", event("cart_view", { occurredAt: NOW - 0.5 })],
    ["timestamp as string", event("cart_view", { occurredAt: String(NOW) })],
    ["product id as number", event("product_view", { productId: 8123456789012 })],
    ["product id as gid", event("product_view", { productId: "gid://shopify/Product/1" })],
    ["empty search", event("search", { query: "   " })],
    ["search too long", event("search", { query: "q".repeat(MAX_SEARCH_QUERY_LENGTH + 1) })],
    ["add without variant", event("add_to_cart", { quantity: 1 })],
    ["zero quantity", event("add_to_cart", { variantId: "1", quantity: 0 })],
    ["unknown via", event("add_to_cart", { variantId: "1", quantity: 1, via: "carrier-pigeon" })],
    ["negative dwell", event("page_view", { dwellMs: -1, seq: 0 })],
    ["page view without seq", event("page_view", { dwellMs: 10 })],
    ["missing type", { ...event("cart_view"), type: undefined }],
    ["not an object", "page_view"],
    ["null", null],
  ])("drops an invalid event (%s) and keeps the rest", (_label, bad) => {
    const good = event("cart_view");
    const result = expectOk(parseEventBatch({ visitorId: "visitor-abc", events: [bad, good] }, NOW));
    expect(result.accepted).toEqual([good]);
    expect(result.dropped).toEqual({ unknownType: 0, invalid: 1, tooOld: 0, inFuture: 0, duplicate: 0 });
  });

  it("drops events over 24 hours old and more than 5 minutes ahead, keeping the edges", () => {
    const events = [
      event("cart_view", { occurredAt: NOW - 24 * HOUR }),
      event("cart_view", { occurredAt: NOW - 24 * HOUR - 1 }),
      event("cart_view", { occurredAt: NOW + 5 * MINUTE }),
      event("cart_view", { occurredAt: NOW + 5 * MINUTE + 1 }),
    ];
    const result = expectOk(parseEventBatch({ visitorId: "visitor-abc", events }, NOW));
    expect(result.accepted.map((e) => e.occurredAt)).toEqual([NOW - 24 * HOUR, NOW + 5 * MINUTE]);
    expect(result.dropped).toMatchObject({ tooOld: 1, inFuture: 1, invalid: 0 });
  });

  it("corrects a skewed device clock with sentAt and dates accepted events in server time", () => {
    const deviceNow = NOW + 3 * HOUR; // the visitor's clock runs three hours fast
    const events = [event("cart_view", { occurredAt: deviceNow - 10_000 })];
    const withoutSentAt = expectOk(parseEventBatch({ visitorId: "visitor-abc", events }, NOW));
    expect(withoutSentAt.dropped.inFuture).toBe(1);

    const withSentAt = expectOk(parseEventBatch({ visitorId: "visitor-abc", sentAt: deviceNow, events }, NOW));
    expect(withSentAt.accepted.map((e) => e.occurredAt)).toEqual([NOW - 10_000]);
  });

  it("counts a repeated event id within one batch once", () => {
    const first = event("cart_view");
    const result = expectOk(parseEventBatch({ visitorId: "visitor-abc", events: [first, { ...first }] }, NOW));
    expect(result.accepted).toHaveLength(1);
    expect(result.dropped.duplicate).toBe(1);
  });

  it("strips fields the contract does not know, such as a customer id smuggled into an event", () => {
    const result = expectOk(
      parseEventBatch({ visitorId: "visitor-abc", events: [event("cart_view", { customerId: "123" })] }, NOW),
    );
    expect(result.accepted[0]).not.toHaveProperty("customerId");
  });

  it("accepts exactly MAX_EVENTS_PER_BATCH events and refuses one more", () => {
    const full = Array.from({ length: MAX_EVENTS_PER_BATCH }, () => event("cart_view"));
    expect(expectOk(parseEventBatch({ visitorId: "visitor-abc", events: full }, NOW)).accepted).toHaveLength(50);
    expect(parseEventBatch({ visitorId: "visitor-abc", events: [...full, event("cart_view")] }, NOW)).toEqual({
      ok: false,
      reason: "too_many_events",
    });
  });

  it.each([
    ["null", null, "not_an_object"],
    ["an array", [], "not_an_object"],
    ["no events", { visitorId: "visitor-abc" }, "events_not_an_array"],
    ["events as object", { visitorId: "visitor-abc", events: {} }, "events_not_an_array"],
    ["no visitor", { events: [] }, "invalid_visitor_id"],
    ["short visitor", { visitorId: "v", events: [] }, "invalid_visitor_id"],
    ["visitor with markup", { visitorId: "<script>alert(1)</script>", events: [] }, "invalid_visitor_id"],
    ["sentAt as string", { visitorId: "visitor-abc", sentAt: "now", events: [] }, "invalid_sent_at"],
  ])("refuses a malformed envelope (%s)", (_label, body, reason) => {
    expect(parseEventBatch(body, NOW)).toEqual({ ok: false, reason });
  });

  it("accepts an empty batch", () => {
    expect(expectOk(parseEventBatch({ visitorId: "visitor-abc", events: [] }, NOW)).accepted).toEqual([]);
  });
});

describe("account paths", () => {
  it("never keeps a customer id or a reset token from an account page", () => {
    const result = expectOk(
      parseEventBatch(
        {
          visitorId: "visitor-0001",
          events: [
            event("page_view", { dwellMs: 0, seq: 0, path: "/account/reset/7012345678901/3f9c1e0b2d-1700000000" }),
            event("page_view", { dwellMs: 0, seq: 0, path: "/fr/account/activate/7012345678901/abc123" }),
            event("page_view", { dwellMs: 0, seq: 0, path: "/products/wool-scarf" }),
          ],
        },
        NOW,
      ),
    );
    expect(result.accepted.map((e) => e.path)).toEqual(["/account", "/fr/account", "/products/wool-scarf"]);
  });
});

describe("isBatchTooLarge", () => {
  it("allows exactly 64 KB and refuses a byte more", () => {
    expect(isBatchTooLarge(MAX_BATCH_BYTES)).toBe(false);
    expect(isBatchTooLarge(MAX_BATCH_BYTES + 1)).toBe(true);
  });
});
