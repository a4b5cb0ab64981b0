import { z } from "zod";

import {
  parseJsonKeepingIntegers,
  type CustomerDataRequestPayload,
  type CustomerRedactPayload,
} from "../integrations/shopify/lifecycle-payloads";
import { logger } from "../lib/logger.server";
import { buildCustomerExport, deleteShopData, redactCustomerData, saveDataRequest } from "../models/privacy.server";
import type { Tx } from "../models/webhook-delivery.server";
import { jobs } from "../jobs/index.server";
import { receiveWebhook, type WebhookHandler } from "./webhooks.server";

// The three mandatory compliance webhooks. Logs carry ids and counts only, never what the
// customer's data contains.

/**
 * Like receiveWebhook, but the payload handed to the schema is parsed from the raw body with
 * every integer kept exact: the compliance payloads carry 64-bit ids as bare JSON numbers.
 * Verification still happens first, inside receiveWebhook.
 */
export async function receiveWebhookWithExactIds<T>(request: Request, handler: WebhookHandler<T>): Promise<Response> {
  const raw = await request.clone().text();
  // The verified payload is ignored in favour of the same body parsed exactly (receiveWebhook
  // refuses oversized and non-JSON bodies before the schema runs).
  const schema: z.ZodType<T> = z
    .unknown()
    .transform(() => {
      try {
        return parseJsonKeepingIntegers(raw);
      } catch {
        return undefined;
      }
    })
    .pipe(handler.schema);
  return receiveWebhook(request, { schema, apply: handler.apply });
}

/** customers/data_request: builds the customer's export and records it for the merchant. */
export async function recordDataRequest(
  tx: Tx,
  shop: string,
  payload: CustomerDataRequestPayload,
): Promise<"processed"> {
  const customerShopifyId = payload.customer.id;
  const data = await buildCustomerExport(tx, shop, customerShopifyId, payload.orders_requested, new Date());
  await saveDataRequest(tx, { shop, customerShopifyId, requestId: payload.data_request.id, export: data });
  logger.info(
    { shop, requestId: payload.data_request.id, orders: data.orders.length, events: data.storefrontEvents.length },
    "customer data request recorded",
  );
  return "processed";
}

/** customers/redact: see redactCustomerData; an unknown customer changes nothing. */
export async function redactCustomer(
  tx: Tx,
  shop: string,
  payload: CustomerRedactPayload,
): Promise<"processed" | "ignored"> {
  const result = await redactCustomerData(tx, shop, payload.customer.id, payload.orders_to_redact, new Date());
  const touched = result.customerFound || result.ordersDetached + result.eventsDeleted + result.rowsDeleted > 0;
  logger.info({ shop, ...result }, touched ? "customer redacted" : "customer redact: nothing stored for this customer");
  return touched ? "processed" : "ignored";
}

/** shop/redact: everything of the shop goes, in every shop-scoped table. */
export async function redactShop(tx: Tx, shop: string): Promise<"processed"> {
  const rows = await deleteShopData(tx, shop);
  await jobs.cancelShop(shop);
  logger.info({ shop, rows }, "shop redacted");
  return "processed";
}
