import { getJwt, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { describe, expect, it } from "vitest";

import { loader } from "~/routes/app._index";
import { action as ordersCreate } from "~/routes/webhooks.orders.create";
import { sessionStorage } from "~/shopify.server";

import { orderPayload } from "./fixtures/shopify/order-payload";
import { signedWebhookRequest, uniqueShop } from "./support/shopify-webhooks";

// An embedded admin request as Shopify sends it: a session token (JWT signed with the app secret)
// in the query, for a shop whose offline session is stored.
async function embeddedRequest(shop: string, path = "/app") {
  const { token } = await getJwt(shop.replace(".myshopify.com", ""), "test-api-key", "test-api-secret");
  const url = new URL(`https://churn-radar.test${path}`);
  url.searchParams.set("shop", shop);
  url.searchParams.set("host", Buffer.from(`admin.shopify.com/store/${shop.split(".")[0]}`).toString("base64"));
  url.searchParams.set("embedded", "1");
  url.searchParams.set("id_token", token);
  return new Request(url, { headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0" } });
}

describe("app index", () => {
  it("shows the shop's own customer and order counts from the database", async () => {
    const shop = uniqueShop();
    const other = uniqueShop();
    await sessionStorage.storeSession(
      setUpValidSession({ shop, expires: new Date(Date.now() + 3_600_000), accessToken: "shpat_test" }),
    );
    for (const [s, id] of [
      [shop, "1001"],
      [shop, "1002"],
      [other, "2001"],
    ] as const) {
      const body = orderPayload({ orderId: id, customerId: id === "1002" ? "77" : "76" });
      await ordersCreate({
        request: signedWebhookRequest({ topic: "orders/create", shop: s, body }),
        params: {},
        context: {},
      });
    }

    const overview = await loader({ request: await embeddedRequest(shop), params: {}, context: {} });
    expect(overview.customers).toBe(2);
    expect(overview.orders).toBe(2);
    expect(overview.revenueByCountry).toEqual([{ country: "DE", currency: "GBP", orders: 2, revenue: 796 }]);
  });

  it("refuses a request without a valid session token", async () => {
    const shop = uniqueShop();
    const request = new Request(`https://churn-radar.test/app?shop=${shop}&embedded=1&id_token=forged`, {
      headers: { "user-agent": "Mozilla/5.0 Chrome/156.0" },
    });
    const outcome = await loader({ request, params: {}, context: {} }).then(
      () => "allowed",
      (thrown: unknown) => (thrown instanceof Response ? thrown.status : "error"),
    );
    expect(outcome).not.toBe("allowed");
    expect([302, 401, 410]).toContain(outcome);
  });
});
