import type { ActionFunctionArgs } from "@remix-run/node";

import { OrderWebhookPayload } from "../integrations/shopify/webhook-payloads";
import { ingestOrder } from "../services/ingestion.server";
import { receiveWebhook } from "../services/webhooks.server";

export const action = ({ request }: ActionFunctionArgs) =>
  receiveWebhook(request, { schema: OrderWebhookPayload, apply: ingestOrder });
