import { describe, expect, it } from "vitest";

import { dayFromIso, isoFromDay, utcDayOf, zonedDayOf } from "./dates";

/** The reference: the calendar day Intl itself gives for an instant in a zone. */
function intlDay(epochMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    epochMs,
  );
}

describe("zonedDayOf", () => {
  it("puts an early-morning order in Shanghai on its own local day, not the previous UTC day", () => {
    const at = Date.parse("2026-11-21T23:30:00Z"); // 07:30 on 22 November in Shanghai
    expect(isoFromDay(utcDayOf(at))).toBe("2026-11-21");
    expect(isoFromDay(zonedDayOf("Asia/Shanghai")(at))).toBe("2026-11-22");
    expect(isoFromDay(zonedDayOf("America/Los_Angeles")(Date.parse("2026-11-22T05:00:00Z")))).toBe("2026-11-21");
  });

  it("agrees with Intl at every quarter hour around summer-time changes, in odd-offset zones too", () => {
    const zones = ["Europe/London", "America/New_York", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe"];
    // Windows holding each zone's 2026 transitions (northern spring/autumn, southern April/October).
    const windows = ["2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01"];
    for (const zone of zones) {
      const dayOf = zonedDayOf(zone);
      for (const window of windows) {
        const start = Date.parse(`${window}T00:00:00Z`) - 86_400_000;
        for (let t = start; t < start + 3 * 86_400_000; t += 7 * 60_000) {
          expect(isoFromDay(dayOf(t)), `${zone} ${new Date(t).toISOString()}`).toBe(intlDay(t, zone));
        }
      }
    }
  });

  it("counts in UTC for no zone or a zone this runtime does not know, and gives NaN for a broken instant", () => {
    const at = Date.parse("2026-11-21T23:30:00Z");
    expect(zonedDayOf(null)(at)).toBe(dayFromIso("2026-11-21"));
    expect(zonedDayOf("Mars/Olympus_Mons")(at)).toBe(dayFromIso("2026-11-21"));
    expect(zonedDayOf("Asia/Tokyo")(Number.NaN)).toBeNaN();
  });
});
