import { json, type ActionFunctionArgs } from "@remix-run/node";

import { readBatchBody, receiveEventBatch } from "../services/storefront-events.server";
import { authenticate } from "../shopify.server";

// Storefront events from the tracker, through the app proxy (POST /apps/churn-radar/events on
// the shop's domain). Shopify signs the query, not the body; the customer, if logged in, is
// the signed `logged_in_customer_id`. Beacons ignore the answer, tests and the bench read it.
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return json({ error: "method_not_allowed" }, { status: 405 });
  try {
    await authenticate.public.appProxy(request);
  } catch (error) {
    // The library answers a bad, missing or stale signature with 400: a failed authentication.
    if (error instanceof Response && error.status === 400) {
      return json({ error: "invalid_signature" }, { status: 401 });
    }
    throw error;
  }
  const query = new URL(request.url).searchParams;
  const shop = query.get("shop");
  if (!shop) return json({ error: "invalid_signature" }, { status: 401 });

  const body = await readBatchBody(request);
  if (body === null) return json({ error: "batch_too_large" }, { status: 413 });
  const outcome = await receiveEventBatch({ shop, loggedInCustomerId: query.get("logged_in_customer_id"), body });
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (outcome.status === 429) headers["retry-after"] = String(outcome.retryAfterSeconds);
  return json(outcome.body, { status: outcome.status, headers });
};
