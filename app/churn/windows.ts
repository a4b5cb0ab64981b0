import { z } from "zod";

import type { ValueTier } from "./tiers";
import type { CustomerFeatures } from "./types";

/** Days of inactivity after which a customer of each tier counts as gone quiet. */
export interface TierWindows {
  VIP: number;
  active: number;
  regular: number;
}

/**
 * Starting points by what the shop sells: people reorder coffee monthly and sofas rarely. The
 * "general" preset is the product's default (VIP 7, active 15, regular 30).
 */
export const INDUSTRY_PRESETS = {
  general: { VIP: 7, active: 15, regular: 30 },
  fashion: { VIP: 21, active: 30, regular: 45 },
  consumables: { VIP: 30, active: 45, regular: 60 },
  electronics: { VIP: 60, active: 90, regular: 120 },
  furniture: { VIP: 90, active: 120, regular: 180 },
} as const satisfies Record<string, TierWindows>;
export type IndustryPreset = keyof typeof INDUSTRY_PRESETS;

export interface ChurnSettings {
  windows: TierWindows;
  /** Per market (country code): overrides of some tiers' windows. */
  marketWindows: Readonly<Record<string, Partial<TierWindows>>>;
  /** Extra quiet days past the window before "quiet" is confirmed as "churned": one slow week is noise. */
  confirmationDays: number;
  horizonDays: number;
}

const MAX_DAYS = 3650;
const windowDays = z
  .number({ error: "must be a number of days" })
  .int("must be a whole number of days")
  .min(1, "must be at least 1 day")
  .max(MAX_DAYS, `must be at most ${MAX_DAYS} days`);

const tierWindowsSchema = z.strictObject({ VIP: windowDays, active: windowDays, regular: windowDays });

const settingsSchema = z.strictObject({
  industry: z.enum(Object.keys(INDUSTRY_PRESETS) as [IndustryPreset, ...IndustryPreset[]]).optional(),
  windows: tierWindowsSchema.partial().optional(),
  marketWindows: z.record(z.string().min(2).max(8), tierWindowsSchema.partial()).optional(),
  confirmationDays: z.number().int("must be a whole number of days").min(0, "cannot be negative").max(365).optional(),
  horizonDays: z.number().int("must be a whole number of days").min(1, "must be at least 1 day").max(730).optional(),
});

export type ChurnSettingsInput = z.input<typeof settingsSchema>;

export class ChurnSettingsError extends Error {
  override readonly name = "ChurnSettingsError";
  constructor(readonly problems: string[]) {
    super(`Invalid churn settings: ${problems.join("; ")}`);
  }
}

/**
 * Validates merchant input into complete settings: industry preset, then the shop's own tier
 * windows, then per-market overrides. Refuses absurd values with a message naming the field.
 */
export function parseChurnSettings(input: unknown): ChurnSettings {
  const parsed = settingsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ChurnSettingsError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "settings"} ${issue.message}`),
    );
  }
  const value = parsed.data;
  const preset = INDUSTRY_PRESETS[value.industry ?? "general"];
  return {
    windows: { ...preset, ...value.windows },
    marketWindows: value.marketWindows ?? {},
    confirmationDays: value.confirmationDays ?? 7,
    horizonDays: value.horizonDays ?? 90,
  };
}

export const DEFAULT_CHURN_SETTINGS: ChurnSettings = parseChurnSettings({});

export function churnWindowFor(settings: ChurnSettings, tier: ValueTier, market: string | null): number {
  // A prospect has no purchase rhythm yet; they are judged like the broadest tier.
  const key = tier === "prospect" ? "regular" : tier;
  const override = market !== null ? settings.marketWindows[market]?.[key] : undefined;
  return override ?? settings.windows[key];
}

export type InactivityStatus = "active" | "quiet" | "churned";

/** Days since the customer last did anything we can see: an order or a storefront visit. */
export function daysInactive(features: CustomerFeatures): number {
  const order = features.daysSinceLastOrder;
  const visit = features.daysSinceLastVisit;
  if (Number.isFinite(order) && Number.isFinite(visit)) return Math.min(order, visit);
  if (Number.isFinite(order)) return order;
  if (Number.isFinite(visit)) return visit;
  return features.tenureDays;
}

export function inactivityStatus(
  features: CustomerFeatures,
  tier: ValueTier,
  settings: ChurnSettings,
): InactivityStatus {
  const window = churnWindowFor(settings, tier, features.market);
  const quietFor = daysInactive(features);
  if (!(quietFor > window)) return "active";
  return quietFor > window + settings.confirmationDays ? "churned" : "quiet";
}
