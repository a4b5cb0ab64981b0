import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";

import { describe, expect, it } from "vitest";

import prisma from "~/db.server";
import { DEMO_SHOP, importOnlineRetailDemo } from "~/services/demo-import.server";
import { getShopOverview } from "~/services/shop-overview.server";

// A few lines in the exact format of data/online-retail: an invoice whose lines straddle a
// minute, a repeat buyer, a guest order, a cancellation and a bad-debt adjustment.
const SAMPLE = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,71053,"METAL LANTERN, WHITE",6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,12583.0,France
536365,84406B,CREAM CUPID HEARTS COAT HANGER,8,2010-12-01 08:27:00,2.75,17850.0,United Kingdom
536367,22632,HAND WARMER RED POLKA DOT,6,2010-12-01 09:00:00,1.85,,United Kingdom
C536368,22633,HAND WARMER UNION JACK,-2,2010-12-01 09:10:00,1.85,12583.0,France
A563185,B,Adjust bad debt,1,2011-08-12 14:50:00,11062.06,,United Kingdom
581475,22596,CHRISTMAS STAR WISH LIST CHALKBOARD,36,2011-06-09 10:00:00,0.39,17850.0,United Kingdom
`;

describe("the Online Retail demo import", () => {
  it("turns invoices into orders and buyers into customers through the webhook ingestion", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "churn-demo-"));
    const file = path.join(dir, "sample.csv.gz");
    writeFileSync(file, gzipSync(SAMPLE));

    const summary = await importOnlineRetailDemo(file);
    expect(summary).toMatchObject({
      rowsRead: 8,
      ordersImported: 4,
      guestOrders: 1,
      customersImported: 2,
      cancellationInvoicesSkipped: 1,
      adjustmentInvoicesSkipped: 1,
      rejected: 0,
    });

    const straddling = await prisma.order.findUniqueOrThrow({
      where: { shop_shopifyId: { shop: DEMO_SHOP, shopifyId: "536365" } },
    });
    // 6 x 2.55 + 6 x 3.39 + 8 x 2.75, all three lines although one came two rows later.
    expect(straddling.totalShop.toString()).toBe("57.64");
    expect(straddling.lineItemsCount).toBe(3);
    expect(straddling.processedAt.toISOString()).toBe("2010-12-01T08:26:00.000Z");

    const summer = await prisma.order.findUniqueOrThrow({
      where: { shop_shopifyId: { shop: DEMO_SHOP, shopifyId: "581475" } },
    });
    // British Summer Time: 10:00 in London is 09:00 UTC.
    expect(summer.processedAt.toISOString()).toBe("2011-06-09T09:00:00.000Z");

    const repeat = await prisma.customer.findUniqueOrThrow({
      where: { shop_shopifyId: { shop: DEMO_SHOP, shopifyId: "17850" } },
    });
    expect(repeat.ordersCount).toBe(2);
    expect(repeat.purchaseDays).toBe(2);
    expect(repeat.country).toBe("GB");
    expect(JSON.parse(repeat.recentIntervals)).toEqual([190]);

    const overview = await getShopOverview(DEMO_SHOP);
    expect(overview.customers).toBe(2);
    expect(overview.orders).toBe(4);
    expect(overview.revenueByCountry.map((c) => c.country)).toEqual(["GB", "FR"]);

    // Importing again replaces the demo shop rather than doubling it.
    await importOnlineRetailDemo(file);
    expect((await getShopOverview(DEMO_SHOP)).orders).toBe(4);
  });
});
