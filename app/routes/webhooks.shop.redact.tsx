import type { ActionFunctionArgs } from "@remix-run/node";

import { ShopRedactPayload } from "../integrations/shopify/lifecycle-payloads";
import { receiveWebhookWithExactIds, redactShop } from "../services/privacy.server";

export const action = ({ request }: ActionFunctionArgs) =>
  receiveWebhookWithExactIds(request, { schema: ShopRedactPayload, apply: redactShop });
