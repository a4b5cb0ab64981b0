// `npm run bench -- scoring [--db postgres] [--customers 1000000] [--batch 1000] [--keep]`
// Generates (seeded, in a child process) a shop of N customers with orders, aggregates and
// storefront rollups, runs a full rescore through the real scoring job and database, changes 1%
// of the customers through the real ingestion path, runs an incremental rescore, and measures a
// "floor": the same rows read and the same number of score rows written with the plain driver
// and no logic. Last stdout line:
// {"bench":"scoring","db":"sqlite","customers":N,"full_seconds":N,"incremental_seconds":N,"peak_rss_mb":N,"floor_seconds":N}
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { ensureClientFor, migrateDeploy, recreatePostgresDatabase, withDatabaseName } from "../lib/prisma-cli";

const SHOP = "bench-scoring.myshopify.com";
const POSTGRES_SERVER = process.env.POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

export async function run(args: string[]): Promise<void> {
  const customers = Number(option(args, "customers", "1000000"));
  const batch = Number(option(args, "batch", "1000"));
  const onPostgres = option(args, "db", "sqlite").startsWith("postgres");
  const dir = mkdtempSync(path.join(tmpdir(), "churn-scoring-bench-"));
  const url = onPostgres
    ? withDatabaseName(POSTGRES_SERVER, "churn_bench_scoring")
    : `file:${path.join(dir, "bench.sqlite")}`;
  try {
    if (onPostgres) await recreatePostgresDatabase(POSTGRES_SERVER, "churn_bench_scoring");
    ensureClientFor(url);
    migrateDeploy(url);
    await measure(url, customers, batch, onPostgres);
  } finally {
    if (!args.includes("--keep")) rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(url: string, customers: number, batch: number, onPostgres: boolean) {
  process.env.DATABASE_URL = url;
  process.env.LOG_LEVEL ??= "warn";
  // The job module loads the Shopify app config; the bench never talks to Shopify.
  process.env.SHOPIFY_API_KEY ??= "bench";
  process.env.SHOPIFY_API_SECRET ??= "bench-secret";
  process.env.SHOPIFY_APP_URL ??= "https://bench.invalid";
  const { default: prisma } = await import("../../app/db.server");
  await prisma.shop.create({ data: { domain: SHOP, timezone: "Europe/London", currency: "GBP" } });

  const generatedAt = performance.now();
  const generated = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/bench/_generate-scoring.ts", url, SHOP, String(customers), "42"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (generated.status !== 0) throw new Error("generating the shop failed");
  console.error(`generated ${generated.stdout.trim()} in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s`);

  const { runScoringJob } = await import("../../app/jobs/definitions.server");
  const { createInProcessRunner } = await import("../../app/jobs/runner.server");
  const { JOB } = await import("../../app/jobs/index.server");
  // The job's follow-ups (metafield sync, e-mail) need Shopify and SMTP: counted, not run.
  const followUps = createInProcessRunner();
  for (const name of Object.values(JOB)) followUps.register(name, async () => undefined);

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);

  const fullStarted = performance.now();
  await runScoringJob(SHOP, "full", followUps);
  const fullSeconds = (performance.now() - fullStarted) / 1000;
  const full = await prisma.scoreRun.findFirstOrThrow({ where: { shop: SHOP, kind: "full" } });
  console.error(
    `full: ${full.scored} scored, ${full.changed} written, ${full.alertsOpened} alerts in ${fullSeconds.toFixed(1)} s`,
  );
  if (full.scored !== customers) throw new Error(`full run scored ${full.scored} of ${customers} customers`);

  clearInterval(sampler);
  await changeOnePercent(customers);
  const resumeSampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const incrementalStarted = performance.now();
  await runScoringJob(SHOP, "incremental", followUps);
  const incrementalSeconds = (performance.now() - incrementalStarted) / 1000;
  clearInterval(resumeSampler);
  const incremental = await prisma.scoreRun.findFirstOrThrow({ where: { shop: SHOP, kind: "incremental" } });
  console.error(
    `incremental: ${incremental.scored} scored, ${incremental.changed} written in ${incrementalSeconds.toFixed(1)} s`,
  );
  await prisma.$disconnect();

  const floorSeconds = onPostgres ? await postgresFloor(url, batch) : await sqliteFloor(url, batch);
  console.log(
    JSON.stringify({
      bench: "scoring",
      db: onPostgres ? "postgres" : "sqlite",
      customers,
      full_seconds: Math.round(fullSeconds * 10) / 10,
      incremental_seconds: Math.round(incrementalSeconds * 10) / 10,
      peak_rss_mb: Math.round(peakRss / 1024 / 1024),
      floor_seconds: Math.round(floorSeconds * 10) / 10,
      full_to_floor: Math.round((fullSeconds / floorSeconds) * 100) / 100,
    }),
  );
}

/** 1% of customers order again, through the same ingestion webhooks and the backfill use. */
async function changeOnePercent(customers: number) {
  const { default: prisma } = await import("../../app/db.server");
  const { ingestVersions } = await import("../../app/services/ingestion.server");
  const now = new Date();
  const changed = Array.from({ length: Math.floor(customers / 100) }, (_, k) => String(10_000_000 + k * 100));
  for (let from = 0; from < changed.length; from += 1_000) {
    const orders = changed.slice(from, from + 1_000).map((customerShopifyId) => ({
      shopifyId: `${customerShopifyId}999`,
      name: null,
      customerShopifyId,
      processedAt: now,
      shopifyUpdatedAt: now,
      cancelledAt: null,
      financialStatus: "paid",
      totalShop: "49.00",
      currencyShop: "GBP",
      totalPresentment: "49.00",
      currencyPresentment: "GBP",
      refundedShop: "0",
      country: "GB",
      lineItemsCount: 2,
      discountCodes: [],
    }));
    await prisma.$transaction((tx) => ingestVersions(tx, SHOP, { customers: [], orders }), { timeout: 120_000 });
  }
}

const STOREFRONT_FROM = () => new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
const ORDERS_FROM = () => new Date(Date.now() - 400 * 86_400_000).toISOString().replace("Z", "+00:00");

/** The physical floor on SQLite: the same keyset reads and as many row writes, no logic. */
async function sqliteFloor(url: string, batch: number): Promise<number> {
  const { default: Database } = await import("better-sqlite3");
  const { parseDatabaseUrl } = await import("../../app/lib/database-url");
  const db = new Database(parseDatabaseUrl(url).location);
  db.pragma("journal_mode = WAL");
  db.exec(
    `CREATE TABLE "FloorScore" ("shop" TEXT, "customerShopifyId" TEXT, "score" INTEGER, "level" TEXT, PRIMARY KEY ("shop", "customerShopifyId"))`,
  );
  const page = db.prepare(
    `SELECT "shopifyId", "country", "ordersCount", "purchaseDays", "totalSpent", "firstOrderAt", "lastOrderAt", "recentIntervals"
     FROM "Customer" WHERE "shop" = ? AND "shopifyId" > ? ORDER BY "shopifyId" LIMIT ?`,
  );
  const orders = db.prepare(
    `SELECT "customerShopifyId", "processedAt", "totalShop", "refundedShop", "lineItemsCount" FROM "Order"
     WHERE "shop" = ? AND "customerShopifyId" IN (SELECT value FROM json_each(?)) AND "processedAt" >= ?`,
  );
  const rollups = db.prepare(
    `SELECT * FROM "CustomerDailyActivity" WHERE "shop" = ? AND "customerShopifyId" IN (SELECT value FROM json_each(?)) AND "day" >= ?`,
  );
  const write = db.prepare(`INSERT OR REPLACE INTO "FloorScore" VALUES (?, ?, ?, ?)`);
  const writeAll = db.transaction((ids: string[]) => {
    for (const id of ids) write.run(SHOP, id, 50, "medium");
  });
  const started = performance.now();
  let cursor = "";
  for (;;) {
    const rows = page.all(SHOP, cursor, batch) as { shopifyId: string }[];
    if (rows.length === 0) break;
    const ids = rows.map((row) => row.shopifyId);
    orders.all(SHOP, JSON.stringify(ids), ORDERS_FROM());
    rollups.all(SHOP, JSON.stringify(ids), STOREFRONT_FROM());
    writeAll(ids);
    cursor = ids[ids.length - 1];
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return seconds;
}

/** The physical floor on PostgreSQL: the same reads and writes with a plain pg client. */
async function postgresFloor(url: string, batch: number): Promise<number> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    `CREATE TABLE "FloorScore" ("shop" TEXT, "customerShopifyId" TEXT, "score" INTEGER, "level" TEXT, PRIMARY KEY ("shop", "customerShopifyId"))`,
  );
  const started = performance.now();
  let cursor = "";
  for (;;) {
    const { rows } = await client.query<{ shopifyId: string }>(
      `SELECT "shopifyId", "country", "ordersCount", "purchaseDays", "totalSpent", "firstOrderAt", "lastOrderAt", "recentIntervals"
       FROM "Customer" WHERE "shop" = $1 AND "shopifyId" > $2 ORDER BY "shopifyId" LIMIT $3`,
      [SHOP, cursor, batch],
    );
    if (rows.length === 0) break;
    const ids = rows.map((row) => row.shopifyId);
    await client.query(
      `SELECT "customerShopifyId", "processedAt", "totalShop", "refundedShop", "lineItemsCount" FROM "Order"
       WHERE "shop" = $1 AND "customerShopifyId" = ANY($2) AND "processedAt" >= $3`,
      [SHOP, ids, ORDERS_FROM().replace("+00:00", "")],
    );
    await client.query(
      `SELECT * FROM "CustomerDailyActivity" WHERE "shop" = $1 AND "customerShopifyId" = ANY($2) AND "day" >= $3`,
      [SHOP, ids, STOREFRONT_FROM()],
    );
    await client.query(
      `INSERT INTO "FloorScore" SELECT $1, id, 50, 'medium' FROM unnest($2::text[]) AS id
       ON CONFLICT ("shop", "customerShopifyId") DO UPDATE SET "score" = excluded."score"`,
      [SHOP, ids],
    );
    cursor = ids[ids.length - 1];
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return seconds;
}
