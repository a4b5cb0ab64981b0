import type { Rule } from "./ast";
import { parseRuleSyntax } from "./parser";
import { typecheckRule } from "./typecheck";

export { RuleError, type Rule, type Expression, type Literal, type RuleLevel } from "./ast";
export { compileRule, previewRule, type RulePredicate, type RulePreview } from "./evaluate";
export { RULE_FIELDS, type RuleSubject } from "./fields";
export { printRule } from "./print";
export { parseRuleSyntax } from "./parser";

/** Parses and type-checks a merchant's rule; throws RuleError with position on any problem. */
export function parseRule(source: string): Rule {
  const rule = parseRuleSyntax(source);
  typecheckRule(rule);
  return rule;
}
