import { z } from "zod";

import { type DayOf, zonedDayOf } from "../churn/dates";
import { parseChurnSettings, type ChurnSettings } from "../churn/windows";
import prisma from "../db.server";
import { activityTimeZone } from "./customer-activity.server";
import type { Tx } from "./webhook-delivery.server";

/** Makes sure the shop has its row; the first webhook or page load of a new shop creates it. */
export async function ensureShop(domain: string, db: Tx = prisma): Promise<void> {
  await db.shop.upsert({ where: { domain }, create: { domain }, update: {} });
}

export async function getShop(domain: string) {
  return prisma.shop.findUnique({ where: { domain } });
}

/** The shop's IANA time zone, in which its days count and its pages show dates; UTC when unknown. */
export async function getShopTimeZone(domain: string): Promise<string> {
  const shop = await prisma.shop.findUnique({ where: { domain }, select: { timezone: true } });
  return activityTimeZone(shop?.timezone);
}

/** The shop's calendar for counting purchase days (its time zone; UTC when unknown), read in `tx`. */
export async function shopCalendar(tx: Tx, domain: string): Promise<DayOf> {
  const shop = await tx.shop.findUnique({ where: { domain }, select: { timezone: true } });
  return zonedDayOf(shop?.timezone);
}

/** Saves what Shopify says about the shop; a (re)install also clears a previous uninstall. */
export async function upsertShopDetails(
  domain: string,
  details: { name?: string; currency?: string; timezone?: string; locale?: string; uninstalledAtReset?: boolean },
): Promise<void> {
  const { uninstalledAtReset, ...fields } = details;
  const update = uninstalledAtReset ? { ...fields, uninstalledAt: null } : fields;
  await prisma.shop.upsert({ where: { domain }, create: { domain, ...fields }, update });
}

/** app/uninstalled: the shop's access tokens go at once; its data stays until shop/redact. */
export async function markShopUninstalled(tx: Tx, domain: string, at: Date): Promise<void> {
  await tx.session.deleteMany({ where: { shop: domain } });
  await tx.shop.upsert({ where: { domain }, create: { domain, uninstalledAt: at }, update: { uninstalledAt: at } });
}

/** Jobs check this before doing work for a shop: an uninstalled shop gets nothing done. */
export async function isShopInstalled(domain: string, db: Tx = prisma): Promise<boolean> {
  const shop = await db.shop.findUnique({ where: { domain }, select: { uninstalledAt: true } });
  return shop !== null && shop.uninstalledAt === null;
}

/** afterAuth: a (re)installed shop is active again (clears uninstalledAt). */
export async function markShopInstalled(domain: string, at: Date = new Date()): Promise<void> {
  await prisma.shop.upsert({
    where: { domain },
    create: { domain, installedAt: at },
    update: { installedAt: at, uninstalledAt: null },
  });
}

// A merchant's settings, stored as JSON in Shop.settings and validated here: every reader gets
// complete settings with defaults filled in, and a bad saved value never reaches a job.
const ShopSettingsSchema = z.object({
  /** Churn windows, confirmation (buffer) days and horizon: validated by the engine's own parser. */
  churn: z.unknown().optional(),
  scoring: z
    .object({
      /** Cron expression in the shop's time zone (default daily at 03:00). */
      schedule: z.string().min(9).max(100).default("0 3 * * *"),
      /** Days of daily score snapshots kept for trends. */
      snapshotRetentionDays: z.number().int().min(7).max(730).default(90),
    })
    .prefault({}),
  alerts: z
    .object({
      /** No new alert for the same customer and cause inside this many days. */
      cooldownDays: z.number().int().min(0).max(365).default(14),
    })
    .prefault({}),
  notifications: z
    .object({
      /** Where alert e-mails go; none means in-app inbox only. */
      email: z.email().nullable().default(null),
      emailEnabled: z.boolean().default(true),
    })
    .prefault({}),
  /** Risk score, level and tier written to the customer's app-owned metafields in Shopify. */
  metafieldSync: z.object({ enabled: z.boolean().default(true) }).prefault({}),
});

export type ShopSettings = z.output<typeof ShopSettingsSchema> & { churn: ChurnSettings };
export type ShopSettingsInput = z.input<typeof ShopSettingsSchema>;

export class ShopSettingsError extends Error {
  override readonly name = "ShopSettingsError";
  constructor(readonly problems: string[]) {
    super(`Invalid settings: ${problems.join("; ")}`);
  }
}

/** Complete, validated settings from the stored JSON (or from a merchant's form input). */
export function parseShopSettings(input: unknown): ShopSettings {
  const parsed = ShopSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ShopSettingsError(parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`));
  }
  return { ...parsed.data, churn: parseChurnSettings(parsed.data.churn ?? {}) };
}

function storedSettings(json: string | null | undefined): unknown {
  try {
    return JSON.parse(json ?? "{}");
  } catch {
    return {};
  }
}

/** Settings from a Shop row's stored JSON; missing or unreadable settings give the defaults. */
export function settingsOfShop(stored: string | null | undefined): ShopSettings {
  try {
    return parseShopSettings(storedSettings(stored));
  } catch {
    return parseShopSettings({});
  }
}

/** The shop's settings; a shop without a row (or with unreadable JSON) gets the defaults. */
export async function getShopSettings(domain: string): Promise<ShopSettings> {
  const shop = await prisma.shop.findUnique({ where: { domain }, select: { settings: true } });
  return settingsOfShop(shop?.settings);
}

/** Merges `patch` into the stored settings (one level deep), validates, then saves. */
export async function updateShopSettings(domain: string, patch: Record<string, unknown>): Promise<ShopSettings> {
  const shop = await prisma.shop.findUnique({ where: { domain }, select: { settings: true } });
  const current = storedSettings(shop?.settings) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const before = current[key];
    merged[key] =
      value && typeof value === "object" && !Array.isArray(value) && before && typeof before === "object"
        ? { ...(before as object), ...(value as object) }
        : value;
  }
  const settings = parseShopSettings(merged);
  const json = JSON.stringify(merged);
  await prisma.shop.upsert({ where: { domain }, create: { domain, settings: json }, update: { settings: json } });
  return settings;
}

/** Installed shops with what scheduling needs: time zone, locale and settings. */
export async function installedShops(): Promise<
  { domain: string; timezone: string | null; locale: string | null; settings: ShopSettings }[]
> {
  const shops = await prisma.shop.findMany({
    where: { uninstalledAt: null },
    select: { domain: true, timezone: true, locale: true, settings: true },
    orderBy: { domain: "asc" },
  });
  return shops.map((shop) => ({ ...shop, settings: settingsOfShop(shop.settings) }));
}
