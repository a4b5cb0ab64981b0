import type { PurchaseForAggregates } from "../churn/aggregates";
import type { StoredCustomer } from "../churn/activity";
import { dayFromIso } from "../churn/dates";
import type { StorefrontDay } from "../churn/types";
import prisma from "../db.server";
import { parseDatabaseUrl } from "../lib/database-url";
import {
  type ColumnKind,
  dateFromColumn,
  isSqlite,
  jsonTextList,
  numberFromColumn,
  param,
  postgresExecutor,
  quotedColumns,
  selectFromJsonRows,
  type SqlExecutor,
  sqliteExecutor,
  sqlTimestamp,
  timestampParam,
} from "./sql.server";

// What scoring reads and writes, in a few statements per batch of customers: the customers'
// aggregates, their recent orders, their storefront rollups and their current scores, then the
// changed scores and snapshots in one statement each. Plain SQL through a SqlExecutor: on SQLite a
// private better-sqlite3 connection, because Prisma costs about a millisecond per statement plus
// per-row mapping, and a shop may have a million customers.

/** The connection a scoring run uses; close it when the run ends. */
export async function scoringConnection(): Promise<SqlExecutor> {
  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  return target.provider === "sqlite" ? sqliteExecutor(target.location) : postgresExecutor(target.location);
}

const CUSTOMER_COLUMNS = `"shopifyId", "country", "shopifyCreatedAt", "ordersCount", "purchaseDays", "totalSpent",
  "firstOrderAt", "lastOrderAt", "recentIntervals"`;
const LIVE_CUSTOMER = `"deletedAt" IS NULL AND "redactedAt" IS NULL`;

type Row = Record<string, unknown>;

/** Order rows (customerShopifyId, processedAt, totalShop, refundedShop, lineItemsCount) added per customer. */
function addPurchases(
  byCustomer: Map<string, PurchaseForAggregates[]>,
  rows: readonly Row[],
): Map<string, PurchaseForAggregates[]> {
  for (const row of rows) {
    const processedAt = dateFromColumn(row.processedAt);
    if (!processedAt) continue;
    const id = String(row.customerShopifyId);
    const list = byCustomer.get(id) ?? [];
    list.push({
      processedAt,
      netShop: numberFromColumn(row.totalShop) - numberFromColumn(row.refundedShop),
      lineItems: Number(row.lineItemsCount) || 0,
    });
    byCustomer.set(id, list);
  }
  return byCustomer;
}

function intervalsFrom(json: unknown): number[] {
  try {
    const parsed: unknown = JSON.parse(String(json ?? "[]"));
    return Array.isArray(parsed) ? parsed.map(Number).filter(Number.isFinite) : [];
  } catch {
    return [];
  }
}

function storedCustomerFrom(row: Row): StoredCustomer {
  return {
    customerId: String(row.shopifyId),
    market: (row.country as string | null) ?? null,
    firstSeenAt: dateFromColumn(row.shopifyCreatedAt),
    aggregates: {
      ordersCount: Number(row.ordersCount) || 0,
      purchaseDays: Number(row.purchaseDays) || 0,
      totalSpent: numberFromColumn(row.totalSpent),
      firstOrderAt: dateFromColumn(row.firstOrderAt),
      lastOrderAt: dateFromColumn(row.lastOrderAt),
      recentIntervals: intervalsFrom(row.recentIntervals),
    },
    recentOrders: [],
    storefront: [],
  };
}

/** One page of the shop's live customers in id order, after `after` (keyset pagination). */
export async function readCustomerPage(
  sql: SqlExecutor,
  shop: string,
  after: string | null,
  limit: number,
): Promise<StoredCustomer[]> {
  const rows = await sql.all(
    `SELECT ${CUSTOMER_COLUMNS} FROM "Customer"
     WHERE "shop" = ${param(1)} AND "shopifyId" > ${param(2)} AND ${LIVE_CUSTOMER}
     ORDER BY "shopifyId" LIMIT ${Number(limit)}`,
    [shop, after ?? ""],
  );
  return rows.map(storedCustomerFrom);
}

/** The live customers with these ids, in id order. */
export async function readCustomersByIds(
  sql: SqlExecutor,
  shop: string,
  ids: readonly string[],
): Promise<StoredCustomer[]> {
  if (ids.length === 0) return [];
  const rows = await sql.all(
    `SELECT ${CUSTOMER_COLUMNS} FROM "Customer"
     WHERE "shop" = ${param(1)} AND "shopifyId" IN ${jsonTextList(2)} AND ${LIVE_CUSTOMER}
     ORDER BY "shopifyId"`,
    [shop, JSON.stringify(ids)],
  );
  return rows.map(storedCustomerFrom);
}

/**
 * Ids (in order, after `after`) of the customers whose inputs changed since `since`: their row
 * was written (orders and profile update the aggregate row) or they have storefront rollups on
 * or after `sinceDay` (rollups only ever change on the day their events happen).
 */
export async function readChangedCustomerIds(
  sql: SqlExecutor,
  shop: string,
  since: Date,
  sinceDay: string,
  after: string | null,
  limit: number,
): Promise<string[]> {
  const rows = await sql.all(
    `SELECT id FROM (
       SELECT "shopifyId" AS id FROM "Customer"
       WHERE "shop" = ${param(1)} AND "updatedAt" > ${timestampParam(2)} AND "shopifyId" > ${param(3)}
       UNION
       SELECT DISTINCT "customerShopifyId" AS id FROM "CustomerDailyActivity" ${recentRollupsIndex()}
       WHERE "shop" = ${param(4)} AND "day" >= ${param(5)} AND "customerShopifyId" > ${param(6)}
     ) AS changed ORDER BY id LIMIT ${Number(limit)}`,
    [shop, sqlTimestamp(since), after ?? "", shop, sinceDay, after ?? ""],
  );
  return rows.map((row) => String(row.id));
}

/**
 * SQLite would otherwise walk the rollups' primary key (shop, customer > cursor) and read every
 * rollup of the shop on every page; the few recent days are found through (shop, day).
 */
function recentRollupsIndex(): string {
  return isSqlite() ? `INDEXED BY "CustomerDailyActivity_shop_day_idx"` : "";
}

/** Fills each customer's recent paid orders (from `ordersFrom`) and rollups (from `rollupsFromDay`). */
export async function attachRecentActivity(
  sql: SqlExecutor,
  shop: string,
  customers: StoredCustomer[],
  ordersFrom: Date,
  rollupsFromDay: string,
): Promise<StoredCustomer[]> {
  if (customers.length === 0) return customers;
  const ids = JSON.stringify(customers.map((customer) => customer.customerId));
  const [orders, rollups] = await Promise.all([
    sql.all(
      `SELECT "customerShopifyId", "processedAt", "totalShop", "refundedShop", "lineItemsCount" FROM "Order"
       WHERE "shop" = ${param(1)} AND "customerShopifyId" IN ${jsonTextList(2)}
         AND "processedAt" >= ${timestampParam(3)} AND "cancelledAt" IS NULL`,
      [shop, ids, sqlTimestamp(ordersFrom)],
    ),
    sql.all(
      `SELECT "customerShopifyId", "day", "visits", "sessions", "dwellSeconds", "productViews",
              "distinctProducts", "searches", "cartAdds", "checkoutsStarted"
       FROM "CustomerDailyActivity"
       WHERE "shop" = ${param(1)} AND "customerShopifyId" IN ${jsonTextList(2)} AND "day" >= ${param(3)}`,
      [shop, ids, rollupsFromDay],
    ),
  ]);
  const ordersBy = addPurchases(new Map(), orders);
  const rollupsBy = new Map<string, StorefrontDay[]>();
  for (const row of rollups) {
    const id = String(row.customerShopifyId);
    const list = rollupsBy.get(id) ?? [];
    list.push({
      day: dayFromIso(String(row.day)),
      visits: Number(row.visits),
      sessions: Number(row.sessions),
      dwellSeconds: Number(row.dwellSeconds),
      productViews: Number(row.productViews),
      distinctProducts: Number(row.distinctProducts),
      searches: Number(row.searches),
      cartAdds: Number(row.cartAdds),
      checkoutsStarted: Number(row.checkoutsStarted),
    });
    rollupsBy.set(id, list);
  }
  return customers.map((customer) => ({
    ...customer,
    recentOrders: ordersBy.get(customer.customerId) ?? [],
    storefront: (rollupsBy.get(customer.customerId) ?? []).sort((a, b) => a.day - b.day),
  }));
}

/** The complete paid-order history of a few customers (the training sample): one query. */
export async function readOrderHistories(
  sql: SqlExecutor,
  shop: string,
  ids: readonly string[],
): Promise<Map<string, PurchaseForAggregates[]>> {
  const histories = new Map<string, PurchaseForAggregates[]>();
  const CHUNK = 2_000;
  for (let from = 0; from < ids.length; from += CHUNK) {
    const rows = await sql.all(
      `SELECT "customerShopifyId", "processedAt", "totalShop", "refundedShop", "lineItemsCount" FROM "Order"
       WHERE "shop" = ${param(1)} AND "customerShopifyId" IN ${jsonTextList(2)} AND "cancelledAt" IS NULL`,
      [shop, JSON.stringify(ids.slice(from, from + CHUNK))],
    );
    addPurchases(histories, rows);
  }
  return histories;
}

/**
 * Up to `size` live customers spread over the whole id range (every k-th by id), for the
 * shop-wide statistics and the model's training sample: bounded memory on any shop size.
 */
export async function sampleCustomerIds(shop: string, size: number): Promise<string[]> {
  const total = await prisma.customer.count({ where: { shop, deletedAt: null, redactedAt: null } });
  if (total === 0) return [];
  const step = Math.max(1, Math.floor(total / size));
  if (step === 1) {
    const rows = await prisma.customer.findMany({
      where: { shop, deletedAt: null, redactedAt: null },
      select: { shopifyId: true },
      orderBy: { shopifyId: "asc" },
    });
    return rows.map((row) => row.shopifyId);
  }
  const rows = await prisma.$queryRawUnsafe<Row[]>(
    `SELECT id FROM (
       SELECT "shopifyId" AS id, ROW_NUMBER() OVER (ORDER BY "shopifyId") AS n
       FROM "Customer" WHERE "shop" = ${param(1)} AND ${LIVE_CUSTOMER}
     ) AS numbered WHERE n % ${step} = 0 ORDER BY id LIMIT ${Number(size)}`,
    shop,
  );
  return rows.map((row) => String(row.id));
}

export interface StoredScore {
  customerShopifyId: string;
  score: number;
  probability: number;
  confidence: string;
  level: string;
  tier: string;
  rfmGroup: string;
  lifecycle: string;
  /** JSON array of the top reasons. */
  reasons: string;
  modelVersion: string;
}

/** The current scores of these customers, by customer id. */
export async function readScores(
  sql: SqlExecutor,
  shop: string,
  ids: readonly string[],
): Promise<Map<string, StoredScore>> {
  const scores = new Map<string, StoredScore>();
  if (ids.length === 0) return scores;
  const rows = await sql.all(
    `SELECT "customerShopifyId", "score", "probability", "confidence", "level", "tier", "rfmGroup", "lifecycle",
            "reasons", "modelVersion"
     FROM "CustomerScore" WHERE "shop" = ${param(1)} AND "customerShopifyId" IN ${jsonTextList(2)}`,
    [shop, JSON.stringify(ids)],
  );
  for (const row of rows) {
    const id = String(row.customerShopifyId);
    scores.set(id, {
      customerShopifyId: id,
      score: Number(row.score),
      probability: Number(row.probability),
      confidence: String(row.confidence),
      level: String(row.level),
      tier: String(row.tier),
      rfmGroup: String(row.rfmGroup),
      lifecycle: String(row.lifecycle),
      reasons: String(row.reasons),
      modelVersion: String(row.modelVersion),
    });
  }
  return scores;
}

const SCORE_COLUMNS: readonly (readonly [string, ColumnKind])[] = [
  ["shop", "text"],
  ["customerShopifyId", "text"],
  ["score", "integer"],
  ["probability", "float"],
  ["confidence", "text"],
  ["level", "text"],
  ["tier", "text"],
  ["rfmGroup", "text"],
  ["lifecycle", "text"],
  ["reasons", "text"],
  ["modelVersion", "text"],
  ["scoredAt", "timestamp"],
  ["changedAt", "timestamp"],
];
const SNAPSHOT_COLUMNS: readonly (readonly [string, ColumnKind])[] = [
  ["shop", "text"],
  ["customerShopifyId", "text"],
  ["day", "text"],
  ["score", "integer"],
  ["level", "text"],
  ["tier", "text"],
];

function upsertSql(table: string, columns: readonly (readonly [string, ColumnKind])[], key: string[]): string {
  const names = columns.map(([name]) => name);
  const updates = names
    .filter((name) => !key.includes(name))
    .map((name) => `"${name}" = excluded."${name}"`)
    .join(", ");
  return `INSERT INTO "${table}" (${quotedColumns(names)})
    ${selectFromJsonRows(
      1,
      columns.map(([, kind]) => kind),
    )}
    ON CONFLICT (${quotedColumns(key)}) DO UPDATE SET ${updates}`;
}

const WRITE_CHUNK = 2_000;

/**
 * Writes the changed scores of one batch, and for each customer who had a score before, a snapshot
 * of that previous value under `day`: the score row is the current state, the snapshots its
 * history ("until `day` it was this"). The value on any past day is the first snapshot after that
 * day, else the current row, so a customer whose score never changes costs no history rows, and
 * only the first change of a day is kept.
 */
export async function writeChangedScores(
  sql: SqlExecutor,
  shop: string,
  day: string,
  scores: readonly StoredScore[],
  previous: readonly StoredScore[],
  at: Date,
): Promise<void> {
  const stamp = sqlTimestamp(at);
  for (let from = 0; from < scores.length; from += WRITE_CHUNK) {
    const scoreRows = scores
      .slice(from, from + WRITE_CHUNK)
      .map((s) => [
        shop,
        s.customerShopifyId,
        s.score,
        s.probability,
        s.confidence,
        s.level,
        s.tier,
        s.rfmGroup,
        s.lifecycle,
        s.reasons,
        s.modelVersion,
        stamp,
        stamp,
      ]);
    await sql.run(upsertSql("CustomerScore", SCORE_COLUMNS, ["shop", "customerShopifyId"]), [
      JSON.stringify(scoreRows),
    ]);
  }
  for (let from = 0; from < previous.length; from += WRITE_CHUNK) {
    const snapshotRows = previous
      .slice(from, from + WRITE_CHUNK)
      .map((s) => [shop, s.customerShopifyId, day, s.score, s.level, s.tier]);
    await sql.run(
      `INSERT INTO "CustomerScoreSnapshot" (${quotedColumns(SNAPSHOT_COLUMNS.map(([name]) => name))})
       ${selectFromJsonRows(
         1,
         SNAPSHOT_COLUMNS.map(([, kind]) => kind),
       )}
       ON CONFLICT ("shop", "customerShopifyId", "day") DO NOTHING`,
      [JSON.stringify(snapshotRows)],
    );
  }
}

/** Deletes snapshots older than `beforeDay` (YYYY-MM-DD), a bounded number at a time. */
export async function pruneScoreSnapshots(shop: string, beforeDay: string): Promise<number> {
  const { count } = await prisma.customerScoreSnapshot.deleteMany({ where: { shop, day: { lt: beforeDay } } });
  return count;
}

/** The score of one customer (for the UI and tests). */
export async function getCustomerScore(shop: string, customerShopifyId: string) {
  return prisma.customerScore.findUnique({ where: { shop_customerShopifyId: { shop, customerShopifyId } } });
}

/** How many of the shop's customers are in each tier and each risk level. */
export async function scoreDistribution(
  shop: string,
): Promise<{ tiers: Record<string, number>; levels: Record<string, number>; total: number }> {
  const [tiers, levels] = await Promise.all([
    prisma.customerScore.groupBy({ by: ["tier"], where: { shop }, _count: { _all: true } }),
    prisma.customerScore.groupBy({ by: ["level"], where: { shop }, _count: { _all: true } }),
  ]);
  const tierCounts = Object.fromEntries(tiers.map((row) => [row.tier, row._count._all]));
  const levelCounts = Object.fromEntries(levels.map((row) => [row.level, row._count._all]));
  const total = Object.values(levelCounts).reduce((sum, n) => sum + n, 0);
  return { tiers: tierCounts, levels: levelCounts, total };
}

/** The riskiest customers, highest score first (ties by id), with their reasons. */
export async function riskiestCustomers(shop: string, limit: number) {
  return prisma.customerScore.findMany({
    where: { shop },
    orderBy: [{ probability: "desc" }, { customerShopifyId: "asc" }],
    take: limit,
  });
}
