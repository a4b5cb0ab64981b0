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
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return "duplicate";
    throw error;
  }
}

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
