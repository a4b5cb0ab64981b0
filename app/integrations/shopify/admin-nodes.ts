import { z } from "zod";

import type { CustomerWebhookPayload, OrderWebhookPayload } from "./webhook-payloads";

// Orders and customers as the Admin GraphQL API returns them (the bulk JSONL lines and the
// reconciliation pages), validated, then put in the webhook payload shape so that
// app/services/ingestion.server.ts turns every source into the same stored versions.

const GID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/;
const gid = (resource: string) =>
  z
    .string()
    .regex(GID, "must be a Shopify GID")
    .refine((value) => value.startsWith(`gid://shopify/${resource}/`), `must be a ${resource} GID`);

const timestamp = z.iso.datetime({ offset: true });
const money = z.object({
  amount: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^-?\d+(\.\d+)?$/)),
  currencyCode: z.string().length(3),
});
const moneyBag = z.object({ shopMoney: money, presentmentMoney: money });
const address = z.object({ countryCodeV2: z.string().min(2).max(3).nullish() }).nullish();

export const AdminOrderNode = z.object({
  id: gid("Order"),
  name: z.string().max(255).nullish(),
  createdAt: timestamp,
  updatedAt: timestamp,
  processedAt: timestamp.nullish(),
  cancelledAt: timestamp.nullish(),
  displayFinancialStatus: z.string().max(64).nullish(),
  totalPriceSet: moneyBag,
  currentTotalPriceSet: moneyBag.nullish(),
  customer: z.object({ id: gid("Customer") }).nullish(),
  shippingAddress: address,
  billingAddress: address,
  discountCodes: z.array(z.string().max(255)).default([]),
  subtotalLineItemsQuantity: z.number().int().nonnegative().nullish(),
  /** Bulk JSONL only: the parent line's id (the customer in the backfill query). */
  __parentId: z.string().optional(),
});
export type AdminOrderNode = z.infer<typeof AdminOrderNode>;

export const AdminCustomerNode = z.object({
  id: gid("Customer"),
  firstName: z.string().max(255).nullish(),
  lastName: z.string().max(255).nullish(),
  state: z.string().max(32).nullish(),
  tags: z.array(z.string()).default([]),
  locale: z.string().max(32).nullish(),
  createdAt: timestamp,
  updatedAt: timestamp,
  defaultEmailAddress: z
    .object({ emailAddress: z.string().max(320).nullish(), marketingState: z.string().max(32).nullish() })
    .nullish(),
  defaultAddress: address,
});
export type AdminCustomerNode = z.infer<typeof AdminCustomerNode>;

const bag = (b: z.infer<typeof moneyBag>) => ({
  shop_money: { amount: b.shopMoney.amount, currency_code: b.shopMoney.currencyCode },
  presentment_money: { amount: b.presentmentMoney.amount, currency_code: b.presentmentMoney.currencyCode },
});

/**
 * The webhook shape of a GraphQL order. The bulk nesting limit leaves no room for line items, so
 * `line_items` is empty here and callers take the line count from `lineItemsCountOf(node)`.
 */
export function orderPayloadFromNode(node: AdminOrderNode): OrderWebhookPayload {
  const customerGid =
    node.customer?.id ?? (node.__parentId?.startsWith("gid://shopify/Customer/") ? node.__parentId : null);
  return {
    admin_graphql_api_id: node.id,
    name: node.name ?? null,
    created_at: node.createdAt,
    updated_at: node.updatedAt,
    processed_at: node.processedAt ?? null,
    cancelled_at: node.cancelledAt ?? null,
    financial_status: node.displayFinancialStatus ? node.displayFinancialStatus.toLowerCase() : null,
    total_price_set: bag(node.totalPriceSet),
    current_total_price_set: node.currentTotalPriceSet ? bag(node.currentTotalPriceSet) : null,
    customer: customerGid ? { admin_graphql_api_id: customerGid } : null,
    billing_address: node.billingAddress ? { country_code: node.billingAddress.countryCodeV2 ?? null } : null,
    shipping_address: node.shippingAddress ? { country_code: node.shippingAddress.countryCodeV2 ?? null } : null,
    line_items: [],
    discount_codes: node.discountCodes.map((code) => ({ code })),
  };
}

/** Item quantity: the closest to a line count that two bulk connection levels allow. */
export function lineItemsCountOf(node: AdminOrderNode): number {
  return node.subtotalLineItemsQuantity ?? 0;
}

export function customerPayloadFromNode(node: AdminCustomerNode): CustomerWebhookPayload {
  return {
    admin_graphql_api_id: node.id,
    email: node.defaultEmailAddress?.emailAddress ?? null,
    first_name: node.firstName ?? null,
    last_name: node.lastName ?? null,
    state: node.state ? node.state.toLowerCase() : null,
    tags: node.tags.join(", "),
    locale: node.locale ?? null,
    created_at: node.createdAt,
    updated_at: node.updatedAt,
    default_address: node.defaultAddress ? { country_code: node.defaultAddress.countryCodeV2 ?? null } : null,
    email_marketing_consent: node.defaultEmailAddress?.marketingState
      ? { state: node.defaultEmailAddress.marketingState.toLowerCase() }
      : null,
  };
}

export type BulkLine =
  | { kind: "customer"; node: AdminCustomerNode }
  | { kind: "order"; node: AdminOrderNode }
  | { kind: "invalid"; reason: string };

/** Classifies and validates one JSONL line of the backfill's bulk result (already JSON-parsed). */
export function parseBulkLine(value: unknown): BulkLine {
  const id = typeof value === "object" && value !== null ? (value as { id?: unknown }).id : undefined;
  if (typeof id !== "string") return { kind: "invalid", reason: "line has no id" };
  if (id.startsWith("gid://shopify/Customer/")) {
    const parsed = AdminCustomerNode.safeParse(value);
    return parsed.success
      ? { kind: "customer", node: parsed.data }
      : { kind: "invalid", reason: describe(parsed.error) };
  }
  if (id.startsWith("gid://shopify/Order/")) {
    const parsed = AdminOrderNode.safeParse(value);
    return parsed.success ? { kind: "order", node: parsed.data } : { kind: "invalid", reason: describe(parsed.error) };
  }
  return { kind: "invalid", reason: `unexpected object type ${id.split("/")[3] ?? "unknown"}` };
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}
