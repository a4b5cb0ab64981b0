import { describe, expect, it } from "vitest";

import prisma from "~/db.server";
import { action as ordersCreate } from "~/routes/webhooks.orders.create";
import { drainWebhookQueue } from "~/services/webhook-queue.server";

import { orderPayload } from "./fixtures/shopify/order-payload";
import { signedWebhookRequest, uniqueShop } from "./support/shopify-webhooks";

const deliver = (request: Request) => ordersCreate({ request, params: {}, context: {} }) as Promise<Response>;

describe("concurrent versions of one order", () => {
  it("keep the newest version whatever order the deliveries arrive and the drains commit in", async () => {
    for (let round = 0; round < 5; round++) {
      const shop = uniqueShop();
      // Ten versions of the same order, each an hour newer, all delivered at once.
      const versions = Array.from({ length: 10 }, (_, i) =>
        orderPayload({
          orderId: "5550001",
          updatedAt: new Date(Date.UTC(2026, 9, 1, 12 + i)).toISOString(),
          currentTotalShop: (398 - i).toFixed(2),
        }),
      );
      const shuffled = versions.map((body, i) => ({ body, key: (i * 7 + round) % 10 })).sort((a, b) => a.key - b.key);
      const responses = await Promise.all(
        shuffled.map(({ body }) => deliver(signedWebhookRequest({ topic: "orders/updated", shop, body }))),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      // Four drainers at once, three deliveries per batch: on PostgreSQL these are concurrent
      // transactions, as drains in several processes would be.
      await Promise.all(Array.from({ length: 4 }, () => drainWebhookQueue({ shop, batchSize: 3 })));
      const order = await prisma.order.findFirstOrThrow({ where: { shop } });
      expect(order.shopifyUpdatedAt.toISOString()).toBe("2026-10-01T21:00:00.000Z");
      expect(order.refundedShop.toString()).toBe("9");
      const customer = await prisma.customer.findFirstOrThrow({ where: { shop } });
      expect(customer.ordersCount).toBe(1);
      expect(Number(customer.totalSpent)).toBe(389);
      const statuses = await prisma.webhookDelivery.groupBy({ by: ["status"], where: { shop }, _count: true });
      expect(statuses.reduce((sum, s) => sum + s._count, 0)).toBe(10);
      expect(statuses.every((s) => s.status === "processed" || s.status === "ignored")).toBe(true);
    }
  });
});
