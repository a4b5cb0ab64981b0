import { createHmac } from "node:crypto";

import { TEST_API_SECRET } from "./shopify-webhooks";

export interface AppProxyQuery {
  shop: string;
  /** "" (Shopify's value for an anonymous visitor) unless a customer is logged in. */
  loggedInCustomerId?: string;
  pathPrefix?: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
}

/**
 * Shopify's app proxy signature: hex HMAC-SHA256 of the query parameters except `signature`,
 * each as key=value (repeated keys' values joined by ","), sorted by key, joined with nothing.
 */
export function appProxySignature(params: Record<string, string>, secret: string = TEST_API_SECRET): string {
  const message = Object.keys(params)
    .filter((key) => key !== "signature")
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join("");
  return createHmac("sha256", secret).update(message, "utf8").digest("hex");
}

/** The query Shopify appends when it forwards a storefront request through the app proxy. */
export function signedAppProxyQuery(query: AppProxyQuery, secret: string = TEST_API_SECRET): URLSearchParams {
  const params: Record<string, string> = {
    shop: query.shop,
    logged_in_customer_id: query.loggedInCustomerId ?? "",
    path_prefix: query.pathPrefix ?? "/apps/churn-radar",
    timestamp: String(query.timestamp ?? Math.floor(Date.now() / 1000)),
  };
  return new URLSearchParams({ ...params, signature: appProxySignature(params, secret) });
}

export interface ProxiedPost extends AppProxyQuery {
  body: string;
  secret?: string;
  /** Replaces the computed signature, to test forgeries; null leaves it out. */
  signature?: string | null;
  contentType?: string;
  appUrl?: string;
}

/** A storefront POST as the app receives it from Shopify's proxy: signed query, unsigned body. */
export function proxiedEventsRequest(post: ProxiedPost): Request {
  const query = signedAppProxyQuery(post, post.secret);
  if (post.signature === null) query.delete("signature");
  else if (post.signature !== undefined) query.set("signature", post.signature);
  return new Request(`${post.appUrl ?? "https://churn-radar.test"}/proxy/events?${query.toString()}`, {
    method: "POST",
    headers: { "content-type": post.contentType ?? "text/plain;charset=UTF-8" },
    body: post.body,
  });
}
