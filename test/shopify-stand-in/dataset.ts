// A seeded, lazily generated shop: customers and their orders shaped exactly like the Admin
// GraphQL nodes of the backfill query (app/integrations/shopify/graphql/backfill-customers-orders.ts).
// The same seed always gives the same shop, and nothing is held in memory: the bench streams
// 1,000,000 orders from it and the stand-in serves small shops from it.

export interface MoneyV2 {
  amount: string;
  currencyCode: string;
}

export interface CustomerNode {
  id: string;
  firstName: string | null;
  lastName: string | null;
  state: string;
  tags: string[];
  locale: string;
  createdAt: string;
  updatedAt: string;
  defaultEmailAddress: { emailAddress: string; marketingState: string } | null;
  defaultAddress: { countryCodeV2: string | null } | null;
}

export interface OrderNode {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  displayFinancialStatus: string;
  totalPriceSet: { shopMoney: MoneyV2; presentmentMoney: MoneyV2 };
  currentTotalPriceSet: { shopMoney: MoneyV2; presentmentMoney: MoneyV2 };
  customer: { id: string } | null;
  shippingAddress: { countryCodeV2: string | null } | null;
  billingAddress: { countryCodeV2: string | null } | null;
  discountCodes: string[];
  subtotalLineItemsQuantity: number;
}

export interface ShopRecord {
  customer: CustomerNode;
  orders: OrderNode[];
}

export interface DatasetOptions {
  seed?: number;
  customers: number;
  /** Average orders per customer; the total is exactly customers * ordersPerCustomer. */
  ordersPerCustomer: number;
  /** Dates are spread over the `years` before this instant. */
  until?: Date;
  years?: number;
}

/** Ids above 2^53, so any JS-number rounding anywhere in the pipeline shows up. */
export const CUSTOMER_ID_BASE = 9_007_199_254_740_993n;
export const ORDER_ID_BASE = 9_107_199_254_740_993n;

export const customerGid = (index: number) => `gid://shopify/Customer/${CUSTOMER_ID_BASE + BigInt(index)}`;
export const orderGid = (serial: number) => `gid://shopify/Order/${ORDER_ID_BASE + BigInt(serial)}`;

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COUNTRIES = ["DE", "FR", "GB", "US", "JP", "CN", "AU", "CA", "NL", "IT"];
const PRESENTMENT: Record<string, [string, number]> = {
  DE: ["EUR", 1.17],
  FR: ["EUR", 1.17],
  NL: ["EUR", 1.17],
  IT: ["EUR", 1.17],
  GB: ["GBP", 1],
  US: ["USD", 1.27],
  CA: ["CAD", 1.74],
  AU: ["AUD", 1.93],
  JP: ["JPY", 191],
  CN: ["CNY", 9.2],
};

/** Every customer of the shop with their orders, oldest order first, generated on demand. */
export function* shopRecords(options: DatasetOptions): Generator<ShopRecord> {
  const rng = mulberry32(options.seed ?? 42);
  const until = (options.until ?? new Date("2026-11-01T00:00:00Z")).getTime();
  const span = (options.years ?? 3) * 365 * 86_400_000;
  const from = until - span;
  let orderSerial = 0;
  let carry = 0;
  for (let i = 0; i < options.customers; i++) {
    // Pairs of customers share 2 * average orders, so the total is exact.
    let count: number;
    if (i % 2 === 0 && i + 1 < options.customers) {
      const spread = Math.floor(rng() * options.ordersPerCustomer);
      count = options.ordersPerCustomer + spread;
      carry = options.ordersPerCustomer - spread;
    } else if (i % 2 === 1) {
      count = carry;
    } else {
      count = options.ordersPerCustomer;
    }
    const country = COUNTRIES[Math.floor(rng() * COUNTRIES.length)];
    const [currency, rate] = PRESENTMENT[country];
    const firstSeen = from + Math.floor(rng() * span * 0.5);
    const id = customerGid(i);
    const stamps: number[] = [];
    for (let k = 0; k < count; k++) stamps.push(firstSeen + Math.floor(rng() * (until - firstSeen)));
    stamps.sort((a, b) => a - b);
    const orders: OrderNode[] = stamps.map((at, k) => {
      const total = Math.round((15 + rng() * 285) * 100) / 100;
      const refunded = rng() < 0.05 ? Math.round(total * 0.5 * 100) / 100 : 0;
      const cancelled = rng() < 0.02;
      const created = new Date(at).toISOString();
      const updated = new Date(at + 3_600_000).toISOString();
      const serial = orderSerial++;
      const money = (amount: number): { shopMoney: MoneyV2; presentmentMoney: MoneyV2 } => ({
        shopMoney: { amount: amount.toFixed(2), currencyCode: "GBP" },
        presentmentMoney: { amount: (amount * rate).toFixed(2), currencyCode: currency },
      });
      return {
        id: orderGid(serial),
        name: `#${1000 + serial}`,
        createdAt: created,
        updatedAt: updated,
        processedAt: created,
        cancelledAt: cancelled ? updated : null,
        displayFinancialStatus: refunded > 0 ? "PARTIALLY_REFUNDED" : "PAID",
        totalPriceSet: money(total),
        currentTotalPriceSet: money(total - refunded),
        customer: { id },
        shippingAddress: { countryCodeV2: country },
        billingAddress: { countryCodeV2: country },
        discountCodes: k === 0 && rng() < 0.3 ? ["WELCOME10"] : [],
        subtotalLineItemsQuantity: 1 + Math.floor(rng() * 4),
      };
    });
    const lastActivity = orders.length > 0 ? Date.parse(orders[orders.length - 1].updatedAt) : firstSeen;
    const customer: CustomerNode = {
      id,
      firstName: `First${i}`,
      lastName: `Last${i}`,
      state: "ENABLED",
      tags: i % 7 === 0 ? ["vip"] : [],
      locale: country === "DE" ? "de" : "en",
      createdAt: new Date(firstSeen).toISOString(),
      updatedAt: new Date(lastActivity).toISOString(),
      defaultEmailAddress: {
        emailAddress: `customer${i}@example.com`,
        marketingState: i % 3 === 0 ? "SUBSCRIBED" : "NOT_SUBSCRIBED",
      },
      defaultAddress: { countryCodeV2: country },
    };
    yield { customer, orders };
  }
}

/**
 * A shop as the backfill's bulk JSONL file: each customer line, then that customer's order lines
 * with `__parentId` (what Shopify writes with groupObjects: true).
 */
export function* bulkJsonlLines(records: Iterable<ShopRecord>): Generator<string> {
  for (const { customer, orders } of records) {
    yield JSON.stringify(customer);
    for (const order of orders) yield JSON.stringify({ ...order, __parentId: customer.id });
  }
}
