import prisma from "../db.server";
import { adminClientFor, type Page, type ShopifyAdminClient } from "../integrations/shopify/admin-client.server";
import { AdminCustomerNode, AdminOrderNode } from "../integrations/shopify/admin-nodes";
import { JOB } from "../jobs/index.server";
import { logger } from "../lib/logger.server";
import { isShopInstalled } from "../models/shop.server";
import { getSyncCursor, setSyncCursor } from "../models/sync-cursor.server";
import { ingestBatch } from "./batch-ingestion.server";

// Webhooks can be missed (8 failed attempts) or arrive up to a day late. Reconciliation re-reads
// what changed in Shopify since the last run and stores it through the same newer-wins path, so a
// missed change is healed within one period and a late webhook then finds nothing older to undo.

export const RECONCILE_CURSOR = "reconcile";
/** Re-read a little before the previous run's start, for clock skew and in-flight writes. */
export const RECONCILE_OVERLAP_MS = 10 * 60_000;
/** The first run looks back further than Shopify's longest delivery delay. */
export const FIRST_RECONCILE_LOOKBACK_MS = 26 * 3_600_000;

export interface ReconcileResult {
  since: string;
  customers: number;
  orders: number;
  saved: number;
  invalid: number;
}

export async function reconcileShop(
  shop: string,
  options: { admin?: (shop: string) => Promise<ShopifyAdminClient>; now?: Date } = {},
): Promise<ReconcileResult | null> {
  if (!(await isShopInstalled(shop))) return null;
  const startedAt = options.now ?? new Date();
  const cursor = await getSyncCursor(shop, RECONCILE_CURSOR);
  const since = cursor
    ? new Date(Date.parse(cursor) - RECONCILE_OVERLAP_MS)
    : new Date(startedAt.getTime() - FIRST_RECONCILE_LOOKBACK_MS);
  const admin = await (options.admin ?? adminClientFor)(shop);
  const result: ReconcileResult = { since: since.toISOString(), customers: 0, orders: 0, saved: 0, invalid: 0 };

  // Customers first, so orders find their customer's latest version already stored.
  await eachPage(
    (after) => admin.customersUpdatedSince(since, after),
    async (nodes) => {
      const customers = validNodes(nodes, AdminCustomerNode, result);
      result.customers += customers.length;
      const outcome = await prisma.$transaction((tx) => ingestBatch(tx, shop, { customers, orders: [] }), {
        timeout: 60_000,
      });
      result.saved += outcome.customersCreated;
    },
  );
  await eachPage(
    (after) => admin.ordersUpdatedSince(since, after),
    async (nodes) => {
      const orders = validNodes(nodes, AdminOrderNode, result);
      result.orders += orders.length;
      const outcome = await prisma.$transaction((tx) => ingestBatch(tx, shop, { customers: [], orders }), {
        timeout: 60_000,
      });
      result.saved += outcome.ordersSaved;
    },
  );

  await setSyncCursor(shop, RECONCILE_CURSOR, startedAt.toISOString());
  logger.info({ shop, job: JOB.reconcileShop, ...result }, "reconciliation done");
  return result;
}

async function eachPage(
  fetchPage: (after: string | null) => Promise<Page>,
  handle: (nodes: unknown[]) => Promise<void>,
) {
  let after: string | null = null;
  for (;;) {
    const page = await fetchPage(after);
    await handle(page.nodes);
    if (!page.hasNextPage || !page.endCursor) return;
    after = page.endCursor;
  }
}

function validNodes<T>(
  nodes: unknown[],
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  result: ReconcileResult,
): T[] {
  const valid: T[] = [];
  for (const node of nodes) {
    const parsed = schema.safeParse(node);
    if (parsed.success) valid.push(parsed.data);
    else result.invalid++;
  }
  return valid;
}
