import { describe, expect, it } from "vitest";

import { supportedLocale } from "./locale";

describe("supportedLocale", () => {
  it("reads every Chinese variant as Simplified Chinese", () => {
    for (const locale of ["zh", "zh-CN", "zh-TW", "zh_Hans", "ZH-cn", " zh-HK "]) {
      expect(supportedLocale(locale)).toBe("zh-CN");
    }
  });

  it("falls back to English for anything else", () => {
    for (const locale of ["en", "en-GB", "fr", "zhx", "", null, undefined]) {
      expect(supportedLocale(locale)).toBe("en");
    }
  });
});
