import type { ComparisonOperator, Expression, Literal, Rule } from "./ast";
import { RULE_FIELDS, type RuleSubject } from "./fields";
import { typecheckRule } from "./typecheck";

export type RulePredicate = (subject: RuleSubject) => boolean;

function literalValue(literal: Literal): number | string | boolean {
  // Percentages are written as percent but compared with changes stored as fractions.
  return literal.kind === "percent" ? literal.value / 100 : literal.value;
}

function compareNumbers(operator: ComparisonOperator, target: number): (value: number) => boolean {
  switch (operator) {
    case "=":
      return (v) => v === target;
    case "!=":
      // A missing value (NaN) is "unknown", not "different": it matches no comparison.
      return (v) => v === v && v !== target;
    case "<":
      return (v) => v < target;
    case "<=":
      return (v) => v <= target;
    case ">":
      return (v) => v > target;
    case ">=":
      return (v) => v >= target;
  }
}

/**
 * Compiles a type-checked rule into a tree of closures: evaluation is plain function calls over
 * the AST's meaning, never eval() or new Function(), and costs no parsing per customer.
 */
function compileCondition(expression: Expression): RulePredicate {
  switch (expression.type) {
    case "and": {
      const left = compileCondition(expression.left);
      const right = compileCondition(expression.right);
      return (s) => left(s) && right(s);
    }
    case "or": {
      const left = compileCondition(expression.left);
      const right = compileCondition(expression.right);
      return (s) => left(s) || right(s);
    }
    case "not": {
      const operand = compileCondition(expression.operand);
      return (s) => !operand(s);
    }
    case "compare": {
      const definition = definitionOf(expression.field);
      const target = literalValue(expression.value);
      if (definition.type === "number" || definition.type === "change") {
        const read = definition.read;
        const test = compareNumbers(expression.operator, target as number);
        return (s) => test(read(s));
      }
      const read = definition.read as (s: RuleSubject) => string | boolean | null;
      return expression.operator === "="
        ? (s) => read(s) === target
        : (s) => {
            const v = read(s);
            return v !== null && v !== target;
          };
    }
    case "in": {
      const definition = definitionOf(expression.field);
      const read = definition.read as (s: RuleSubject) => unknown;
      const allowed = new Set(expression.values.map(literalValue));
      return expression.negated
        ? (s) => {
            const v = read(s);
            return v !== null && v === v && !allowed.has(v as never);
          }
        : (s) => allowed.has(read(s) as never);
    }
  }
}

/** Type-checks first, so a hand-built or stored AST with an unknown field fails as a RuleError. */
/** The field's definition; rules reach evaluation only after typecheckRule accepted them. */
function definitionOf(field: string) {
  if (!Object.hasOwn(RULE_FIELDS, field)) throw new Error(`unknown rule field "${field}": type-check rules first`);
  return RULE_FIELDS[field];
}

export function compileRule(rule: Rule): RulePredicate {
  typecheckRule(rule);
  return compileCondition(rule.condition);
}

export interface RulePreview {
  matched: number;
  total: number;
  /** The first few matching customer ids, for "e.g. ..." in the editor. */
  examples: string[];
}

/** "Matches 132 customers now": runs the rule over a batch of current customers. */
export function previewRule(predicate: RulePredicate, subjects: Iterable<RuleSubject>, exampleCount = 5): RulePreview {
  let matched = 0;
  let total = 0;
  const examples: string[] = [];
  for (const subject of subjects) {
    total++;
    if (predicate(subject)) {
      matched++;
      if (examples.length < exampleCount) examples.push(subject.features.customerId);
    }
  }
  return { matched, total, examples };
}
