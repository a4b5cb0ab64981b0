import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { CustomerFeatures } from "../types";
import type { ComparisonOperator, Expression, Literal, Rule } from "./ast";
import {
  compileRule,
  parseRule,
  parseRuleSyntax,
  previewRule,
  printRule,
  RULE_FIELDS,
  RuleError,
  type RuleSubject,
} from "./index";

function subject(overrides: Partial<CustomerFeatures> = {}, rest: Partial<RuleSubject> = {}): RuleSubject {
  return {
    features: {
      customerId: "1",
      market: "US",
      hasOrders: true,
      daysSinceLastOrder: 20,
      visits7d: 1,
      visitsWowChange: -0.6,
      cartAdds30d: 0,
      totalSpent: 500,
      ...overrides,
    } as CustomerFeatures,
    tier: "VIP",
    segment: "high_value_active",
    lifecycle: "mature",
    rfm: { recency: 3, frequency: 5, monetary: 5 },
    rfmGroup: "LOYAL",
    daysInactive: 20,
    riskScore: 40,
    riskLevel: "medium",
    ...rest,
  };
}

function errorOf(source: string): RuleError {
  try {
    parseRule(source);
  } catch (error) {
    if (error instanceof RuleError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(source)} to be refused`);
}

describe("parsing", () => {
  it("parses the product's example into an AST with the level", () => {
    const rule = parseRule("tier = 'VIP' AND visits_7d < 2 AND days_since_last_order > 15 => high");
    expect(rule.level).toBe("high");
    expect(rule.condition).toMatchObject({
      type: "and",
      left: {
        type: "and",
        left: { type: "compare", field: "tier", operator: "=", value: { kind: "string", value: "VIP" } },
      },
      right: { type: "compare", field: "days_since_last_order", operator: ">", value: { kind: "number", value: 15 } },
    });
  });

  it("accepts the IF ... THEN level = ... form and lower-case keywords", () => {
    const a = parseRule("IF tier = 'VIP' and visits_7d < 2 THEN level = high");
    const b = parseRule("tier = 'VIP' AND visits_7d < 2 => high");
    expect(printRule(a)).toBe(printRule(b));
  });

  it("binds AND tighter than OR, and respects parentheses", () => {
    const loose = parseRule("visits_7d = 0 OR visits_7d = 1 AND tier = 'VIP'");
    expect(loose.condition.type).toBe("or");
    const grouped = parseRule("(visits_7d = 0 OR visits_7d = 1) AND tier = 'VIP'");
    expect(grouped.condition.type).toBe("and");
  });

  it("reads IN lists, NOT IN, NOT and percentages", () => {
    const rule = parseRule(
      "market NOT IN ('US', 'CA') AND NOT tier IN ('VIP') AND visits_wow_change <= -50% => medium",
    );
    expect(printRule(rule)).toBe(
      "market NOT IN ('US', 'CA') AND NOT tier IN ('VIP') AND visits_wow_change <= -50% => medium",
    );
  });

  it("reports a syntax error with line, column and what was expected", () => {
    const error = errorOf("tier = 'VIP' AND\n  visits_7d <");
    expect(error.kind).toBe("syntax");
    expect(error.position).toMatchObject({ line: 2, column: 14, offset: 30 });
    expect(error.expected).toContain("a number");
    expect(error.message).toContain("line 2, column 14");
  });

  it.each([
    ["tier = 'VIP", "closing"],
    ["visits_7d < 2 =>", "low"],
    ["(visits_7d < 2", "')'"],
    ["visits_7d 2", "="],
    ["visits_7d < 2 extra", "the end of the rule"],
    ["visits_7d < 2 => urgent", "high"],
    ["visits_7d < #", "a field, value, operator or parenthesis"],
  ])("refuses %j, expecting %s", (source, expected) => {
    const error = errorOf(source);
    expect(error.kind).toBe("syntax");
    expect(error.message + error.expected.join(" ")).toContain(expected);
  });
});

describe("type checking", () => {
  it("asks for a percentage when a change field is compared with a plain number", () => {
    const error = errorOf("visits_wow_change < -50");
    expect(error.kind).toBe("type");
    expect(error.expected).toContain("a percentage such as -50%");
    expect(() => parseRule("visits_wow_change <= -50% => high")).not.toThrow();
  });

  it("treats names of Object.prototype members as unknown fields", () => {
    expect(errorOf("constructor = 1").message).toMatch(/unknown field "constructor"/);
  });

  it("refuses an unknown field and suggests the closest known one", () => {
    const error = errorOf("vists_7d < 2");
    expect(error.kind).toBe("type");
    expect(error.position.column).toBe(1);
    expect(error.expected).toContain("visits_7d");
  });

  it("refuses comparisons that do not fit the field's type", () => {
    expect(errorOf("visits_7d = 'many'").expected).toEqual(["a number"]);
    expect(errorOf("tier = 'Gold'").expected).toContain("'VIP'");
    expect(errorOf("tier > 'VIP'").expected).toEqual(["=", "!=", "IN"]);
    expect(errorOf("has_orders = 1").expected).toEqual(["TRUE", "FALSE"]);
    expect(errorOf("visits_7d < 50%").kind).toBe("type");
    const deep = errorOf("tier = 'VIP' AND\n (visits_7d < 2 OR cart_adds_7d = 'x')");
    expect(deep.position).toMatchObject({ line: 2, column: 20 });
  });
});

describe("evaluation", () => {
  const vipGoingQuiet = compileRule(parseRule("tier = 'VIP' AND visits_7d < 2 AND days_since_last_order > 15 => high"));

  it("matches the customers the rule describes, and no others", () => {
    expect(vipGoingQuiet(subject())).toBe(true);
    expect(vipGoingQuiet(subject({ visits7d: 5 }))).toBe(false);
    expect(vipGoingQuiet(subject({}, { tier: "regular" }))).toBe(false);
    expect(vipGoingQuiet(subject({ daysSinceLastOrder: 15 }))).toBe(false);
  });

  it("compares percentages against fractional changes", () => {
    const halved = compileRule(parseRule("visits_wow_change <= -50%"));
    expect(halved(subject({ visitsWowChange: -0.5 }))).toBe(true);
    expect(halved(subject({ visitsWowChange: -0.49 }))).toBe(false);
  });

  it("treats a missing value as matching no comparison, even !=", () => {
    const neverOrdered = subject({ daysSinceLastOrder: Number.NaN, hasOrders: false });
    for (const op of ["=", "!=", "<", "<=", ">", ">="]) {
      expect(compileRule(parseRule(`days_since_last_order ${op} 10`))(neverOrdered)).toBe(false);
    }
    expect(compileRule(parseRule("market != 'US'"))(subject({ market: null }))).toBe(false);
  });

  it("evaluates IN, NOT IN and NOT", () => {
    expect(compileRule(parseRule("market IN ('US', 'CA')"))(subject())).toBe(true);
    expect(compileRule(parseRule("market NOT IN ('US', 'CA')"))(subject())).toBe(false);
    expect(compileRule(parseRule("NOT market IN ('DE')"))(subject())).toBe(true);
    expect(compileRule(parseRule("rfm_group IN ('LOYAL', 'CHAMPIONS') OR risk_score > 90"))(subject())).toBe(true);
  });

  it("refuses to compile a stored AST that names an unknown field", () => {
    const stored = parseRuleSyntax("visits_7d < 2");
    const renamed = { ...stored, condition: { ...stored.condition, field: "visits_per_fortnight" } } as Rule;
    expect(() => compileRule(renamed)).toThrow(RuleError);
  });

  it("previews how many customers a rule matches now", () => {
    const batch = [
      subject(),
      subject({ visits7d: 9 }),
      subject({ customerId: "7" } as Partial<CustomerFeatures>),
      subject({}, { tier: "active" }),
    ];
    const preview = previewRule(vipGoingQuiet, batch);
    expect(preview).toEqual({ matched: 2, total: 4, examples: ["1", "7"] });
  });
});

const safeNumber = fc
  .double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })
  .map((v) => (Object.is(v, -0) ? 0 : v));
const operator = fc.constantFrom<ComparisonOperator>("=", "!=", "<", "<=", ">", ">=");

function comparisonArbitrary(): fc.Arbitrary<Expression> {
  const position = { offset: 0, line: 1, column: 1 };
  const literalFor = (name: string): fc.Arbitrary<Literal> => {
    const definition = RULE_FIELDS[name];
    switch (definition.type) {
      case "number":
        return safeNumber.map((value) => ({ kind: "number" as const, value }));
      case "change":
        return safeNumber.map((value) => ({ kind: "percent" as const, value }));
      case "boolean":
        return fc.boolean().map((value) => ({ kind: "boolean" as const, value }));
      case "text":
        return (definition.values ? fc.constantFrom(...definition.values) : fc.string({ maxLength: 6 })).map(
          (value) => ({
            kind: "string" as const,
            value,
          }),
        );
    }
  };
  const field = fc.constantFrom(...Object.keys(RULE_FIELDS));
  return field.chain((name) => {
    const definition = RULE_FIELDS[name];
    const ordered = definition.type === "number" || definition.type === "change";
    const compare = fc.record({
      type: fc.constant("compare" as const),
      field: fc.constant(name),
      operator: ordered ? operator : fc.constantFrom<ComparisonOperator>("=", "!="),
      value: literalFor(name),
      position: fc.constant(position),
    });
    const inList = fc.record({
      type: fc.constant("in" as const),
      field: fc.constant(name),
      negated: fc.boolean(),
      values: fc.array(literalFor(name), { minLength: 1, maxLength: 3 }),
      position: fc.constant(position),
    });
    return fc.oneof(compare, inList) as fc.Arbitrary<Expression>;
  });
}

const expressionArbitrary: fc.Arbitrary<Expression> = fc.letrec<{ expr: Expression }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    comparisonArbitrary(),
    fc.record({
      type: fc.constantFrom("and" as const, "or" as const),
      left: tie("expr"),
      right: tie("expr"),
      position: fc.constant({ offset: 0, line: 1, column: 1 }),
    }),
    fc.record({
      type: fc.constant("not" as const),
      operand: tie("expr"),
      position: fc.constant({ offset: 0, line: 1, column: 1 }),
    }),
  ),
})).expr;

/** Positions depend on the text; the round trip is about structure. */
function withoutPositions(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === "position" ? undefined : v)));
}

describe("properties", () => {
  it("print then parse gives back the same rule", () => {
    fc.assert(
      fc.property(expressionArbitrary, fc.constantFrom(null, "low", "medium", "high" as const), (condition, level) => {
        const rule: Rule = { condition, level };
        const reparsed = parseRule(printRule(rule));
        expect(withoutPositions(reparsed)).toEqual(withoutPositions(rule));
      }),
      { numRuns: 400 },
    );
  });

  it("never throws anything but a RuleError, whatever the text", () => {
    const ruleish = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            "tier",
            "visits_7d",
            "AND",
            "OR",
            "NOT",
            "IN",
            "(",
            ")",
            ",",
            "'VIP'",
            "'",
            "=",
            "<=",
            "=>",
            "%",
            "-",
            "12",
            "high",
            "IF",
            "THEN",
            "\n",
            " ",
          ),
          fc.string({ maxLength: 3 }),
        ),
        { maxLength: 25 },
      )
      .map((parts) => parts.join(" "));
    fc.assert(
      fc.property(fc.oneof(fc.string(), ruleish), (source) => {
        try {
          parseRule(source);
        } catch (error) {
          expect(error).toBeInstanceOf(RuleError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses absurdly deep nesting with a RuleError rather than a stack overflow", () => {
    expect(() => parseRuleSyntax("(".repeat(50_000) + "visits_7d < 1" + ")".repeat(50_000))).toThrow(RuleError);
    expect(() => parseRuleSyntax("NOT ".repeat(50_000) + "visits_7d < 1")).toThrow(RuleError);
  });
});
