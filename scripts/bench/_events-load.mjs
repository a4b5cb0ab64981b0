// The load process of `npm run bench -- events` (see events.ts). Plain JavaScript run by plain
// node: autocannon's dependencies do not load under tsx. Every request is a fresh batch of 20
// events with new ids, its query signed the way Shopify's app proxy signs it. Prints one JSON
// line with the counts and the CPU time this process used.
import { createHmac, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

import autocannon from "autocannon";

const EVENTS_PER_BATCH = 20;

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    secret: { type: "string" },
    shop: { type: "string" },
    seconds: { type: "string", default: "20" },
    connections: { type: "string", default: "8" },
    visitors: { type: "string", default: "5000" },
    "logged-in-every": { type: "string", default: "3" },
  },
});
const seconds = Number(values.seconds);
const visitors = Number(values.visitors);
const loggedInEvery = Number(values["logged-in-every"]);
const tag = randomBytes(4).toString("hex");

/** Shopify's app proxy signature: hex HMAC-SHA256 of the sorted key=value pairs joined with nothing. */
function sign(params) {
  const message = Object.keys(params)
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join("");
  return createHmac("sha256", values.secret).update(message).digest("hex");
}

/** A storefront session's worth of event types, in the tracker's wire format. */
function storefrontEvent(id, i, batch, now) {
  const occurredAt = now - (EVENTS_PER_BATCH - i) * 500;
  const product = (batch * 7 + i) % 300;
  const path = `/products/p-${product}`;
  const productId = String(1000 + product);
  switch (i % 10) {
    case 0:
      return { id, type: "page_view", occurredAt, path, dwellMs: 0, seq: 0 };
    case 1:
    case 2:
    case 3:
      return { id, type: "product_view", occurredAt, path, productId };
    case 4:
      return { id, type: "search", occurredAt, path: "/search", query: `query ${batch % 50}` };
    case 5:
      return { id, type: "page_view", occurredAt, path, dwellMs: 4_800, seq: 1 };
    case 6:
      return { id, type: "add_to_cart", occurredAt, path, productId, variantId: "5000", quantity: 1, via: "fetch" };
    case 7:
      return { id, type: "collection_view", occurredAt, path: "/collections/all" };
    case 8:
      return { id, type: "cart_view", occurredAt, path: "/cart" };
    default:
      return { id, type: "checkout_started", occurredAt, path: "/cart" };
  }
}

let sequence = 0;
function nextBatch() {
  const n = sequence++;
  const visitor = n % visitors;
  const params = {
    shop: values.shop,
    logged_in_customer_id: visitor % loggedInEvery === 0 ? String(7_000_000_000_000 + visitor) : "",
    path_prefix: "/apps/churn-radar",
    timestamp: String(Math.floor(Date.now() / 1000)),
  };
  const query = new URLSearchParams({ ...params, signature: sign(params) });
  const now = Date.now();
  const events = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => storefrontEvent(`${tag}-${n}-${i}`, i, n, now));
  return {
    path: `/proxy/events?${query}`,
    body: JSON.stringify({ visitorId: `bench-${tag}-v${visitor}`, sentAt: now, events }),
  };
}

let stored = 0;
let duplicates = 0;
const statuses = {};
const cpuAtStart = process.cpuUsage();
const result = await autocannon({
  url: values.url,
  connections: Number(values.connections),
  duration: seconds,
  requests: [
    {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      setupRequest: (request) => ({ ...request, ...nextBatch() }),
      onResponse: (status, body) => {
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status !== 200) return;
        const answer = JSON.parse(body);
        stored += answer.stored;
        duplicates += answer.duplicates;
      },
    },
  ],
});
const cpu = process.cpuUsage(cpuAtStart);
console.log(
  JSON.stringify({
    ok: result["2xx"],
    sent: result.requests.sent,
    storedReported: stored,
    duplicates,
    eventsPerSecond: stored / result.duration,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    statuses,
    cpuMs: (cpu.user + cpu.system) / 1000,
  }),
);
