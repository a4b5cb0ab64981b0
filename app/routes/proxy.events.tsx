import { json, type ActionFunctionArgs } from "@remix-run/node";

import { verifyAppProxyQuery } from "../integrations/shopify/app-proxy.server";
import { env } from "../lib/env.server";
import { logger } from "../lib/logger.server";
import { readBatchBody, receiveEventBatch } from "../services/storefront-events.server";

// Storefront events from the tracker, through the app proxy (POST /apps/churn-radar/events on
// the shop's domain). Shopify signs the query, not the body; the customer, if logged in, is
// the signed `logged_in_customer_id`. No Admin API session is needed to store events, so the
// signature is checked without loading one. Beacons ignore the answer, tests and the bench read it.
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return json({ error: "method_not_allowed" }, { status: 405 });
  const proxy = verifyAppProxyQuery(new URL(request.url).searchParams, env().SHOPIFY_API_SECRET);
  if (!proxy.ok) {
    logger.debug({ reason: proxy.reason }, "app proxy request refused");
    return json({ error: "invalid_signature" }, { status: 401 });
  }

  const body = await readBatchBody(request);
  if (body === null) return json({ error: "batch_too_large" }, { status: 413 });
  const outcome = await receiveEventBatch({ shop: proxy.shop, loggedInCustomerId: proxy.loggedInCustomerId, body });
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (outcome.status === 429) headers["retry-after"] = String(outcome.retryAfterSeconds);
  return json(outcome.body, { status: outcome.status, headers });
};
