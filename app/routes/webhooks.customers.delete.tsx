import type { ActionFunctionArgs } from "@remix-run/node";

import { CustomerDeletePayload } from "../integrations/shopify/lifecycle-payloads";
import { deleteCustomer } from "../services/lifecycle.server";
import { receiveWebhook } from "../services/webhooks.server";

export const action = ({ request }: ActionFunctionArgs) =>
  receiveWebhook(request, { schema: CustomerDeletePayload, apply: deleteCustomer });
