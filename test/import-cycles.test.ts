import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

import ts from "typescript";
import { describe, expect, it } from "vitest";

// No module of app/ may import itself back through others. In an ESM import cycle the module
// reached first runs before the modules it imports have finished, so whatever it reads from them
// at load time (a zod schema, a constant) is still undefined: that is why the userErrors schema
// was once written twice. Type-only imports are erased by the compiler and cannot form a cycle;
// an `await import()` inside a function loads later, once every module has run.

const APP = path.resolve("app");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return entry === "generated" ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry) && !/\.test\.tsx?$/.test(entry) ? [full] : [];
  });
}

/** The file an app-relative import names; null for a package (or anything outside app/). */
function resolveImport(from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith("~/")) base = path.join(APP, specifier.slice(2));
  else if (specifier.startsWith(".")) base = path.resolve(path.dirname(from), specifier);
  else return null;
  const candidates = [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts"), path.join(base, "route.tsx")];
  return candidates.find((file) => existsSync(file) && statSync(file).isFile()) ?? null;
}

function onlyTypes(elements: ts.NodeArray<ts.ImportSpecifier | ts.ExportSpecifier>): boolean {
  return elements.length > 0 && elements.every((element) => element.isTypeOnly);
}

/** The app modules a file loads when it runs: its static imports and re-exports, less type-only ones. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (!clause.name &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            onlyTypes(clause.namedBindings.elements)));
      if (!typeOnly && ts.isStringLiteral(statement.moduleSpecifier)) specifiers.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      const clause = statement.exportClause;
      const typeOnly =
        statement.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && onlyTypes(clause.elements));
      if (!typeOnly && ts.isStringLiteral(statement.moduleSpecifier)) specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers.map((specifier) => resolveImport(file, specifier)).filter((target) => target !== null);
}

/** One cycle per back edge of a depth-first walk, each as the path that closes it ("a → b → a"). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (node: string) => {
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (onStack.has(next)) cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!done.has(next)) visit(next);
    }
    stack.pop();
    onStack.delete(node);
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) if (!done.has(node)) visit(node);
  return cycles;
}

function appImportGraph(): Map<string, string[]> {
  return new Map(sourceFiles(APP).map((file) => [file, runtimeImports(file)]));
}

const relative = (file: string) => path.relative(process.cwd(), file);

describe("import cycles in app/", () => {
  const graph = appImportGraph();

  it("reads the app's imports", () => {
    const install = graph.get(path.join(APP, "services/install.server.ts")) ?? [];
    expect(install.map(relative)).toContain("app/services/metafield-sync.server.ts");
    const sync = graph.get(path.join(APP, "services/metafield-sync.server.ts")) ?? [];
    expect(sync.map(relative)).toContain("app/integrations/shopify/metafields.server.ts");
  });

  it("leaves out type-only imports, which the compiler erases", () => {
    // order.server.ts imports only the Tx type from webhook-delivery.server.ts, which imports it back.
    const order = graph.get(path.join(APP, "models/order.server.ts")) ?? [];
    expect(order.map(relative)).not.toContain("app/models/webhook-delivery.server.ts");
    expect(order.map(relative)).toContain("app/db.server.ts");
  });

  it("finds a cycle when there is one", () => {
    const cycles = findCycles(
      new Map([
        ["a", ["b"]],
        ["b", ["c"]],
        ["c", ["a", "d"]],
        ["d", []],
      ]),
    );
    expect(cycles).toEqual([["a", "b", "c", "a"]]);
  });

  it("has none", () => {
    const cycles = findCycles(graph).map((cycle) => cycle.map(relative).join(" → "));
    expect(cycles).toEqual([]);
  });
});
