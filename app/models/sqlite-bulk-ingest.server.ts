import Database from "better-sqlite3";

import { aggregatePurchases, type PurchaseForAggregates } from "../churn/aggregates";
import { type DayOf, zonedDayOf } from "../churn/dates";
import { parseDatabaseUrl } from "../lib/database-url";
import { sortableId } from "../lib/ids";
import { CUSTOMER_AGGREGATE_FIELDS, CUSTOMER_PROFILE_FIELDS, type CustomerVersion } from "./customer.server";
import { ORDER_VERSION_FIELDS, type OrderVersion, purchasesByCustomer, withoutCustomers } from "./order.server";

// The backfill's write path on the embedded SQLite database: the same rules as ingestVersions
// (app/services/ingestion.server.ts) — newer version wins, deleted and redacted customers stay
// untouched (a redacted customer's orders are stored without the link to them), customers inserted with the aggregates of their orders, every other customer the
// batch touched recomputed from their stored orders, the run's checkpoint in the same
// transaction — written with prepared better-sqlite3 statements on a connection of its own.
//
// Why a second path: through Prisma 6.19's client engine each statement costs 0.2-1 ms of
// JavaScript and the process keeps ~300 MB more after a million rows; a million-order import took
// 292 s at 458 MB peak. Values are encoded exactly as Prisma's SQLite adapter writes them (dates
// as ISO text with +00:00, decimals as REAL, booleans as 0/1), so Prisma reads these rows back
// unchanged; the backfill tests check the two paths give the same rows (SQLite here, PostgreSQL
// through Prisma).

export interface SqliteBatchResult {
  customersCreated: number;
  ordersSaved: number;
}

type Row = Record<string, unknown>;

const iso = (date: Date | null) => (date ? date.toISOString().replace("Z", "+00:00") : null);
const ms = (value: unknown) =>
  typeof value === "string" ? Date.parse(value) : typeof value === "number" ? value : NaN;

function orderValues(o: OrderVersion): unknown[] {
  return [
    o.name,
    o.customerShopifyId,
    iso(o.processedAt),
    iso(o.shopifyUpdatedAt),
    iso(o.cancelledAt),
    o.financialStatus,
    Number(o.totalShop),
    o.currencyShop,
    Number(o.totalPresentment),
    o.currencyPresentment,
    Number(o.refundedShop),
    o.country,
    o.lineItemsCount,
    JSON.stringify(o.discountCodes),
  ];
}

function customerValues(c: CustomerVersion): unknown[] {
  return [
    c.email,
    c.firstName,
    c.lastName,
    c.country,
    c.locale,
    c.state,
    c.tags,
    c.marketingConsent ? 1 : 0,
    iso(c.shopifyCreatedAt),
    iso(c.shopifyUpdatedAt),
  ];
}

function aggregateValues(purchases: PurchaseForAggregates[], dayOf: DayOf): unknown[] {
  const a = aggregatePurchases(purchases, undefined, dayOf);
  return [
    a.ordersCount,
    a.purchaseDays,
    a.totalSpent,
    iso(a.firstOrderAt),
    iso(a.lastOrderAt),
    JSON.stringify(a.recentIntervals),
  ];
}

const quoted = (names: readonly string[]) => names.map((n) => `"${n}"`).join(", ");
const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");
const sets = (names: readonly string[]) => names.map((n) => `"${n}" = ?`).join(", ");
const IN_CHUNK = 500;
const BUSY_LIMIT_MS = 60_000;

export class SqliteBulkIngest {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<SqliteBulkIngest["prepare"]>;
  private readonly selects = new Map<string, Database.Statement>();

  constructor(file: string) {
    // No busy waiting inside SQLite: that would block the event loop, and with it any Prisma
    // transaction of this same process that holds the write lock. A busy database is retried
    // asynchronously in commit() instead.
    this.db = new Database(file, { timeout: 0 });
    this.db.pragma("journal_mode = WAL");
    // In WAL mode NORMAL syncs at checkpoints, not at every commit. A power cut can lose the last
    // batches, never corrupt the file, and each batch commits with its own checkpoint line, so
    // the resumed import simply redoes them.
    this.db.pragma("synchronous = NORMAL");
    this.statements = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      ensureShop: db.prepare(
        `INSERT INTO "Shop" ("domain", "installedAt", "settings", "createdAt", "updatedAt") VALUES (?, ?, '{}', ?, ?) ON CONFLICT("domain") DO NOTHING`,
      ),
      shopTimeZone: db.prepare<[string], { timezone: string | null }>(
        `SELECT "timezone" FROM "Shop" WHERE "domain" = ?`,
      ),
      insertOrder: db.prepare(
        `INSERT INTO "Order" ("id", "shop", "shopifyId", ${quoted(ORDER_VERSION_FIELDS)}, "createdAt", "updatedAt") VALUES (${marks(ORDER_VERSION_FIELDS.length + 5)})`,
      ),
      updateOrder: db.prepare(
        `UPDATE "Order" SET ${sets(ORDER_VERSION_FIELDS)}, "updatedAt" = ? WHERE "shop" = ? AND "shopifyId" = ?`,
      ),
      insertCustomer: db.prepare(
        `INSERT INTO "Customer" ("id", "shop", "shopifyId", ${quoted(CUSTOMER_PROFILE_FIELDS)}, ${quoted(CUSTOMER_AGGREGATE_FIELDS)}, "createdAt", "updatedAt") VALUES (${marks(CUSTOMER_PROFILE_FIELDS.length + CUSTOMER_AGGREGATE_FIELDS.length + 5)})`,
      ),
      updateCustomer: db.prepare(
        `UPDATE "Customer" SET ${sets(CUSTOMER_PROFILE_FIELDS)}, "updatedAt" = ? WHERE "shop" = ? AND "shopifyId" = ?`,
      ),
      updateAggregates: db.prepare(
        `UPDATE "Customer" SET ${sets(CUSTOMER_AGGREGATE_FIELDS)}, "updatedAt" = ? WHERE "shop" = ? AND "shopifyId" = ?`,
      ),
      insertStub: db.prepare(
        `INSERT INTO "Customer" ("id", "shop", "shopifyId", "marketingConsent", ${quoted(CUSTOMER_AGGREGATE_FIELDS)}, "createdAt", "updatedAt") VALUES (${marks(CUSTOMER_AGGREGATE_FIELDS.length + 6)})`,
      ),
      checkpoint: db.prepare(
        `UPDATE "BackfillRun" SET "linesDone" = ?, "customersImported" = "customersImported" + ?, "ordersImported" = "ordersImported" + ?, "updatedAt" = ? WHERE "id" = ?`,
      ),
    };
  }

  /** SELECT ... WHERE shop = ? AND <column> IN (...), in chunks, with statements cached by size. */
  private selectIn(sql: string, shop: string, ids: string[]): Row[] {
    const rows: Row[] = [];
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      const key = `${sql}|${chunk.length}`;
      let statement = this.selects.get(key);
      if (!statement) {
        statement = this.db.prepare(sql.replace("(?)", `(${marks(chunk.length)})`));
        this.selects.set(key, statement);
      }
      rows.push(...(statement.all(shop, ...chunk) as Row[]));
    }
    return rows;
  }

  /** One backfill batch and its checkpoint, in one SQLite transaction (retried while another writer holds the lock). */
  async commit(
    shop: string,
    runId: string,
    batch: { customers: CustomerVersion[]; orders: OrderVersion[] },
    checkpoint: { linesDone: number; customers: number; orders: number },
  ): Promise<SqliteBatchResult> {
    const deadline = Date.now() + BUSY_LIMIT_MS;
    for (;;) {
      try {
        return this.write(shop, runId, batch, checkpoint);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if ((code !== "SQLITE_BUSY" && code !== "SQLITE_LOCKED") || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  private write(
    shop: string,
    runId: string,
    batch: { customers: CustomerVersion[]; orders: OrderVersion[] },
    checkpoint: { linesDone: number; customers: number; orders: number },
  ): SqliteBatchResult {
    const transaction = this.db.transaction(() => {
      const s = this.statements;
      const now = iso(new Date());
      s.ensureShop.run(shop, now, now, now);
      // Purchase days count on the shop's calendar, as everywhere else (models/shop.server shopCalendar).
      const dayOf = zonedDayOf(s.shopTimeZone.get(shop)?.timezone);

      const orders = newestBy(batch.orders, (o) => o.shopifyId);
      const storedOrders = new Map(
        this.selectIn(
          `SELECT "shopifyId", "shopifyUpdatedAt", "customerShopifyId" FROM "Order" WHERE "shop" = ? AND "shopifyId" IN (?)`,
          shop,
          [...orders.keys()],
        ).map((r) => [String(r.shopifyId), r]),
      );
      const newer: OrderVersion[] = [];
      const previous = new Set<string>();
      for (const order of orders.values()) {
        const row = storedOrders.get(order.shopifyId);
        if (row && ms(row.shopifyUpdatedAt) >= order.shopifyUpdatedAt.getTime()) continue;
        newer.push(order);
        if (typeof row?.customerShopifyId === "string") previous.add(row.customerShopifyId);
      }
      // Orders of a redacted customer are stored without the link to them, and their tombstone's
      // emptied aggregates are never recomputed (one read for the whole batch).
      const redacted = new Set(
        this.selectIn(
          `SELECT "shopifyId" FROM "Customer" WHERE "shop" = ? AND "shopifyId" IN (?) AND "redactedAt" IS NOT NULL`,
          shop,
          [
            ...new Set([
              ...newer.flatMap((order) => (order.customerShopifyId ? [order.customerShopifyId] : [])),
              ...previous,
            ]),
          ],
        ).map((r) => String(r.shopifyId)),
      );
      const saved = withoutCustomers(newer, redacted);
      for (const order of saved) {
        if (storedOrders.has(order.shopifyId)) s.updateOrder.run(...orderValues(order), now, shop, order.shopifyId);
        else s.insertOrder.run(sortableId(), shop, order.shopifyId, ...orderValues(order), now, now);
      }

      const purchases = purchasesByCustomer(saved);

      const customers = newestBy(batch.customers, (c) => c.shopifyId);
      const storedCustomers = new Map(
        this.selectIn(
          `SELECT "shopifyId", "shopifyUpdatedAt", "deletedAt", "redactedAt" FROM "Customer" WHERE "shop" = ? AND "shopifyId" IN (?)`,
          shop,
          [...customers.keys()],
        ).map((r) => [String(r.shopifyId), r]),
      );
      const created = new Set<string>();
      for (const customer of customers.values()) {
        const row = storedCustomers.get(customer.shopifyId);
        if (!row) {
          // No row means no stored orders: every stored order creates its customer's row.
          s.insertCustomer.run(
            sortableId(),
            shop,
            customer.shopifyId,
            ...customerValues(customer),
            ...aggregateValues(purchases.get(customer.shopifyId) ?? [], dayOf),
            now,
            now,
          );
          created.add(customer.shopifyId);
          continue;
        }
        if (row.deletedAt !== null || row.redactedAt !== null) continue;
        if (row.shopifyUpdatedAt !== null && ms(row.shopifyUpdatedAt) >= customer.shopifyUpdatedAt.getTime()) continue;
        s.updateCustomer.run(...customerValues(customer), now, shop, customer.shopifyId);
      }

      const stale = [...new Set([...purchases.keys(), ...previous])].filter(
        (id) => !created.has(id) && !redacted.has(id),
      );
      if (stale.length > 0) {
        const byCustomer = new Map<string, PurchaseForAggregates[]>(stale.map((id) => [id, []]));
        for (const r of this.selectIn(
          `SELECT "customerShopifyId", "processedAt", "totalShop", "refundedShop" FROM "Order" WHERE "shop" = ? AND "cancelledAt" IS NULL AND "customerShopifyId" IN (?)`,
          shop,
          stale,
        )) {
          byCustomer.get(String(r.customerShopifyId))?.push({
            processedAt: new Date(ms(r.processedAt)),
            netShop: Number(r.totalShop) - Number(r.refundedShop),
          });
        }
        for (const [id, list] of byCustomer) {
          const values = aggregateValues(list, dayOf);
          if (s.updateAggregates.run(...values, now, shop, id).changes === 0) {
            s.insertStub.run(sortableId(), shop, id, 0, ...values, now, now);
          }
        }
      }

      s.checkpoint.run(checkpoint.linesDone, checkpoint.customers, checkpoint.orders, now, runId);
      return { customersCreated: created.size, ordersSaved: saved.length };
    });
    // IMMEDIATE: take the write lock up front, so a busy database fails before any work is done.
    return transaction.immediate();
  }

  close(): void {
    this.db.close();
  }
}

function newestBy<T extends { shopifyUpdatedAt: Date | null }>(items: T[], key: (item: T) => string): Map<string, T> {
  const newest = new Map<string, T>();
  for (const item of items) {
    const seen = newest.get(key(item));
    if (!seen || (seen.shopifyUpdatedAt?.getTime() ?? 0) < (item.shopifyUpdatedAt?.getTime() ?? 0))
      newest.set(key(item), item);
  }
  return newest;
}

let shared: SqliteBulkIngest | null | undefined;

/** The SQLite bulk writer when DATABASE_URL is a SQLite file, else null (PostgreSQL goes through Prisma). */
export function sqliteBulkIngest(): SqliteBulkIngest | null {
  if (shared === undefined) {
    const target = parseDatabaseUrl(process.env.DATABASE_URL);
    shared = target.provider === "sqlite" ? new SqliteBulkIngest(target.location) : null;
  }
  return shared;
}
