import { describe, expect, it } from "vitest";

import type { CustomerFeatures } from "./types";
import {
  ChurnSettingsError,
  churnWindowFor,
  DEFAULT_CHURN_SETTINGS,
  inactivityStatus,
  parseChurnSettings,
} from "./windows";

function quietFor(days: number, market = "US"): CustomerFeatures {
  return { market, daysSinceLastOrder: days, daysSinceLastVisit: Number.NaN, tenureDays: 999 } as CustomerFeatures;
}

describe("churn settings", () => {
  it("defaults to VIP 7, active 15, regular 30 days with a confirmation buffer and a 90-day horizon", () => {
    expect(DEFAULT_CHURN_SETTINGS.windows).toEqual({ VIP: 7, active: 15, regular: 30 });
    expect(DEFAULT_CHURN_SETTINGS.confirmationDays).toBeGreaterThan(0);
    expect(DEFAULT_CHURN_SETTINGS.horizonDays).toBe(90);
  });

  it("applies an industry preset, then the shop's own windows, then per-market overrides", () => {
    const settings = parseChurnSettings({
      industry: "furniture",
      windows: { VIP: 60 },
      marketWindows: { DE: { regular: 365 } },
    });
    expect(churnWindowFor(settings, "regular", "US")).toBe(180);
    expect(churnWindowFor(settings, "VIP", "US")).toBe(60);
    expect(churnWindowFor(settings, "regular", "DE")).toBe(365);
    expect(churnWindowFor(settings, "VIP", "DE")).toBe(60);
    expect(churnWindowFor(parseChurnSettings({ industry: "consumables" }), "regular", null)).toBe(60);
  });

  it.each([
    [{ windows: { VIP: -7 } }, "windows.VIP"],
    [{ horizonDays: 0 }, "horizonDays"],
    [{ confirmationDays: -1 }, "confirmationDays"],
    [{ windows: { active: 1.5 } }, "windows.active"],
    [{ industry: "spaceships" }, "industry"],
    [{ marketWindows: { DE: { regular: 0 } } }, "marketWindows.DE.regular"],
    [{ surprise: true }, "settings"],
  ])("refuses %j, naming %s", (input, field) => {
    expect(() => parseChurnSettings(input)).toThrow(ChurnSettingsError);
    try {
      parseChurnSettings(input);
    } catch (error) {
      expect((error as ChurnSettingsError).problems.join(" ")).toContain(field);
    }
  });
});

describe("inactivityStatus", () => {
  const settings = parseChurnSettings({ confirmationDays: 7 });

  it("waits for the buffer before confirming churn, so one quiet week is not an alert", () => {
    expect(inactivityStatus(quietFor(30), "regular", settings)).toBe("active");
    expect(inactivityStatus(quietFor(31), "regular", settings)).toBe("quiet");
    expect(inactivityStatus(quietFor(37), "regular", settings)).toBe("quiet");
    expect(inactivityStatus(quietFor(38), "regular", settings)).toBe("churned");
    expect(inactivityStatus(quietFor(10), "VIP", settings)).toBe("quiet");
  });

  it("counts a recent storefront visit as activity", () => {
    const browsing = { ...quietFor(60), daysSinceLastVisit: 2 } as CustomerFeatures;
    expect(inactivityStatus(browsing, "regular", settings)).toBe("active");
  });
});
