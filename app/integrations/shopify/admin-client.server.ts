import { z } from "zod";

import { splitLines } from "../../lib/lines";
import { logger } from "../../lib/logger.server";
import { unauthenticated } from "../../shopify.server";
import { BULK_OPERATION } from "./graphql/bulk-operation";
import { BULK_OPERATION_RUN_QUERY } from "./graphql/bulk-operation-run-query";
import { RECENTLY_UPDATED_CUSTOMERS } from "./graphql/recently-updated-customers";
import { RECENTLY_UPDATED_ORDERS } from "./graphql/recently-updated-orders";
import type { AdminGraphql } from "./shop.server";

// The one typed client for the Admin GraphQL calls of ingestion (bulk operations and
// reconciliation). Retries, throttling and userErrors are handled here and nowhere else:
//   - THROTTLED (HTTP 200 with errors[].extensions.code) waits until the bucket has refilled
//     enough for the query, computed from extensions.cost.throttleStatus, then retries;
//   - HTTP 429 honours Retry-After; HTTP 5xx and network failures back off exponentially;
//   - other GraphQL errors (access denied, bad query) fail at once: retrying cannot fix them;
//   - userErrors of a mutation become a ShopifyUserErrors error carrying their codes.

export interface ClientPolicy {
  maxAttempts: number;
  /** Backoff before attempt n+1 for 5xx/network errors. */
  backoffMs: (attempt: number) => number;
  /** Upper bound of any single wait. */
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_POLICY: ClientPolicy = {
  maxAttempts: 6,
  backoffMs: (attempt) => Math.min(30_000, 500 * 2 ** (attempt - 1)),
  maxWaitMs: 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class ShopifyAdminError extends Error {
  constructor(
    readonly operation: string,
    readonly kind: "graphql" | "http" | "network" | "invalid-response" | "gave-up",
    detail: string,
  ) {
    super(`${operation}: ${kind}: ${detail}`.slice(0, 500));
    this.name = "ShopifyAdminError";
  }
}

export interface UserError {
  code: string | null;
  field: string[] | null;
  message: string;
}

export class ShopifyUserErrors extends Error {
  constructor(
    readonly operation: string,
    readonly userErrors: UserError[],
  ) {
    super(`${operation}: ${userErrors.map((e) => e.code ?? e.message).join(", ")}`.slice(0, 500));
    this.name = "ShopifyUserErrors";
  }

  hasCode(code: string): boolean {
    return this.userErrors.some((e) => e.code === code);
  }
}

/** extensions.cost.throttleStatus: the shop's leaky bucket of query points. */
export const ThrottleStatus = z.object({
  maximumAvailable: z.number(),
  currentlyAvailable: z.number(),
  restoreRate: z.number().positive(),
});
const Cost = z.object({ requestedQueryCost: z.number().nullish(), throttleStatus: ThrottleStatus.nullish() });
const GraphqlError = z.object({
  message: z.string().default(""),
  extensions: z.object({ code: z.string().optional() }).loose().nullish(),
});
const Body = z.object({
  data: z.unknown().optional(),
  // Shopify sends an array; the library wraps it as { graphQLErrors: [...] } when it throws.
  errors: z
    .union([z.array(GraphqlError), z.object({ graphQLErrors: z.array(GraphqlError).optional() }).loose()])
    .nullish(),
  extensions: z.object({ cost: Cost.nullish() }).loose().nullish(),
});

type Attempt =
  | { kind: "ok"; data: unknown }
  | { kind: "retry"; waitMs: number; why: string }
  | { kind: "fail"; error: ShopifyAdminError };

/** One entry of a mutation's `userErrors` (code and field may be null); the one schema of it. */
export const UserErrorSchema = z.object({
  code: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  field: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? null),
  message: z.string(),
});

const BulkOperationSchema = z.object({
  id: z.string(),
  status: z.string(),
  errorCode: z.string().nullish(),
  // UnsignedInt64 is serialised as a string.
  objectCount: z.union([z.string(), z.number()]).transform(Number).pipe(z.number().int().nonnegative()),
  url: z.string().nullish(),
  partialDataUrl: z.string().nullish(),
  createdAt: z.string().nullish(),
  completedAt: z.string().nullish(),
});
export type BulkOperation = z.infer<typeof BulkOperationSchema>;

const RunQueryData = z.object({
  bulkOperationRunQuery: z.object({
    bulkOperation: z.object({ id: z.string(), status: z.string() }).nullish(),
    userErrors: z.array(UserErrorSchema),
  }),
});
const BulkOperationData = z.object({ bulkOperation: BulkOperationSchema.nullish() });

const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullish() });
// Nodes stay unknown here: one bad node must not sink its page (the service validates each).
const OrdersPage = z.object({ orders: z.object({ pageInfo, nodes: z.array(z.unknown()) }) });
const CustomersPage = z.object({ customers: z.object({ pageInfo, nodes: z.array(z.unknown()) }) });

export interface Page {
  nodes: unknown[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export class ShopifyAdminClient {
  private readonly policy: ClientPolicy;

  constructor(
    readonly shop: string,
    private readonly admin: AdminGraphql,
    policy: Partial<ClientPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_POLICY, ...policy };
  }

  /** Starts a bulk query; throws ShopifyUserErrors (e.g. OPERATION_IN_PROGRESS) when Shopify refuses. */
  async runBulkQuery(query: string, groupObjects: boolean): Promise<{ id: string; status: string }> {
    const data = await this.request(
      "BulkOperationRunQuery",
      BULK_OPERATION_RUN_QUERY,
      { query, groupObjects },
      RunQueryData,
    );
    const { bulkOperation, userErrors } = data.bulkOperationRunQuery;
    if (userErrors.length > 0) throw new ShopifyUserErrors("BulkOperationRunQuery", userErrors);
    if (!bulkOperation) throw new ShopifyAdminError("BulkOperationRunQuery", "invalid-response", "no bulkOperation");
    return bulkOperation;
  }

  async bulkOperation(id: string): Promise<BulkOperation | null> {
    const data = await this.request("BulkOperation", BULK_OPERATION, { id }, BulkOperationData);
    return data.bulkOperation ?? null;
  }

  async ordersUpdatedSince(since: Date, after: string | null): Promise<Page> {
    const data = await this.request(
      "RecentlyUpdatedOrders",
      RECENTLY_UPDATED_ORDERS,
      updatedSince(since, after),
      OrdersPage,
    );
    return page(data.orders);
  }

  async customersUpdatedSince(since: Date, after: string | null): Promise<Page> {
    const data = await this.request(
      "RecentlyUpdatedCustomers",
      RECENTLY_UPDATED_CUSTOMERS,
      updatedSince(since, after),
      CustomersPage,
    );
    return page(data.customers);
  }

  /** Sends one operation with the retry policy; returns its validated `data`. */
  async request<T>(
    operation: string,
    document: string,
    variables: Record<string, unknown>,
    schema: z.ZodType<T>,
  ): Promise<T> {
    const log = logger.child({ shop: this.shop, operation });
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(operation, document, variables, attempt);
      if (outcome.kind === "ok") {
        const parsed = schema.safeParse(outcome.data);
        if (!parsed.success) {
          throw new ShopifyAdminError(
            operation,
            "invalid-response",
            parsed.error.issues[0]?.message ?? "unexpected shape",
          );
        }
        return parsed.data;
      }
      if (outcome.kind === "fail") throw outcome.error;
      if (attempt >= this.policy.maxAttempts) {
        throw new ShopifyAdminError(operation, "gave-up", `${outcome.why} after ${attempt} attempts`);
      }
      const waitMs = Math.min(this.policy.maxWaitMs, Math.max(0, outcome.waitMs));
      log.warn({ attempt, waitMs, why: outcome.why }, "Admin API call will be retried");
      await this.policy.sleep(waitMs);
    }
  }

  private async attempt(
    operation: string,
    document: string,
    variables: Record<string, unknown>,
    attempt: number,
  ): Promise<Attempt> {
    let body: unknown;
    try {
      const response = await this.admin.graphql(document, { variables });
      body = await response.json();
    } catch (error) {
      const thrown = error as { body?: unknown; response?: { code?: unknown; retryAfter?: unknown } } | null;
      if (thrown && typeof thrown === "object" && "body" in thrown && thrown.body !== undefined) {
        body = thrown.body;
      } else if (thrown && typeof thrown.response?.code === "number") {
        const code = thrown.response.code;
        if (code === 429) {
          const retryAfter = typeof thrown.response.retryAfter === "number" ? thrown.response.retryAfter * 1000 : 1000;
          return { kind: "retry", waitMs: retryAfter, why: "HTTP 429" };
        }
        if (code >= 500) return { kind: "retry", waitMs: this.policy.backoffMs(attempt), why: `HTTP ${code}` };
        return { kind: "fail", error: new ShopifyAdminError(operation, "http", `HTTP ${code}`) };
      } else {
        const message = error instanceof Error ? error.message : "request failed";
        return { kind: "retry", waitMs: this.policy.backoffMs(attempt), why: `network: ${message.slice(0, 120)}` };
      }
    }
    return this.classify(operation, body, attempt);
  }

  private classify(operation: string, raw: unknown, attempt: number): Attempt {
    const parsed = Body.safeParse(raw);
    if (!parsed.success)
      return { kind: "fail", error: new ShopifyAdminError(operation, "invalid-response", "not a GraphQL body") };
    const { data, errors, extensions } = parsed.data;
    const list = Array.isArray(errors) ? errors : (errors?.graphQLErrors ?? []);
    if (list.some((e) => e.extensions?.code === "THROTTLED")) {
      return { kind: "retry", waitMs: throttleWaitMs(extensions?.cost ?? null), why: "THROTTLED" };
    }
    if (list.some((e) => e.extensions?.code === "INTERNAL_SERVER_ERROR")) {
      return { kind: "retry", waitMs: this.policy.backoffMs(attempt), why: "INTERNAL_SERVER_ERROR" };
    }
    if (list.length > 0) {
      const codes = list.map((e) => e.extensions?.code ?? e.message.slice(0, 80)).join(", ");
      return { kind: "fail", error: new ShopifyAdminError(operation, "graphql", codes) };
    }
    if (data === undefined || data === null) {
      return { kind: "fail", error: new ShopifyAdminError(operation, "invalid-response", "no data") };
    }
    return { kind: "ok", data };
  }
}

/** How long until the leaky bucket holds enough points for the query that was refused. */
export function throttleWaitMs(cost: z.infer<typeof Cost> | null): number {
  const status = cost?.throttleStatus;
  if (!status) return 1_000;
  const needed = (cost.requestedQueryCost ?? status.maximumAvailable / 10) - status.currentlyAvailable;
  return Math.max(50, Math.ceil((needed / status.restoreRate) * 1000));
}

function updatedSince(since: Date, after: string | null) {
  return { query: `updated_at:>='${since.toISOString()}'`, after };
}

function page(connection: { pageInfo: z.infer<typeof pageInfo>; nodes: unknown[] }): Page {
  return {
    nodes: connection.nodes,
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor ?? null,
  };
}

/** The Admin client of a shop, with its offline session (the app must be installed). */
export async function adminClientFor(shop: string, policy: Partial<ClientPolicy> = {}): Promise<ShopifyAdminClient> {
  const { admin } = await unauthenticated.admin(shop);
  return new ShopifyAdminClient(shop, admin, policy);
}

/** The bulk result file: streamed line by line, never held whole. */
export async function* bulkResultLines(url: string, signal?: AbortSignal): AsyncGenerator<string> {
  const response = await fetch(url, { signal });
  if (!response.ok || !response.body)
    throw new ShopifyAdminError("BulkResultDownload", "http", `HTTP ${response.status}`);
  yield* splitLines(chunksOf(response.body));
}

async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // A consumer that stops early (a cancelled import) closes the download.
    if (!done) await reader.cancel().catch(() => undefined);
  }
}
