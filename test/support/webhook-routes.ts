import type { ActionFunctionArgs } from "@remix-run/node";

import { signedWebhookRequest, type WebhookDelivery } from "./shopify-webhooks";

type RouteAction = (args: ActionFunctionArgs) => unknown;

/** Calls a route's action the way Remix does, with a request signed like Shopify signs it. */
export async function deliver(action: RouteAction, delivery: WebhookDelivery): Promise<Response> {
  const request = signedWebhookRequest(delivery);
  return (await action({ request, params: {}, context: {} })) as Response;
}
