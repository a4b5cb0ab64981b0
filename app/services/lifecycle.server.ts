import { numericIdFromGid } from "../integrations/shopify/webhook-payloads";
import type { CustomerDeletePayload } from "../integrations/shopify/lifecycle-payloads";
import { jobs } from "../jobs/index.server";
import { logger } from "../lib/logger.server";
import { cancelActiveBackfills } from "../models/backfill-run.server";
import { markCustomerDeleted } from "../models/customer.server";
import { ensureShop, markShopUninstalled } from "../models/shop.server";
import type { Tx } from "../models/webhook-delivery.server";

// Customer and shop lifecycle webhooks other than plain order/customer versions.

/** customers/delete: the customer stops being scored and contacted; personal fields are emptied. */
export async function deleteCustomer(
  tx: Tx,
  shop: string,
  payload: CustomerDeletePayload,
): Promise<"processed" | "ignored"> {
  await ensureShop(shop, tx);
  const changed = await markCustomerDeleted(tx, shop, numericIdFromGid(payload.admin_graphql_api_id), new Date());
  return changed ? "processed" : "ignored";
}

/**
 * app/uninstalled: sessions (access tokens) are deleted, the shop is marked uninstalled, its
 * backfill is cancelled and its waiting jobs are dropped. The data stays until shop/redact, which
 * Shopify sends 48 hours later, so a quick reinstall finds everything where it was.
 */
export async function uninstallShop(tx: Tx, shop: string): Promise<"processed"> {
  await markShopUninstalled(tx, shop, new Date());
  await cancelActiveBackfills(tx, shop, "app uninstalled");
  // Jobs also check isShopInstalled before working, so a run already under way stops at its next step.
  const dropped = await jobs.cancelShop(shop);
  logger.info({ shop, droppedJobs: dropped }, "app uninstalled");
  return "processed";
}

/** A delivery of a topic Churn Radar does not subscribe to: acknowledged once, with one log line. */
export async function ignoreUnhandledTopic(_tx: Tx, shop: string): Promise<"ignored"> {
  logger.info({ shop }, "webhook topic not handled; acknowledged and ignored");
  return "ignored";
}
