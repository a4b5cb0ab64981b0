/**
 * A local stand-in for a Shopify storefront, just faithful enough for the tracker: Liquid-rendered
 * pages (product, collection, search, cart), the cart endpoints answering like Shopify's Ajax API,
 * a Customer Privacy API stub shaped like Shopify's, a theme script of its own, the tracker embedded
 * the way blocks/tracker.liquid renders it, and the app proxy path recording what arrives.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

export const TRACKER_SOURCE_PATH = path.resolve(
  import.meta.dirname,
  "../../extensions/churn-radar-tracker/assets/tracker.js",
);
export const EVENTS_PATH = "/apps/churn-radar/events";

export const PRODUCT = {
  id: "8123456789012",
  handle: "wool-scarf",
  variants: ["45000000000001", "45000000000002"],
};
export const COLLECTION = { id: "412345678901", handle: "winter" };

/**
 * granted / denied: customerPrivacy is loaded with that answer.
 * lazy: only Shopify.loadFeatures exists; it loads a granting customerPrivacy on request.
 * absent: no Shopify object at all (e.g. the consent API failed to load).
 */
export type ConsentMode = "granted" | "denied" | "lazy" | "absent";

export interface StorefrontOptions {
  consent: ConsentMode;
  /** Renders the page as for a logged-in customer (Shopify exposes the id in page globals). */
  customerId?: string;
  /** The tracker's flush interval; the block leaves it at the script's default (5 s). */
  flushSeconds?: number;
}

export interface ReceivedBatch {
  url: string;
  contentType: string | undefined;
  body: string;
  json: unknown;
  receivedAt: number;
}

export interface Storefront {
  origin: string;
  batches: ReceivedBatch[];
  /** Cart adds as the storefront saw them, to compare with what the tracker reported. */
  cartAdds: { variantId: string; quantity: number; endpoint: string }[];
  close(): Promise<void>;
}

export const CHROMIUM_PATH = "/usr/bin/chromium";

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

function consentStub(mode: ConsentMode): string {
  if (mode === "absent") return "";
  // Shapes follow Shopify's Customer Privacy API: analyticsProcessingAllowed(), setTrackingConsent()
  // and the visitorConsentCollected event on document with the per-purpose booleans in detail.
  return `
  window.Shopify = window.Shopify || {};
  (function () {
    var analytics = ${mode === "denied" ? "false" : "true"};
    function customerPrivacy() {
      return {
        analyticsProcessingAllowed: function () { return analytics; },
        marketingAllowed: function () { return analytics; },
        preferencesProcessingAllowed: function () { return analytics; },
        saleOfDataAllowed: function () { return analytics; },
        userCanBeTracked: function () { return analytics; },
        shouldShowBanner: function () { return true; },
        setTrackingConsent: function (consent, callback) {
          analytics = consent.analytics === true;
          var detail = {
            analyticsAllowed: analytics,
            marketingAllowed: consent.marketing === true,
            preferencesAllowed: consent.preferences === true,
            saleOfDataAllowed: consent.sale_of_data === true,
            firstPartyMarketingAllowed: consent.marketing === true,
            thirdPartyMarketingAllowed: consent.marketing === true
          };
          setTimeout(function () {
            document.dispatchEvent(new CustomEvent('visitorConsentCollected', { detail: detail }));
            if (callback) callback();
          }, 0);
        },
        // Test hook: the answer changes without the event (a banner on another tab, say).
        __setSilently: function (value) { analytics = value; }
      };
    }
    ${
      mode === "lazy"
        ? `window.__loadFeaturesCalls = [];
    window.Shopify.loadFeatures = function (features, callback) {
      window.__loadFeaturesCalls.push(features);
      setTimeout(function () { window.Shopify.customerPrivacy = customerPrivacy(); callback(); }, 50);
    };`
        : "window.Shopify.customerPrivacy = customerPrivacy();"
    }
  })();`;
}

type Template = "index" | "product" | "collection" | "search" | "cart" | "page";

function layout(template: Template, title: string, main: string, options: StorefrontOptions): string {
  const cid = options.customerId ?? null;
  const product =
    template === "product"
      ? `{ id: ${PRODUCT.id}, gid: "gid://shopify/Product/${PRODUCT.id}", vendor: "Nordwool", type: "Scarves",
           variants: [${PRODUCT.variants.map((id) => `{ id: ${id}, price: 4900, name: "Wool scarf", sku: "WS-${id.slice(-1)}" }`).join(", ")}] }`
      : "undefined";
  // The attributes blocks/tracker.liquid renders (extension-files.test.ts keeps the two in step),
  // plus data-flush-seconds, which the block leaves at the script's default to keep tests fast.
  const trackerAttributes = [
    `data-churn-radar`,
    `data-endpoint="${EVENTS_PATH}"`,
    `data-heartbeat-seconds="30"`,
    `data-template="${template}"`,
    ...(template === "product"
      ? [`data-product-id="${PRODUCT.id}"`, `data-variant-ids="${PRODUCT.variants.join(",")}"`]
      : []),
    ...(template === "collection" ? [`data-collection-id="${COLLECTION.id}"`] : []),
    `data-flush-seconds="${options.flushSeconds ?? 0.5}"`,
  ].join(" ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title} – Nordwool</title>
<script>
  window.__errors = [];
  window.addEventListener('error', function (e) { window.__errors.push('error: ' + e.message); });
  window.addEventListener('unhandledrejection', function (e) { window.__errors.push('rejection: ' + e.reason); });
  var __st = { a: 55512345, offset: 3600, pageurl: location.host + location.pathname, s: "${template}", cid: ${cid === null ? "undefined" : cid} };
  window.ShopifyAnalytics = { meta: { currency: "EUR", page: { pageType: "${template}", customerId: ${cid === null ? "undefined" : cid} }, product: ${product} } };
  ${consentStub(options.consent)}
</script>
<script src="/cdn/shop/t/3/assets/theme.js" defer></script>
</head>
<body>
<nav>
  <a id="nav-home" href="/">Home</a>
  <a id="nav-product" href="/products/${PRODUCT.handle}">Wool scarf</a>
  <a id="nav-collection" href="/collections/${COLLECTION.handle}">Winter</a>
  <a id="nav-search" href="/search?q=wool+scarf">Search</a>
  <a id="nav-cart" href="/cart">Cart</a>
  ${cid === null ? `<a href="/account/login">Log in</a>` : `<a href="/account">Account</a>`}
</nav>
<main>${main}</main>
<p id="theme-status">theme script did not run</p>
<p id="late-status">late script did not run</p>
<!-- BEGIN app block: shopify://apps/churn-radar/blocks/tracker -->
<script src="/cdn/shop/t/3/compiled_assets/tracker.js" defer ${trackerAttributes}></script>
<!-- END app block -->
<script type="module">document.getElementById('late-status').textContent = 'late script ran';</script>
</body>
</html>`;
}

const productMain = `
<h1>Wool scarf</h1>
<form id="classic-form" method="post" action="/cart/add" accept-charset="UTF-8" enctype="multipart/form-data">
  <input type="hidden" name="form_type" value="product">
  <input type="hidden" name="utf8" value="✓">
  <select name="id" id="variant">
    ${PRODUCT.variants.map((id) => `<option value="${id}">Variant ${id.slice(-1)}</option>`).join("")}
  </select>
  <input type="number" name="quantity" id="quantity" value="1" min="1">
  <input type="hidden" name="product-id" value="${PRODUCT.id}">
  <button type="submit" id="classic-add">Add to cart</button>
</form>
<form id="ajax-form" method="post" action="/cart/add" enctype="multipart/form-data" data-ajax>
  <input type="hidden" name="id" value="${PRODUCT.variants[0]}">
  <input type="hidden" name="quantity" value="5">
  <input type="hidden" name="product-id" value="${PRODUCT.id}">
  <button type="submit" id="ajax-form-add">Add (theme Ajax form)</button>
</form>
<button id="fetch-add" type="button">Quick add (fetch)</button>
<button id="xhr-add" type="button">Quick add (XHR)</button>
<button id="fetch-add-unknown" type="button">Add a variant that does not exist</button>
<button id="fetch-add-broken" type="button">Add while the network fails</button>
<output id="cart-result"></output>`;

// The storefront's own JavaScript: it must keep working whatever the tracker does.
const themeScript = `
(function () {
  var status = document.getElementById('theme-status');
  status.textContent = 'theme script ran';
  var out = document.getElementById('cart-result');
  function show(text) { out.textContent = text; }
  function on(id, fn) { var el = document.getElementById(id); if (el) el.addEventListener('click', fn); }
  on('fetch-add', function () {
    fetch('/cart/add.js', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ items: [{ id: ${PRODUCT.variants[1]}, quantity: 3 }] }) })
      .then(function (r) { return r.json().then(function (j) { show('fetch ' + r.status + ' ' + j.items[0].variant_id + ' x' + j.items[0].quantity); }); });
  });
  on('xhr-add', function () {
    var x = new XMLHttpRequest();
    x.open('POST', '/cart/add.js');
    x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
    x.onload = function () { var j = JSON.parse(x.responseText); show('xhr ' + x.status + ' ' + j.variant_id + ' x' + j.quantity); };
    x.send('id=${PRODUCT.variants[0]}&quantity=4');
  });
  on('fetch-add-unknown', function () {
    fetch('/cart/add.js', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 1, quantity: 1 }) })
      .then(function (r) { return r.json().then(function (j) { show('unknown ' + r.status + ' ' + j.description); }); });
  });
  on('fetch-add-broken', function () {
    fetch('/cart/add.js?drop=1', { method: 'POST', body: 'id=${PRODUCT.variants[0]}&quantity=1' })
      .then(function () { show('broken resolved?!'); }, function (e) { show('broken rejected ' + e.name); });
  });
  // Like Dawn's product-form: the submit becomes an Ajax call to /cart/add with the form data.
  var ajaxForm = document.getElementById('ajax-form');
  if (ajaxForm) ajaxForm.addEventListener('submit', function (e) {
    e.preventDefault();
    fetch('/cart/add', { method: 'POST', headers: { Accept: 'application/javascript', 'X-Requested-With': 'XMLHttpRequest' }, body: new FormData(ajaxForm) })
      .then(function (r) { return r.json(); }).then(function (j) { show('ajax form ' + j.variant_id + ' x' + j.quantity); });
  });
})();`;

function page(template: Template, url: URL, options: StorefrontOptions): { title: string; main: string } {
  switch (template) {
    case "product":
      return { title: "Wool scarf", main: productMain };
    case "collection":
      return {
        title: "Winter",
        main: `<h1>Winter</h1><a href="/collections/winter/products/${PRODUCT.handle}">Wool scarf</a>`,
      };
    case "search": {
      const q = (url.searchParams.get("q") ?? "").replace(/[<>&"]/g, "");
      return { title: `Search: ${q}`, main: `<h1>Results for “${q}”</h1>` };
    }
    case "cart":
      return {
        title: "Cart",
        main: `<form id="cart" action="/cart" method="post"><button type="submit" name="checkout" id="checkout">Check out</button></form>
               <a id="checkout-link" href="/checkout">Checkout (link)</a>`,
      };
    default:
      return { title: options.customerId ? "Welcome back" : "Home", main: "<h1>Nordwool</h1>" };
  }
}

function templateFor(pathname: string): Template | null {
  if (pathname === "/") return "index";
  if (/^\/(collections\/[^/]+\/)?products\/[^/]+$/.test(pathname)) return "product";
  if (/^\/collections\/[^/]+$/.test(pathname)) return "collection";
  if (pathname === "/search") return "search";
  if (pathname === "/cart") return "cart";
  if (pathname === "/checkout" || pathname === "/account" || pathname.startsWith("/account/")) return "page";
  return null;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a /cart/add body in any of the encodings Shopify accepts. */
async function cartAddItems(req: IncomingMessage, raw: Buffer): Promise<{ id: string; quantity: number }[]> {
  const type = req.headers["content-type"] ?? "";
  if (type.includes("application/json")) {
    const json = JSON.parse(raw.toString("utf8")) as {
      id?: unknown;
      quantity?: unknown;
      items?: { id: unknown; quantity?: unknown }[];
    };
    const items = json.items ?? [json];
    return items.map((item) => ({ id: String(item.id), quantity: Number(item.quantity ?? 1) }));
  }
  const form = type.includes("multipart/form-data")
    ? await new Response(new Uint8Array(raw), { headers: { "content-type": type } }).formData()
    : new URLSearchParams(raw.toString("utf8"));
  return [{ id: String(form.get("id")), quantity: Number(form.get("quantity") ?? 1) }];
}

function lineItem(id: string, quantity: number) {
  return {
    id: Number(id),
    variant_id: Number(id),
    product_id: Number(PRODUCT.id),
    quantity,
    key: `${id}:0c1a2b3c`,
    handle: PRODUCT.handle,
    price: 4900,
    final_line_price: 4900 * quantity,
  };
}

export async function startStorefront(options: StorefrontOptions): Promise<Storefront> {
  const batches: ReceivedBatch[] = [];
  const cartAdds: Storefront["cartAdds"] = [];
  const tracker = readFileSync(TRACKER_SOURCE_PATH, "utf8");

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://storefront.test");
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...headers });
      res.end(body);
    };

    if (req.method === "POST" && url.pathname === EVENTS_PATH) {
      const body = (await readBody(req)).toString("utf8");
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      batches.push({
        url: req.url ?? "",
        contentType: req.headers["content-type"],
        body,
        json,
        receivedAt: Date.now(),
      });
      return send(200, "application/json", "{}");
    }

    if (req.method === "POST" && /^\/cart\/add(\.js)?$/.test(url.pathname)) {
      const raw = await readBody(req);
      if (url.searchParams.has("drop")) return req.socket.destroy();
      const items = await cartAddItems(req, raw);
      if (items.some((item) => !PRODUCT.variants.includes(item.id))) {
        return send(
          422,
          "application/json",
          JSON.stringify({ status: 422, message: "Cart Error", description: "Cannot find variant" }),
        );
      }
      for (const item of items) cartAdds.push({ variantId: item.id, quantity: item.quantity, endpoint: url.pathname });
      const ajax = url.pathname.endsWith(".js") || /javascript|json/.test(req.headers.accept ?? "");
      if (!ajax) return send(302, "text/plain", "", { location: "/cart" });
      const body =
        items.length > 1 || ((req.headers["content-type"] ?? "").includes("json") && raw.toString().includes('"items"'))
          ? { items: items.map((item) => lineItem(item.id, item.quantity)) }
          : lineItem(items[0].id, items[0].quantity);
      return send(200, "application/json", JSON.stringify(body));
    }

    if (req.method === "POST" && url.pathname === "/cart")
      return send(302, "text/plain", "", { location: "/checkout" });
    if (url.pathname === "/cdn/shop/t/3/assets/theme.js") return send(200, "text/javascript", themeScript);
    if (url.pathname === "/cdn/shop/t/3/compiled_assets/tracker.js") return send(200, "text/javascript", tracker);
    if (url.pathname === "/favicon.ico") return send(204, "text/plain", "");

    const template = templateFor(url.pathname);
    if (!template) return send(404, "text/html", "<h1>Not found</h1>");
    const { title, main } = page(template, url, options);
    return send(200, "text/html; charset=utf-8", layout(template, title, main, options));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    batches,
    cartAdds,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
