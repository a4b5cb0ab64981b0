import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import { getJwt, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { createElement, type ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";

import { sessionStorage } from "~/shopify.server";

// Requests as Shopify admin sends them to an embedded app: a document load carries the session
// token (a JWT signed with the app secret) in the query; App Bridge's fetch (Remix form and fetcher
// submissions) carries it as a Bearer header. Node's default user agent would be refused as a bot.

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0";

async function sessionToken(shop: string): Promise<string> {
  const { token } = await getJwt(shop.replace(".myshopify.com", ""), "test-api-key", "test-api-secret");
  return token;
}

/** Stores the shop's offline session, as the install leaves it. */
export async function installAdminSession(shop: string): Promise<void> {
  await sessionStorage.storeSession(
    setUpValidSession({ shop, expires: new Date(Date.now() + 3_600_000), accessToken: "shpat_test" }),
  );
}

/** A document request for an admin page (GET), e.g. "/app/alerts?state=open". */
export async function embeddedRequest(shop: string, path = "/app"): Promise<Request> {
  const url = new URL(`https://churn-radar.test${path}`);
  url.searchParams.set("shop", shop);
  url.searchParams.set("host", Buffer.from(`admin.shopify.com/store/${shop.split(".")[0]}`).toString("base64"));
  url.searchParams.set("embedded", "1");
  url.searchParams.set("id_token", await sessionToken(shop));
  return new Request(url, { headers: { "user-agent": BROWSER } });
}

/** A form submission from an admin page (POST with a Bearer session token), as a fetcher sends it. */
export async function embeddedPost(shop: string, path: string, fields: Record<string, string>): Promise<Request> {
  return new Request(`https://churn-radar.test${path}`, {
    method: "POST",
    headers: {
      "user-agent": BROWSER,
      authorization: `Bearer ${await sessionToken(shop)}`,
      "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
    },
    body: new URLSearchParams(fields),
  });
}

/** What an action answered: its status and JSON body. */
export async function actionResult(response: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  if (!(response instanceof Response)) throw new Error("the action did not answer with a Response");
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Server-side markup of a Polaris component, as the page's first render shows it. */
export function renderPolaris(element: ReactElement): string {
  return renderToStaticMarkup(createElement(AppProvider, { i18n: en }, element));
}
