import { fetchShopDetails, type AdminGraphql } from "../integrations/shopify/shop.server";
import { logger } from "../lib/logger.server";
import { getLatestBackfillRun } from "../models/backfill-run.server";
import { getShop, upsertShopDetails } from "../models/shop.server";
import { startBackfill } from "./backfill.server";

/**
 * Runs after Shopify authorises the app for a shop (install, reinstall, re-authorisation):
 * remember its currency and time zone, and import its order history unless a complete import
 * is already there. A reinstall imports again: webhooks were not received while uninstalled.
 */
export async function completeInstall(shop: string, admin: AdminGraphql): Promise<void> {
  const before = await getShop(shop);
  const details = await fetchShopDetails(admin);
  await upsertShopDetails(shop, { ...details, uninstalledAtReset: true });
  logger.info({ shop, currency: details.currency, timezone: details.timezone }, "shop authorised");

  const latest = await getLatestBackfillRun(shop);
  const reinstalled = before?.uninstalledAt != null;
  if (!latest || latest.status === "failed" || latest.status === "cancelled" || reinstalled) {
    await startBackfill(shop);
  }
}
