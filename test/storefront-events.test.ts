import { randomUUID } from "node:crypto";

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import prisma from "~/db.server";
import { pruneStorefrontEvents } from "~/jobs/prune-storefront-events.server";
import { logger } from "~/lib/logger.server";
import { MAX_BATCH_BYTES } from "~/lib/storefront-events";
import {
  SESSION_GAP_MS,
  activityTimeZone,
  countDays,
  dayBounds,
  dayOf,
  sessionStartTimes,
} from "~/models/customer-activity.server";
import { action } from "~/routes/proxy.events";
import { VisitorRateLimiter, forgetShopTimeZones, receiveEventBatch } from "~/services/storefront-events.server";

import { proxiedEventsRequest, type ProxiedPost } from "./support/app-proxy";
import { uniqueShop } from "./support/shopify-webhooks";

// The proxy.events route end to end: requests signed the way Shopify's app proxy signs them,
// bodies shaped like the tracker's (app/lib/storefront-events.ts), a real database.

const NOW = Date.parse("2026-10-01T12:00:00Z");
const MINUTE = 60_000;
const CUSTOMER = "7390123456789012345";

type WireEvent = Record<string, unknown> & { id: string; type: string; occurredAt: number; path: string };

let counter = 0;
const eventId = () => `ev-${randomUUID()}`;
const visitorId = () => `visitor-${(++counter).toString(36)}-${randomUUID().slice(0, 8)}`;

function pageView(at: number, extra: Partial<WireEvent> = {}): WireEvent {
  return { id: eventId(), type: "page_view", occurredAt: at, path: "/", dwellMs: 0, seq: 0, ...extra };
}
const dwell = (at: number, dwellMs: number, seq = 1) => pageView(at, { dwellMs, seq });
const productView = (at: number, productId: string): WireEvent => ({
  id: eventId(),
  type: "product_view",
  occurredAt: at,
  path: `/products/p-${productId}`,
  productId,
});
const search = (at: number, query: string): WireEvent => ({
  id: eventId(),
  type: "search",
  occurredAt: at,
  path: "/search",
  query,
});
const addToCart = (at: number): WireEvent => ({
  id: eventId(),
  type: "add_to_cart",
  occurredAt: at,
  path: "/products/p-1",
  productId: "1",
  variantId: "11",
  quantity: 2,
  via: "fetch",
});
const checkout = (at: number): WireEvent => ({
  id: eventId(),
  type: "checkout_started",
  occurredAt: at,
  path: "/cart",
});

function batchBody(visitor: string, events: unknown[], sentAt: number = Date.now()) {
  return JSON.stringify({ visitorId: visitor, sentAt, events });
}

async function post(request: Partial<ProxiedPost> & { shop: string; body: string }) {
  const response = (await action({ request: proxiedEventsRequest(request), params: {}, context: {} })) as Response;
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null, response };
}

async function rollups(shop: string) {
  const rows = await prisma.customerDailyActivity.findMany({
    where: { shop },
    orderBy: [{ customerShopifyId: "asc" }, { day: "asc" }],
  });
  return rows.map(({ shop: _shop, ...row }) => row);
}

const eventCount = (shop: string) => prisma.storefrontEvent.count({ where: { shop } });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"], now: NOW });
  forgetShopTimeZones();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("proxy.events: the signature", () => {
  it("refuses a forged, missing or stale signature with 401 and stores nothing", async () => {
    const shop = uniqueShop();
    const body = batchBody(visitorId(), [pageView(NOW - MINUTE)]);
    const forged = await post({ shop, body, secret: "not-the-secret" });
    const missing = await post({ shop, body, signature: null });
    const stale = await post({ shop, body, timestamp: Math.floor(NOW / 1000) - 600 });
    const tampered = await post({ shop, body, signature: "0".repeat(64) });
    const future = await post({ shop, body, timestamp: Math.floor(NOW / 1000) + 600 });
    expect([forged.status, missing.status, stale.status, tampered.status, future.status]).toEqual([
      401, 401, 401, 401, 401,
    ]);
    expect(forged.body).toEqual({ error: "invalid_signature" });
    expect(await eventCount(shop)).toBe(0);
  });

  it("refuses a customer id added to a query signed for an anonymous visitor", async () => {
    const shop = uniqueShop();
    const request = proxiedEventsRequest({ shop, body: batchBody(visitorId(), [pageView(NOW - MINUTE)]) });
    const url = new URL(request.url);
    url.searchParams.set("logged_in_customer_id", CUSTOMER);
    const forged = new Request(url, { method: "POST", body: await request.text() });
    const response = (await action({ request: forged, params: {}, context: {} })) as Response;
    expect(response.status).toBe(401);
    expect(await eventCount(shop)).toBe(0);
  });

  it("stores a batch signed a minute ago for a shop that has no Admin API session", async () => {
    const shop = uniqueShop();
    expect(await prisma.session.count({ where: { shop } })).toBe(0);
    const body = batchBody(visitorId(), [pageView(NOW - MINUTE)]);
    const result = await post({ shop, body, timestamp: Math.floor(NOW / 1000) - 60 });
    expect(result.status).toBe(200);
    expect(await eventCount(shop)).toBe(1);
  });

  it("answers 405 to anything but POST", async () => {
    const request = new Request(proxiedEventsRequest({ shop: uniqueShop(), body: "" }).url, {
      method: "PUT",
      body: "{}",
    });
    const response = (await action({ request, params: {}, context: {} })) as Response;
    expect(response.status).toBe(405);
  });
});

describe("proxy.events: storing events", () => {
  it("stores an anonymous visitor's batch sent as text/plain, without a customer and without rollups", async () => {
    const shop = uniqueShop();
    const visitor = visitorId();
    const events = [pageView(NOW - 2 * MINUTE), productView(NOW - MINUTE, "42"), search(NOW - MINUTE, "red shoes")];
    const result = await post({ shop, body: batchBody(visitor, events), contentType: "text/plain" });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      stored: 3,
      duplicates: 0,
      dropped: { unknownType: 0, invalid: 0, tooOld: 0, inFuture: 0, duplicate: 0 },
    });
    const stored = await prisma.storefrontEvent.findMany({
      where: { shop },
      orderBy: [{ occurredAt: "asc" }, { type: "asc" }],
    });
    expect(stored.map((e) => [e.type, e.visitorId, e.customerShopifyId, e.productId, e.searchQuery])).toEqual([
      ["page_view", visitor, null, null, null],
      ["product_view", visitor, null, "42", null],
      ["search", visitor, null, null, "red shoes"],
    ]);
    expect(await rollups(shop)).toEqual([]);
  });

  it("keeps a logged-in customer's daily rollups: visits, dwell, sessions, products, searches, carts, checkouts", async () => {
    const shop = uniqueShop();
    const visitor = visitorId();
    const t0 = NOW - 3 * 60 * MINUTE; // 09:00 UTC
    const first = [
      pageView(t0),
      dwell(t0 + 5_000, 4_600),
      productView(t0 + MINUTE, "1"),
      productView(t0 + 2 * MINUTE, "2"),
      productView(t0 + 3 * MINUTE, "1"),
      search(t0 + 4 * MINUTE, "gift"),
    ];
    // 40 minutes later: a new session.
    const second = [pageView(t0 + 45 * MINUTE), dwell(t0 + 46 * MINUTE, 12_400, 1), addToCart(t0 + 47 * MINUTE)];
    const third = [productView(t0 + 48 * MINUTE, "2"), productView(t0 + 49 * MINUTE, "3"), checkout(t0 + 50 * MINUTE)];
    for (const events of [first, second, third]) {
      const result = await post({ shop, loggedInCustomerId: CUSTOMER, body: batchBody(visitor, events) });
      expect(result.status).toBe(200);
    }
    expect(await rollups(shop)).toEqual([
      {
        customerShopifyId: CUSTOMER,
        day: "2026-10-01",
        visits: 2,
        sessions: 2,
        dwellSeconds: 5 + 12,
        productViews: 5,
        distinctProducts: 3,
        searches: 1,
        cartAdds: 1,
        checkoutsStarted: 1,
      },
    ]);
    const stored = await prisma.storefrontEvent.findMany({ where: { shop } });
    expect(stored.every((e) => e.customerShopifyId === CUSTOMER)).toBe(true);
  });

  it("stores each event once and leaves the rollups alone when the same batch arrives again", async () => {
    const shop = uniqueShop();
    const visitor = visitorId();
    const events = [pageView(NOW - 10 * MINUTE), productView(NOW - 9 * MINUTE, "5"), addToCart(NOW - 8 * MINUTE)];
    const body = batchBody(visitor, events);
    const first = await post({ shop, loggedInCustomerId: CUSTOMER, body });
    const before = await rollups(shop);
    // A retry arrives later, with a clock correction that moves every event a little.
    vi.setSystemTime(NOW + 30_000);
    const again = await post({ shop, loggedInCustomerId: CUSTOMER, body });
    expect(first.body).toMatchObject({ stored: 3, duplicates: 0 });
    expect(again.body).toMatchObject({ stored: 0, duplicates: 3 });
    expect(await eventCount(shop)).toBe(3);
    expect(await rollups(shop)).toEqual(before);
    expect(before[0]).toMatchObject({ visits: 1, sessions: 1, productViews: 1, distinctProducts: 1, cartAdds: 1 });
  });

  it("stores each event once when two copies of a batch race each other", async () => {
    const shop = uniqueShop();
    const visitor = visitorId();
    const body = batchBody(visitor, [pageView(NOW - 5 * MINUTE), productView(NOW - 4 * MINUTE, "9")]);
    const results = await Promise.all([
      post({ shop, loggedInCustomerId: CUSTOMER, body }),
      post({ shop, loggedInCustomerId: CUSTOMER, body }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(await eventCount(shop)).toBe(2);
    expect(await rollups(shop)).toEqual([
      expect.objectContaining({ visits: 1, sessions: 1, productViews: 1, distinctProducts: 1 }),
    ]);
  });

  it("joins two sessions when a late batch fills the gap between them", async () => {
    const shop = uniqueShop();
    const visitor = visitorId();
    const t0 = NOW - 4 * 60 * MINUTE;
    const send = (events: WireEvent[]) =>
      post({ shop, loggedInCustomerId: CUSTOMER, body: batchBody(visitor, events) });
    await send([pageView(t0)]);
    await send([pageView(t0 + 50 * MINUTE)]);
    expect((await rollups(shop))[0]).toMatchObject({ sessions: 2, visits: 2 });
    // Sent from a tab that was offline: it happened between the two.
    await send([pageView(t0 + 25 * MINUTE)]);
    expect((await rollups(shop))[0]).toMatchObject({ sessions: 1, visits: 3 });
  });

  it("counts the day in the shop's time zone when the shop has one", async () => {
    const shop = uniqueShop();
    await prisma.shop.create({ data: { domain: shop, timezone: "Asia/Shanghai" } });
    const visitor = visitorId();
    // 15:30 and 16:30 UTC on 30 Sept are 23:30 on 30 Sept and 00:30 on 1 Oct in Shanghai.
    vi.setSystemTime(Date.parse("2026-09-30T17:00:00Z"));
    const late = Date.parse("2026-09-30T15:30:00Z");
    const body = batchBody(visitor, [pageView(late), pageView(late + 60 * MINUTE)]);
    expect((await post({ shop, loggedInCustomerId: CUSTOMER, body })).status).toBe(200);
    expect((await rollups(shop)).map((r) => [r.day, r.visits, r.sessions])).toEqual([
      ["2026-09-30", 1, 1],
      ["2026-10-01", 1, 1],
    ]);
  });
});

describe("proxy.events: rollups under concurrency and out-of-order arrival", () => {
  it("ends with exactly what a recount of the stored events gives, however the batches arrive", async () => {
    const shop = uniqueShop();
    const laptop = visitorId();
    const phone = visitorId();
    // A seeded generator: the same scenario on every run.
    let seed = 20261001;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const events: { visitor: string; event: WireEvent }[] = [];
    let at = NOW - 23 * 60 * MINUTE;
    for (let i = 0; i < 120; i++) {
      at += Math.floor(random() * 25 * MINUTE); // gaps around the 30-minute session limit
      if (at > NOW) break;
      const visitor = random() < 0.6 ? laptop : phone;
      const kind = random();
      const event =
        kind < 0.3
          ? pageView(at, { dwellMs: Math.floor(random() * 9000) })
          : kind < 0.45
            ? dwell(at, Math.floor(random() * 9000))
            : kind < 0.75
              ? productView(at, String(1 + Math.floor(random() * 6)))
              : kind < 0.85
                ? search(at, "q")
                : kind < 0.95
                  ? addToCart(at)
                  : checkout(at);
      events.push({ visitor, event });
    }
    // Batches of 1 to 6 events, sent in shuffled order, four at a time, some of them twice.
    const batches: { visitor: string; events: WireEvent[] }[] = [];
    for (let i = 0; i < events.length;) {
      const visitor = events[i].visitor;
      const size = 1 + Math.floor(random() * 6);
      let end = i;
      while (end < events.length && end < i + size && events[end].visitor === visitor) end++;
      batches.push({ visitor, events: events.slice(i, end).map((e) => e.event) });
      i = end;
    }
    const order = batches.map((b) => ({ b, key: random() })).sort((x, y) => x.key - y.key);
    const sends = order.flatMap(({ b }) => (random() < 0.2 ? [b, b] : [b]));
    for (let i = 0; i < sends.length; i += 4) {
      vi.setSystemTime(NOW + i * 1000); // a few seconds apart, as a real browser sends them
      const results = await Promise.all(
        sends
          .slice(i, i + 4)
          .map((b) => post({ shop, loggedInCustomerId: CUSTOMER, body: batchBody(b.visitor, b.events) })),
      );
      expect(results.map((r) => r.status).every((s) => s === 200)).toBe(true);
    }
    expect(await eventCount(shop)).toBe(events.length);

    const stored = await prisma.storefrontEvent.findMany({ where: { shop } });
    const recount = countDays(
      stored.map((e) => ({ ...e, occurredAt: e.occurredAt.getTime() })),
      new Set(stored.map((e) => e.occurredAt.toISOString().slice(0, 10))),
      "UTC",
    );
    const expected = [...recount]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, counters]) => ({ customerShopifyId: CUSTOMER, day, ...counters }));
    expect(await rollups(shop)).toEqual(expected);
    expect(expected.reduce((sum, day) => sum + day.sessions, 0)).toBeGreaterThan(2);
  });
});

describe("proxy.events: stitching anonymous visits to the customer", () => {
  it("ties a visitor's anonymous events to the customer at login and counts them in the rollups", async () => {
    const shop = uniqueShop();
    const visitor = visitorId();
    const stranger = visitorId();
    const t0 = NOW - 5 * 60 * MINUTE;
    await post({
      shop,
      body: batchBody(visitor, [pageView(t0), productView(t0 + MINUTE, "7"), search(t0 + MINUTE, "x")]),
    });
    await post({ shop, body: batchBody(stranger, [pageView(t0)]) });
    // An anonymous event from yesterday, too (within the last 24 hours).
    await post({ shop, body: batchBody(visitor, [pageView(NOW - 23 * 60 * MINUTE)]) });
    expect(await rollups(shop)).toEqual([]);

    const login = [pageView(t0 + 10 * MINUTE), productView(t0 + 11 * MINUTE, "7"), productView(t0 + 12 * MINUTE, "8")];
    const result = await post({ shop, loggedInCustomerId: CUSTOMER, body: batchBody(visitor, login) });
    expect(result.body).toMatchObject({ stored: 3 });

    const stored = await prisma.storefrontEvent.findMany({ where: { shop } });
    expect(stored.filter((e) => e.visitorId === visitor).every((e) => e.customerShopifyId === CUSTOMER)).toBe(true);
    expect(stored.filter((e) => e.visitorId === stranger).every((e) => e.customerShopifyId === null)).toBe(true);
    expect(await rollups(shop)).toEqual([
      {
        customerShopifyId: CUSTOMER,
        day: "2026-09-30",
        visits: 1,
        sessions: 1,
        dwellSeconds: 0,
        productViews: 0,
        distinctProducts: 0,
        searches: 0,
        cartAdds: 0,
        checkoutsStarted: 0,
      },
      {
        customerShopifyId: CUSTOMER,
        day: "2026-10-01",
        visits: 2,
        sessions: 1,
        dwellSeconds: 0,
        productViews: 3,
        distinctProducts: 2,
        searches: 1,
        cartAdds: 0,
        checkoutsStarted: 0,
      },
    ]);

    // Later batches of the now-known visitor are incremental again and agree with a recount.
    await post({ shop, loggedInCustomerId: CUSTOMER, body: batchBody(visitor, [productView(t0 + 13 * MINUTE, "9")]) });
    expect((await rollups(shop))[1]).toMatchObject({ productViews: 4, distinctProducts: 3, sessions: 1 });
  });
});

describe("proxy.events: bad input", () => {
  it("answers 413 to more than 50 events or more than 64 KB, and stores nothing", async () => {
    const shop = uniqueShop();
    const visitor = visitorId();
    const many = Array.from({ length: 51 }, (_, i) => pageView(NOW - i * 1000));
    expect((await post({ shop, body: batchBody(visitor, many) })).status).toBe(413);
    const padded = JSON.stringify({ visitorId: visitor, events: [pageView(NOW)], pad: "x".repeat(MAX_BATCH_BYTES) });
    expect((await post({ shop, body: padded })).status).toBe(413);
    expect(await eventCount(shop)).toBe(0);
  });

  it("answers 400 to a body that is not JSON or not a batch", async () => {
    const shop = uniqueShop();
    const cases = [
      "{not json",
      "[]",
      JSON.stringify({ visitorId: "x", events: [] }),
      JSON.stringify({ visitorId: visitorId() }),
    ];
    const statuses = [];
    for (const body of cases) statuses.push((await post({ shop, body })).status);
    expect(statuses).toEqual([400, 400, 400, 400]);
    expect(await eventCount(shop)).toBe(0);
  });

  it("drops and counts unknown types, invalid events, events too old or in the future, and stores the rest", async () => {
    const shop = uniqueShop();
    const visitor = visitorId();
    const events = [
      pageView(NOW - MINUTE),
      { id: eventId(), type: "mouse_move", occurredAt: NOW, path: "/" },
      { id: eventId(), type: "product_view", occurredAt: NOW, path: "/p" }, // no product id
      pageView(NOW - 25 * 60 * MINUTE),
      pageView(NOW + 6 * MINUTE),
      pageView(NOW + 4 * MINUTE),
    ];
    const result = await post({ shop, body: JSON.stringify({ visitorId: visitor, events }) });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      stored: 2,
      duplicates: 0,
      dropped: { unknownType: 1, invalid: 1, tooOld: 1, inFuture: 1, duplicate: 0 },
    });
    expect(await eventCount(shop)).toBe(2);
  });

  it("stores text PostgreSQL could not hold (NUL, lone surrogates) with a replacement character", async () => {
    const shop = uniqueShop();
    const odd = [search(NOW - MINUTE, "shoes\u0000 \ud800"), pageView(NOW - MINUTE, { path: "/\udc00x" })];
    const [bad, good] = await Promise.all([
      post({ shop, loggedInCustomerId: CUSTOMER, body: batchBody(visitorId(), odd) }),
      post({ shop, body: batchBody(visitorId(), [pageView(NOW - MINUTE)]) }),
    ]);
    expect([bad.status, good.status]).toEqual([200, 200]);
    const stored = await prisma.storefrontEvent.findMany({ where: { shop, visitorId: { not: "" } } });
    expect(stored).toHaveLength(3);
    expect(stored.map((e) => e.searchQuery).filter(Boolean)).toEqual(["shoes\uFFFD \uFFFD"]);
    expect(stored.map((e) => e.path)).toContain("/\uFFFDx");
  });

  it("rate-limits a flooding visitor with 429 while other visitors of the shop are served", async () => {
    const shop = uniqueShop();
    const flooder = visitorId();
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      statuses.push((await post({ shop, body: batchBody(flooder, [pageView(NOW - i * 1000)]) })).status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const limited = await post({ shop, body: batchBody(flooder, [pageView(NOW)]) });
    expect(limited.status).toBe(429);
    expect(limited.response.headers.get("retry-after")).toBe("1");
    expect((await post({ shop, body: batchBody(visitorId(), [pageView(NOW)]) })).status).toBe(200);
    // The bucket refills with time.
    vi.setSystemTime(NOW + 5_000);
    expect((await post({ shop, body: batchBody(flooder, [pageView(NOW)]) })).status).toBe(200);
  });

  it("never logs search queries or the body", async () => {
    const shop = uniqueShop();
    const lines: string[] = [];
    for (const level of ["debug", "info", "warn", "error"] as const) {
      vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
        lines.push(JSON.stringify(args));
      }) as never);
    }
    const body = batchBody(visitorId(), [search(NOW, "jane.doe@example.com private query")]);
    await post({ shop, loggedInCustomerId: CUSTOMER, body });
    await post({ shop, body: "{broken" });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toMatch(/jane|private query/);
  });
});

describe("rollup arithmetic", () => {
  const event = (visitorId: string, occurredAt: number, eventId = `e${occurredAt}`) => ({
    eventId,
    visitorId,
    type: "page_view",
    occurredAt,
    productId: null,
    dwellMs: 0,
  });

  it("starts a session only after a gap of more than 30 minutes, per browser", () => {
    const t = Date.parse("2026-10-01T08:00:00Z");
    const starts = sessionStartTimes([
      event("a", t),
      event("a", t + SESSION_GAP_MS), // exactly 30 minutes: the same session
      event("a", t + 2 * SESSION_GAP_MS + 1), // 30 minutes and 1 ms: a new one
      event("b", t + SESSION_GAP_MS), // another browser: its own session
    ]);
    expect(starts.sort()).toEqual([t, t + SESSION_GAP_MS, t + 2 * SESSION_GAP_MS + 1].sort());
  });

  it("knows the shop's days across summer time, and falls back to UTC for an unknown zone", () => {
    const london = activityTimeZone("Europe/London");
    expect(london).toBe("Europe/London");
    expect(activityTimeZone("Mars/Olympus_Mons")).toBe("UTC");
    expect(activityTimeZone(null)).toBe("UTC");
    // 29 March 2026: clocks go forward, the day has 23 hours.
    const { start, end } = dayBounds("2026-03-29", london);
    expect(new Date(start).toISOString()).toBe("2026-03-29T00:00:00.000Z");
    expect(new Date(end).toISOString()).toBe("2026-03-29T23:00:00.000Z");
    expect(dayOf(Date.parse("2026-07-01T23:30:00Z"), london)).toBe("2026-07-02");
    expect(dayOf(Date.parse("2026-07-01T23:30:00Z"), "UTC")).toBe("2026-07-01");
  });

  it("counts a session that crosses midnight on the day it started", () => {
    const t = Date.parse("2026-10-01T23:50:00Z");
    const counted = countDays(
      [event("a", t), event("a", t + 20 * 60_000)],
      new Set(["2026-10-01", "2026-10-02"]),
      "UTC",
    );
    expect(counted.get("2026-10-01")).toMatchObject({ visits: 1, sessions: 1 });
    expect(counted.get("2026-10-02")).toMatchObject({ visits: 1, sessions: 0 });
  });
});

describe("the visitor rate limiter", () => {
  it("keeps at most maxKeys visitors, forgetting the least recently seen", () => {
    const limiter = new VisitorRateLimiter(2, 1, 3);
    for (const key of ["a", "b", "c", "d"]) limiter.take(key, 0);
    expect(limiter.size).toBe(3);
    expect(limiter.take("a", 0)).toBe(true); // forgotten, so a fresh bucket
    expect(limiter.take("d", 0)).toBe(true);
    expect(limiter.take("d", 0)).toBe(false);
  });

  it("limits through the service too, per shop and visitor", async () => {
    const limiter = new VisitorRateLimiter(1, 0.001, 10);
    const shop = uniqueShop();
    const visitor = visitorId();
    const body = batchBody(visitor, [pageView(NOW)]);
    expect((await receiveEventBatch({ shop, loggedInCustomerId: "", body }, limiter)).status).toBe(200);
    expect((await receiveEventBatch({ shop, loggedInCustomerId: "", body }, limiter)).status).toBe(429);
    const other = uniqueShop();
    expect((await receiveEventBatch({ shop: other, loggedInCustomerId: "", body }, limiter)).status).toBe(200);
  });
});

describe("pruning raw events", () => {
  it("deletes events older than the retention in batches and keeps newer ones and the rollups", async () => {
    const shop = uniqueShop();
    const visitor = visitorId();
    const events = Array.from({ length: 7 }, (_, i) => pageView(NOW - i * MINUTE));
    await post({ shop, loggedInCustomerId: CUSTOMER, body: batchBody(visitor, events) });
    const rollupsBefore = await rollups(shop);
    // Ten days on, less 3.5 minutes: the 3 events older than 3.5 minutes are past a 10-day retention.
    const cutoffShift = new Date(NOW + 10 * 86_400_000 - 3.5 * MINUTE);
    const result = await pruneStorefrontEvents({ retentionDays: 10, batchSize: 2, shops: [shop], now: cutoffShift });
    expect(result.deleted).toBe(3);
    expect(await eventCount(shop)).toBe(4);
    expect(await rollups(shop)).toEqual(rollupsBefore);
    expect((await pruneStorefrontEvents({ retentionDays: 10, shops: [shop], now: cutoffShift })).deleted).toBe(0);
  });

  it("keeps 180 days by default and refuses a nonsensical retention", async () => {
    const shop = uniqueShop();
    await post({ shop, body: batchBody(visitorId(), [pageView(NOW - MINUTE)]) });
    expect((await pruneStorefrontEvents({ now: new Date(NOW + 179 * 86_400_000), shops: [shop] })).deleted).toBe(0);
    expect(await eventCount(shop)).toBe(1);
    await pruneStorefrontEvents({ now: new Date(NOW + 181 * 86_400_000), shops: [shop] });
    expect(await eventCount(shop)).toBe(0);
    await expect(pruneStorefrontEvents({ retentionDays: 0 })).rejects.toThrow(/retentionDays/);
  });
});
