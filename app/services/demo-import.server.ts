import prisma from "../db.server";
import { CustomerWebhookPayload, OrderWebhookPayload, describeIssues } from "../integrations/shopify/webhook-payloads";
import { readOnlineRetailRows, type OnlineRetailRow } from "../lib/online-retail.server";
import { zonedWallTimeToUtc } from "../lib/time-zones";
import type { CustomerVersion } from "../models/customer.server";
import type { OrderVersion } from "../models/order.server";
import { deleteShopData } from "../models/privacy.server";
import { upsertShopDetails } from "../models/shop.server";
import { customerVersionFrom, ingestVersions, orderVersionFrom } from "./ingestion.server";

// Imports the UCI Online Retail log (a UK gift retailer selling to 38 countries) as a demo
// shop. Each invoice becomes an orders/create payload and each buyer a customers/create
// payload, validated by the webhook schemas and stored by the webhook ingestion code.

export const DEMO_SHOP = "online-retail-demo.myshopify.com";

/** `npm run demo` turns the read-only /demo page on for its own server process, nothing else. */
export function isDemoEnabled(): boolean {
  return process.env.CHURN_RADAR_DEMO === "1";
}
const SHOP_TIME_ZONE = "Europe/London";
const SHOP_CURRENCY = "GBP";
// Under the 999 bound parameters that SQLite allows in one `IN (...)` list.
const BATCH_INVOICES = 400;

/** The data set's country names as ISO 3166-1 codes; regions that are not one country stay null. */
const COUNTRY_CODES: Record<string, string | null> = {
  Australia: "AU",
  Austria: "AT",
  Bahrain: "BH",
  Belgium: "BE",
  Brazil: "BR",
  Canada: "CA",
  "Channel Islands": null,
  Cyprus: "CY",
  "Czech Republic": "CZ",
  Denmark: "DK",
  EIRE: "IE",
  "European Community": null,
  Finland: "FI",
  France: "FR",
  Germany: "DE",
  Greece: "GR",
  "Hong Kong": "HK",
  Iceland: "IS",
  Israel: "IL",
  Italy: "IT",
  Japan: "JP",
  Lebanon: "LB",
  Lithuania: "LT",
  Malta: "MT",
  Netherlands: "NL",
  Norway: "NO",
  Poland: "PL",
  Portugal: "PT",
  RSA: "ZA",
  "Saudi Arabia": "SA",
  Singapore: "SG",
  Spain: "ES",
  Sweden: "SE",
  Switzerland: "CH",
  USA: "US",
  "United Arab Emirates": "AE",
  "United Kingdom": "GB",
  Unspecified: null,
};

export interface DemoImportSummary {
  shop: string;
  rowsRead: number;
  ordersImported: number;
  guestOrders: number;
  customersImported: number;
  cancellationInvoicesSkipped: number;
  adjustmentInvoicesSkipped: number;
  rejected: number;
  /** Why payloads were rejected (the first few), so a bad mapping cannot hide. */
  rejectedReasons: string[];
  seconds: number;
}

interface Invoice {
  invoiceNo: string;
  rows: OnlineRetailRow[];
  /** Wall-clock minute of its latest line, as a number, to know when it is complete. */
  lastMinute: number;
}

/** Lines of one invoice can straddle a minute (43 invoices do): wait this long before closing one. */
const INVOICE_CLOSE_MINUTES = 10;

function minuteOf(wallTime: string): number {
  return Math.floor(Date.parse(`${wallTime.replace(" ", "T")}Z`) / 60_000);
}

function toCents(amount: number): number {
  return Math.round(amount * 100);
}

function money(cents: number) {
  const amount = (cents / 100).toFixed(2);
  return {
    shop_money: { amount, currency_code: SHOP_CURRENCY },
    presentment_money: { amount, currency_code: SHOP_CURRENCY },
  };
}

export function invoiceToOrderPayload(invoice: Invoice): unknown {
  const first = invoice.rows[0];
  const at = zonedWallTimeToUtc(first.invoiceDate, SHOP_TIME_ZONE).toISOString();
  const totalCents = invoice.rows.reduce((sum, r) => sum + toCents(r.quantity * r.unitPrice), 0);
  const countryCode = COUNTRY_CODES[first.country] ?? null;
  const address = { country: first.country, country_code: countryCode };
  return {
    admin_graphql_api_id: `gid://shopify/Order/${invoice.invoiceNo}`,
    name: `#${invoice.invoiceNo}`,
    created_at: at,
    updated_at: at,
    processed_at: at,
    cancelled_at: null,
    financial_status: "paid",
    currency: SHOP_CURRENCY,
    presentment_currency: SHOP_CURRENCY,
    total_price_set: money(totalCents),
    customer: first.customerId ? { admin_graphql_api_id: `gid://shopify/Customer/${first.customerId}` } : null,
    billing_address: address,
    shipping_address: address,
    line_items: invoice.rows.map((r) => ({
      sku: r.stockCode,
      title: r.description,
      quantity: r.quantity,
      price: r.unitPrice.toFixed(2),
    })),
    discount_codes: [],
  };
}

export function customerPayloadFor(row: OnlineRetailRow): unknown {
  const at = zonedWallTimeToUtc(row.invoiceDate, SHOP_TIME_ZONE).toISOString();
  return {
    admin_graphql_api_id: `gid://shopify/Customer/${row.customerId}`,
    // The data set holds no names or e-mail addresses: the demo has no personal data.
    email: null,
    first_name: null,
    last_name: null,
    state: "enabled",
    created_at: at,
    updated_at: at,
    default_address: { country_code: COUNTRY_CODES[row.country] ?? null },
  };
}

/**
 * Streams the file and imports it in batches: memory holds one batch of invoices, never the
 * file. The file is in time order, so an invoice is complete once no line of it has come for
 * a few minutes; that also mends the invoices whose lines are not contiguous.
 */
export async function importOnlineRetailDemo(file?: string): Promise<DemoImportSummary> {
  const started = Date.now();
  // A fresh demo shop every time: orders, customers, scores, runs, alerts and notifications.
  await prisma.$transaction((tx) => deleteShopData(tx, DEMO_SHOP), { timeout: 120_000 });
  await upsertShopDetails(DEMO_SHOP, {
    name: "Online Retail (UCI demo)",
    currency: SHOP_CURRENCY,
    timezone: SHOP_TIME_ZONE,
    locale: "en",
  });

  const summary: DemoImportSummary = {
    shop: DEMO_SHOP,
    rowsRead: 0,
    ordersImported: 0,
    guestOrders: 0,
    customersImported: 0,
    cancellationInvoicesSkipped: 0,
    adjustmentInvoicesSkipped: 0,
    rejected: 0,
    rejectedReasons: [],
    seconds: 0,
  };
  const seenCustomers = new Set<string>();
  let batch: Invoice[] = [];
  const open = new Map<string, Invoice>();
  let currentMinute = Number.NEGATIVE_INFINITY;

  const flushBatch = async () => {
    if (batch.length === 0) return;
    const invoices = batch;
    batch = [];
    const customers: CustomerVersion[] = [];
    const orders: OrderVersion[] = [];
    for (const invoice of invoices) {
      const first = invoice.rows[0];
      if (first.customerId && !seenCustomers.has(first.customerId)) {
        const customer = CustomerWebhookPayload.safeParse(customerPayloadFor(first));
        if (!customer.success) throw new Error(`customer payload: ${describeIssues(customer.error)}`);
        customers.push(customerVersionFrom(customer.data));
        seenCustomers.add(first.customerId);
      }
      const order = OrderWebhookPayload.safeParse(invoiceToOrderPayload(invoice));
      if (!order.success) {
        summary.rejected++;
        if (summary.rejectedReasons.length < 3) {
          summary.rejectedReasons.push(`invoice ${invoice.invoiceNo}: ${describeIssues(order.error)}`);
        }
        continue;
      }
      orders.push(orderVersionFrom(order.data));
      if (!first.customerId) summary.guestOrders++;
    }
    const result = await prisma.$transaction((tx) => ingestVersions(tx, DEMO_SHOP, { customers, orders }), {
      timeout: 120_000,
    });
    summary.customersImported += result.customersCreated;
    summary.ordersImported += result.ordersSaved;
  };

  const closeInvoices = async (before: number) => {
    for (const invoice of open.values()) {
      if (invoice.lastMinute >= before) continue;
      open.delete(invoice.invoiceNo);
      if (invoice.invoiceNo.startsWith("C")) {
        summary.cancellationInvoicesSkipped++;
        continue;
      }
      const total = invoice.rows.reduce((sum, r) => sum + toCents(r.quantity * r.unitPrice), 0);
      // "A..." invoices are bad-debt adjustments, not sales.
      if (total <= 0 || !/^\d+$/.test(invoice.invoiceNo)) {
        summary.adjustmentInvoicesSkipped++;
        continue;
      }
      batch.push(invoice);
    }
    if (batch.length >= BATCH_INVOICES) await flushBatch();
  };

  for await (const row of readOnlineRetailRows(file)) {
    summary.rowsRead++;
    const minute = minuteOf(row.invoiceDate);
    if (minute !== currentMinute) {
      await closeInvoices(minute - INVOICE_CLOSE_MINUTES);
      currentMinute = minute;
    }
    const invoice = open.get(row.invoiceNo) ?? { invoiceNo: row.invoiceNo, rows: [], lastMinute: minute };
    invoice.rows.push(row);
    invoice.lastMinute = minute;
    open.set(row.invoiceNo, invoice);
  }
  await closeInvoices(Number.POSITIVE_INFINITY);
  await flushBatch();
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  return summary;
}
