import { createHmac, timingSafeEqual } from "node:crypto";

import { json } from "@remix-run/node";
import type { z } from "zod";

import { describeIssues } from "../integrations/shopify/webhook-payloads";
import { env } from "../lib/env.server";
import { logger } from "../lib/logger.server";
import {
  processDeliveryOnce,
  recordRejectedDelivery,
  type DeliveryKey,
  type Tx,
} from "../models/webhook-delivery.server";
import { authenticate } from "../shopify.server";
import {
  drainWebhookQueue,
  queuedKindOf,
  QUEUED_SCHEMAS,
  queueDelivery,
  type QueuedKind,
} from "./webhook-queue.server";

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
 * The synchronous life of one webhook delivery (privacy, deletion and lifecycle topics): verify (401/400 from the Shopify library), refuse
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

  // Order and customer deliveries of this shop that are still queued arrived before this one:
  // apply them first, so that e.g. a customers/redact is never followed by an older order or
  // customer version of the same person.
  await drainWebhookQueue({ shop: key.shop, receivedBefore: new Date() });
  const outcome = await processDeliveryOnce(key, (tx) => handler.apply(tx, key.shop, parsed.data));
  log.debug({ outcome }, "webhook handled");
  return new Response(null, { status: 200 });
}

/**
 * The body, read only until it passes `limit` bytes (null then): an unauthenticated sender
 * without a Content-Length header cannot make us buffer more than that.
 */
async function readBodyUpTo(request: Request, limit: number): Promise<Buffer | null> {
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, total);
    total += value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
}

/** X-Shopify-Hmac-Sha256 is base64(HMAC-SHA256(app secret, raw body)); compared in constant time. */
export function isSignedByShopify(body: Buffer, signature: string | null, secret: string): boolean {
  if (!signature) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(signature, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** "orders/create" -> "ORDERS_CREATE", the form the Shopify library (and so every stored trace) uses. */
const storedTopic = (topic: string) => topic.toUpperCase().replace(/[/.]/g, "_");

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9.-]{0,253}[a-z0-9]$/i;

/**
 * Order and customer topics: the minimum durable write, then 200. The body is limited to 5 MB
 * (413), its signature checked against the app secret (401), Shopify's headers required (400),
 * the payload validated like the synchronous path does (400 with a PII-free reason and a
 * rejected trace), and the delivery stored once as "pending" with its body (a repeat of its
 * webhook id is a duplicate). The queue drainer applies it moments later; no session lookup.
 */
export async function receiveQueuedWebhook(request: Request, kind: QueuedKind): Promise<Response> {
  if (request.method !== "POST") return new Response(null, { status: 405 });
  if (Number(request.headers.get("content-length") ?? 0) > MAX_WEBHOOK_BODY_BYTES) {
    return new Response("Payload too large", { status: 413 });
  }
  const body = await readBodyUpTo(request, MAX_WEBHOOK_BODY_BYTES);
  if (!body) return new Response("Payload too large", { status: 413 });
  if (!isSignedByShopify(body, request.headers.get("x-shopify-hmac-sha256"), env().SHOPIFY_API_SECRET)) {
    return new Response(null, { status: 401 });
  }

  const headers = {
    topic: request.headers.get("x-shopify-topic"),
    shop: request.headers.get("x-shopify-shop-domain"),
    apiVersion: request.headers.get("x-shopify-api-version"),
    webhookId: request.headers.get("x-shopify-webhook-id"),
  };
  const missing = Object.entries(headers)
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0 || !headers.topic || !headers.shop || !headers.webhookId) {
    return json({ error: `missing Shopify headers: ${missing.join(", ")}` }, { status: 400 });
  }
  if (!SHOP_DOMAIN.test(headers.shop)) return json({ error: "invalid shop domain" }, { status: 400 });
  const key: DeliveryKey = {
    shop: headers.shop,
    webhookId: headers.webhookId,
    topic: storedTopic(headers.topic),
    eventId: request.headers.get("x-shopify-event-id") ?? undefined,
  };
  const log = logger.child({ shop: key.shop, topic: key.topic, webhookId: key.webhookId });
  if (queuedKindOf(key.topic) !== kind) {
    log.warn("webhook rejected: topic not served by this endpoint");
    return json({ error: `topic ${key.topic} is not served here` }, { status: 400 });
  }

  const text = body.toString("utf8");
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    log.warn("webhook rejected: body is not valid JSON");
    return json({ error: "body is not valid JSON" }, { status: 400 });
  }
  const parsed = QUEUED_SCHEMAS[kind].safeParse(payload);
  if (!parsed.success) {
    const reason = describeIssues(parsed.error);
    log.warn({ reason }, "webhook rejected: payload is missing what we need");
    await recordRejectedDelivery(key, reason);
    return json({ error: `invalid payload: ${reason}` }, { status: 400 });
  }

  const outcome = await queueDelivery(key, text);
  log.debug({ outcome }, "webhook queued");
  return new Response(null, { status: 200 });
}
