// Child process of `npm run bench -- scoring`: writes a seeded shop of N customers with orders,
// aggregates and storefront rollups straight into the database (no app code in the way), so the
// bench's own memory and time measure only the scoring.
// Usage: tsx scripts/bench/_generate-scoring.ts <database url> <shop> <customers> <seed>
import Database from "better-sqlite3";
import pg from "pg";

import { aggregatePurchases, type PurchaseForAggregates } from "../../app/churn/aggregates";
import { seededRandom } from "../../app/churn/synthetic";
import { parseDatabaseUrl } from "../../app/lib/database-url";
import { sortableId } from "../../app/lib/ids";

const [url, shop, countText, seedText] = process.argv.slice(2);
const customers = Number(countText);
const random = seededRandom(Number(seedText));
const DAY = 86_400_000;
const now = Date.now();
const MARKETS = ["GB", "GB", "GB", "GB", "GB", "GB", "DE", "FR", "US", "CN"];
const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");

interface Generated {
  customer: unknown[];
  orders: unknown[][];
  rollups: unknown[][];
}

/** One customer: a buying rhythm, a lifetime and whether they have stopped, like real shops. */
function generate(index: number): Generated {
  const id = String(10_000_000 + index);
  const market = MARKETS[Math.floor(random() * MARKETS.length)];
  const createdDaysAgo = 30 + Math.floor(random() * 700);
  const createdAt = now - createdDaysAgo * DAY;
  const interval = 7 + Math.floor(random() * 90);
  const ordersWanted = random() < 0.35 ? 1 : 2 + Math.floor(-Math.log(1 - random()) * 3);
  const stoppedDaysAgo = random() < 0.5 ? Math.floor(random() * createdDaysAgo) : 0;
  const purchases: PurchaseForAggregates[] = [];
  const orders: unknown[][] = [];
  let at = createdAt + Math.floor(random() * 20) * DAY;
  for (let k = 0; k < ordersWanted && at < now - stoppedDaysAgo * DAY; k++) {
    const total = Math.round((15 + random() * 250) * 100) / 100;
    const items = 1 + Math.floor(random() * 6);
    purchases.push({ processedAt: new Date(at), netShop: total, lineItems: items });
    orders.push([
      sortableId(),
      shop,
      `${id}${String(k).padStart(3, "0")}`,
      `#${index}-${k}`,
      id,
      iso(at),
      iso(at),
      "paid",
      total,
      "GBP",
      total,
      market === "GB" ? "GBP" : "EUR",
      0,
      market,
      items,
      "[]",
      iso(at),
      iso(at),
    ]);
    at += Math.max(1, Math.round(interval * (0.5 + random()))) * DAY;
  }
  const aggregates = aggregatePurchases(purchases);
  const customer = [
    sortableId(),
    shop,
    id,
    market,
    "en",
    "enabled",
    0,
    iso(createdAt),
    iso(createdAt),
    aggregates.ordersCount,
    aggregates.purchaseDays,
    aggregates.totalSpent,
    aggregates.firstOrderAt ? iso(aggregates.firstOrderAt.getTime()) : null,
    aggregates.lastOrderAt ? iso(aggregates.lastOrderAt.getTime()) : null,
    JSON.stringify(aggregates.recentIntervals),
    iso(createdAt),
    iso(now - DAY),
  ];
  const rollups: unknown[][] = [];
  if (random() < 0.15) {
    const days = 1 + Math.floor(random() * 5);
    const seen = new Set<string>();
    for (let d = 0; d < days; d++) {
      const day = new Date(now - (1 + Math.floor(random() * 59)) * DAY).toISOString().slice(0, 10);
      if (seen.has(day)) continue;
      seen.add(day);
      const views = Math.floor(random() * 8);
      rollups.push([
        shop,
        id,
        day,
        1,
        1,
        30 + Math.floor(random() * 600),
        views,
        Math.min(views, 3),
        0,
        random() < 0.2 ? 1 : 0,
        0,
      ]);
    }
  }
  return { customer, orders, rollups };
}

const CUSTOMER_COLUMNS = [
  "id",
  "shop",
  "shopifyId",
  "country",
  "locale",
  "state",
  "marketingConsent",
  "shopifyCreatedAt",
  "shopifyUpdatedAt",
  "ordersCount",
  "purchaseDays",
  "totalSpent",
  "firstOrderAt",
  "lastOrderAt",
  "recentIntervals",
  "createdAt",
  "updatedAt",
];
const ORDER_COLUMNS = [
  "id",
  "shop",
  "shopifyId",
  "name",
  "customerShopifyId",
  "processedAt",
  "shopifyUpdatedAt",
  "financialStatus",
  "totalShop",
  "currencyShop",
  "totalPresentment",
  "currencyPresentment",
  "refundedShop",
  "country",
  "lineItemsCount",
  "discountCodes",
  "createdAt",
  "updatedAt",
];
const ROLLUP_COLUMNS = [
  "shop",
  "customerShopifyId",
  "day",
  "visits",
  "sessions",
  "dwellSeconds",
  "productViews",
  "distinctProducts",
  "searches",
  "cartAdds",
  "checkoutsStarted",
];
const quoted = (columns: string[]) => columns.map((c) => `"${c}"`).join(", ");
const BATCH = 5_000;

let orderCount = 0;
let rollupCount = 0;

if (parseDatabaseUrl(url).provider === "sqlite") {
  const db = new Database(parseDatabaseUrl(url).location);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const insert = (table: string, columns: string[]) =>
    db.prepare(`INSERT INTO "${table}" (${quoted(columns)}) VALUES (${columns.map(() => "?").join(", ")})`);
  const customerInsert = insert("Customer", CUSTOMER_COLUMNS);
  const orderInsert = insert("Order", ORDER_COLUMNS);
  const rollupInsert = insert("CustomerDailyActivity", ROLLUP_COLUMNS);
  const writeBatch = db.transaction((rows: Generated[]) => {
    for (const row of rows) {
      customerInsert.run(row.customer);
      for (const order of row.orders) orderInsert.run(order);
      for (const rollup of row.rollups) rollupInsert.run(rollup);
    }
  });
  for (let from = 0; from < customers; from += BATCH) {
    const rows: Generated[] = [];
    for (let i = from; i < Math.min(customers, from + BATCH); i++) rows.push(generate(i));
    for (const row of rows) {
      orderCount += row.orders.length;
      rollupCount += row.rollups.length;
    }
    writeBatch(rows);
  }
  db.close();
} else {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const TYPES: Record<string, string> = {
    marketingConsent: "boolean",
    ordersCount: "integer",
    purchaseDays: "integer",
    totalSpent: "numeric",
    totalShop: "numeric",
    totalPresentment: "numeric",
    refundedShop: "numeric",
    lineItemsCount: "integer",
    visits: "integer",
    sessions: "integer",
    dwellSeconds: "integer",
    productViews: "integer",
    distinctProducts: "integer",
    searches: "integer",
    cartAdds: "integer",
    checkoutsStarted: "integer",
  };
  const typeOf = (column: string) => TYPES[column] ?? (/At$/.test(column) ? "timestamp(3)" : "text");
  const insertRows = async (table: string, columns: string[], rows: unknown[][]) => {
    if (rows.length === 0) return;
    const arrays = columns.map((column, c) =>
      rows.map((row) => {
        const value = row[c];
        if (column === "marketingConsent") return value === 1;
        return typeof value === "string" && typeOf(column).startsWith("timestamp")
          ? value.replace("+00:00", "")
          : value;
      }),
    );
    await client.query(
      `INSERT INTO "${table}" (${quoted(columns)}) SELECT * FROM unnest(${columns
        .map((column, i) => `$${i + 1}::${typeOf(column)}[]`)
        .join(", ")})`,
      arrays,
    );
  };
  for (let from = 0; from < customers; from += BATCH) {
    const rows: Generated[] = [];
    for (let i = from; i < Math.min(customers, from + BATCH); i++) rows.push(generate(i));
    const orders = rows.flatMap((row) => row.orders);
    const rollups = rows.flatMap((row) => row.rollups);
    orderCount += orders.length;
    rollupCount += rollups.length;
    await client.query("BEGIN");
    await insertRows(
      "Customer",
      CUSTOMER_COLUMNS,
      rows.map((row) => row.customer),
    );
    await insertRows("Order", ORDER_COLUMNS, orders);
    await insertRows("CustomerDailyActivity", ROLLUP_COLUMNS, rollups);
    await client.query("COMMIT");
  }
  await client.query("ANALYZE");
  await client.end();
}
console.log(JSON.stringify({ customers, orders: orderCount, rollups: rollupCount }));
