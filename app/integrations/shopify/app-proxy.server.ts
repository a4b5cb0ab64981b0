import { createHmac, timingSafeEqual } from "node:crypto";

// Shopify's app proxy signs the query it appends to a storefront request (shop,
// logged_in_customer_id, path_prefix, timestamp, and whatever the storefront sent) with the
// app's secret: https://shopify.dev/docs/apps/build/online-store/app-proxies/authenticate-app-proxies
// Every query parameter except `signature` as key=value, a repeated key's values joined with
// ",", sorted by key, concatenated with nothing between them; `signature` is the hex
// HMAC-SHA256 of that. The body is not signed.
//
// Verified here rather than with authenticate.public.appProxy: the library also loads the
// shop's offline session from the database on every request (to hand out an Admin API client)
// and signs through WebCrypto, which together cost about a quarter of the server's CPU per
// storefront batch; storing events needs no Admin API session.

/** How far Shopify's `timestamp` may be from this server's clock, either way (the library's 90 s). */
export const APP_PROXY_MAX_CLOCK_SKEW_SECONDS = 90;

/** Parameters this app reads: refused when repeated, so the value read is the value signed alone. */
const SINGLE_VALUED = new Set(["shop", "logged_in_customer_id", "timestamp", "signature"]);
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const EPOCH_SECONDS = /^\d{1,12}$/;

export type AppProxyRejection =
  | "missing_signature"
  | "malformed_signature"
  | "repeated_parameter"
  | "missing_shop"
  | "invalid_timestamp"
  | "stale_timestamp"
  | "signature_mismatch";

export type AppProxyVerification =
  | {
      ok: true;
      /** The shop's myshopify.com domain as Shopify signed it. */
      shop: string;
      /** The signed `logged_in_customer_id`; null when the visitor is not logged in. */
      loggedInCustomerId: string | null;
    }
  | { ok: false; reason: AppProxyRejection };

/** The string Shopify signs: sorted key=value pairs (repeated values comma-joined), no separator. */
function signedMessage(query: URLSearchParams): string {
  const values = new Map<string, string[]>();
  for (const [key, value] of query) {
    if (key === "signature") continue;
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  // Code-unit order, as Shopify sorts (the keys are ASCII in practice).
  const sorted = [...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let message = "";
  for (const [key, list] of sorted) message += `${key}=${list.join(",")}`;
  return message;
}

/**
 * Checks that an app proxy request's query was signed by Shopify with `secret`, recently.
 * Nothing about the request is trusted before this says ok.
 */
export function verifyAppProxyQuery(
  query: URLSearchParams,
  secret: string,
  now: number = Date.now(),
): AppProxyVerification {
  for (const key of SINGLE_VALUED) {
    if (query.getAll(key).length > 1) return { ok: false, reason: "repeated_parameter" };
  }
  const signature = query.get("signature");
  if (!signature) return { ok: false, reason: "missing_signature" };
  if (!HEX_SHA256.test(signature)) return { ok: false, reason: "malformed_signature" };

  const expected = createHmac("sha256", secret).update(signedMessage(query), "utf8").digest();
  // Both are 32 bytes here, so the comparison's time does not depend on where they differ.
  if (!timingSafeEqual(Buffer.from(signature, "hex"), expected)) return { ok: false, reason: "signature_mismatch" };

  // The timestamp means something only once the signature shows that Shopify wrote it.
  const timestamp = query.get("timestamp");
  if (!timestamp || !EPOCH_SECONDS.test(timestamp)) return { ok: false, reason: "invalid_timestamp" };
  if (Math.abs(now / 1000 - Number(timestamp)) > APP_PROXY_MAX_CLOCK_SKEW_SECONDS) {
    return { ok: false, reason: "stale_timestamp" };
  }
  const shop = query.get("shop");
  if (!shop) return { ok: false, reason: "missing_shop" };
  return { ok: true, shop, loggedInCustomerId: query.get("logged_in_customer_id") || null };
}
