import type { ActionFunctionArgs } from "@remix-run/node";

import { CustomerRedactPayload } from "../integrations/shopify/lifecycle-payloads";
import { receiveWebhookWithExactIds, redactCustomer } from "../services/privacy.server";

export const action = ({ request }: ActionFunctionArgs) =>
  receiveWebhookWithExactIds(request, { schema: CustomerRedactPayload, apply: redactCustomer });
