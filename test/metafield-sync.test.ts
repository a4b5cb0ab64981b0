import { afterAll, beforeAll, describe, expect, it } from "vitest";

import prisma from "~/db.server";
import { scoreMetafieldsClientFor } from "~/integrations/shopify/metafields.server";
import { markScoresSynced } from "~/models/score-sync.server";
import { updateShopSettings } from "~/models/shop.server";
import { completeInstall } from "~/services/install.server";
import { ensureScoreMetafieldDefinitions, syncScoreMetafields } from "~/services/metafield-sync.server";
import { unauthenticated } from "~/shopify.server";

import { CUSTOMER_ID_BASE } from "./shopify-stand-in/dataset";
import { APP_NAMESPACE, metafieldKey } from "./shopify-stand-in/metafields";
import type { ShopifyStandIn, StandInShop } from "./shopify-stand-in/server";
import { uniqueShop } from "./support/shopify-webhooks";
import { installStandInShop, stopShopifyStandIn, useShopifyStandIn } from "./support/shopify-stand-in";

let standIn: ShopifyStandIn;
beforeAll(async () => {
  standIn = await useShopifyStandIn();
});
afterAll(async () => {
  await stopShopifyStandIn();
});

const NAMESPACE = `${APP_NAMESPACE}--churn_radar`;
const SCORED_AT = new Date("2026-11-20T03:00:00Z");
const SYNC_AT = new Date("2026-11-20T04:00:00Z");
const LEVELS = ["low", "medium", "high"] as const;
const TIERS = ["VIP", "active", "regular", "prospect"] as const;

const customerId = (i: number) => String(CUSTOMER_ID_BASE + BigInt(i));
const gid = (id: string) => `gid://shopify/Customer/${id}`;

interface Seeded {
  customerShopifyId: string;
  score: number;
  level: string;
  tier: string;
}

/** `count` scored customers that exist in Shopify (unless `inShopify` is false). */
async function seedScores(
  shop: string,
  state: StandInShop,
  count: number,
  options: { from?: number; inShopify?: boolean; level?: string } = {},
): Promise<Seeded[]> {
  const rows: Seeded[] = [];
  for (let k = 0; k < count; k++) {
    const i = (options.from ?? 0) + k;
    const score = (i * 37) % 101;
    const row = {
      customerShopifyId: customerId(i),
      score,
      level: options.level ?? LEVELS[i % 3],
      tier: TIERS[i % 4],
    };
    rows.push(row);
    if (options.inShopify !== false) state.metafields.customerIds.add(gid(row.customerShopifyId));
  }
  await prisma.customerScore.createMany({
    data: rows.map((row) => ({
      shop,
      ...row,
      probability: row.score / 100,
      confidence: "high",
      rfmGroup: "ACTIVE",
      lifecycle: "active",
      modelVersion: "test",
      scoredAt: SCORED_AT,
      changedAt: SCORED_AT,
    })),
  });
  return rows;
}

/** An installed shop with its metafield definitions. */
async function readyShop(): Promise<{ shop: string; state: StandInShop }> {
  const shop = uniqueShop("metafields");
  const state = await installStandInShop(standIn, shop);
  await ensureScoreMetafieldDefinitions(shop, await scoreMetafieldsClientFor(shop));
  return { shop, state };
}

function expectWritten(state: StandInShop, rows: Seeded[]) {
  for (const row of rows) {
    const owner = gid(row.customerShopifyId);
    const value = (key: string) => state.metafields.metafields.get(metafieldKey(owner, NAMESPACE, key));
    expect(value("risk_score")).toMatchObject({ type: "number_integer", value: String(row.score) });
    expect(value("risk_level")).toMatchObject({ type: "single_line_text_field", value: row.level });
    expect(value("tier")).toMatchObject({ type: "single_line_text_field", value: row.tier });
  }
}

const setCalls = (state: StandInShop) => state.calls.filter((c) => c === "MetafieldsSet").length;
const unsynced = (shop: string) => prisma.customerScore.count({ where: { shop, metafieldsSyncedAt: null } });

describe("metafield definitions", () => {
  it("are created on install, for merchants to read and filter by, and a second install creates none", async () => {
    const shop = uniqueShop("metafields");
    const state = await installStandInShop(standIn, shop);
    const { admin } = await unauthenticated.admin(shop);

    await completeInstall(shop, admin);
    const definitions = state.metafields.definitions;
    expect(definitions.map((d) => [d.namespace, d.key, d.type.name, d.ownerType])).toEqual([
      [NAMESPACE, "risk_score", "number_integer", "CUSTOMER"],
      [NAMESPACE, "risk_level", "single_line_text_field", "CUSTOMER"],
      [NAMESPACE, "tier", "single_line_text_field", "CUSTOMER"],
    ]);
    for (const definition of definitions) {
      expect(definition.access).toEqual({ admin: "MERCHANT_READ", storefront: "NONE", customerAccount: "NONE" });
      expect(definition.capabilities.adminFilterable.enabled).toBe(true);
      expect(definition.name).not.toBe("");
      expect(definition.description).toBeTruthy();
    }
    expect(definitions[0].validations).toEqual([
      { name: "min", value: "0" },
      { name: "max", value: "100" },
    ]);
    expect(definitions[1].validations).toEqual([{ name: "choices", value: '["low","medium","high"]' }]);
    expect(state.calls.filter((c) => c === "MetafieldDefinitionCreate")).toHaveLength(3);

    await completeInstall(shop, admin);
    expect(state.metafields.definitions).toHaveLength(3);
    expect(state.calls.filter((c) => c === "MetafieldDefinitionCreate")).toHaveLength(6);
    const outcome = await ensureScoreMetafieldDefinitions(shop, admin);
    expect(outcome).toEqual({ created: [], existing: ["risk_score", "risk_level", "tier"], failed: [] });
  });
});

describe("syncScoreMetafields", () => {
  it("writes every customer's score, level and tier, 8 customers (24 metafields) per call", async () => {
    const { shop, state } = await readyShop();
    const rows = await seedScores(shop, state, 20);

    const result = await syncScoreMetafields(shop, { now: SYNC_AT });
    expect(result).toEqual({ written: 20, batches: 3, throttledWaits: 0, done: true });
    expect(state.metafields.setCalls.map((c) => [c.metafields.length, c.saved])).toEqual([
      [24, true],
      [24, true],
      [12, true],
    ]);
    expect(state.metafields.metafields.size).toBe(60);
    expectWritten(state, rows);
    expect(await unsynced(shop)).toBe(0);
    const synced = await prisma.customerScore.findMany({ where: { shop }, select: { metafieldsSyncedAt: true } });
    expect(new Set(synced.map((s) => s.metafieldsSyncedAt?.toISOString()))).toEqual(new Set([SYNC_AT.toISOString()]));
  });

  it("takes a smaller batchSize, and never more than 25 metafields per call", async () => {
    const { shop, state } = await readyShop();
    const rows = await seedScores(shop, state, 12);
    expect(await syncScoreMetafields(shop, { now: SYNC_AT, batchSize: 5, maxBatches: 1 })).toMatchObject({
      written: 5,
      batches: 1,
      done: false,
    });
    expect(await syncScoreMetafields(shop, { now: SYNC_AT, batchSize: 50 })).toMatchObject({ written: 7, batches: 1 });
    expect(state.metafields.setCalls.map((c) => c.metafields.length)).toEqual([15, 21]);
    expectWritten(state, rows);
  });

  it("writes again only the scores that changed, and stops after maxBatches with done: false", async () => {
    const { shop, state } = await readyShop();
    const rows = await seedScores(shop, state, 20);
    const first = await syncScoreMetafields(shop, { now: SYNC_AT, maxBatches: 2 });
    expect(first).toMatchObject({ written: 16, batches: 2, done: false });
    expect(await unsynced(shop)).toBe(4);
    expect(await syncScoreMetafields(shop, { now: SYNC_AT })).toMatchObject({ written: 4, batches: 1, done: true });

    const changedAt = new Date(SYNC_AT.getTime() + 3_600_000);
    const changed = [rows[3], rows[17]].map((r) => ({ ...r, score: 99, level: "high", tier: "VIP" }));
    for (const row of changed) {
      await prisma.customerScore.update({
        where: { shop_customerShopifyId: { shop, customerShopifyId: row.customerShopifyId } },
        data: { score: row.score, level: row.level, tier: row.tier, changedAt },
      });
    }
    const callsBefore = state.metafields.setCalls.length;
    const again = await syncScoreMetafields(shop, { now: new Date(changedAt.getTime() + 60_000) });
    expect(again).toEqual({ written: 2, batches: 1, throttledWaits: 0, done: true });
    const call = state.metafields.setCalls.slice(callsBefore);
    expect(call).toHaveLength(1);
    expect(new Set(call[0].metafields.map((m) => m.ownerId))).toEqual(
      new Set(changed.map((r) => gid(r.customerShopifyId))),
    );
    expectWritten(state, changed);
    expectWritten(
      state,
      rows.filter((r) => !changed.some((c) => c.customerShopifyId === r.customerShopifyId)),
    );

    const calls = setCalls(state);
    expect(await syncScoreMetafields(shop)).toEqual({ written: 0, batches: 0, throttledWaits: 0, done: true });
    expect(setCalls(state)).toBe(calls);
  });

  it("waits for the API bucket to refill instead of failing, and writes everything once", async () => {
    const { shop, state } = await readyShop();
    const rows = await seedScores(shop, state, 40);
    // A tiny bucket on a fake clock: 20 points, 2 per second, and another app has just
    // emptied it. Each metafieldsSet costs 10, so the sync must wait 5 s before most calls.
    let clock = 1_000_000;
    state.clock = () => clock;
    state.bucket = { maximumAvailable: 20, restoreRate: 2, available: 0, updatedAt: clock };
    const slept: number[] = [];
    const admin = await scoreMetafieldsClientFor(shop, {
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    });

    const result = await syncScoreMetafields(shop, { admin, now: SYNC_AT });
    expect(result).toMatchObject({ written: 40, batches: 5, done: true });
    // The first call meets the empty bucket (THROTTLED, retried); after that the client
    // paces itself from throttleStatus and Shopify never has to refuse it again.
    expect(state.throttledByBucket).toBe(1);
    expect(result.throttledWaits).toBe(slept.length);
    expect(slept.length).toBeGreaterThanOrEqual(4);
    expect(slept.every((ms) => ms > 0 && ms <= 5_000)).toBe(true);
    // 5 calls x 10 points at 2 points per second, from an empty bucket: 25 s of waiting.
    expect(slept.reduce((a, b) => a + b, 0)).toBe(25_000);
    const saved = state.metafields.setCalls.filter((c) => c.saved);
    expect(saved.map((c) => c.metafields.length)).toEqual([24, 24, 24, 24, 24]);
    expect(new Set(saved.flatMap((c) => c.metafields.map((m) => m.ownerId))).size).toBe(40);
    expectWritten(state, rows);
    expect(await unsynced(shop)).toBe(0);
  });

  it("retries a THROTTLED batch after Shopify's throttleStatus, losing nothing", async () => {
    const { shop, state } = await readyShop();
    const rows = await seedScores(shop, state, 10);
    state.throttleNext = 2;
    const slept: number[] = [];
    const admin = await scoreMetafieldsClientFor(shop, { sleep: async (ms) => void slept.push(ms) });

    const result = await syncScoreMetafields(shop, { admin, now: SYNC_AT });
    expect(result).toEqual({ written: 10, batches: 2, throttledWaits: 2, done: true });
    // 10 points requested, none available, 100 restored per second.
    expect(slept).toEqual([100, 100]);
    expect(state.metafields.setCalls.map((c) => c.metafields.length)).toEqual([24, 6]);
    expectWritten(state, rows);
  });

  it("marks customers Shopify no longer has as synced, and leaves refused values for the next run", async () => {
    const { shop, state } = await readyShop();
    const present = await seedScores(shop, state, 6);
    const deleted = await seedScores(shop, state, 2, { from: 6, inShopify: false });
    // A level outside the definition's choices: Shopify refuses it (INVALID_VALUE).
    const refused = await seedScores(shop, state, 1, { from: 8, level: "critical" });

    const result = await syncScoreMetafields(shop, { now: SYNC_AT });
    expect(result).toMatchObject({ written: 6, batches: 2, done: true });
    // metafieldsSet is atomic: the first batch (customers 0-7) is refused whole because of the
    // two deleted customers, then sent again without them.
    expect(state.metafields.setCalls.map((c) => [c.metafields.length, c.saved])).toEqual([
      [24, false],
      [18, true],
      [3, false],
    ]);
    expectWritten(state, present);
    for (const row of [...deleted, ...refused]) {
      expect(state.metafields.metafields.get(metafieldKey(gid(row.customerShopifyId), NAMESPACE, "risk_score"))).toBe(
        undefined,
      );
    }
    const pending = await prisma.customerScore.findMany({
      where: { shop, metafieldsSyncedAt: null },
      select: { customerShopifyId: true },
    });
    expect(pending.map((p) => p.customerShopifyId)).toEqual([refused[0].customerShopifyId]);

    // The next run tries the refused one again, and never the deleted customers.
    const calls = state.metafields.setCalls.length;
    expect(await syncScoreMetafields(shop, { now: SYNC_AT })).toMatchObject({ written: 0, batches: 1 });
    const retried = state.metafields.setCalls.slice(calls);
    expect(retried.map((c) => c.metafields[0].ownerId)).toEqual([gid(refused[0].customerShopifyId)]);
  });

  it("does nothing when the merchant switched the sync off", async () => {
    const { shop, state } = await readyShop();
    await seedScores(shop, state, 5);
    await updateShopSettings(shop, { metafieldSync: { enabled: false } });
    const calls = state.calls.length;

    expect(await syncScoreMetafields(shop)).toEqual({ written: 0, batches: 0, throttledWaits: 0, done: true });
    expect(state.calls.length).toBe(calls);
    expect(state.metafields.metafields.size).toBe(0);
    expect(await unsynced(shop)).toBe(5);
  });

  it("does not mark a score that changed after it was read", async () => {
    const { shop, state } = await readyShop();
    const [row] = await seedScores(shop, state, 1);
    await prisma.customerScore.update({
      where: { shop_customerShopifyId: { shop, customerShopifyId: row.customerShopifyId } },
      data: { score: 42, changedAt: new Date(SCORED_AT.getTime() + 1_000) },
    });
    expect(
      await markScoresSynced(shop, [{ customerShopifyId: row.customerShopifyId, changedAt: SCORED_AT }], SYNC_AT),
    ).toBe(0);
    expect(await unsynced(shop)).toBe(1);
  });
});
