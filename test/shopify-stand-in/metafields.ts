// The stand-in's metafields: metafieldDefinitionCreate and metafieldsSet answered the way the
// Admin API answers them. `$app` namespaces resolve to the app's reserved namespace, a second
// definition with the same owner type, namespace and key is TAKEN, metafieldsSet validates each
// input (owner exists, type matches the definition, value fits the type and its validations)
// and is atomic: one userError and nothing of the call is saved. Every call is recorded.

/** The app id Shopify would put in `app--<id>` namespaces. */
export const STAND_IN_APP_ID = "7306153";
export const APP_NAMESPACE = `app--${STAND_IN_APP_ID}`;

export interface StandInMetafieldDefinition {
  id: string;
  name: string;
  description: string | null;
  namespace: string;
  key: string;
  ownerType: string;
  type: { name: string };
  validations: { name: string; value: string }[];
  access: { admin: string | null; storefront: string; customerAccount: string };
  capabilities: { adminFilterable: { enabled: boolean } };
}

export interface StandInMetafield {
  id: string;
  ownerId: string;
  namespace: string;
  key: string;
  type: string;
  value: string;
  updatedAt: string;
}

export interface MetafieldsSetCall {
  /** The inputs, namespaces resolved. */
  metafields: { ownerId: string; namespace: string; key: string; type: string | null; value: string }[];
  saved: boolean;
}

export interface MetafieldStore {
  definitions: StandInMetafieldDefinition[];
  /** Saved metafields by `${ownerId} ${namespace}.${key}`. */
  metafields: Map<string, StandInMetafield>;
  setCalls: MetafieldsSetCall[];
  /** Customer ids (gid) that exist in the shop besides those of the shop's records. */
  customerIds: Set<string>;
}

export function emptyMetafieldStore(): MetafieldStore {
  return { definitions: [], metafields: new Map(), setCalls: [], customerIds: new Set() };
}

export const metafieldKey = (ownerId: string, namespace: string, key: string) => `${ownerId} ${namespace}.${key}`;

interface UserError {
  field: string[];
  message: string;
  code: string;
  elementIndex?: number | null;
}

const TYPES = new Set([
  "boolean",
  "date",
  "date_time",
  "json",
  "multi_line_text_field",
  "number_decimal",
  "number_integer",
  "single_line_text_field",
]);
const VALIDATION_NAMES: Record<string, string[]> = {
  number_integer: ["min", "max"],
  number_decimal: ["min", "max", "max_precision"],
  single_line_text_field: ["min", "max", "regex", "choices"],
  multi_line_text_field: ["min", "max", "regex"],
};
const IDENTIFIER = /^[A-Za-z0-9_-]+$/;
let definitionSerial = 5000;
let metafieldSerial = 80000;

/** `$app` / `$app:x` / omitted -> the app's reserved namespace, as Shopify resolves them. */
export function resolveNamespace(namespace: unknown): string {
  if (namespace === undefined || namespace === null || namespace === "$app") return APP_NAMESPACE;
  if (typeof namespace !== "string") return "";
  if (namespace.startsWith("$app:")) return `${APP_NAMESPACE}--${namespace.slice("$app:".length)}`;
  return namespace;
}

const OWNER_GID: Record<string, RegExp> = { CUSTOMER: /^gid:\/\/shopify\/Customer\/\d+$/ };

export function metafieldDefinitionCreate(store: MetafieldStore, input: Record<string, unknown>) {
  const errors: UserError[] = [];
  const field = (...path: string[]) => ["definition", ...path];
  const namespace = resolveNamespace(input.namespace);
  const key = typeof input.key === "string" ? input.key : "";
  const ownerType = typeof input.ownerType === "string" ? input.ownerType : "";
  const type = typeof input.type === "string" ? input.type : "";
  const name = typeof input.name === "string" ? input.name : "";
  if (!name) errors.push({ field: field("name"), message: "Name can't be blank", code: "BLANK" });
  errors.push(...identifierErrors(key, 2, 64, field("key"), "Key"));
  errors.push(...identifierErrors(namespace, 3, 255, field("namespace"), "Namespace"));
  if (!TYPES.has(type))
    errors.push({ field: field("type"), message: "Type is not included in the list", code: "INCLUSION" });
  const validations = Array.isArray(input.validations) ? (input.validations as { name: string; value: string }[]) : [];
  const allowed = VALIDATION_NAMES[type] ?? [];
  validations.forEach((v, i) => {
    if (!allowed.includes(v.name)) {
      errors.push({
        field: field("validations", String(i), "name"),
        message: `Validation ${v.name} is not supported for ${type}`,
        code: "INVALID_OPTION",
      });
    } else if (v.name === "choices" && !isStringArray(parseJson(v.value))) {
      errors.push({
        field: field("validations", String(i), "value"),
        message: "Choices must be a list of text values",
        code: "INVALID_OPTION",
      });
    }
  });
  const access = (input.access ?? {}) as { admin?: string; storefront?: string; customerAccount?: string };
  const appOwned = namespace.startsWith(APP_NAMESPACE);
  if (access.admin && !appOwned) {
    errors.push({
      field: field("access", "admin"),
      message: "Admin access can only be specified on metafield definitions that have an app namespace.",
      code: "ADMIN_ACCESS_INPUT_NOT_ALLOWED",
    });
  }
  if (
    errors.length === 0 &&
    store.definitions.some((d) => d.ownerType === ownerType && d.namespace === namespace && d.key === key)
  ) {
    errors.push({
      field: field("key"),
      message: `Key is in use for ${ownerType.toLowerCase()} metafields on the '${namespace}' namespace.`,
      code: "TAKEN",
    });
  }
  if (errors.length > 0) return { metafieldDefinitionCreate: { createdDefinition: null, userErrors: errors } };

  const capabilities = (input.capabilities ?? {}) as { adminFilterable?: { enabled?: boolean } };
  const definition: StandInMetafieldDefinition = {
    id: `gid://shopify/MetafieldDefinition/${definitionSerial++}`,
    name,
    description: typeof input.description === "string" ? input.description : null,
    namespace,
    key,
    ownerType,
    type: { name: type },
    validations,
    access: {
      admin: appOwned ? (access.admin ?? "MERCHANT_READ_WRITE") : null,
      storefront: access.storefront ?? "NONE",
      customerAccount: access.customerAccount ?? "NONE",
    },
    capabilities: { adminFilterable: { enabled: capabilities.adminFilterable?.enabled === true } },
  };
  store.definitions.push(definition);
  return { metafieldDefinitionCreate: { createdDefinition: definition, userErrors: [] } };
}

export function metafieldsSet(
  store: MetafieldStore,
  inputs: Record<string, unknown>[],
  customerExists: (gid: string) => boolean,
  now: Date,
) {
  const errors: UserError[] = [];
  const resolved = inputs.map((input, i) => {
    const at = (name: string) => ["metafields", String(i), name];
    const ownerId = typeof input.ownerId === "string" ? input.ownerId : "";
    const namespace = resolveNamespace(input.namespace);
    const key = typeof input.key === "string" ? input.key : "";
    const value = typeof input.value === "string" ? input.value : "";
    const ownerType = Object.keys(OWNER_GID).find((t) => OWNER_GID[t].test(ownerId));
    if (!ownerType || !customerExists(ownerId)) {
      errors.push({ field: at("ownerId"), message: "Owner does not exist.", code: "INVALID", elementIndex: null });
    }
    errors.push(...identifierErrors(key, 2, 64, at("key"), "Key"));
    errors.push(...identifierErrors(namespace, 3, 255, at("namespace"), "Namespace"));
    const definition = store.definitions.find(
      (d) => d.ownerType === (ownerType ?? "CUSTOMER") && d.namespace === namespace && d.key === key,
    );
    const sentType = typeof input.type === "string" ? input.type : null;
    const type = sentType ?? definition?.type.name ?? null;
    if (!type) {
      errors.push({ field: at("type"), message: "Type can't be blank", code: "BLANK", elementIndex: null });
    } else if (!TYPES.has(type) || (definition && definition.type.name !== type)) {
      errors.push({
        field: at("type"),
        message: "Type is invalid for this metafield",
        code: "INVALID_TYPE",
        elementIndex: null,
      });
    } else {
      const problem = valueProblem(type, value, definition?.validations ?? []);
      if (problem) errors.push({ field: at("value"), message: problem, code: "INVALID_VALUE", elementIndex: null });
    }
    return { ownerId, namespace, key, type: sentType, value, storedType: type ?? "" };
  });

  const saved = errors.length === 0;
  store.setCalls.push({
    metafields: resolved.map(({ ownerId, namespace, key, type, value }) => ({ ownerId, namespace, key, type, value })),
    saved,
  });
  // Atomic: any error and nothing of the call is saved.
  if (!saved) return { metafieldsSet: { metafields: null, userErrors: errors } };

  const metafields = resolved.map((m) => {
    const id = metafieldKey(m.ownerId, m.namespace, m.key);
    const existing = store.metafields.get(id);
    const stored: StandInMetafield = {
      id: existing?.id ?? `gid://shopify/Metafield/${metafieldSerial++}`,
      ownerId: m.ownerId,
      namespace: m.namespace,
      key: m.key,
      type: m.storedType,
      value: m.value,
      updatedAt: now.toISOString(),
    };
    store.metafields.set(id, stored);
    return stored;
  });
  return { metafieldsSet: { metafields, userErrors: [] } };
}

function identifierErrors(value: string, min: number, max: number, field: string[], label: string): UserError[] {
  if (value.length < min)
    return [{ field, message: `${label} is too short (minimum is ${min} characters)`, code: "TOO_SHORT" }];
  if (value.length > max)
    return [{ field, message: `${label} is too long (maximum is ${max} characters)`, code: "TOO_LONG" }];
  if (!IDENTIFIER.test(value)) return [{ field, message: `${label} contains an invalid character`, code: "INVALID" }];
  return [];
}

function valueProblem(type: string, value: string, validations: { name: string; value: string }[]): string | null {
  const rule = (name: string) => validations.find((v) => v.name === name)?.value;
  if (type === "number_integer") {
    if (!/^-?\d+$/.test(value)) return "Value must be an integer.";
    const n = BigInt(value);
    const min = rule("min");
    const max = rule("max");
    if (min !== undefined && n < BigInt(min)) return `Value must be greater than or equal to ${min}.`;
    if (max !== undefined && n > BigInt(max)) return `Value must be less than or equal to ${max}.`;
    return null;
  }
  if (type === "single_line_text_field") {
    if (/[\r\n]/.test(value)) return "Value must be a single line of text.";
    const choices = rule("choices");
    if (choices !== undefined) {
      const list = parseJson(choices);
      if (isStringArray(list) && !list.includes(value)) return `Value does not exist in provided choices: ${choices}.`;
    }
    return null;
  }
  if (type === "boolean" && value !== "true" && value !== "false") return "Value must be true or false.";
  return null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
