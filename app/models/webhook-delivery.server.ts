import { Prisma } from "@prisma/client";

import prisma from "../db.server";
import { parseDatabaseUrl } from "../lib/database-url";
import { sortableId } from "../lib/ids";
import { inChunks } from "./order.server";
import { lockRecord } from "./record-lock.server";

export type Tx = Prisma.TransactionClient;

export interface DeliveryKey {
  shop: string;
  webhookId: string;
  topic: string;
  eventId?: string;
}

export type DeliveryOutcome = "processed" | "duplicate";

const provider = parseDatabaseUrl(process.env.DATABASE_URL).provider;

/**
 * Runs a write that is not part of a caller's transaction. On SQLite Prisma's adapter shares one
 * connection and serialises only transactions: a bare statement issued while another request's
 * transaction is open runs inside that transaction, and is undone with it if it rolls back. In a
 * transaction of its own it waits its turn instead.
 */
function alone<T>(write: (db: Tx) => Promise<T>): Promise<T> {
  // Waiting for a drain batch to commit takes milliseconds; Prisma's default 2 s would turn a
  // rare long wait into a 500 instead of a slower 200.
  return provider === "sqlite" ? prisma.$transaction(write, { maxWait: 10_000 }) : write(prisma);
}

/**
 * The key every transaction takes before it changes a shop's data in webhook-delivery order: the
 * queue drainer while it applies a shop's pending deliveries, and a synchronous delivery
 * (customers/redact, customers/delete, ...) of that shop. So a redaction never interleaves with a
 * drain of the same shop, in this process or another (PostgreSQL; SQLite has one writer).
 */
const queueKey = (shop: string) => `webhook-queue:${shop}`;

/** Waits for, then holds until the transaction ends, the shop's queue key (see queueKey). */
export async function lockShopQueue(tx: Tx, shop: string): Promise<void> {
  await lockRecord(tx, queueKey(shop));
}

/**
 * Records a delivery and applies its effect in ONE transaction: a duplicate delivery (same
 * webhook id) violates the unique key and rolls back, so it changes nothing; a crash before
 * commit leaves no record, so Shopify's retry is processed in full.
 */
export async function processDeliveryOnce(
  key: DeliveryKey,
  apply: (tx: Tx) => Promise<"processed" | "ignored">,
): Promise<DeliveryOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      await prisma.$transaction(async (tx) => {
        await lockShopQueue(tx, key.shop);
        const delivery = await tx.webhookDelivery.create({
          data: {
            shop: key.shop,
            webhookId: key.webhookId,
            topic: key.topic,
            eventId: key.eventId,
            status: "processing",
          },
        });
        const status = await apply(tx);
        await tx.webhookDelivery.update({
          where: { id: delivery.id },
          data: { status, attempts: 1, processedAt: new Date() },
        });
      });
      return "processed";
    } catch (error) {
      if (!(error instanceof Prisma.PrismaClientKnownRequestError)) throw error;
      // P2034: PostgreSQL aborted the transaction for a write conflict or deadlock; run it again.
      if (error.code === "P2034" && attempt < MAX_RACE_RETRIES) continue;
      if (error.code !== "P2002") throw error;
      // Only a clash on the delivery's own key means "seen before". On PostgreSQL two deliveries
      // can race to create the same shop or customer row (upsert = read, then insert): the loser
      // is rolled back whole and simply runs again, when the row is there. Answering 200 for it
      // instead would lose the delivery.
      if (error.meta?.modelName === "WebhookDelivery") {
        // A delivery we refused earlier (bad payload) left only a trace: Shopify's retry of that
        // id, perhaps valid now, must be processed, not taken for a duplicate.
        const cleared = await alone((db) =>
          db.webhookDelivery.deleteMany({
            where: { shop: key.shop, webhookId: key.webhookId, status: "rejected" },
          }),
        );
        if (cleared.count > 0 && attempt < MAX_RACE_RETRIES) continue;
        return "duplicate";
      }
      if (attempt >= MAX_RACE_RETRIES) throw error;
    }
  }
}

const MAX_RACE_RETRIES = 5;

/** Keeps a trace of a delivery that was refused (bad payload), without its content. */
export async function recordRejectedDelivery(key: DeliveryKey, reason: string): Promise<void> {
  await alone((db) =>
    db.webhookDelivery.upsert({
      where: { shop_webhookId: { shop: key.shop, webhookId: key.webhookId } },
      create: { ...key, status: "rejected", reason: reason.slice(0, 500) },
      update: {},
    }),
  );
}

export async function countDeliveries(shop: string): Promise<number> {
  return prisma.webhookDelivery.count({ where: { shop } });
}

// ---------------------------------------------------------------------------------------------
// The webhook queue: verified order and customer deliveries wait here as "pending", with their
// body, until app/services/webhook-queue.server.ts applies them in batches.

export interface DeliveryToQueue {
  key: DeliveryKey;
  /** The verified JSON body, as received. */
  payload: string;
  receivedAt: Date;
}

/** Rows per INSERT: 9 parameters each stays under SQLite's 999 bound parameters. */
const QUEUE_INSERT_ROWS = 100;

/**
 * Stores verified deliveries as pending, many in one statement. Each is "queued", or "duplicate"
 * when its webhook id was stored before (or appears earlier in the same call), except after a
 * rejection (bad payload): a valid retry replaces that trace.
 */
export async function enqueueDeliveries(deliveries: DeliveryToQueue[]): Promise<("queued" | "duplicate")[]> {
  const id = (key: { shop: string; webhookId: string }) => `${key.shop}\n${key.webhookId}`;
  const firsts = new Map<string, DeliveryToQueue>();
  for (const delivery of deliveries) {
    if (!firsts.has(id(delivery.key))) firsts.set(id(delivery.key), delivery);
  }
  const queued = new Set<string>();
  for (const chunk of inChunks([...firsts.values()], QUEUE_INSERT_ROWS)) {
    const values = chunk.map(
      ({ key, payload, receivedAt }) =>
        Prisma.sql`(${sortableId()}, ${key.shop}, ${key.webhookId}, ${key.topic}, ${key.eventId ?? null}, 'pending', ${payload}, 0, ${receivedAt})`,
    );
    const rows = await alone(
      (db) => db.$queryRaw<{ shop: string; webhookId: string }[]>`
        INSERT INTO "WebhookDelivery" ("id", "shop", "webhookId", "topic", "eventId", "status", "payload", "attempts", "receivedAt")
        VALUES ${Prisma.join(values)}
        ON CONFLICT ("shop", "webhookId") DO UPDATE SET
          "topic" = excluded."topic", "eventId" = excluded."eventId", "status" = 'pending', "reason" = NULL,
          "payload" = excluded."payload", "attempts" = 0, "receivedAt" = excluded."receivedAt", "processedAt" = NULL
        WHERE "WebhookDelivery"."status" = 'rejected'
        RETURNING "shop", "webhookId"`,
    );
    for (const row of rows) queued.add(id(row));
  }
  return deliveries.map((delivery) =>
    firsts.get(id(delivery.key)) === delivery && queued.has(id(delivery.key)) ? "queued" : "duplicate",
  );
}

/** enqueueDeliveries for one delivery. */
export async function enqueueDelivery(
  key: DeliveryKey,
  payload: string,
  receivedAt = new Date(),
): Promise<"queued" | "duplicate"> {
  const [outcome] = await enqueueDeliveries([{ key, payload, receivedAt }]);
  return outcome;
}

export interface PendingDelivery {
  id: string;
  shop: string;
  webhookId: string;
  topic: string;
  payload: string;
  attempts: number;
}

export interface ClaimFilter {
  /** Only this shop's deliveries. */
  shop?: string;
  /** Only deliveries received at or before this instant. */
  receivedBefore?: Date;
  /** Only these deliveries. */
  ids?: string[];
  /** Deliveries to leave alone (they failed earlier in the same drain). */
  exclude?: string[];
  limit: number;
  /**
   * "wait" blocks until another transaction working on one of the shops commits; "skip" leaves
   * such shops to whoever holds them (PostgreSQL; SQLite has one writer).
   */
  busyShops: "wait" | "skip";
}

/**
 * Takes the oldest pending deliveries inside the caller's transaction, with their shops' queue
 * locks: until the transaction ends no other drainer applies versions of those shops, and a
 * crash rolls everything back, leaving the deliveries pending for the next drain. Returns the
 * deliveries, oldest first, and whether some were left because another drainer had their shop.
 */
export async function claimPendingDeliveries(
  tx: Tx,
  filter: ClaimFilter,
): Promise<{ deliveries: PendingDelivery[]; busy: boolean }> {
  const where = Prisma.sql`"status" = 'pending'
    ${filter.shop === undefined ? Prisma.empty : Prisma.sql`AND "shop" = ${filter.shop}`}
    ${filter.receivedBefore ? Prisma.sql`AND "receivedAt" <= ${filter.receivedBefore}` : Prisma.empty}
    ${filter.ids ? Prisma.sql`AND "id" IN (${Prisma.join(filter.ids)})` : Prisma.empty}
    ${filter.exclude?.length ? Prisma.sql`AND "id" NOT IN (${Prisma.join(filter.exclude)})` : Prisma.empty}`;
  const columns = Prisma.sql`"id", "shop", "webhookId", "topic", "payload", "attempts"`;
  const order = Prisma.sql`ORDER BY "receivedAt", "id"`;

  if (provider === "sqlite") {
    const rows = await tx.$queryRaw<
      RawPending[]
    >`SELECT ${columns} FROM "WebhookDelivery" WHERE ${where} ${order} LIMIT ${filter.limit}`;
    return { deliveries: rows.map(pending), busy: false };
  }

  // PostgreSQL: the shops' locks first, then the rows. In the other order a shop/redact (shop
  // lock held, deleting this shop's deliveries) and a drainer (rows held, waiting for the shop)
  // would deadlock.
  const heads = await tx.$queryRaw<{ id: string; shop: string }[]>`
    SELECT "id", "shop" FROM "WebhookDelivery" WHERE ${where} ${order} LIMIT ${filter.limit}`;
  if (heads.length === 0) return { deliveries: [], busy: false };
  const shops = [...new Set(heads.map((h) => h.shop))].sort();
  const keys = Prisma.join(shops.map((shop) => Prisma.sql`(${shop}::text, ${queueKey(shop)}::text)`));
  let locked: string[];
  if (filter.busyShops === "wait") {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (VALUES ${keys}) AS keys (shop, k) ORDER BY k COLLATE "C"`;
    locked = shops;
  } else {
    const tried = await tx.$queryRaw<{ shop: string; got: boolean }[]>`
      SELECT shop, pg_try_advisory_xact_lock(hashtextextended(k, 0)) AS got FROM (VALUES ${keys}) AS keys (shop, k)`;
    locked = tried.filter((t) => t.got).map((t) => t.shop);
  }
  const busy = locked.length < shops.length;
  if (locked.length === 0) return { deliveries: [], busy };
  const ids = heads.filter((h) => locked.includes(h.shop)).map((h) => h.id);
  // Under the shop locks: a row another drainer applied meanwhile is no longer pending, and a
  // row shop/redact deleted is gone.
  const rows = await tx.$queryRaw<RawPending[]>`
    SELECT ${columns} FROM "WebhookDelivery" WHERE "id" IN (${Prisma.join(ids)}) AND "status" = 'pending'
    ${order} FOR UPDATE SKIP LOCKED`;
  return { deliveries: rows.map(pending), busy };
}

type RawPending = Omit<PendingDelivery, "attempts" | "payload"> & { attempts: number | bigint; payload: string | null };

function pending(row: RawPending): PendingDelivery {
  return { ...row, payload: row.payload ?? "", attempts: Number(row.attempts) };
}

/** Marks applied deliveries done (processed, or ignored: older than what is stored) and drops their bodies. */
export async function markDeliveriesApplied(
  tx: Tx,
  applied: { processed: string[]; ignored: string[] },
  at = new Date(),
): Promise<void> {
  const all = [...applied.processed, ...applied.ignored];
  if (all.length === 0) return;
  const status =
    applied.ignored.length === 0
      ? Prisma.sql`'processed'`
      : Prisma.sql`CASE WHEN "id" IN (${Prisma.join(applied.ignored)}) THEN 'ignored' ELSE 'processed' END`;
  await tx.$executeRaw`
    UPDATE "WebhookDelivery"
    SET "status" = ${status}, "payload" = NULL, "processedAt" = ${at}, "attempts" = "attempts" + 1
    WHERE "id" IN (${Prisma.join(all)})`;
}

/**
 * A delivery that could not be applied: counted, and once it has failed `maxAttempts` times (1
 * for a payload that can never apply) it is set aside as "failed" with its reason and its body
 * kept, so it can be inspected and replayed (`requeueFailedDeliveries`) instead of lost.
 */
export async function markDeliveryFailed(
  id: string,
  reason: string,
  maxAttempts: number,
  tx?: Tx,
): Promise<"retry" | "failed"> {
  const run = async (db: Tx) => {
    const rows = await db.$queryRaw<{ status: string }[]>`
      UPDATE "WebhookDelivery"
      SET "attempts" = "attempts" + 1, "reason" = ${reason.slice(0, 500)},
          "status" = CASE WHEN "attempts" + 1 >= ${maxAttempts} THEN 'failed' ELSE "status" END
      WHERE "id" = ${id} AND "status" = 'pending'
      RETURNING "status"`;
    return rows[0]?.status === "failed" ? "failed" : "retry";
  };
  return tx ? run(tx) : alone(run);
}

/** Puts failed deliveries back in the queue (after a fix), optionally of one shop only. */
export async function requeueFailedDeliveries(shop?: string): Promise<number> {
  const result = await alone((db) =>
    db.webhookDelivery.updateMany({
      where: { status: "failed", payload: { not: null }, ...(shop ? { shop } : {}) },
      data: { status: "pending", attempts: 0, reason: null },
    }),
  );
  return result.count;
}

/** Deliveries waiting to be applied (all shops, or one). */
export async function countPendingDeliveries(shop?: string): Promise<number> {
  return prisma.webhookDelivery.count({ where: { status: "pending", ...(shop ? { shop } : {}) } });
}
