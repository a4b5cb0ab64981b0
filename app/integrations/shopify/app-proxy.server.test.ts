import { describe, expect, it } from "vitest";

import { appProxySignature } from "../../../test/support/app-proxy";
import { APP_PROXY_MAX_CLOCK_SKEW_SECONDS, verifyAppProxyQuery } from "./app-proxy.server";

// Shopify's worked example from "Authenticate app proxies" (shopify.dev): secret "hush", a
// storefront query with a repeated key, and the signature Shopify computed for it.
const SECRET = "hush";
const SIGNED_AT = 1317327555;
const EXAMPLE =
  "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1" +
  "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555" +
  "&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb";
const AT = SIGNED_AT * 1000 + 5_000;

const query = (text: string) => new URLSearchParams(text);

describe("verifyAppProxyQuery", () => {
  it("accepts Shopify's documented example, repeated keys joined with commas", () => {
    expect(verifyAppProxyQuery(query(EXAMPLE), SECRET, AT)).toEqual({
      ok: true,
      shop: "shop-name.myshopify.com",
      loggedInCustomerId: "1",
    });
  });

  it("does not depend on the order of the keys", () => {
    const entries = [...query(EXAMPLE)];
    const moved = [
      ...entries.filter(([key]) => key !== "extra").reverse(),
      ...entries.filter(([key]) => key === "extra"),
    ];
    expect(verifyAppProxyQuery(new URLSearchParams(moved), SECRET, AT).ok).toBe(true);
  });

  it("refuses another secret, a changed, added or removed parameter, and a changed value order", () => {
    const changed = (edit: (q: URLSearchParams) => void) => {
      const q = query(EXAMPLE);
      edit(q);
      return verifyAppProxyQuery(q, SECRET, AT);
    };
    expect(verifyAppProxyQuery(query(EXAMPLE), "not-hush", AT)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(changed((q) => q.set("logged_in_customer_id", "2"))).toMatchObject({ reason: "signature_mismatch" });
    expect(changed((q) => q.append("admin", "true"))).toMatchObject({ reason: "signature_mismatch" });
    expect(changed((q) => q.delete("path_prefix"))).toMatchObject({ reason: "signature_mismatch" });
    expect(changed((q) => q.delete("extra"))).toMatchObject({ reason: "signature_mismatch" });
    expect(
      changed((q) => {
        q.delete("extra");
        q.append("extra", "2");
        q.append("extra", "1");
      }),
    ).toMatchObject({ reason: "signature_mismatch" });
  });

  it("refuses a missing or malformed signature", () => {
    const without = query(EXAMPLE);
    without.delete("signature");
    expect(verifyAppProxyQuery(without, SECRET, AT)).toEqual({ ok: false, reason: "missing_signature" });
    const short = query(EXAMPLE);
    short.set("signature", "4c68c8624d737112");
    expect(verifyAppProxyQuery(short, SECRET, AT)).toEqual({ ok: false, reason: "malformed_signature" });
    const notHex = query(EXAMPLE);
    notHex.set("signature", "z".repeat(64));
    expect(verifyAppProxyQuery(notHex, SECRET, AT)).toEqual({ ok: false, reason: "malformed_signature" });
  });

  it(`accepts a timestamp up to ${APP_PROXY_MAX_CLOCK_SKEW_SECONDS} s off either way and refuses one further off`, () => {
    const at = (seconds: number) => verifyAppProxyQuery(query(EXAMPLE), SECRET, (SIGNED_AT + seconds) * 1000);
    expect(at(APP_PROXY_MAX_CLOCK_SKEW_SECONDS).ok).toBe(true);
    expect(at(-APP_PROXY_MAX_CLOCK_SKEW_SECONDS).ok).toBe(true);
    expect(at(APP_PROXY_MAX_CLOCK_SKEW_SECONDS + 1)).toEqual({ ok: false, reason: "stale_timestamp" });
    expect(at(-APP_PROXY_MAX_CLOCK_SKEW_SECONDS - 1)).toEqual({ ok: false, reason: "stale_timestamp" });
    expect(at(3600)).toEqual({ ok: false, reason: "stale_timestamp" });
  });

  it("refuses a signed query without a usable timestamp or shop", () => {
    const signed = (params: Record<string, string>) =>
      verifyAppProxyQuery(new URLSearchParams({ ...params, signature: appProxySignature(params, SECRET) }), SECRET, AT);
    const base = { shop: "shop-name.myshopify.com", logged_in_customer_id: "", path_prefix: "/apps/x" };
    expect(signed({ ...base, timestamp: String(SIGNED_AT) }).ok).toBe(true);
    expect(signed(base)).toEqual({ ok: false, reason: "invalid_timestamp" });
    expect(signed({ ...base, timestamp: "1317327555.5" })).toEqual({ ok: false, reason: "invalid_timestamp" });
    expect(signed({ ...base, timestamp: "soon" })).toEqual({ ok: false, reason: "invalid_timestamp" });
    expect(signed({ logged_in_customer_id: "", timestamp: String(SIGNED_AT) })).toEqual({
      ok: false,
      reason: "missing_shop",
    });
  });

  it("reads an empty logged_in_customer_id as an anonymous visitor", () => {
    const params = { shop: "a.myshopify.com", logged_in_customer_id: "", timestamp: String(SIGNED_AT) };
    const q = new URLSearchParams({ ...params, signature: appProxySignature(params, SECRET) });
    expect(verifyAppProxyQuery(q, SECRET, AT)).toEqual({ ok: true, shop: "a.myshopify.com", loggedInCustomerId: null });
  });

  it("refuses a repeated shop, customer, timestamp or signature, whose value would be ambiguous", () => {
    for (const key of ["shop", "logged_in_customer_id", "timestamp", "signature"]) {
      const q = query(EXAMPLE);
      q.append(key, q.get(key) ?? "");
      expect(verifyAppProxyQuery(q, SECRET, AT)).toEqual({ ok: false, reason: "repeated_parameter" });
    }
  });
});
