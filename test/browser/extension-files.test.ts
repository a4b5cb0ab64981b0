/**
 * The theme app extension's files, checked the way `shopify app deploy` and the theme editor will
 * read them, and kept in step with the storefront pages the browser tests render.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRACKER_GZIP_BUDGET_BYTES, trackerSize } from "../../scripts/tracker-size";
import { COLLECTION, PRODUCT, startStorefront, type Storefront } from "./storefront";

const extension = path.resolve(import.meta.dirname, "../../extensions/churn-radar-tracker");
const read = (file: string) => readFileSync(path.join(extension, file), "utf8");

const liquid = read("blocks/tracker.liquid");
const schemaMatch = /{%\s*schema\s*%}([\s\S]*?){%\s*endschema\s*%}/.exec(liquid);
const schema = JSON.parse(schemaMatch?.[1] ?? "null") as {
  name: string;
  target: string;
  settings: { id: string; type: string; label: string; info?: string; default?: unknown }[];
};
const markup = liquid.replace(schemaMatch?.[0] ?? "", "").replace(/{%\s*comment\s*%}[\s\S]*?{%\s*endcomment\s*%}/g, "");

function lookup(locale: Record<string, unknown>, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], locale);
}

describe("the theme app extension", () => {
  it("declares a theme extension", () => {
    const toml = read("shopify.extension.toml");
    expect(toml).toMatch(/^type = "theme"$/m);
    expect(toml).toMatch(/^name = ".+"$/m);
    expect(toml).toMatch(/^handle = "churn-radar-tracker"$/m);
  });

  it("is an app embed block whose settings the markup uses and both locales translate", () => {
    expect(schema.target).toBe("body");
    const ids = schema.settings.map((setting) => setting.id);
    expect(ids).toEqual(expect.arrayContaining(["enabled", "heartbeat_seconds", "proxy_path"]));
    const used = [...markup.matchAll(/block\.settings\.(\w+)/g)].map((m) => m[1]);
    expect(new Set(used)).toEqual(new Set(ids));

    for (const file of ["locales/en.default.schema.json", "locales/zh-CN.schema.json"]) {
      const locale = JSON.parse(read(file)) as Record<string, unknown>;
      for (const setting of schema.settings) {
        for (const text of [setting.label, setting.info]) {
          if (text?.startsWith("t:"))
            expect(lookup(locale, text.slice(2)), `${file}: ${text}`).toEqual(expect.any(String));
        }
      }
    }
  });

  it("loads the tracker deferred, only when enabled, and never renders the customer", () => {
    const scriptTag = /<script\b[^>]*>/.exec(markup)?.[0] ?? "";
    expect(scriptTag).toContain(`src="{{ 'tracker.js' | asset_url }}"`);
    expect(scriptTag).toMatch(/\sdefer\s/);
    expect(markup).toMatch(/{%-?\s*if block\.settings\.enabled\s*-?%}/);
    expect(markup).not.toMatch(/customer/);
  });

  it("stays within its gzip budget", () => {
    const size = trackerSize();
    expect(size.gzip_bytes).toBeGreaterThan(0);
    expect(size.gzip_bytes).toBeLessThanOrEqual(TRACKER_GZIP_BUDGET_BYTES);
  });
});

describe("the test storefront", () => {
  let shop: Storefront;
  beforeAll(async () => {
    shop = await startStorefront({ consent: "granted" });
  });
  afterAll(async () => {
    await shop.close();
  });

  it("embeds the tracker with the attributes the block renders (plus the test-only flush interval)", async () => {
    const rendered = new Set<string>();
    for (const page of [`/products/${PRODUCT.handle}`, `/collections/${COLLECTION.handle}`, "/cart"]) {
      const html = await (await fetch(shop.origin + page)).text();
      const tag = /<script\b[^>]*data-churn-radar[^>]*>/.exec(html)?.[0] ?? "";
      expect(tag).toMatch(/\sdefer\s/);
      for (const [, name] of tag.matchAll(/\s(data-[a-z-]+)/g)) rendered.add(name);
    }
    const fromBlock = new Set([...markup.matchAll(/\s(data-[a-z-]+)/g)].map((m) => m[1]));
    expect(rendered).toEqual(new Set([...fromBlock, "data-flush-seconds"]));
  });
});
