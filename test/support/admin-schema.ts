import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";

import {
  buildClientSchema,
  Kind,
  NoDeprecatedCustomRule,
  parse,
  specifiedRules,
  validate,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";

// The Admin GraphQL schema the app is pinned to (ApiVersion.October26 in app/shopify.server.ts),
// taken from the introspection JSON that @shopify/dev-mcp ships.
export const ADMIN_SCHEMA_FILE = "app/integrations/shopify/admin-schema-2026-10.json.gz";

let schema: GraphQLSchema | undefined;

export function adminSchema(): GraphQLSchema {
  if (!schema) {
    const json = JSON.parse(gunzipSync(readFileSync(ADMIN_SCHEMA_FILE)).toString("utf8")) as
      { data: IntrospectionQuery } | IntrospectionQuery;
    schema = buildClientSchema("data" in json ? json.data : json);
  }
  return schema;
}

/** Validation errors of one document, deprecated fields and arguments included. */
export function validateAdminDocument(source: string): string[] {
  const document = parse(source);
  return validate(adminSchema(), document, [...specifiedRules, NoDeprecatedCustomRule]).map((e) => e.message);
}

export interface FoundDocument {
  file: string;
  /** The exported constant. */
  name: string;
  /** The text the app sends: interpolated fragments included. */
  source: string;
}

export interface GraphqlDocuments {
  /** Documents with an operation: each is what one call sends, and must be valid as it is. */
  operations: FoundDocument[];
  /** Documents of fragments only: valid inside the operations that interpolate them. */
  fragments: FoundDocument[];
  /** Files whose `#graphql` literals are not all exported documents (so some were not checked). */
  unexported: string[];
}

/**
 * Every `#graphql` document in app/: the exported string constants of each file that has such a
 * template literal, read from the loaded module so that interpolated fragments are resolved as the
 * app resolves them.
 */
export async function findGraphqlDocuments(root = "app"): Promise<GraphqlDocuments> {
  const found: GraphqlDocuments = { operations: [], fragments: [], unexported: [] };
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) {
        if (entry !== "generated") walk(full);
      } else if (/\.(ts|tsx)$/.test(entry) && !entry.endsWith(".test.ts")) {
        files.push(full);
      }
    }
  };
  walk(root);
  for (const file of files) {
    const literals = readFileSync(file, "utf8").match(/`#graphql/g)?.length ?? 0;
    if (literals === 0) continue;
    const module = (await import(path.resolve(file))) as Record<string, unknown>;
    let exported = 0;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value !== "string" || !value.startsWith("#graphql")) continue;
      exported++;
      const hasOperation = parse(value).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION);
      (hasOperation ? found.operations : found.fragments).push({ file, name, source: value });
    }
    if (exported !== literals) found.unexported.push(file);
  }
  return found;
}
