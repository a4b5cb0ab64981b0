import type { ActionFunctionArgs } from "@remix-run/node";

import { CustomerDataRequestPayload } from "../integrations/shopify/lifecycle-payloads";
import { receiveWebhookWithExactIds, recordDataRequest } from "../services/privacy.server";

export const action = ({ request }: ActionFunctionArgs) =>
  receiveWebhookWithExactIds(request, { schema: CustomerDataRequestPayload, apply: recordDataRequest });
