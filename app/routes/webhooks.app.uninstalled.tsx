import type { ActionFunctionArgs } from "@remix-run/node";

import { AppUninstalledPayload } from "../integrations/shopify/lifecycle-payloads";
import { uninstallShop } from "../services/lifecycle.server";
import { receiveWebhook } from "../services/webhooks.server";

export const action = ({ request }: ActionFunctionArgs) =>
  receiveWebhook(request, { schema: AppUninstalledPayload, apply: uninstallShop });
