import { Prisma } from "@prisma/client";

import prisma from "../db.server";

export type Tx = Prisma.TransactionClient;

export interface DeliveryKey {
  shop: string;
  webhookId: string;
  topic: string;
  eventId?: string;
}

export type DeliveryOutcome = "processed" | "duplicate";

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
        await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { status } });
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
        const cleared = await prisma.webhookDelivery.deleteMany({
          where: { shop: key.shop, webhookId: key.webhookId, status: "rejected" },
        });
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
  await prisma.webhookDelivery.upsert({
    where: { shop_webhookId: { shop: key.shop, webhookId: key.webhookId } },
    create: { ...key, status: "rejected", reason: reason.slice(0, 500) },
    update: {},
  });
}

export async function countDeliveries(shop: string): Promise<number> {
  return prisma.webhookDelivery.count({ where: { shop } });
}
