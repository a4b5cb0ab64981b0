import { fetchShopDetails, type AdminGraphql } from "../integrations/shopify/shop.server";
import { logger } from "../lib/logger.server";
import { upsertShopDetails } from "../models/shop.server";

/** Runs after Shopify authorises the app for a shop: remember its currency and time zone. */
export async function completeInstall(shop: string, admin: AdminGraphql): Promise<void> {
  const details = await fetchShopDetails(admin);
  await upsertShopDetails(shop, { ...details, uninstalledAtReset: true });
  logger.info({ shop, currency: details.currency, timezone: details.timezone }, "shop installed");
}
