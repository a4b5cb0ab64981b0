import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";

import {
  buildClientSchema,
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
  source: string;
}

/** Every template literal in app/ that starts with `#graphql`: the app's Admin API operations. */
export function findGraphqlDocuments(root = "app"): FoundDocument[] {
  const found: FoundDocument[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) {
        if (entry !== "generated") walk(full);
      } else if (/\.(ts|tsx)$/.test(entry) && !entry.endsWith(".test.ts")) {
        const text = readFileSync(full, "utf8");
        for (const match of text.matchAll(/`#graphql([^`]*)`/g)) found.push({ file: full, source: match[1] });
      }
    }
  };
  walk(root);
  return found;
}
