/* Churn Radar tracker. Consent first; never throws into the theme (errors switch it off).
   Event contract: app/lib/storefront-events.ts */
(function () {
  "use strict";
  var w = window,
    d = document,
    nav = navigator;
  var KEY = "churn_radar_vid";
  var ID = /^[A-Za-z0-9_-]{8,64}$/;
  var MAX_EVENTS = 50,
    MAX_BYTES = 60000,
    MAX_QUEUE = 500;
  var origFetch = w.fetch;
  var started = false,
    dead = false,
    active = false,
    stopped = false,
    contextDone = false;
  var cfg = {},
    queue = [],
    timer = 0,
    vid = null,
    pv = null,
    lastCheckout = 0,
    seqId = 0;

  function noop() {}
  function fail() {
    dead = true;
    active = false;
    queue = [];
    clearInterval(timer);
  }
  function guard(fn) {
    return function () {
      if (dead) return;
      try {
        return fn.apply(this, arguments);
      } catch (e) {
        fail();
      }
    };
  }
  function on(target, type, fn, capture) {
    target.addEventListener(type, guard(fn), !!capture);
  }
  function clock() {
    return performance.now();
  }

  function allowed() {
    var cp = w.Shopify && w.Shopify.customerPrivacy;
    return !!(cp && typeof cp.analyticsProcessingAllowed === "function" && cp.analyticsProcessingAllowed() === true);
  }

  function uid() {
    var c = w.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12) + (++seqId).toString(36);
  }
  // int64 ids stay digit strings
  function sid(v) {
    v = String(v == null ? "" : v).replace(/^gid:\/\/shopify\/\w+\//, "");
    return /^[1-9]\d{0,19}$/.test(v) ? v : null;
  }
  function sameOriginPath(url) {
    try {
      var u = new URL(String(url), location.href);
      return u.origin === location.origin ? u.pathname : null;
    } catch (e) {
      return null;
    }
  }
  function isCartAdd(url) {
    return /\/cart\/add(\.js|\.json)?$/.test(sameOriginPath(url) || "");
  }
  function isCheckout(url) {
    return /\/checkouts?(\/|$)/.test(sameOriginPath(url) || "");
  }

  // localStorage, else cookie, else memory
  function visitorId() {
    var v = null,
      stored = false;
    try {
      v = localStorage.getItem(KEY);
    } catch (e) {}
    if (!ID.test(v || "")) {
      try {
        var m = d.cookie.match(/(?:^|; )churn_radar_vid=([A-Za-z0-9_-]{8,64})/);
        v = m && m[1];
      } catch (e) {}
    }
    if (!ID.test(v || "")) v = uid();
    try {
      localStorage.setItem(KEY, v);
      stored = true;
    } catch (e) {}
    if (!stored) {
      try {
        d.cookie = KEY + "=" + v + "; path=/; max-age=31536000; samesite=lax";
      } catch (e) {}
    }
    return v;
  }
  function forgetVisitor() {
    try {
      localStorage.removeItem(KEY);
    } catch (e) {}
    try {
      d.cookie = KEY + "=; path=/; max-age=0";
    } catch (e) {}
  }

  // Account pages carry customer ids and live reset/activation tokens in their paths.
  function safePath() {
    return (location.pathname || "/").replace(/\/account\/.*$/, "/account").slice(0, 512);
  }

  function record(type, fields) {
    if (!active) return;
    var e = { id: uid(), type: type, occurredAt: Date.now(), path: safePath() };
    for (var k in fields) if (fields[k] != null) e[k] = fields[k];
    queue.push(e);
    if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
  }

  // seq 0 = the visit; later segments add visible time
  function newPageView() {
    pv = { seq: 0, dwell: 0, reported: 0, since: d.visibilityState === "hidden" ? null : clock(), at: clock() };
  }
  function visibleMs() {
    return pv.dwell + (pv.since == null ? 0 : clock() - pv.since);
  }
  function segment(minMs) {
    if (!active || !pv) return;
    var total = Math.round(visibleMs()),
      delta = total - pv.reported;
    if (pv.seq > 0 && delta < minMs) return;
    record("page_view", { dwellMs: Math.min(Math.max(delta, 0), 3600000), seq: pv.seq });
    pv.seq++;
    pv.reported = total;
    pv.at = clock();
  }

  function template() {
    var t = String(cfg.template || "").split(".")[0],
      p = location.pathname;
    if (t) return t;
    if (/\/products\/[^/]/.test(p)) return "product";
    if (/\/collections\/[^/]/.test(p)) return "collection";
    if (/\/search\/?$/.test(p)) return "search";
    if (/\/cart\/?$/.test(p)) return "cart";
    return "";
  }
  function metaProduct() {
    var m = w.ShopifyAnalytics && w.ShopifyAnalytics.meta;
    return (m && m.product) || {};
  }
  function productOf(variantId) {
    if (cfg.productId && ("" + cfg.variantIds).split(",").indexOf(variantId) >= 0) return sid(cfg.productId);
    var p = metaProduct(),
      vs = p.variants || [];
    for (var i = 0; i < vs.length; i++) if (sid(vs[i] && vs[i].id) === variantId) return sid(p.id);
    return null;
  }
  function recordPageContext() {
    var t = template();
    if (t === "product") {
      var id = sid(cfg.productId) || sid(metaProduct().id);
      if (id) record("product_view", { productId: id });
    } else if (t === "collection") {
      record("collection_view", { collectionId: sid(cfg.collectionId) });
    } else if (t === "search") {
      var q = (new URLSearchParams(location.search).get("q") || "").trim().slice(0, 200).trim();
      if (q) record("search", { query: q });
    } else if (t === "cart") {
      record("cart_view");
    }
  }

  // form fields (id, quantity, items[n][id]...) or Ajax JSON
  function cartItems(body) {
    try {
      if (typeof body === "string") {
        var s = body.trim();
        if (s.charAt(0) === "{") {
          var j = JSON.parse(s);
          return j.items || [j];
        }
        body = new URLSearchParams(s);
      }
      var items = {};
      if (body && typeof body.forEach === "function" && !Array.isArray(body)) {
        body.forEach(function (value, key) {
          var m = /^items\[(\d+)\]\[(\w+)\]$/.exec(key),
            i = m ? m[1] : "_";
          (items[i] = items[i] || {})[m ? m[2] : key] = value;
        });
      }
      return Object.keys(items).map(function (k) {
        return items[k];
      });
    } catch (e) {
      return [];
    }
  }
  function recordAdds(items, via) {
    (items || []).forEach(function (it) {
      var v = sid(it && it.id),
        q = it.quantity == null || it.quantity === "" ? 1 : parseInt(it.quantity, 10);
      if (!v || !(q >= 1)) return;
      record("add_to_cart", {
        productId: sid(it["product-id"] || it.product_id) || productOf(v),
        variantId: v,
        quantity: Math.min(q, 10000),
        via: via,
      });
    });
  }
  function checkoutStarted() {
    if (Date.now() - lastCheckout < 5000) return;
    lastCheckout = Date.now();
    record("checkout_started");
    flush();
  }

  function post(events) {
    var body = JSON.stringify({ visitorId: vid, sentAt: Date.now(), events: events });
    if (events.length > 1 && new TextEncoder().encode(body).length > MAX_BYTES) {
      var half = events.length >> 1;
      post(events.slice(0, half));
      post(events.slice(half));
      return;
    }
    var sent = false;
    try {
      // text/plain: no CORS preflight
      sent = nav.sendBeacon(cfg.endpoint, new Blob([body], { type: "text/plain" }));
    } catch (e) {}
    if (!sent && origFetch) {
      origFetch.call(w, cfg.endpoint, { method: "POST", body: body, keepalive: true }).catch(noop);
    }
  }
  function flush() {
    if (!active || !queue.length) return;
    if (!allowed()) return withdraw();
    var events = queue.splice(0, queue.length);
    for (var i = 0; i < events.length; i += MAX_EVENTS) post(events.slice(i, i + MAX_EVENTS));
  }
  function tick() {
    if (!active) return;
    if (pv.seq === 0 || (pv.since != null && clock() - pv.at >= cfg.heartbeatMs)) segment(1000);
    flush();
  }
  function hidden() {
    // a bounce before the idle callback still counts
    if (!started) start();
    if (!active) return;
    if (pv.since != null) {
      pv.dwell += clock() - pv.since;
      pv.since = null;
    }
    segment(1);
    flush();
  }

  function activate() {
    if (active || stopped) return;
    active = true;
    vid = visitorId();
    newPageView();
    if (!contextDone) {
      contextDone = true;
      recordPageContext();
    }
    timer = setInterval(guard(tick), cfg.flushMs);
  }
  // withdrawn or refused: drop the queue, forget the visitor, stay quiet on this page
  function withdraw() {
    if (active) {
      active = false;
      stopped = true;
      queue = [];
      clearInterval(timer);
    }
    forgetVisitor();
  }
  function consentChanged(e) {
    var detail = e && e.detail,
      ok = detail && typeof detail.analyticsAllowed === "boolean" ? detail.analyticsAllowed : allowed();
    if (ok) activate();
    else withdraw();
  }

  function wrapNetwork() {
    if (typeof origFetch === "function") {
      w.fetch = function (input, init) {
        var items = null;
        try {
          if (active && isCartAdd(input && typeof input === "object" && "url" in input ? input.url : input)) {
            items =
              init && init.body != null
                ? Promise.resolve(cartItems(init.body))
                : input && typeof input.clone === "function"
                  ? /form/.test(input.headers.get("content-type"))
                    ? input.clone().formData().then(cartItems)
                    : input.clone().text().then(cartItems)
                  : null;
          }
        } catch (e) {
          fail();
        }
        var result = origFetch.apply(this, arguments);
        if (items) {
          Promise.all([result, items]).then(
            guard(function (r) {
              if (r[0] && r[0].ok) recordAdds(r[1], "fetch");
            }),
            noop,
          );
        }
        return result;
      };
    }
    var X = w.XMLHttpRequest && w.XMLHttpRequest.prototype;
    if (!X) return;
    var open = X.open,
      send = X.send,
      urls = new WeakMap();
    X.open = function (method, url) {
      try {
        if (!dead) urls.set(this, url);
      } catch (e) {
        fail();
      }
      return open.apply(this, arguments);
    };
    X.send = function (body) {
      try {
        var xhr = this;
        if (active && isCartAdd(urls.get(xhr))) {
          var items = cartItems(body);
          xhr.addEventListener(
            "load",
            guard(function () {
              if (xhr.status >= 200 && xhr.status < 300) recordAdds(items, "xhr");
            }),
          );
        }
      } catch (e) {
        fail();
      }
      return send.apply(this, arguments);
    };
  }

  function listen() {
    // window/bubble runs after the theme: a submit it turned into Ajax (defaultPrevented) is left to the fetch/XHR hooks
    on(w, "submit", function (e) {
      var form = e.target;
      if (!active || e.defaultPrevented || !form || form.tagName !== "FORM") return;
      var action = form.getAttribute("action") || location.href;
      if (isCartAdd(action)) recordAdds(cartItems(new FormData(form)), "form");
      else if (isCheckout(action) || (e.submitter && e.submitter.name === "checkout")) checkoutStarted();
      flush();
    });
    on(
      d,
      "click",
      function (e) {
        var el =
          active &&
          e.target &&
          e.target.closest &&
          e.target.closest('a[href],button[name="checkout"],input[name="checkout"]');
        if (el && (el.name === "checkout" || isCheckout(el.getAttribute("href")))) checkoutStarted();
      },
      true,
    );
    if (w.navigation && w.navigation.addEventListener) {
      on(w.navigation, "navigate", function (e) {
        if (active && e.destination && isCheckout(e.destination.url)) checkoutStarted();
      });
    }
    on(d, "visibilitychange", function () {
      if (d.visibilityState === "hidden") hidden();
      else if (pv && pv.since == null) pv.since = clock();
    });
    on(w, "pagehide", hidden);
    on(w, "pageshow", function (e) {
      if (e.persisted && active) {
        newPageView();
        recordPageContext();
      }
    });
    on(d, "visitorConsentCollected", consentChanged);
  }

  function start() {
    if (started) return;
    started = true;
    var s = w.Shopify;
    if (s && !s.customerPrivacy && typeof s.loadFeatures === "function") {
      s.loadFeatures(
        [{ name: "consent-tracking-api", version: "0.1" }],
        guard(function (error) {
          if (!error) decide();
        }),
      );
    } else {
      decide();
    }
  }
  // only a loaded API saying no is a refusal
  function decide() {
    if (allowed()) activate();
    else if (w.Shopify && w.Shopify.customerPrivacy) withdraw();
  }

  function init() {
    var el = d.currentScript || d.querySelector("script[data-churn-radar]");
    var data = (el && el.dataset) || {};
    var endpoint = data.endpoint || "";
    // theme editor preview: the merchant, not a visitor
    if (w.Shopify && w.Shopify.designMode) return fail();
    cfg = {
      endpoint: /^\/(?!\/)/.test(endpoint) ? endpoint : "/apps/churn-radar/events",
      flushMs: Math.max(Number(data.flushSeconds) || 5, 0.2) * 1000,
      heartbeatMs: Math.max(Number(data.heartbeatSeconds) || 30, 5) * 1000,
      template: data.template,
      productId: data.productId,
      variantIds: data.variantIds,
      collectionId: data.collectionId,
    };
    wrapNetwork();
    listen();
    var later = guard(start);
    if (w.requestIdleCallback) w.requestIdleCallback(later, { timeout: 2000 });
    else setTimeout(later, 1);
  }

  try {
    init();
  } catch (e) {
    fail();
  }
})();
