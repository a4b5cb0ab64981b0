import type { ActionFunctionArgs } from "@remix-run/node";

import { receiveQueuedWebhook } from "../services/webhooks.server";

// Stored as a pending delivery and answered 200; app/services/webhook-queue.server.ts applies it.
export const action = ({ request }: ActionFunctionArgs) => receiveQueuedWebhook(request, "customer");
