import { describe, expect, it } from "vitest";

import { amountRemoved, subtractAmounts } from "./money";

describe("money", () => {
  it("subtracts exactly, keeping a third decimal (KWD, BHD)", () => {
    expect(subtractAmounts("12.345", "0.005")).toBe("12.34");
    expect(subtractAmounts("0.3", "0.1")).toBe("0.2");
    expect(subtractAmounts("398.00", "300.00")).toBe("98");
    expect(subtractAmounts("1", "2.5")).toBe("-1.5");
  });

  it("counts only what was removed from an order, not what an edit added", () => {
    expect(amountRemoved("100.000", "87.655")).toBe("12.345");
    expect(amountRemoved("100", "120")).toBe("0");
  });

  it("refuses text that is not an amount", () => {
    expect(() => subtractAmounts("12,5", "1")).toThrow(/not a decimal amount/);
  });
});
