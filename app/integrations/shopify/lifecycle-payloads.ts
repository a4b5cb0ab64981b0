import { z } from "zod";

// Payloads of the lifecycle and compliance topics (customers/delete, customers/data_request,
// customers/redact, shop/redact, app/uninstalled, bulk_operations/finish). The compliance
// payloads carry ids as bare JSON numbers and no admin_graphql_api_id, so they are read from the
// raw body with `parseJsonKeepingIntegers`: every integer stays the exact text Shopify sent.

const GID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/;

const gid = (resource: string) =>
  z
    .string()
    .regex(GID, "must be a Shopify GID")
    .refine((value) => value.startsWith(`gid://shopify/${resource}/`), `must be a ${resource} GID`);

/** A Shopify numeric id as its exact decimal text (see parseJsonKeepingIntegers). */
const exactId = z.string().regex(/^[1-9]\d{0,19}$/, "must be a positive integer id");

type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

/**
 * JSON.parse that keeps every integer as the decimal text it was sent as: 820982911946154508
 * stays "820982911946154508" instead of becoming 820982911946154500. Uses the reviver's source
 * text (Node >= 21).
 */
export function parseJsonKeepingIntegers(raw: string): unknown {
  const reviver: Reviver = (_key, value, context) =>
    typeof value === "number" && context?.source !== undefined && /^-?\d+$/.test(context.source)
      ? context.source
      : value;
  return JSON.parse(raw, reviver as (key: string, value: unknown) => unknown);
}

export const CustomerDeletePayload = z.object({
  admin_graphql_api_id: gid("Customer"),
});
export type CustomerDeletePayload = z.infer<typeof CustomerDeletePayload>;

const customerReference = z.object({
  id: exactId,
  // Present in the payload; never stored or logged by the handlers.
  email: z.string().nullish(),
  phone: z.string().nullish(),
});

export const CustomerDataRequestPayload = z.object({
  shop_domain: z.string().min(1),
  customer: customerReference,
  orders_requested: z.array(exactId).default([]),
  data_request: z.object({ id: exactId }),
});
export type CustomerDataRequestPayload = z.infer<typeof CustomerDataRequestPayload>;

export const CustomerRedactPayload = z.object({
  shop_domain: z.string().min(1),
  customer: customerReference,
  orders_to_redact: z.array(exactId).default([]),
});
export type CustomerRedactPayload = z.infer<typeof CustomerRedactPayload>;

export const ShopRedactPayload = z.object({
  shop_domain: z.string().min(1),
});
export type ShopRedactPayload = z.infer<typeof ShopRedactPayload>;

/** app/uninstalled sends the shop resource; nothing in it is needed beyond the verified headers. */
export const AppUninstalledPayload = z.object({}).loose();
export type AppUninstalledPayload = z.infer<typeof AppUninstalledPayload>;

export const BulkOperationFinishPayload = z.object({
  admin_graphql_api_id: gid("BulkOperation"),
  /** completed | canceled | failed | expired ... (lower case in the webhook). */
  status: z.string().min(1).max(32),
  error_code: z.string().max(64).nullish(),
  type: z.string().max(32).nullish(),
});
export type BulkOperationFinishPayload = z.infer<typeof BulkOperationFinishPayload>;

/** Any payload at all: for topics that are acknowledged and ignored. */
export const AnyPayload = z.unknown();
