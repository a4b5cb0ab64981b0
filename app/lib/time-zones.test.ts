import { describe, expect, it } from "vitest";

import { zonedWallTimeToUtc } from "./time-zones";

describe("zonedWallTimeToUtc", () => {
  it("applies winter and summer time in London", () => {
    expect(zonedWallTimeToUtc("2010-12-01 08:26:00", "Europe/London").toISOString()).toBe("2010-12-01T08:26:00.000Z");
    expect(zonedWallTimeToUtc("2011-06-01 12:00:00", "Europe/London").toISOString()).toBe("2011-06-01T11:00:00.000Z");
  });

  it("handles zones ahead of and behind UTC", () => {
    expect(zonedWallTimeToUtc("2026-03-01 00:30", "Asia/Shanghai").toISOString()).toBe("2026-02-28T16:30:00.000Z");
    expect(zonedWallTimeToUtc("2026-07-04 20:00:00", "America/New_York").toISOString()).toBe(
      "2026-07-05T00:00:00.000Z",
    );
  });

  it("refuses text that is not a wall-clock time", () => {
    expect(() => zonedWallTimeToUtc("yesterday", "Europe/London")).toThrow(/not a wall-clock time/);
  });
});
