import { json } from "@remix-run/node";
import type { z } from "zod";

import { describeIssues } from "../integrations/shopify/webhook-payloads";
import { logger } from "../lib/logger.server";
import {
  processDeliveryOnce,
  recordRejectedDelivery,
  type DeliveryKey,
  type Tx,
} from "../models/webhook-delivery.server";
import { authenticate } from "../shopify.server";

/** Shopify's own payloads stay far below this; anything larger is refused before parsing. */
export const MAX_WEBHOOK_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Reads the body only until it passes `limit` bytes, so an unauthenticated sender without a
 * Content-Length header cannot make us buffer more than that.
 */
async function bodyExceeds(request: Request, limit: number): Promise<boolean> {
  if (!request.body) return false;
  const reader = request.body.getReader();
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return false;
    total += value.byteLength;
    if (total > limit) {
      // Not awaited: a cancelled branch of a tee'd body settles only once the other branch
      // (the unread original) is cancelled too.
      reader.cancel().catch(() => undefined);
      return true;
    }
  }
}

export interface WebhookHandler<T> {
  schema: z.ZodType<T>;
  apply: (tx: Tx, shop: string, payload: T) => Promise<"processed" | "ignored">;
}

/**
 * The whole life of one webhook delivery: verify (401/400 from the Shopify library), refuse
 * bodies that are too large or not JSON, validate the payload, then record the delivery id and
 * apply the change in one transaction. Nothing is written for a forged or malformed delivery
 * except a content-free trace of the rejection.
 */
export async function receiveWebhook<T>(request: Request, handler: WebhookHandler<T>): Promise<Response> {
  const declaredLength = Number(request.headers.get("content-length") ?? 0);
  if (declaredLength > MAX_WEBHOOK_BODY_BYTES || (await bodyExceeds(request.clone(), MAX_WEBHOOK_BODY_BYTES))) {
    return new Response("Payload too large", { status: 413 });
  }

  let context: Awaited<ReturnType<typeof authenticate.webhook>>;
  try {
    context = await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof Response) return error;
    if (error instanceof SyntaxError) {
      logger.warn(
        { shop: request.headers.get("x-shopify-shop-domain"), topic: request.headers.get("x-shopify-topic") },
        "webhook rejected: body is not valid JSON",
      );
      return json({ error: "body is not valid JSON" }, { status: 400 });
    }
    throw error;
  }

  const key: DeliveryKey = {
    shop: context.shop,
    webhookId: context.webhookId,
    topic: context.topic,
    eventId: "eventId" in context ? context.eventId : undefined,
  };
  const log = logger.child({ shop: key.shop, topic: key.topic, webhookId: key.webhookId });

  const parsed = handler.schema.safeParse(context.payload);
  if (!parsed.success) {
    const reason = describeIssues(parsed.error);
    log.warn({ reason }, "webhook rejected: payload is missing what we need");
    await recordRejectedDelivery(key, reason);
    return json({ error: `invalid payload: ${reason}` }, { status: 400 });
  }

  const outcome = await processDeliveryOnce(key, (tx) => handler.apply(tx, key.shop, parsed.data));
  log.debug({ outcome }, "webhook handled");
  return new Response(null, { status: 200 });
}
