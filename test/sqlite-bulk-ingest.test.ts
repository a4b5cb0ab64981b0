import { describe, expect, it } from "vitest";

import prisma from "~/db.server";
import { parseBulkLine, type AdminCustomerNode, type AdminOrderNode } from "~/integrations/shopify/admin-nodes";
import { parseDatabaseUrl } from "~/lib/database-url";
import { sqliteBulkIngest } from "~/models/sqlite-bulk-ingest.server";
import { ingestBatch, versionsFromNodes, type IngestBatch } from "~/services/batch-ingestion.server";

import { bulkJsonlLines, shopRecords } from "./shopify-stand-in/dataset";
import { uniqueShop } from "./support/shopify-webhooks";

// The SQLite backfill writes with its own statements; Prisma must read those rows back exactly as
// if it had written them itself. Same batches through both paths, then every field compared.
const onSqlite = parseDatabaseUrl(process.env.DATABASE_URL).provider === "sqlite";

function batchesOf(lines: string[], sizes: number[]): IngestBatch[] {
  const batches: IngestBatch[] = [];
  let at = 0;
  for (const size of sizes) {
    const customers: AdminCustomerNode[] = [];
    const orders: AdminOrderNode[] = [];
    for (const line of lines.slice(at, at + size)) {
      const parsed = parseBulkLine(JSON.parse(line));
      if (parsed.kind === "customer") customers.push(parsed.node);
      if (parsed.kind === "order") orders.push(parsed.node);
    }
    batches.push({ customers, orders });
    at += size;
  }
  return batches;
}

async function snapshot(shop: string) {
  const orders = await prisma.order.findMany({ where: { shop }, orderBy: { shopifyId: "asc" } });
  const customers = await prisma.customer.findMany({ where: { shop }, orderBy: { shopifyId: "asc" } });
  const strip = <T extends { id: string; shop: string; createdAt: Date; updatedAt: Date }>(row: T) => {
    const { id: _id, shop: _shop, createdAt: _c, updatedAt: _u, ...rest } = row;
    return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  };
  return { orders: orders.map(strip), customers: customers.map(strip) };
}

describe.skipIf(!onSqlite)("SQLite bulk writer", () => {
  it("stores what the Prisma path stores, field for field, including updates and recomputed customers", async () => {
    const lines = [...bulkJsonlLines(shopRecords({ seed: 11, customers: 6, ordersPerCustomer: 3 }))];
    // Split mid-customer, so the second batch adds orders to a customer stored by the first.
    const batches = batchesOf(lines, [7, 9, lines.length - 16]);
    const target = batches[0].orders[0];
    const later = new Date(Date.parse(target.updatedAt) + 86_400_000).toISOString();
    batches.push({
      customers: [],
      orders: [{ ...target, updatedAt: later, cancelledAt: later, displayFinancialStatus: "VOIDED" }],
    });

    const viaPrisma = uniqueShop("prisma-path");
    const viaSqlite = uniqueShop("sqlite-path");
    const run = await prisma.backfillRun.create({ data: { shop: viaSqlite, status: "importing" } });
    const writer = sqliteBulkIngest();
    expect(writer).not.toBeNull();
    let linesDone = 0;
    for (const batch of batches) {
      await prisma.$transaction((tx) => ingestBatch(tx, viaPrisma, batch));
      linesDone += batch.customers.length + batch.orders.length;
      await writer?.commit(viaSqlite, run.id, versionsFromNodes(batch), {
        linesDone,
        customers: batch.customers.length,
        orders: batch.orders.length,
      });
    }

    const [a, b] = [await snapshot(viaPrisma), await snapshot(viaSqlite)];
    expect(b.orders).toHaveLength(18);
    expect(b.customers).toHaveLength(6);
    expect(b).toEqual(a);
    const voided = b.orders.find((o) => o.shopifyId === target.id.split("/").pop());
    expect(voided).toMatchObject({ financialStatus: "voided" });
    expect(await prisma.backfillRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({
      linesDone: 25,
      customersImported: 6,
      ordersImported: 19,
    });
  });

  it("leaves a newer stored version and a deleted customer alone", async () => {
    const shop = uniqueShop("sqlite-path");
    const [record] = [...shopRecords({ seed: 12, customers: 1, ordersPerCustomer: 1 })];
    const [batch] = batchesOf([...bulkJsonlLines([record])], [2]);
    const run = await prisma.backfillRun.create({ data: { shop, status: "importing" } });
    const customerId = record.customer.id.split("/").pop() ?? "";
    await prisma.customer.create({ data: { shop, shopifyId: customerId, deletedAt: new Date(), email: null } });
    const newer = {
      ...batch.orders[0],
      updatedAt: new Date(Date.parse(batch.orders[0].updatedAt) + 1000).toISOString(),
      name: "#newer",
    };
    await prisma.$transaction((tx) => ingestBatch(tx, shop, { customers: [], orders: [newer] }));

    await sqliteBulkIngest()?.commit(shop, run.id, versionsFromNodes(batch), { linesDone: 2, customers: 1, orders: 1 });
    const order = await prisma.order.findFirstOrThrow({ where: { shop } });
    expect(order.name).toBe("#newer");
    const customer = await prisma.customer.findFirstOrThrow({ where: { shop } });
    expect(customer.email).toBeNull();
    expect(customer.deletedAt).not.toBeNull();
  });

  it("stores a redacted customer's orders without them, as the Prisma path does", async () => {
    const records = [...shopRecords({ seed: 14, customers: 2, ordersPerCustomer: 2 })];
    const [batch] = batchesOf([...bulkJsonlLines(records)], [6]);
    const redactedId = records[0].customer.id.split("/").pop() ?? "";
    const viaPrisma = uniqueShop("prisma-path");
    const viaSqlite = uniqueShop("sqlite-path");
    const run = await prisma.backfillRun.create({ data: { shop: viaSqlite, status: "importing" } });
    const redactedAt = new Date("2026-11-01T00:00:00Z");
    for (const shop of [viaPrisma, viaSqlite]) {
      // The tombstone customers/redact leaves, and one of their orders it detached.
      await prisma.customer.create({
        data: { shop, shopifyId: redactedId, redactedAt, deletedAt: redactedAt },
      });
      await prisma.$transaction((tx) =>
        ingestBatch(tx, shop, { customers: [], orders: [{ ...batch.orders[0], customer: null }] }),
      );
    }
    const later = (node: { updatedAt: string }) => new Date(Date.parse(node.updatedAt) + 1000).toISOString();
    const newer = {
      customers: batch.customers,
      orders: batch.orders.map((o) => ({ ...o, updatedAt: later(o) })),
    };

    await prisma.$transaction((tx) => ingestBatch(tx, viaPrisma, newer));
    await sqliteBulkIngest()?.commit(viaSqlite, run.id, versionsFromNodes(newer), {
      linesDone: 6,
      customers: 2,
      orders: 4,
    });

    const [a, b] = [await snapshot(viaPrisma), await snapshot(viaSqlite)];
    expect(b).toEqual(a);
    const mine = new Set(records[0].orders.map((o) => o.id.split("/").pop()));
    expect(b.orders.filter((o) => mine.has(String(o.shopifyId))).map((o) => o.customerShopifyId)).toEqual(
      records[0].orders.map(() => null),
    );
    expect(b.orders.filter((o) => o.customerShopifyId !== null)).toHaveLength(records[1].orders.length);
    expect(b.customers.find((c) => c.shopifyId === redactedId)).toMatchObject({
      email: null,
      firstName: null,
      ordersCount: 0,
      totalSpent: "0",
      lastOrderAt: null,
    });
  });

  it("waits, without blocking the process, while a Prisma transaction of the same process holds the write lock", async () => {
    const shop = uniqueShop("sqlite-path");
    const [batch] = batchesOf([...bulkJsonlLines(shopRecords({ seed: 13, customers: 2, ordersPerCustomer: 2 }))], [6]);
    const run = await prisma.backfillRun.create({ data: { shop, status: "importing" } });
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holder = prisma.$transaction(
      async (tx) => {
        await tx.syncCursor.create({ data: { shop, name: "lock-holder", value: "x" } });
        await held;
      },
      { timeout: 10_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const commit = sqliteBulkIngest()?.commit(shop, run.id, versionsFromNodes(batch), {
      linesDone: 6,
      customers: 2,
      orders: 4,
    });
    let committed = false;
    void commit?.then(() => (committed = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Still waiting for the lock, and the process kept running (this timer fired).
    expect(committed).toBe(false);
    release();
    await holder;
    await commit;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await prisma.order.count({ where: { shop } })).toBe(4);
    expect(await prisma.syncCursor.count({ where: { shop } })).toBe(1);
  });

  it("keeps a plain statement out of another request's open transaction (it waits, then stands alone)", async () => {
    const shop = uniqueShop("sqlite-serial");
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const doomed = prisma
      .$transaction(async (tx) => {
        await tx.syncCursor.create({ data: { shop, name: "doomed", value: "x" } });
        await held;
        throw new Error("roll back");
      })
      .catch(() => "rolled back");
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Issued while the transaction is open: before the fix it ran inside it and vanished with it.
    // A raw statement (as the storefront event writer issues) is not wrapped in a transaction of its own.
    const plain = prisma
      .$executeRawUnsafe(
        `INSERT INTO "SyncCursor" ("shop", "name", "value", "updatedAt") VALUES (?, 'plain', 'y', ?)`,
        shop,
        new Date().toISOString(),
      )
      .then((count) => count); // Prisma queries are lazy: .then() sends it now, while the transaction is open.
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    expect(await doomed).toBe("rolled back");
    await plain;
    const names = (await prisma.syncCursor.findMany({ where: { shop } })).map((row) => row.name);
    expect(names).toEqual(["plain"]);
  });
});
