/** Where something sits in the rule text: 0-based offset, 1-based line and column. */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

export type Literal =
  | { kind: "number"; value: number }
  /** As written: `-50%` is value -50 and compares against the change -0.5. */
  | { kind: "percent"; value: number }
  | { kind: "string"; value: string }
  | { kind: "boolean"; value: boolean };

export type ComparisonOperator = "=" | "!=" | "<" | "<=" | ">" | ">=";

export type Expression =
  | { type: "and" | "or"; left: Expression; right: Expression; position: Position }
  | { type: "not"; operand: Expression; position: Position }
  | { type: "compare"; field: string; operator: ComparisonOperator; value: Literal; position: Position }
  | { type: "in"; field: string; negated: boolean; values: Literal[]; position: Position };

export type RuleLevel = "low" | "medium" | "high";

export interface Rule {
  condition: Expression;
  /** What the rule raises the customer to when it matches; null for a pure segment filter. */
  level: RuleLevel | null;
}

export class RuleError extends Error {
  override readonly name = "RuleError";
  constructor(
    readonly kind: "syntax" | "type",
    readonly position: Position,
    readonly detail: string,
    /** What would have been accepted here, for the editor's hint. */
    readonly expected: readonly string[] = [],
  ) {
    super(
      `${kind === "syntax" ? "Syntax" : "Type"} error at line ${position.line}, column ${position.column}: ${detail}` +
        (expected.length > 0 ? ` (expected ${expected.join(" or ")})` : ""),
    );
  }
}

export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}
