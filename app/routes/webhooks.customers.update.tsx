import type { ActionFunctionArgs } from "@remix-run/node";

import { CustomerWebhookPayload } from "../integrations/shopify/webhook-payloads";
import { ingestCustomerUpdate } from "../services/lifecycle.server";
import { receiveWebhook } from "../services/webhooks.server";

export const action = ({ request }: ActionFunctionArgs) =>
  receiveWebhook(request, { schema: CustomerWebhookPayload, apply: ingestCustomerUpdate });
