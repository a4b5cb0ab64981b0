import type { Expression, Literal, Rule } from "./ast";

function printLiteral(literal: Literal): string {
  switch (literal.kind) {
    case "number":
      return String(literal.value);
    case "percent":
      return `${literal.value}%`;
    case "string":
      return `'${literal.value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    case "boolean":
      return literal.value ? "TRUE" : "FALSE";
  }
}

const PRECEDENCE = { or: 1, and: 2, not: 3, compare: 4, in: 4 } as const;

/** Canonical text of a condition, with parentheses only where precedence needs them. */
export function printCondition(expression: Expression, parentPrecedence = 0): string {
  const own = PRECEDENCE[expression.type];
  let text: string;
  switch (expression.type) {
    case "and":
    case "or": {
      const keyword = expression.type === "and" ? "AND" : "OR";
      // Left-associative: a right operand of the same precedence needs parentheses to keep its shape.
      text = `${printCondition(expression.left, own)} ${keyword} ${printCondition(expression.right, own + 0.5)}`;
      break;
    }
    case "not":
      text = `NOT ${printCondition(expression.operand, own)}`;
      break;
    case "compare":
      text = `${expression.field} ${expression.operator} ${printLiteral(expression.value)}`;
      break;
    case "in":
      text = `${expression.field} ${expression.negated ? "NOT IN" : "IN"} (${expression.values.map(printLiteral).join(", ")})`;
      break;
  }
  return own < parentPrecedence ? `(${text})` : text;
}

export function printRule(rule: Rule): string {
  const condition = printCondition(rule.condition);
  return rule.level === null ? condition : `${condition} => ${rule.level}`;
}
