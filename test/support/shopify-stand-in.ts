import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";

import prisma from "~/db.server";

import { startShopifyStandIn, type ShopifyStandIn, type StandInShop } from "../shopify-stand-in/server";

// Points the REAL Shopify Admin client (unauthenticated.admin -> @shopify/shopify-api ->
// @shopify/admin-api-client) at the local stand-in: the library's fetch, captured when its Node
// adapter was imported, is replaced with one that sends https://<shop>.myshopify.com/admin/...
// to http://127.0.0.1:<port>/<shop>/admin/... and everything else to the real fetch.

let running: ShopifyStandIn | undefined;

export async function useShopifyStandIn(): Promise<ShopifyStandIn> {
  running ??= await startShopifyStandIn();
  const standIn = running;
  const realFetch = globalThis.fetch;
  setAbstractFetchFunc(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    if (url.hostname.endsWith(".myshopify.com")) {
      return realFetch(`${standIn.origin}/${url.hostname}${url.pathname}${url.search}`, init);
    }
    return realFetch(input, init);
  });
  return standIn;
}

export async function stopShopifyStandIn(): Promise<void> {
  await running?.close();
  running = undefined;
}

/** An installed shop: its offline session (what unauthenticated.admin loads) and its Shop row. */
export async function installStandInShop(standIn: ShopifyStandIn, shop: string): Promise<StandInShop> {
  const accessToken = `shpat_${shop.split(".")[0]}`;
  await prisma.session.upsert({
    where: { id: `offline_${shop}` },
    create: {
      id: `offline_${shop}`,
      shop,
      state: "installed",
      isOnline: false,
      accessToken,
      scope: "read_customers,read_orders",
    },
    update: { accessToken },
  });
  await prisma.shop.upsert({ where: { domain: shop }, create: { domain: shop }, update: { uninstalledAt: null } });
  return standIn.addShop(shop, accessToken);
}
