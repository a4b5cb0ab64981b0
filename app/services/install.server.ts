import { fetchShopDetails, type AdminGraphql } from "../integrations/shopify/shop.server";
import { logger } from "../lib/logger.server";
import { getLatestBackfillRun } from "../models/backfill-run.server";
import { getShop, upsertShopDetails } from "../models/shop.server";
import { startBackfill } from "./backfill.server";
import { ensureScoreMetafieldDefinitions } from "./metafield-sync.server";

/**
 * Runs after Shopify authorises the app for a shop (install, reinstall, re-authorisation):
 * remember its currency and time zone, and import its order history unless a complete import
 * is already there. A reinstall imports again: webhooks were not received while uninstalled.
 * Also makes sure the customer metafield definitions for risk score, level and tier exist.
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

  // Without the definitions the sync still writes the values (as app-private metafields), and a
  // later install or re-authorisation creates them and adopts those values: never fail the install.
  try {
    await ensureScoreMetafieldDefinitions(shop, admin);
  } catch (error) {
    logger.warn(
      { shop, err: error instanceof Error ? error.message.slice(0, 300) : "unknown" },
      "metafield definitions not created; will try again at the next authorisation",
    );
  }
}
