import { SHOP_DETAILS_QUERY } from "./graphql/shop-details";

/** The part of the Admin API context this module needs (as given by authenticate.admin). */
export interface AdminGraphql {
  graphql: (query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>;
}

export interface ShopDetails {
  name: string;
  currency: string;
  timezone: string;
}

export async function fetchShopDetails(admin: AdminGraphql): Promise<ShopDetails> {
  const response = await admin.graphql(SHOP_DETAILS_QUERY);
  const body = (await response.json()) as {
    data?: { shop?: { name?: unknown; currencyCode?: unknown; ianaTimezone?: unknown } };
    errors?: unknown;
  };
  const shop = body.data?.shop;
  if (
    !shop ||
    typeof shop.name !== "string" ||
    typeof shop.currencyCode !== "string" ||
    typeof shop.ianaTimezone !== "string"
  ) {
    throw new Error(
      `ShopDetails query returned no shop (errors: ${JSON.stringify(body.errors ?? null).slice(0, 300)})`,
    );
  }
  return { name: shop.name, currency: shop.currencyCode, timezone: shop.ianaTimezone };
}
