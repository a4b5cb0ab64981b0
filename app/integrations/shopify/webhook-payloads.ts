import { z } from "zod";

// The parts of Shopify's documented webhook payloads that Churn Radar reads. Ids are taken from
// admin_graphql_api_id: the numeric `id` has lost precision by the time JSON.parse is done with it.

const GID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/;

/** "gid://shopify/Order/820982911946154508" -> "820982911946154508", exactly. */
export function numericIdFromGid(gid: string): string {
  const match = GID.exec(gid);
  if (!match) throw new Error(`not a Shopify GID: ${gid.slice(0, 60)}`);
  return match[2];
}

const gid = (resource: string) =>
  z
    .string()
    .regex(GID, "must be a Shopify GID")
    .refine((value) => value.startsWith(`gid://shopify/${resource}/`), `must be a ${resource} GID`);

const money = z.object({
  amount: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^-?\d+(\.\d+)?$/)),
  currency_code: z.string().length(3),
});

const priceSet = z.object({ shop_money: money, presentment_money: money });

const address = z.object({ country_code: z.string().min(2).max(3).nullish() }).nullish();

const timestamp = z.iso.datetime({ offset: true });

export const OrderWebhookPayload = z.object({
  admin_graphql_api_id: gid("Order"),
  name: z.string().max(255).nullish(),
  created_at: timestamp,
  updated_at: timestamp,
  processed_at: timestamp.nullish(),
  cancelled_at: timestamp.nullish(),
  financial_status: z.string().max(64).nullish(),
  total_price_set: priceSet,
  current_total_price_set: priceSet.nullish(),
  customer: z.object({ admin_graphql_api_id: gid("Customer") }).nullish(),
  billing_address: address,
  shipping_address: address,
  line_items: z.array(z.object({}).loose()).default([]),
  discount_codes: z.array(z.object({ code: z.string().max(255) }).loose()).default([]),
});
export type OrderWebhookPayload = z.infer<typeof OrderWebhookPayload>;

export const CustomerWebhookPayload = z.object({
  admin_graphql_api_id: gid("Customer"),
  email: z.string().max(320).nullish(),
  first_name: z.string().max(255).nullish(),
  last_name: z.string().max(255).nullish(),
  state: z.string().max(32).nullish(),
  // Shopify allows 250 tags of 255 characters: keep what fits rather than refuse the customer.
  tags: z
    .string()
    .nullish()
    .transform((tags) => tags?.slice(0, 10_000)),
  locale: z.string().max(32).nullish(),
  created_at: timestamp,
  updated_at: timestamp,
  default_address: address,
  email_marketing_consent: z.object({ state: z.string().nullish() }).nullish(),
});
export type CustomerWebhookPayload = z.infer<typeof CustomerWebhookPayload>;

/** A short, PII-free description of why a payload was rejected (paths and messages only). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}
