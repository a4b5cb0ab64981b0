import {
  type ComparisonOperator,
  type Expression,
  type Literal,
  positionAt,
  type Rule,
  RuleError,
  type RuleLevel,
} from "./ast";
import { type Token, tokenize } from "./lexer";

const LEVELS: readonly RuleLevel[] = ["low", "medium", "high"];
/** Deeper nesting than any merchant writes; the cap keeps hostile input from exhausting the stack. */
const MAX_DEPTH = 200;

/**
 * Recursive-descent parser for merchant rules. Grammar (keywords case-insensitive):
 *   rule       := [IF] or [(THEN [level =] | =>) LEVEL]
 *   or         := and (OR and)*
 *   and        := not (AND not)*
 *   not        := NOT not | '(' or ')' | comparison
 *   comparison := field op value | field [NOT] IN '(' value (',' value)* ')'
 *   value      := number ['%'] | 'text' | TRUE | FALSE
 * Throws only RuleError (kind "syntax"), with the position and what was expected.
 */
export function parseRuleSyntax(source: string): Rule {
  const tokens = tokenize(source);
  let index = 0;
  let depth = 0;
  const peek = (): Token => tokens[index];
  const describe = (token: Token) =>
    token.type === "end" ? "the end of the rule" : token.type === "string" ? `'${token.text}'` : `"${token.text}"`;
  const fail = (token: Token, expected: string[]): never => {
    throw new RuleError("syntax", positionAt(source, token.offset), `unexpected ${describe(token)}`, expected);
  };
  const isKeyword = (word: string) => peek().type === "keyword" && peek().text === word;
  const expectKeywordOrType = (type: Token["type"], expected: string): Token => {
    const token = peek();
    if (token.type !== type) fail(token, [expected]);
    index++;
    return token;
  };

  const parseOr = (): Expression => {
    let left = parseAnd();
    while (isKeyword("OR")) {
      const position = positionAt(source, peek().offset);
      index++;
      left = { type: "or", left, right: parseAnd(), position };
    }
    return left;
  };
  const parseAnd = (): Expression => {
    let left = parseNot();
    while (isKeyword("AND")) {
      const position = positionAt(source, peek().offset);
      index++;
      left = { type: "and", left, right: parseNot(), position };
    }
    return left;
  };
  const parseNot = (): Expression => {
    if (++depth > MAX_DEPTH) {
      throw new RuleError("syntax", positionAt(source, peek().offset), "the rule is nested too deeply");
    }
    try {
      const token = peek();
      if (isKeyword("NOT")) {
        index++;
        return { type: "not", operand: parseNot(), position: positionAt(source, token.offset) };
      }
      if (token.type === "lparen") {
        index++;
        const inner = parseOr();
        expectKeywordOrType("rparen", "')'");
        return inner;
      }
      return parseComparison();
    } finally {
      depth--;
    }
  };
  const parseComparison = (): Expression => {
    const fieldToken = peek();
    if (fieldToken.type !== "identifier") fail(fieldToken, ["a field name", "NOT", "'('"]);
    index++;
    const position = positionAt(source, fieldToken.offset);
    const field = fieldToken.text;
    let negated = false;
    if (isKeyword("NOT")) {
      index++;
      negated = true;
      if (!isKeyword("IN")) fail(peek(), ["IN"]);
    }
    if (isKeyword("IN")) {
      index++;
      expectKeywordOrType("lparen", "'('");
      const values = [parseValue()];
      while (peek().type === "comma") {
        index++;
        values.push(parseValue());
      }
      expectKeywordOrType("rparen", "',' or ')'");
      return { type: "in", field, negated, values, position };
    }
    const operatorToken = peek();
    if (operatorToken.type !== "operator") fail(operatorToken, ["=", "!=", "<", "<=", ">", ">=", "IN"]);
    index++;
    return {
      type: "compare",
      field,
      operator: operatorToken.text as ComparisonOperator,
      value: parseValue(),
      position,
    };
  };
  const parseValue = (): Literal => {
    const token = peek();
    if (token.type === "number") {
      index++;
      const value = Number(token.text);
      if (!Number.isFinite(value)) {
        throw new RuleError("syntax", positionAt(source, token.offset), "number out of range");
      }
      if (peek().type === "percent") {
        index++;
        return { kind: "percent", value };
      }
      return { kind: "number", value };
    }
    if (token.type === "string") {
      index++;
      return { kind: "string", value: token.text };
    }
    if (isKeyword("TRUE") || isKeyword("FALSE")) {
      index++;
      return { kind: "boolean", value: token.text === "TRUE" };
    }
    return fail(token, ["a number", "a percentage", "'text'", "TRUE", "FALSE"]);
  };
  const parseLevel = (): RuleLevel => {
    const token = peek();
    const word = token.type === "identifier" || token.type === "string" ? token.text.toLowerCase() : "";
    if (!LEVELS.includes(word as RuleLevel)) fail(token, ["low", "medium", "high"]);
    index++;
    return word as RuleLevel;
  };

  const hasIf = isKeyword("IF");
  if (hasIf) index++;
  const condition = parseOr();
  let level: RuleLevel | null = null;
  if (peek().type === "arrow") {
    index++;
    level = parseLevel();
  } else if (isKeyword("THEN")) {
    index++;
    const token = peek();
    if (token.type === "identifier" && token.text.toLowerCase() === "level") {
      index++;
      const eq = peek();
      if (eq.type !== "operator" || eq.text !== "=") fail(eq, ["="]);
      index++;
    }
    level = parseLevel();
  } else if (hasIf) {
    fail(peek(), ["THEN", "AND", "OR"]);
  }
  if (peek().type !== "end")
    fail(peek(), level === null ? ["AND", "OR", "=>", "the end of the rule"] : ["the end of the rule"]);
  return { condition, level };
}
