import type { ActionFunctionArgs } from "@remix-run/node";

import { drainQueuedWebhooks, signedWebhookRequest, type WebhookDelivery } from "./shopify-webhooks";

type RouteAction = (args: ActionFunctionArgs) => unknown;

/**
 * Calls a route's action the way Remix does, with a request signed like Shopify signs it, then
 * lets the webhook queue apply what it stored (order and customer topics answer 200 first).
 */
export async function deliver(action: RouteAction, delivery: WebhookDelivery): Promise<Response> {
  const request = signedWebhookRequest(delivery);
  const response = (await action({ request, params: {}, context: {} })) as Response;
  await drainQueuedWebhooks();
  return response;
}
