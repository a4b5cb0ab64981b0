import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { parseEventBatch, type StorefrontEvent } from "~/lib/storefront-events";
import {
  COLLECTION,
  EVENTS_PATH,
  PRODUCT,
  launchBrowser,
  sleep,
  startStorefront,
  waitFor,
  type Storefront,
  type StorefrontOptions,
} from "./storefront";

// The tracker flushes every 0.5 s in these pages; waiting this long means several flushes passed.
const PAST_SEVERAL_FLUSHES_MS = 1600;
const VISITOR_KEY = "churn_radar_vid";

// Each test has its own storefront server and browser context, so they can share one Chromium and
// run side by side: most of their time is spent waiting for flush intervals to pass.
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The storefront page's globals the tests touch (see the consent stub in storefront.ts). */
interface StubWindow {
  Shopify: {
    customerPrivacy: {
      setTrackingConsent(consent: Record<string, boolean>, callback: () => void): void;
      __setSilently(value: boolean): void;
    };
  };
}

interface Visit {
  shop: Storefront;
  context: BrowserContext;
  page: Page;
  pageErrors: string[];
  go(path: string): Promise<void>;
}

async function visit(t: TestContext, options: StorefrontOptions, initScript?: () => void): Promise<Visit> {
  const shop = await startStorefront(options);
  const context = await browser.newContext();
  t.onTestFinished(async () => {
    await context.close();
    await shop.close();
  });
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return {
    shop,
    context,
    page,
    pageErrors,
    go: async (path) => {
      await page.goto(path.startsWith("about:") ? path : shop.origin + path);
    },
  };
}

/** Every batch parsed with the server's contract; a batch or event it would refuse fails the test. */
function eventsOf(shop: Storefront): StorefrontEvent[] {
  return shop.batches.flatMap((batch) => {
    const parsed = parseEventBatch(batch.json, batch.receivedAt);
    if (!parsed.ok) throw new Error(`the server contract refused a batch (${parsed.reason}): ${batch.body}`);
    expect(parsed.dropped, `dropped events in ${batch.body}`).toEqual({
      unknownType: 0,
      invalid: 0,
      tooOld: 0,
      inFuture: 0,
      duplicate: 0,
    });
    return parsed.accepted;
  });
}

function ofType<T extends StorefrontEvent["type"]>(events: StorefrontEvent[], type: T) {
  return events.filter((event): event is Extract<StorefrontEvent, { type: T }> => event.type === type);
}

/** The theme's own scripts ran (one before the tracker, one after) and nothing reached window.onerror. */
async function expectThemeUnharmed({ page, pageErrors }: Visit) {
  await settle(page, "#late-status", "late script ran");
  expect(await page.textContent("#theme-status")).toBe("theme script ran");
  expect(await page.textContent("#late-status")).toBe("late script ran");
  expect(await page.evaluate(() => (window as unknown as { __errors: string[] }).__errors)).toEqual([]);
  expect(pageErrors).toEqual([]);
}

/** Waits (up to 5 s) for an element to show `text`; the caller's assertion reports what it shows instead. */
async function settle(page: Page, selector: string, text: string) {
  await page
    .waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [selector, text] as const, {
      timeout: 5000,
    })
    .catch(() => undefined);
}

/** Clicks one of the theme's cart buttons and checks what the theme's own code got back. */
async function cartResult(page: Page, click: string, expected: string) {
  await page.click(click);
  await settle(page, "#cart-result", expected);
  expect(await page.textContent("#cart-result")).toBe(expected);
}

describe.concurrent("consent", () => {
  it.for(["denied", "absent"] as const)("records, stores and sends nothing when consent is %s", async (consent, t) => {
    const v = await visit(t, { consent });
    await v.go(`/products/${PRODUCT.handle}`);
    await cartResult(v.page, "#fetch-add", `fetch 200 ${PRODUCT.variants[1]} x3`);
    await sleep(PAST_SEVERAL_FLUSHES_MS);
    await expectThemeUnharmed(v);
    expect(await v.page.evaluate((key) => localStorage.getItem(key), VISITOR_KEY)).toBeNull();
    // An id left from an earlier visit, when this visitor had said yes.
    await v.page.evaluate((key) => localStorage.setItem(key, "earlier-visitor-0001"), VISITOR_KEY);
    await v.go("/search?q=wool"); // pagehide on the product page
    await sleep(600);
    // A refusal makes the tracker forget it; with no consent API at all it is left alone (and unused).
    expect(await v.page.evaluate((key) => localStorage.getItem(key), VISITOR_KEY)).toBe(
      consent === "denied" ? null : "earlier-visitor-0001",
    );
    await v.go("about:blank"); // pagehide on the search page
    await sleep(600);

    expect(v.shop.cartAdds).toHaveLength(1); // the storefront itself worked
    expect(v.shop.batches).toEqual([]);
    expect((await v.context.cookies()).map((cookie) => cookie.name)).not.toContain(VISITOR_KEY);
  });

  it("records a visit across pages in batches the server contract accepts", async (t) => {
    const v = await visit(t, { consent: "granted" });
    await v.go("/search?q=wool+scarf");
    await v.page.click("#nav-product");
    await v.page.waitForURL(`**/products/${PRODUCT.handle}`);
    await v.go(`/collections/${COLLECTION.handle}`);
    await v.go(`/search?q=${encodeURIComponent("羊毛 围巾")}`); // a cross-border shopper searching in Chinese
    await v.go("/cart");
    await waitFor(() => ofType(eventsOf(v.shop), "cart_view").length === 1, "the cart view");
    const visitorId = await v.page.evaluate((key) => localStorage.getItem(key), VISITOR_KEY);
    await v.go("about:blank");
    await waitFor(() => ofType(eventsOf(v.shop), "page_view").some((e) => e.path === "/cart"), "the cart page view");

    const events = eventsOf(v.shop);
    expect(ofType(events, "search")).toMatchObject([
      { path: "/search", query: "wool scarf" },
      { path: "/search", query: "羊毛 围巾" },
    ]);
    expect(ofType(events, "product_view")).toMatchObject([
      { path: `/products/${PRODUCT.handle}`, productId: PRODUCT.id },
    ]);
    expect(ofType(events, "collection_view")).toMatchObject([
      { path: `/collections/${COLLECTION.handle}`, collectionId: COLLECTION.id },
    ]);
    expect(ofType(events, "cart_view")).toMatchObject([{ path: "/cart" }]);
    const visits = ofType(events, "page_view").filter((e) => e.seq === 0);
    expect(visits.map((e) => e.path)).toEqual([
      "/search",
      `/products/${PRODUCT.handle}`,
      `/collections/${COLLECTION.handle}`,
      "/search",
      "/cart",
    ]);

    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(visitorId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    for (const batch of v.shop.batches) {
      expect(batch.url).toBe(EVENTS_PATH);
      expect(batch.contentType).toMatch(/^text\/plain/);
      expect(batch.json).toMatchObject({ visitorId });
    }
  });

  it("still counts a visitor who leaves before the tracker's idle-time start", async (t) => {
    // A main thread that is never idle: the tracker's deferred start never comes.
    const v = await visit(t, { consent: "granted" }, () => {
      window.requestIdleCallback = () => 0;
    });
    await v.go(`/products/${PRODUCT.handle}`);
    await sleep(800);
    expect(v.shop.batches).toEqual([]);
    await v.go("about:blank");
    await waitFor(() => ofType(eventsOf(v.shop), "product_view").length === 1, "the product view");
    expect(ofType(eventsOf(v.shop), "page_view")).toMatchObject([{ seq: 0, path: `/products/${PRODUCT.handle}` }]);
  });

  it("reports the visible time spent on a page", async (t) => {
    const v = await visit(t, { consent: "granted" });
    const arriving = Date.now();
    await v.go(`/products/${PRODUCT.handle}`);
    await waitFor(() => v.shop.batches.length > 0, "the first batch"); // the tracker is running
    await sleep(1200);
    await v.go("about:blank");
    const left = Date.now();
    const path = `/products/${PRODUCT.handle}`;
    await waitFor(
      () => ofType(eventsOf(v.shop), "page_view").some((e) => e.path === path && e.seq > 0),
      "a dwell segment",
    );

    const segments = ofType(eventsOf(v.shop), "page_view").filter((e) => e.path === path);
    const dwell = segments.reduce((sum, e) => sum + e.dwellMs, 0);
    expect(segments.map((e) => e.seq)).toEqual(segments.map((_, i) => i));
    expect(dwell).toBeGreaterThanOrEqual(1200);
    expect(dwell).toBeLessThanOrEqual(left - arriving);
  });

  it("starts recording when the visitor gives consent during the visit", async (t) => {
    const v = await visit(t, { consent: "denied" });
    await v.go(`/products/${PRODUCT.handle}`);
    await sleep(800);
    expect(v.shop.batches).toEqual([]);
    const consentAt = Date.now();
    await v.page.evaluate(() =>
      (window as unknown as StubWindow).Shopify.customerPrivacy.setTrackingConsent(
        { analytics: true, marketing: false, preferences: true, sale_of_data: false },
        () => {},
      ),
    );
    await waitFor(() => ofType(eventsOf(v.shop), "product_view").length === 1, "the product view");
    expect(Math.min(...eventsOf(v.shop).map((e) => e.occurredAt))).toBeGreaterThanOrEqual(consentAt - 50);
  });

  it("loads the Customer Privacy API through Shopify.loadFeatures when the theme has not", async (t) => {
    const v = await visit(t, { consent: "lazy" });
    await v.go(`/products/${PRODUCT.handle}`);
    await waitFor(() => ofType(eventsOf(v.shop), "product_view").length === 1, "the product view");
    expect(
      await v.page.evaluate(() => (window as unknown as { __loadFeaturesCalls: unknown }).__loadFeaturesCalls),
    ).toEqual([[{ name: "consent-tracking-api", version: "0.1" }]]);
  });

  it("drops its queue, forgets the visitor and goes quiet when consent is withdrawn", async (t) => {
    const v = await visit(t, { consent: "granted" });
    await v.go(`/products/${PRODUCT.handle}`);
    await waitFor(() => v.shop.batches.length > 0, "the first batch");
    const sentBefore = v.shop.batches.length;

    await v.page.evaluate(() =>
      (window as unknown as StubWindow).Shopify.customerPrivacy.setTrackingConsent({ analytics: false }, () => {}),
    );
    await v.page.waitForFunction((key) => localStorage.getItem(key) === null, VISITOR_KEY);
    await cartResult(v.page, "#fetch-add", `fetch 200 ${PRODUCT.variants[1]} x3`);
    await sleep(PAST_SEVERAL_FLUSHES_MS);
    await expectThemeUnharmed(v);
    await v.go("about:blank");
    await sleep(500);

    expect(v.shop.batches).toHaveLength(sentBefore);
    expect(ofType(eventsOf(v.shop), "add_to_cart")).toEqual([]);
  });

  it("re-checks consent before every send, even when no event announced the change", async (t) => {
    const v = await visit(t, { consent: "granted" });
    await v.go(`/products/${PRODUCT.handle}`);
    await waitFor(() => v.shop.batches.length > 0, "the first batch");
    const sentBefore = v.shop.batches.length;

    await v.page.evaluate(() => (window as unknown as StubWindow).Shopify.customerPrivacy.__setSilently(false));
    await cartResult(v.page, "#fetch-add", `fetch 200 ${PRODUCT.variants[1]} x3`);
    await sleep(PAST_SEVERAL_FLUSHES_MS);
    await v.go("about:blank");
    await sleep(500);

    expect(v.shop.batches).toHaveLength(sentBefore);
    expect(v.shop.cartAdds).toHaveLength(1);
  });
});

describe.concurrent("batching", () => {
  it("splits a long queue into batches of at most 50 events", async (t) => {
    // A long flush interval: everything waits for pagehide and goes out at once.
    const v = await visit(t, { consent: "granted", flushSeconds: 60 });
    await v.go(`/products/${PRODUCT.handle}`);
    await v.page.waitForFunction(() => "Shopify" in window); // the page is up; the tracker starts when idle
    await sleep(300);
    const statuses = await v.page.evaluate((variant) => {
      const adds = Array.from({ length: 120 }, () =>
        fetch("/cart/add.js", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ id: Number(variant), quantity: 1 }),
        }).then((r) => r.status),
      );
      return Promise.all(adds);
    }, PRODUCT.variants[0]);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(v.shop.batches).toEqual([]);
    await v.go("about:blank");
    await waitFor(() => ofType(eventsOf(v.shop), "add_to_cart").length === 120, "all 120 cart adds", 8000);

    const sizes = v.shop.batches.map((batch) => (batch.json as { events: unknown[] }).events.length);
    expect(sizes.every((size) => size <= 50)).toBe(true);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(122); // + product view + page view
    expect(Math.max(...v.shop.batches.map((batch) => Buffer.byteLength(batch.body)))).toBeLessThanOrEqual(64 * 1024);
  });
});

describe.concurrent("add to cart", () => {
  it("records a classic form post to /cart/add with variant, quantity and product", async (t) => {
    const v = await visit(t, { consent: "granted" });
    await v.go(`/products/${PRODUCT.handle}`);
    await v.page.selectOption("#variant", PRODUCT.variants[1]);
    await v.page.fill("#quantity", "2");
    await v.page.click("#classic-add");
    await v.page.waitForURL("**/cart");
    await waitFor(() => ofType(eventsOf(v.shop), "cart_view").length === 1, "the cart view after the redirect");

    expect(v.shop.cartAdds).toEqual([{ variantId: PRODUCT.variants[1], quantity: 2, endpoint: "/cart/add" }]);
    expect(ofType(eventsOf(v.shop), "add_to_cart")).toMatchObject([
      {
        path: `/products/${PRODUCT.handle}`,
        variantId: PRODUCT.variants[1],
        productId: PRODUCT.id,
        quantity: 2,
        via: "form",
      },
    ]);
  });

  it("records Ajax adds by fetch and XHR once each, skips failed adds, and leaves the theme's results untouched", async (t) => {
    const v = await visit(t, { consent: "granted" });
    await v.go(`/products/${PRODUCT.handle}`);
    await cartResult(v.page, "#fetch-add", `fetch 200 ${PRODUCT.variants[1]} x3`);
    await cartResult(v.page, "#xhr-add", `xhr 200 ${PRODUCT.variants[0]} x4`);
    // A Dawn-style product form: the theme cancels the submit and posts FormData to /cart/add itself.
    await cartResult(v.page, "#ajax-form-add", `ajax form ${PRODUCT.variants[0]} x5`);
    await cartResult(v.page, "#fetch-add-unknown", "unknown 422 Cannot find variant");
    await cartResult(v.page, "#fetch-add-broken", "broken rejected TypeError");
    // The wrapped XMLHttpRequest still throws exactly what the browser's own does.
    expect(
      await v.page.evaluate(() => {
        try {
          new XMLHttpRequest().open("NOT A METHOD", "/cart/add.js");
          return "no error";
        } catch (error) {
          return (error as DOMException).name;
        }
      }),
    ).toBe("SyntaxError");
    await expectThemeUnharmed(v);
    await v.go("about:blank");
    await waitFor(() => ofType(eventsOf(v.shop), "add_to_cart").length >= 3, "three cart adds");
    await sleep(300);

    const adds = ofType(eventsOf(v.shop), "add_to_cart").map(({ variantId, quantity, productId, via }) => ({
      variantId,
      quantity,
      productId,
      via,
    }));
    expect(adds).toEqual([
      { variantId: PRODUCT.variants[1], quantity: 3, productId: PRODUCT.id, via: "fetch" },
      { variantId: PRODUCT.variants[0], quantity: 4, productId: PRODUCT.id, via: "xhr" },
      { variantId: PRODUCT.variants[0], quantity: 5, productId: PRODUCT.id, via: "fetch" },
    ]);
    expect(v.shop.cartAdds.map((add) => add.quantity)).toEqual([3, 4, 5]);
  });
});

describe.concurrent("identity", () => {
  it("never puts the logged-in customer's id in what it sends, and records the checkout start once", async (t) => {
    const customerId = "987654321";
    const v = await visit(t, { consent: "granted", customerId });
    await v.go(`/products/${PRODUCT.handle}`);
    await cartResult(v.page, "#fetch-add", `fetch 200 ${PRODUCT.variants[1]} x3`);
    await v.go("/cart");
    expect(await v.page.evaluate(() => (window as unknown as { __st: { cid: number } }).__st.cid)).toBe(
      Number(customerId),
    );
    await v.page.click("#checkout");
    await v.page.waitForURL("**/checkout");
    await waitFor(() => ofType(eventsOf(v.shop), "checkout_started").length > 0, "the checkout start");
    await v.go("about:blank");
    await sleep(300);

    expect(ofType(eventsOf(v.shop), "checkout_started")).toMatchObject([{ path: "/cart" }]);
    expect(ofType(eventsOf(v.shop), "add_to_cart")).toHaveLength(1);
    const keys = (value: unknown): string[] =>
      typeof value === "object" && value !== null
        ? Object.entries(value).flatMap(([key, inner]) => [key, ...keys(inner)])
        : [];
    for (const batch of v.shop.batches) {
      expect(batch.body).not.toContain(customerId);
      expect(batch.url).not.toContain(customerId);
      expect(keys(batch.json).filter((key) => /customer/i.test(key))).toEqual([]);
    }
  });
});

describe.concurrent("account pages", () => {
  it("never sends the customer id or token that a password-reset path carries", async (t) => {
    const v = await visit(t, { consent: "granted" });
    await v.go("/account/reset/987654321/5f2b9c0e71-1763800000");
    await v.go("about:blank");
    await waitFor(() => ofType(eventsOf(v.shop), "page_view").length > 0, "the reset page's visit");
    expect(ofType(eventsOf(v.shop), "page_view")[0]).toMatchObject({ path: "/account" });
    for (const batch of v.shop.batches) {
      expect(batch.body).not.toContain("987654321");
      expect(batch.body).not.toContain("5f2b9c0e71");
    }
  });
});

describe.concurrent("never breaks the theme", () => {
  it("falls back to a first-party cookie when localStorage throws", async (t) => {
    const v = await visit(t, { consent: "granted" }, () => {
      Object.defineProperty(window, "localStorage", {
        get() {
          throw new DOMException("The operation is insecure.", "SecurityError");
        },
      });
    });
    await v.go(`/products/${PRODUCT.handle}`);
    await waitFor(() => ofType(eventsOf(v.shop), "product_view").length === 1, "the product view");
    await expectThemeUnharmed(v);
    const cookie = (await v.context.cookies()).find((c) => c.name === VISITOR_KEY);
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(v.shop.batches[0].json).toMatchObject({ visitorId: cookie?.value });
  });

  it("switches itself off silently when serialising a batch throws", async (t) => {
    const v = await visit(t, { consent: "granted" }, () => {
      const original = JSON.stringify;
      JSON.stringify = function (this: JSON, ...args: Parameters<typeof JSON.stringify>) {
        const [value] = args;
        if (typeof value === "object" && value !== null && "visitorId" in value) throw new Error("stringify broken");
        return original.apply(this, args);
      } as typeof JSON.stringify;
    });
    await v.go(`/products/${PRODUCT.handle}`);
    await sleep(PAST_SEVERAL_FLUSHES_MS);
    await cartResult(v.page, "#fetch-add", `fetch 200 ${PRODUCT.variants[1]} x3`);
    await cartResult(v.page, "#xhr-add", `xhr 200 ${PRODUCT.variants[0]} x4`);
    await expectThemeUnharmed(v);
    await v.go("about:blank");
    await sleep(300);
    expect(v.shop.batches).toEqual([]);
  });

  it("switches itself off silently when it fails while starting, and the theme's cart calls still work", async (t) => {
    const v = await visit(t, { consent: "granted" }, () => {
      Crypto.prototype.randomUUID = function () {
        throw new Error("randomUUID broken");
      };
    });
    await v.go(`/products/${PRODUCT.handle}`);
    await sleep(PAST_SEVERAL_FLUSHES_MS);
    await cartResult(v.page, "#fetch-add", `fetch 200 ${PRODUCT.variants[1]} x3`);
    await cartResult(v.page, "#xhr-add", `xhr 200 ${PRODUCT.variants[0]} x4`);
    await cartResult(v.page, "#ajax-form-add", `ajax form ${PRODUCT.variants[0]} x5`);
    await expectThemeUnharmed(v);
    await v.go("about:blank");
    await sleep(300);
    expect(v.shop.batches).toEqual([]);
    expect(v.shop.cartAdds).toHaveLength(3);
  });

  it("falls back to fetch with keepalive when sendBeacon throws", async (t) => {
    const v = await visit(t, { consent: "granted" }, () => {
      Navigator.prototype.sendBeacon = function () {
        throw new TypeError("sendBeacon broken");
      };
    });
    await v.go(`/products/${PRODUCT.handle}`);
    await waitFor(() => ofType(eventsOf(v.shop), "product_view").length === 1, "the product view");
    await expectThemeUnharmed(v);
    expect(v.shop.batches[0].contentType).toMatch(/^text\/plain/);
  });
});
