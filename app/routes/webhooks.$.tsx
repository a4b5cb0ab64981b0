import type { ActionFunctionArgs } from "@remix-run/node";

import { AnyPayload } from "../integrations/shopify/lifecycle-payloads";
import { ignoreUnhandledTopic } from "../services/lifecycle.server";
import { receiveWebhook } from "../services/webhooks.server";

// Any /webhooks/... path without its own route: verified, recorded once, answered 200, ignored.
export const action = ({ request }: ActionFunctionArgs) =>
  receiveWebhook(request, { schema: AnyPayload, apply: ignoreUnhandledTopic });
