import type { Expression, Literal, Rule } from "./ast";
import { RuleError } from "./ast";
import { type FieldDefinition, RULE_FIELDS } from "./fields";

function literalDescription(literal: Literal): string {
  switch (literal.kind) {
    case "number":
      return `the number ${literal.value}`;
    case "percent":
      return `the percentage ${literal.value}%`;
    case "string":
      return `the text '${literal.value}'`;
    case "boolean":
      return literal.value ? "TRUE" : "FALSE";
  }
}

/** Edit distance, to suggest the field the merchant probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function closestFields(name: string): string[] {
  const ranked = Object.keys(RULE_FIELDS)
    .map((field) => ({ field, d: distance(name.toLowerCase(), field) }))
    .sort((a, b) => a.d - b.d);
  const close = ranked.filter((r) => r.d <= Math.max(2, Math.floor(name.length / 3))).slice(0, 3);
  return close.length > 0 ? close.map((r) => r.field) : ["a known field such as days_since_last_order"];
}

function expectedFor(definition: FieldDefinition): string[] {
  switch (definition.type) {
    case "number":
      return ["a number"];
    case "change":
      return ["a percentage such as -50%"];
    case "boolean":
      return ["TRUE", "FALSE"];
    case "text":
      return definition.values ? definition.values.map((v) => `'${v}'`) : ["'text'"];
  }
}

function checkLiteral(expression: Expression & { field: string }, definition: FieldDefinition, literal: Literal): void {
  const ok =
    (definition.type === "number" && literal.kind === "number") ||
    // A change is written as a percentage: `visits_wow_change < -50` would silently mean -5000%.
    (definition.type === "change" &&
      (literal.kind === "percent" || (literal.kind === "number" && literal.value === 0))) ||
    (definition.type === "boolean" && literal.kind === "boolean") ||
    (definition.type === "text" &&
      literal.kind === "string" &&
      (!definition.values || definition.values.includes(literal.value)));
  if (!ok) {
    throw new RuleError(
      "type",
      expression.position,
      `${expression.field} (${definition.description}) cannot be compared with ${literalDescription(literal)}`,
      expectedFor(definition),
    );
  }
}

/** Checks every field exists and every comparison makes sense for the field's type. */
export function typecheckRule(rule: Rule): void {
  const visit = (expression: Expression): void => {
    switch (expression.type) {
      case "and":
      case "or":
        visit(expression.left);
        visit(expression.right);
        return;
      case "not":
        visit(expression.operand);
        return;
      case "compare":
      case "in": {
        const definition = Object.hasOwn(RULE_FIELDS, expression.field) ? RULE_FIELDS[expression.field] : undefined;
        if (!definition) {
          throw new RuleError(
            "type",
            expression.position,
            `unknown field "${expression.field}"`,
            closestFields(expression.field),
          );
        }
        if (
          expression.type === "compare" &&
          (definition.type === "text" || definition.type === "boolean") &&
          expression.operator !== "=" &&
          expression.operator !== "!="
        ) {
          throw new RuleError(
            "type",
            expression.position,
            `${expression.field} is ${definition.type === "text" ? "text" : "yes/no"} and cannot use ${expression.operator}`,
            ["=", "!=", "IN"],
          );
        }
        const values = expression.type === "compare" ? [expression.value] : expression.values;
        for (const value of values) checkLiteral(expression, definition, value);
        return;
      }
    }
  };
  visit(rule.condition);
}
