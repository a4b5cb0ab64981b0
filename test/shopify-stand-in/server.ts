import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { getVariableValues, Kind, parse, type OperationDefinitionNode } from "graphql";

import { adminSchema, validateAdminDocument } from "../support/admin-schema";
import { bulkJsonlLines, type ShopRecord } from "./dataset";
import { emptyMetafieldStore, metafieldDefinitionCreate, metafieldsSet, type MetafieldStore } from "./metafields";

// A local stand-in for Shopify's Admin GraphQL API on 127.0.0.1, answering the operations the
// app sends for ingestion the way Shopify does: documents are validated against the pinned
// 2026-10 schema, the access token is checked, costs and throttle status come back in
// `extensions.cost`, a throttled call gets HTTP 200 with a THROTTLED error, a second bulk query
// gets the OPERATION_IN_PROGRESS userError, and a completed bulk operation has a URL that
// serves its JSONL file. Each shop has a leaky bucket like Shopify's (points per call, refilled
// at restoreRate per second on the shop's clock, THROTTLED when a call costs more than is left).
// Metafield definitions and metafields are kept per shop (./metafields.ts). Tests steer it
// (throttle the next calls, shrink the bucket, move the clock, cut a download short, ...).

export interface StandInShop {
  accessToken: string;
  records: ShopRecord[];
  /** Orders without a customer (guest checkouts): only the reconciliation queries see them. */
  guestOrders: ShopRecord["orders"];
  bulk: BulkState | null;
  /** The next N GraphQL calls answer THROTTLED. */
  throttleNext: number;
  /** The next N GraphQL calls answer this HTTP status. */
  failNext: { status: number; count: number };
  /** polls of bulkOperation(id) before it completes (0 = completes on the first poll). */
  pollsUntilComplete: number;
  /** Makes the bulk operation end in this status instead of COMPLETED. */
  bulkOutcome: "COMPLETED" | "FAILED";
  /** Cut the next download of the result file after this many lines (a dropped connection). */
  cutDownloadAfter: number | null;
  pageSize: number;
  calls: string[];
  /** The shop's API bucket; tests shrink it to make a client wait. */
  bucket: Bucket;
  /** The shop's clock in ms, which refills the bucket (tests inject a fake one). */
  clock: () => number;
  /** Calls answered THROTTLED because the bucket was short (throttleNext not counted). */
  throttledByBucket: number;
  /** What the ShopDetails query answers. */
  details: { name: string; currencyCode: string; ianaTimezone: string };
  metafields: MetafieldStore;
}

export interface Bucket {
  maximumAvailable: number;
  restoreRate: number;
  available: number;
  /** Clock time (ms) when `available` was last brought up to date. */
  updatedAt: number;
}

interface BulkState {
  id: string;
  status: "CREATED" | "RUNNING" | "COMPLETED" | "FAILED";
  pollsLeft: number;
  createdAt: string;
  completedAt: string | null;
}

export interface ShopifyStandIn {
  origin: string;
  addShop(shop: string, accessToken: string): StandInShop;
  shop(shop: string): StandInShop;
  /** Shopify finishes the shop's running bulk operation (then a test sends bulk_operations/finish). */
  completeBulkOperation(shop: string): string;
  close(): Promise<void>;
}

const THROTTLE = { maximumAvailable: 2000, restoreRate: 100 };
/** Requested points per operation; a mutation costs 10 at Shopify. */
const COSTS: Record<string, number> = {
  BulkOperationRunQuery: 10,
  MetafieldDefinitionCreate: 10,
  MetafieldsSet: 10,
  RecentlyUpdatedOrders: 52,
  RecentlyUpdatedCustomers: 52,
};
/** Operations whose variables are checked against the schema's input types, as Shopify does. */
const TYPED_VARIABLES = new Set(["MetafieldDefinitionCreate", "MetafieldsSet"]);
let bulkSerial = 1000;

export async function startShopifyStandIn(): Promise<ShopifyStandIn> {
  const shops = new Map<string, StandInShop>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : "stand-in failure" }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", origin);
    const file = /^\/files\/([^/]+)\/(\d+)\.jsonl$/.exec(url.pathname);
    if (req.method === "GET" && file) return serveFile(res, file[1], file[2]);
    const api = /^\/([^/]+)\/admin\/api\/([^/]+)\/graphql\.json$/.exec(url.pathname);
    if (req.method !== "POST" || !api) return send(res, 404, { errors: "Not Found" });
    const state = shops.get(api[1]);
    if (!state || req.headers["x-shopify-access-token"] !== state.accessToken) {
      return send(res, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    }
    const body = JSON.parse(await readBody(req)) as { query?: string; variables?: Record<string, unknown> };
    const query = body.query ?? "";
    const problems = validateAdminDocument(query);
    if (problems.length > 0) {
      return send(res, 200, {
        errors: problems.map((message) => ({ message, extensions: { code: "undefinedField" } })),
      });
    }
    const operation = parse(query).definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    const name = operation?.name?.value ?? "anonymous";
    state.calls.push(name);
    if (operation && TYPED_VARIABLES.has(name)) {
      const coerced = getVariableValues(adminSchema(), operation.variableDefinitions ?? [], body.variables ?? {});
      if (coerced.errors) return send(res, 200, { errors: coerced.errors.map((e) => ({ message: e.message })) });
    }
    if (state.failNext.count > 0) {
      state.failNext.count--;
      return send(res, state.failNext.status, { errors: "Internal error" });
    }
    const cost = COSTS[name] ?? 1;
    if (state.throttleNext > 0) {
      state.throttleNext--;
      return send(res, 200, throttled(cost, { ...THROTTLE, currentlyAvailable: 0 }));
    }
    if (name === "MetafieldsSet") {
      const list = Array.isArray(body.variables?.metafields) ? body.variables.metafields : [];
      if (list.length > 25) {
        return send(res, 200, {
          errors: [
            {
              message: `The input array size of ${list.length} is greater than the maximum allowed of 25.`,
              path: ["metafieldsSet", "metafields"],
              extensions: { code: "MAX_INPUT_SIZE_EXCEEDED" },
            },
          ],
        });
      }
    }
    const bucket = refill(state);
    if (bucket.available < cost) {
      state.throttledByBucket++;
      return send(res, 200, throttled(cost, statusOf(bucket)));
    }
    bucket.available -= cost;
    const data = answer(api[1], state, name, body.variables ?? {});
    send(res, 200, {
      data,
      extensions: { cost: { requestedQueryCost: cost, actualQueryCost: cost, throttleStatus: statusOf(bucket) } },
    });
  }

  function answer(shop: string, state: StandInShop, name: string, variables: Record<string, unknown>): unknown {
    switch (name) {
      case "BulkOperationRunQuery": {
        const inner = typeof variables.query === "string" ? variables.query : "";
        if (typeof variables.groupObjects !== "boolean") {
          return runQueryError("INVALID", ["groupObjects"], "groupObjects is required");
        }
        if (state.bulk && (state.bulk.status === "CREATED" || state.bulk.status === "RUNNING")) {
          return runQueryError(
            "OPERATION_IN_PROGRESS",
            null,
            `A bulk query operation for this app and shop is already in progress: ${state.bulk.id}.`,
          );
        }
        if (validateAdminDocument(inner).length > 0) return runQueryError("INVALID", ["query"], "Invalid bulk query");
        state.bulk = {
          id: `gid://shopify/BulkOperation/${bulkSerial++}`,
          status: "CREATED",
          pollsLeft: state.pollsUntilComplete,
          createdAt: new Date().toISOString(),
          completedAt: null,
        };
        return { bulkOperationRunQuery: { bulkOperation: { id: state.bulk.id, status: "CREATED" }, userErrors: [] } };
      }
      case "BulkOperation": {
        const bulk = state.bulk;
        if (!bulk || bulk.id !== variables.id) return { bulkOperation: null };
        if (bulk.status === "CREATED" || bulk.status === "RUNNING") {
          if (bulk.pollsLeft <= 0) {
            bulk.status = state.bulkOutcome;
            bulk.completedAt = new Date().toISOString();
          } else {
            bulk.status = "RUNNING";
            bulk.pollsLeft--;
          }
        }
        const lines = countLines(state);
        const done = bulk.status === "COMPLETED";
        return {
          bulkOperation: {
            id: bulk.id,
            status: bulk.status,
            errorCode: bulk.status === "FAILED" ? "INTERNAL_SERVER_ERROR" : null,
            objectCount: String(done ? lines : Math.floor(lines / 2)),
            url: done && lines > 0 ? `${origin}/files/${shop}/${bulk.id.split("/").pop()}.jsonl` : null,
            partialDataUrl: null,
            createdAt: bulk.createdAt,
            completedAt: bulk.completedAt,
          },
        };
      }
      case "RecentlyUpdatedOrders": {
        const orders = [...state.records.flatMap((r) => r.orders), ...state.guestOrders];
        return { orders: pageOf(orders, variables, state.pageSize) };
      }
      case "ShopDetails":
        return { shop: state.details };
      case "MetafieldDefinitionCreate":
        return metafieldDefinitionCreate(state.metafields, (variables.definition ?? {}) as Record<string, unknown>);
      case "MetafieldsSet": {
        const inputs = (Array.isArray(variables.metafields) ? variables.metafields : []) as Record<string, unknown>[];
        const exists = (gid: string) =>
          state.metafields.customerIds.has(gid) || state.records.some((r) => r.customer.id === gid);
        return metafieldsSet(state.metafields, inputs, exists, new Date(state.clock()));
      }
      case "RecentlyUpdatedCustomers":
        return {
          customers: pageOf(
            state.records.map((r) => r.customer),
            variables,
            state.pageSize,
          ),
        };
      default:
        return null;
    }
  }

  function serveFile(res: ServerResponse, shop: string, id: string) {
    const state = shops.get(shop);
    if (!state?.bulk || !state.bulk.id.endsWith(`/${id}`) || state.bulk.status !== "COMPLETED") {
      return send(res, 404, { error: "NoSuchKey" });
    }
    const cut = state.cutDownloadAfter;
    state.cutDownloadAfter = null;
    res.writeHead(200, { "content-type": "application/jsonl" });
    let written = 0;
    for (const line of bulkJsonlLines(state.records)) {
      if (cut !== null && written >= cut) {
        // Like a connection dropped mid-file: the client sees a body that ends in an error.
        res.flushHeaders();
        res.socket?.destroy();
        return;
      }
      res.write(`${line}\n`);
      written++;
    }
    res.end();
  }

  return {
    origin,
    addShop(shop, accessToken) {
      const state: StandInShop = {
        accessToken,
        records: [],
        guestOrders: [],
        bulk: null,
        throttleNext: 0,
        failNext: { status: 503, count: 0 },
        pollsUntilComplete: 1,
        bulkOutcome: "COMPLETED",
        cutDownloadAfter: null,
        pageSize: 100,
        calls: [],
        bucket: { ...THROTTLE, available: THROTTLE.maximumAvailable, updatedAt: Date.now() },
        clock: Date.now,
        throttledByBucket: 0,
        details: { name: shop.split(".")[0], currencyCode: "EUR", ianaTimezone: "Europe/Berlin" },
        metafields: emptyMetafieldStore(),
      };
      shops.set(shop, state);
      return state;
    },
    shop(shop) {
      const state = shops.get(shop);
      if (!state) throw new Error(`stand-in has no shop ${shop}`);
      return state;
    },
    completeBulkOperation(shop) {
      const bulk = shops.get(shop)?.bulk;
      if (!bulk) throw new Error(`stand-in: ${shop} has no bulk operation`);
      bulk.status = "COMPLETED";
      bulk.completedAt = new Date().toISOString();
      return bulk.id;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** HTTP 200 with a THROTTLED error: nothing was done, the cost says how long to wait. */
function throttled(cost: number, throttleStatus: ReturnType<typeof statusOf>) {
  return {
    errors: [
      {
        message: "Throttled",
        extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" },
      },
    ],
    extensions: { cost: { requestedQueryCost: cost, actualQueryCost: null, throttleStatus } },
  };
}

/** Brings the bucket up to the shop's clock: restoreRate points per second, up to the maximum. */
function refill(state: StandInShop): Bucket {
  const bucket = state.bucket;
  const now = state.clock();
  const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
  bucket.available = Math.min(bucket.maximumAvailable, bucket.available + elapsed * bucket.restoreRate);
  bucket.updatedAt = now;
  return bucket;
}

function statusOf(bucket: Bucket) {
  return {
    maximumAvailable: bucket.maximumAvailable,
    currentlyAvailable: Math.floor(bucket.available),
    restoreRate: bucket.restoreRate,
  };
}

function runQueryError(code: string, field: string[] | null, message: string) {
  return { bulkOperationRunQuery: { bulkOperation: null, userErrors: [{ code, field, message }] } };
}

function countLines(state: StandInShop): number {
  return state.records.reduce((sum, r) => sum + 1 + r.orders.length, 0);
}

/** `updated_at:>='ISO'` search, sorted by updated_at, cursor pagination like a connection. */
function pageOf<T extends { updatedAt: string }>(items: T[], variables: Record<string, unknown>, pageSize: number) {
  const search = typeof variables.query === "string" ? variables.query : "";
  const since = /updated_at:>='([^']+)'/.exec(search)?.[1];
  const sinceMs = since ? Date.parse(since) : -Infinity;
  const matching = items
    .filter((i) => Date.parse(i.updatedAt) >= sinceMs)
    .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  const after =
    typeof variables.after === "string" ? Number(Buffer.from(variables.after, "base64").toString("utf8")) : 0;
  const nodes = matching.slice(after, after + pageSize);
  const end = after + nodes.length;
  return {
    pageInfo: {
      hasNextPage: end < matching.length,
      endCursor: nodes.length > 0 ? Buffer.from(String(end)).toString("base64") : null,
    },
    nodes,
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
