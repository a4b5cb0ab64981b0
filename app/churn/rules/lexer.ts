import { positionAt, RuleError } from "./ast";

export type TokenType =
  | "identifier"
  | "keyword"
  | "number"
  | "string"
  | "percent"
  | "operator"
  | "arrow"
  | "lparen"
  | "rparen"
  | "comma"
  | "end";

export interface Token {
  type: TokenType;
  /** Keywords upper-cased; strings unescaped; otherwise the source text. */
  text: string;
  offset: number;
}

export const KEYWORDS = new Set(["AND", "OR", "NOT", "IN", "TRUE", "FALSE", "IF", "THEN"]);
const NUMBER = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (offset: number, detail: string, expected: string[] = []): never => {
    throw new RuleError("syntax", positionAt(source, offset), detail, expected);
  };
  while (i < source.length) {
    const ch = source[i];
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
      continue;
    }
    const start = i;
    const rest = source.slice(i, i + 64);
    if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ type: ch === "(" ? "lparen" : ch === ")" ? "rparen" : "comma", text: ch, offset: start });
      i++;
    } else if (ch === "%") {
      tokens.push({ type: "percent", text: ch, offset: start });
      i++;
    } else if (rest.startsWith("=>")) {
      tokens.push({ type: "arrow", text: "=>", offset: start });
      i += 2;
    } else if (/^(<=|>=|!=|<>|==)/.test(rest)) {
      const text = rest.slice(0, 2);
      tokens.push({ type: "operator", text: text === "<>" ? "!=" : text === "==" ? "=" : text, offset: start });
      i += 2;
    } else if (ch === "<" || ch === ">" || ch === "=") {
      tokens.push({ type: "operator", text: ch, offset: start });
      i++;
    } else if (ch === "'" || ch === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= source.length) fail(start, "unterminated text", [`a closing ${ch}`]);
        const c = source[i];
        if (c === "\\" && i + 1 < source.length) {
          value += source[i + 1];
          i += 2;
        } else if (c === ch) {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ type: "string", text: value, offset: start });
    } else if (/[0-9]/.test(ch) || (ch === "-" && /[0-9]/.test(source[i + 1] ?? ""))) {
      const digits = NUMBER.exec(source.slice(ch === "-" ? i + 1 : i));
      if (!digits) fail(start, "malformed number");
      const length = (ch === "-" ? 1 : 0) + digits![0].length;
      tokens.push({ type: "number", text: source.slice(start, start + length), offset: start });
      i += length;
      if (/[A-Za-z_]/.test(source[i] ?? "")) fail(i, `unexpected ${JSON.stringify(source[i])} after a number`);
    } else if (IDENTIFIER.test(rest)) {
      const word = IDENTIFIER.exec(source.slice(i))![0];
      const upper = word.toUpperCase();
      if (KEYWORDS.has(upper)) tokens.push({ type: "keyword", text: upper, offset: start });
      else tokens.push({ type: "identifier", text: word, offset: start });
      i += word.length;
    } else {
      fail(start, `unexpected character ${JSON.stringify(ch)}`, ["a field, value, operator or parenthesis"]);
    }
  }
  tokens.push({ type: "end", text: "", offset: source.length });
  return tokens;
}
