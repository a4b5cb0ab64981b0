import { createHmac, randomUUID } from "node:crypto";

export const TEST_API_SECRET = "test-api-secret";
export const TEST_API_VERSION = "2026-10";

export interface WebhookDelivery {
  topic: string;
  shop: string;
  body: unknown;
  /** Raw text to send instead of JSON.stringify(body), e.g. malformed JSON. */
  rawBody?: string;
  webhookId?: string;
  eventId?: string;
  secret?: string;
  /** Headers to leave out, to test Shopify's required headers. */
  omitHeaders?: string[];
  /** Replace the computed HMAC, to test forgeries. */
  hmac?: string;
}

/** base64(HMAC-SHA256(secret, raw body)): how Shopify signs every webhook delivery. */
export function shopifyWebhookHmac(rawBody: string, secret: string = TEST_API_SECRET): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest("base64");
}

/** A webhook delivery exactly as Shopify sends it: raw JSON body, signed, with its headers. */
export function signedWebhookRequest(delivery: WebhookDelivery, url = "https://churn-radar.test/webhooks"): Request {
  const raw = delivery.rawBody ?? JSON.stringify(delivery.body);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-shopify-hmac-sha256": delivery.hmac ?? shopifyWebhookHmac(raw, delivery.secret),
    "x-shopify-topic": delivery.topic,
    "x-shopify-shop-domain": delivery.shop,
    "x-shopify-api-version": TEST_API_VERSION,
    "x-shopify-webhook-id": delivery.webhookId ?? randomUUID(),
    "x-shopify-event-id": delivery.eventId ?? randomUUID(),
    "x-shopify-triggered-at": new Date().toISOString(),
  };
  for (const name of delivery.omitHeaders ?? []) delete headers[name.toLowerCase()];
  return new Request(url, { method: "POST", headers, body: raw });
}

/** A shop domain no other test uses, so tests sharing a worker database never see each other. */
export function uniqueShop(prefix = "test"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}.myshopify.com`;
}

/**
 * Applies every queued order and customer delivery, as the app's drainer does moments after it
 * answered 200: tests that check what a delivery stored call this first. (Imported lazily, so
 * that the signing helpers above stay free of app code for the bench.)
 */
export async function drainQueuedWebhooks(): Promise<void> {
  const { drainWebhookQueue } = await import("../../app/services/webhook-queue.server");
  await drainWebhookQueue();
}

type RouteAction = (args: {
  request: Request;
  params: Record<string, string>;
  context: Record<string, unknown>;
}) => unknown;

/** Calls a route's action the way Remix does, with a delivery signed like Shopify signs it. */
export async function postWebhook(action: RouteAction, delivery: WebhookDelivery): Promise<Response> {
  return (await action({ request: signedWebhookRequest(delivery), params: {}, context: {} })) as Response;
}

/** postWebhook, then the queue drained: what the delivery ends up storing is there to check. */
export async function deliverAndDrain(action: RouteAction, delivery: WebhookDelivery): Promise<Response> {
  const response = await postWebhook(action, delivery);
  await drainQueuedWebhooks();
  return response;
}
