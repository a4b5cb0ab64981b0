// `npm run bench -- webhooks [--db sqlite|postgres] [--amount 6000] [--connections 10] [--build]`
// Starts the webhook server in its own process on 127.0.0.1 against a fresh database, fires
// signed orders/create deliveries at it from this process with autocannon (each one a distinct
// delivery: its own webhook id and order id, bodies signed beforehand), waits until the server's
// queue drainer has applied every pending delivery, then checks that every delivery answered 2xx
// was applied (its delivery processed and its order stored), and prints as its last line
// {"bench":"webhooks","db":"sqlite","deliveries_per_s":N,"p50_ms":N,"p99_ms":N,"errors":N,"lost":N,"drained_ms":N}
// deliveries_per_s counts answered deliveries over the load's duration; drained_ms is how long
// after the load the last pending delivery was applied.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

import { orderPayload } from "../../test/fixtures/shopify/order-payload";
import { shopifyWebhookHmac } from "../../test/support/shopify-webhooks";
import {
  dropPostgresDatabase,
  ensureClientFor,
  migrateDeploy,
  recreatePostgresDatabase,
  withDatabaseName,
} from "../lib/prisma-cli";

const SECRET = "bench-webhook-secret";
const SHOP = "bench-webhooks.myshopify.com";
const DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres";

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

async function freshDatabase(
  kind: string,
  args: string[],
): Promise<{ url: string; cleanup: () => Promise<void> | void }> {
  if (kind === "postgres") {
    const server = option(args, "postgres-url", process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES);
    const name = `churn_bench_webhooks_${process.pid}`;
    await recreatePostgresDatabase(server, name);
    const url = withDatabaseName(server, name);
    migrateDeploy(url);
    return { url, cleanup: () => dropPostgresDatabase(server, name) };
  }
  const dir = mkdtempSync(path.join(tmpdir(), "churn-webhooks-bench-"));
  const file = path.join(dir, "bench.sqlite");
  const url = `file:${file}`;
  migrateDeploy(url);
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(file);
  // Persistent in the file: readers never wait for the writer, commits append to the log.
  db.pragma("journal_mode = WAL");
  db.close();
  return { url, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function startServer(databaseUrl: string, useBuild: boolean): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/bench/_webhook-server.ts", ...(useBuild ? ["--build"] : [])],
    {
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: databaseUrl,
        SHOPIFY_API_KEY: "bench-api-key",
        SHOPIFY_API_SECRET: SECRET,
        SHOPIFY_APP_URL: "https://churn-radar.bench",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once("exit", (code) => reject(new Error(`webhook server exited with ${code} before listening`)));
  });
}

interface Delivery {
  webhookId: string;
  body: string;
  headers: Record<string, string>;
}

const orderIdOf = (i: number) => String(7_000_000_000_000_000n + BigInt(i));

/** Delivery i: its own webhook id and order, one of 1,000 customers, signed like Shopify signs. */
function delivery(i: number, webhookId = `bench-${process.pid}-${i}`): Delivery {
  const day = String(1 + (Math.abs(i) % 28)).padStart(2, "0");
  const body = JSON.stringify(
    orderPayload({
      orderId: orderIdOf(i),
      customerId: String(6_000_000_000_000_000n + BigInt(Math.abs(i) % 1_000)),
      createdAt: `2026-10-${day}T10:00:00Z`,
    }),
  );
  return {
    webhookId,
    body,
    headers: {
      "content-type": "application/json",
      "x-shopify-hmac-sha256": shopifyWebhookHmac(body, SECRET),
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": SHOP,
      "x-shopify-api-version": "2026-10",
      "x-shopify-webhook-id": webhookId,
      "x-shopify-event-id": `event-${webhookId}`,
      "x-shopify-triggered-at": new Date().toISOString(),
    },
  };
}

function deliveries(count: number): Delivery[] {
  return Array.from({ length: count }, (_, i) => delivery(i));
}

interface LoadResult {
  duration: number;
  total: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  answered2xx: string[];
}

/** autocannon in its own process (scripts/bench/_load.mjs), every planned delivery sent once. */
function runLoad(planned: Delivery[], port: number, connections: number): LoadResult {
  const dir = mkdtempSync(path.join(tmpdir(), "churn-webhooks-load-"));
  const file = path.join(dir, "deliveries.jsonl");
  writeFileSync(file, planned.map((d) => JSON.stringify(d)).join("\n"));
  try {
    const load = spawnSync(process.execPath, ["scripts/bench/_load.mjs", file, String(port), String(connections)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (load.status !== 0) throw new Error(`the load process failed (exit ${load.status})`);
    const lines = load.stdout.trim().split("\n");
    return JSON.parse(lines[lines.length - 1]) as LoadResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const db = option(args, "db", "sqlite") === "postgres" ? "postgres" : "sqlite";
  const amount = Number(option(args, "amount", "6000"));
  const connections = Number(option(args, "connections", "10"));
  const useBuild = args.includes("--build");

  const { url, cleanup } = await freshDatabase(db, args);
  ensureClientFor(url);
  const { child, port } = await startServer(url, useBuild);
  const planned = deliveries(amount);

  try {
    // Warm-up (first-request compilation, connection pools, the first drain) outside the
    // measurement, with one delivery of an order and a webhook id the load does not use.
    const warmUp = delivery(-1, `warm-up-${process.pid}`);
    await fetch(`http://127.0.0.1:${port}/webhooks/orders/create`, {
      method: "POST",
      headers: warmUp.headers,
      body: warmUp.body,
    }).catch(() => undefined);

    const result = runLoad(planned, port, connections);
    const answered2xx = new Set(result.answered2xx);

    process.env.DATABASE_URL = url;
    const { default: prisma } = await import("../../app/db.server");
    // An answered delivery is only safe once applied: wait for the server's drainer to finish.
    const loadEnd = Date.now();
    const drainLimitMs = Number(option(args, "drain-timeout-ms", "300000"));
    while ((await prisma.webhookDelivery.count({ where: { shop: SHOP, status: "pending" } })) > 0) {
      if (Date.now() - loadEnd > drainLimitMs) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const drainedMs = Date.now() - loadEnd;
    const applied = new Set(
      (
        await prisma.webhookDelivery.findMany({
          where: { shop: SHOP, status: "processed" },
          select: { webhookId: true },
        })
      ).map((d) => d.webhookId),
    );
    const storedOrders = new Set(
      (await prisma.order.findMany({ where: { shop: SHOP }, select: { shopifyId: true } })).map((o) => o.shopifyId),
    );
    const pending = await prisma.webhookDelivery.count({ where: { shop: SHOP, status: { not: "processed" } } });
    // The customers' aggregates must add up to the orders stored (each order counted once).
    const counted = await prisma.customer.aggregate({ where: { shop: SHOP }, _sum: { ordersCount: true } });
    await prisma.$disconnect();
    const orderOf = new Map(planned.map((d, i) => [d.webhookId, orderIdOf(i)]));
    const lost = [...answered2xx].filter((id) => !applied.has(id) || !storedOrders.has(orderOf.get(id) ?? "")).length;
    const errors = result.errors + result.timeouts + result.non2xx;
    console.error(
      `${result.total} requests in ${result.duration.toFixed(1)} s, ${answered2xx.size} answered 2xx; ` +
        `queue drained ${drainedMs} ms after the load: ${applied.size} deliveries applied, ` +
        `${pending} not applied, ${storedOrders.size} orders stored, ` +
        `${counted._sum.ordersCount ?? 0} counted in customer aggregates`,
    );
    console.log(
      JSON.stringify({
        bench: "webhooks",
        db,
        deliveries_per_s: Math.round(answered2xx.size / result.duration),
        p50_ms: result.p50,
        p99_ms: result.p99,
        errors,
        lost,
        drained_ms: drainedMs,
      }),
    );
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await cleanup();
  }
}
