import { getBackfillProgress, type BackfillProgress } from "../models/backfill-run.server";
import { countCustomers } from "../models/customer.server";
import { countOrders, revenueByCountry } from "../models/order.server";

export interface ShopOverview {
  customers: number;
  orders: number;
  revenueByCountry: { country: string; currency: string; orders: number; revenue: number }[];
  /** How far the import of the shop's order history has come. */
  backfill: BackfillProgress;
}

/** What the index page shows: the shop's customers, orders and revenue by market. */
export async function getShopOverview(shop: string): Promise<ShopOverview> {
  const [customers, orders, revenue, backfill] = await Promise.all([
    countCustomers(shop),
    countOrders(shop),
    revenueByCountry(shop),
    getBackfillProgress(shop),
  ]);
  return { customers, orders, revenueByCountry: revenue, backfill };
}
