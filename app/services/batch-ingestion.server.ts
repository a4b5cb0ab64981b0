import {
  customerPayloadFromNode,
  lineItemsCountOf,
  orderPayloadFromNode,
  type AdminCustomerNode,
  type AdminOrderNode,
} from "../integrations/shopify/admin-nodes";
import type { Tx } from "../models/webhook-delivery.server";
import { customerVersionFrom, ingestVersions, orderVersionFrom, type VersionBatch } from "./ingestion.server";

// Orders and customers read through the Admin GraphQL API (a backfill batch, a reconciliation
// page) enter like webhooks do: put in the webhook payload shape, turned into versions by
// orderVersionFrom / customerVersionFrom, stored by ingestVersions with the newer-wins rule.

export interface IngestBatch {
  customers: AdminCustomerNode[];
  orders: AdminOrderNode[];
}

export function versionsFromNodes(batch: IngestBatch): VersionBatch {
  return {
    customers: batch.customers.map((node) => customerVersionFrom(customerPayloadFromNode(node))),
    orders: batch.orders.map((node) => ({
      ...orderVersionFrom(orderPayloadFromNode(node)),
      lineItemsCount: lineItemsCountOf(node),
    })),
  };
}

export async function ingestBatch(tx: Tx, shop: string, batch: IngestBatch) {
  return ingestVersions(tx, shop, versionsFromNodes(batch));
}
