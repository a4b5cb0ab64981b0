import {
  type CustomerWebhookPayload,
  numericIdFromGid,
  type OrderWebhookPayload,
} from "../integrations/shopify/webhook-payloads";
import { amountRemoved } from "../lib/money";
import {
  lockCustomers,
  redactedCustomerIds,
  refreshCustomersAggregates,
  saveCustomerVersions,
  type CustomerVersion,
} from "../models/customer.server";
import {
  newerOrderVersions,
  purchasesByCustomer,
  withoutCustomers,
  writeOrderVersions,
  type OrderVersion,
} from "../models/order.server";
import { ensureShop } from "../models/shop.server";
import type { Tx } from "../models/webhook-delivery.server";

// The one way orders and customers enter the database: webhooks, the backfill and the demo
// importer all come through here, so they store exactly the same thing.

export function orderVersionFrom(payload: OrderWebhookPayload): OrderVersion {
  const total = payload.total_price_set;
  const current = payload.current_total_price_set ?? total;
  // What refunds and edits took off the order, in shop money, exactly (KWD has three decimals).
  const refunded = amountRemoved(total.shop_money.amount, current.shop_money.amount);
  return {
    shopifyId: numericIdFromGid(payload.admin_graphql_api_id),
    name: payload.name ?? null,
    customerShopifyId: payload.customer ? numericIdFromGid(payload.customer.admin_graphql_api_id) : null,
    processedAt: new Date(payload.processed_at ?? payload.created_at),
    shopifyUpdatedAt: new Date(payload.updated_at),
    cancelledAt: payload.cancelled_at ? new Date(payload.cancelled_at) : null,
    financialStatus: payload.financial_status ?? null,
    totalShop: total.shop_money.amount,
    currencyShop: total.shop_money.currency_code,
    totalPresentment: total.presentment_money.amount,
    currencyPresentment: total.presentment_money.currency_code,
    refundedShop: refunded,
    country: payload.shipping_address?.country_code ?? payload.billing_address?.country_code ?? null,
    lineItemsCount: payload.line_items.length,
    discountCodes: payload.discount_codes.map((d) => d.code),
  };
}

export function customerVersionFrom(payload: CustomerWebhookPayload): CustomerVersion {
  return {
    shopifyId: numericIdFromGid(payload.admin_graphql_api_id),
    email: payload.email ?? null,
    firstName: payload.first_name ?? null,
    lastName: payload.last_name ?? null,
    country: payload.default_address?.country_code ?? null,
    locale: payload.locale ?? null,
    state: payload.state ?? null,
    tags: payload.tags ?? null,
    marketingConsent: payload.email_marketing_consent?.state === "subscribed",
    shopifyCreatedAt: new Date(payload.created_at),
    shopifyUpdatedAt: new Date(payload.updated_at),
  };
}

/**
 * One order version and its customer's aggregates (a single change outside the webhook queue).
 * The same path as a batch of one, so single and batch writes cannot drift apart.
 */
export async function ingestOrder(
  tx: Tx,
  shop: string,
  payload: OrderWebhookPayload,
): Promise<"processed" | "ignored"> {
  const result = await ingestVersions(tx, shop, { customers: [], orders: [orderVersionFrom(payload)] });
  return result.saved.orders.size > 0 ? "processed" : "ignored";
}

/** One customer version; a deleted or redacted customer, or an older version, changes nothing. */
export async function ingestCustomer(
  tx: Tx,
  shop: string,
  payload: CustomerWebhookPayload,
): Promise<"processed" | "ignored"> {
  const result = await ingestVersions(tx, shop, { customers: [customerVersionFrom(payload)], orders: [] });
  return result.saved.customers.size > 0 ? "processed" : "ignored";
}

export interface VersionBatch {
  customers: CustomerVersion[];
  orders: OrderVersion[];
}

export interface IngestedVersions {
  customersCreated: number;
  ordersSaved: number;
  /** The versions of the batch that were written (the others were older than what is stored). */
  saved: { orders: Set<OrderVersion>; customers: Set<CustomerVersion> };
}

/**
 * Many customers and orders at once (the webhook queue, the demo import, a backfill page), with
 * the newer-wins rule by `updated_at` and a handful of statements per batch instead of per order.
 * An order of a redacted customer is stored without the link to them: it counts for the shop's
 * totals, and brings back neither their aggregates nor anything else about them.
 */
export async function ingestVersions(tx: Tx, shop: string, batch: VersionBatch): Promise<IngestedVersions> {
  await ensureShop(shop, tx);
  const { newer, previousCustomerShopifyIds } = await newerOrderVersions(tx, shop, batch.orders);
  const orderCustomers = newer.flatMap((order) => (order.customerShopifyId ? [order.customerShopifyId] : []));
  // Every customer this batch may write, locked at once and in order (see lockCustomers), before
  // the redaction check: a customers/redact (which takes its customer's lock) either committed
  // already and is seen by it, or waits for this batch and then detaches what it wrote.
  await lockCustomers(tx, shop, [
    ...batch.customers.map((c) => c.shopifyId),
    ...orderCustomers,
    ...previousCustomerShopifyIds,
  ]);
  // Their orders are stored without the link to them, and their emptied aggregates stay so.
  const redacted = await redactedCustomerIds(tx, shop, [...orderCustomers, ...previousCustomerShopifyIds]);
  const orders = withoutCustomers(newer, redacted);
  await writeOrderVersions(tx, shop, orders);
  const purchases = purchasesByCustomer(orders);
  const customers = await saveCustomerVersions(tx, shop, batch.customers, purchases);
  const created = new Set(customers.created);
  // Customers inserted just now carry this batch's aggregates already; every other customer the
  // batch touched is recomputed from the orders stored for them.
  const stale = [...new Set([...purchases.keys(), ...previousCustomerShopifyIds])].filter(
    (id) => !created.has(id) && !redacted.has(id),
  );
  await refreshCustomersAggregates(tx, shop, stale);
  return {
    customersCreated: created.size,
    ordersSaved: newer.length,
    // The batch's own objects (the webhook queue looks its deliveries up by them).
    saved: { orders: new Set(newer), customers: new Set(customers.saved) },
  };
}
