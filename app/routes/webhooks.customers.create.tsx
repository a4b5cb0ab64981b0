import type { ActionFunctionArgs } from "@remix-run/node";

import { CustomerWebhookPayload } from "../integrations/shopify/webhook-payloads";
import { ingestCustomer } from "../services/ingestion.server";
import { receiveWebhook } from "../services/webhooks.server";

export const action = ({ request }: ActionFunctionArgs) =>
  receiveWebhook(request, { schema: CustomerWebhookPayload, apply: ingestCustomer });
