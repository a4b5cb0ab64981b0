import { z } from "zod";

import { unauthenticated } from "../../shopify.server";
import {
  DEFAULT_POLICY,
  ShopifyAdminClient,
  ShopifyUserErrors,
  ThrottleStatus,
  UserErrorSchema,
  type ClientPolicy,
  type UserError,
} from "./admin-client.server";
import { METAFIELD_DEFINITION_CREATE } from "./graphql/metafield-definition-create";
import { METAFIELDS_SET } from "./graphql/metafields-set";
import type { AdminGraphql } from "./shop.server";

// The typed client for the app's customer metafields. Requests go through ShopifyAdminClient
// (its retry policy: THROTTLED waits and retries, 5xx backs off, ...); this client adds pacing
// for long write loops: it reads `extensions.cost` of every answer and, when the shop's bucket
// holds fewer points than the next call will request, sleeps until it has refilled enough, so
// a sync of thousands of customers does not run into THROTTLED at every other call.

/** The app-reserved namespace: only this app writes it; Shopify resolves `$app` to app--<id>. */
export const SCORE_METAFIELD_NAMESPACE = "$app:churn_radar";
export const SCORE_METAFIELD_KEYS = { score: "risk_score", level: "risk_level", tier: "tier" } as const;
/** metafieldsSet takes at most 25 metafields per call (MetafieldsSetInput list maximum). */
export const MAX_METAFIELDS_PER_SET = 25;
export const RISK_LEVELS = ["low", "medium", "high"] as const;

export interface MetafieldDefinitionInput {
  name: string;
  description: string;
  namespace: string;
  key: string;
  type: string;
  ownerType: "CUSTOMER";
  validations?: { name: string; value: string }[];
  access?: {
    admin?: "MERCHANT_READ" | "MERCHANT_READ_WRITE";
    storefront?: "NONE" | "PUBLIC_READ";
    customerAccount?: "NONE" | "READ" | "READ_WRITE";
  };
  capabilities?: { adminFilterable?: { enabled: boolean } };
}

// Merchants (and through them segments, Flow and Shopify Email) read the values; only the app
// writes them. Neither storefront nor the customer's own account sees a churn score.
const ACCESS = { admin: "MERCHANT_READ", storefront: "NONE", customerAccount: "NONE" } as const;
const FILTERABLE = { adminFilterable: { enabled: true } };

export const SCORE_METAFIELD_DEFINITIONS: readonly MetafieldDefinitionInput[] = [
  {
    name: "Churn risk score",
    description: "Churn Radar's risk that this customer stops buying, from 0 (none) to 100 (almost certain).",
    namespace: SCORE_METAFIELD_NAMESPACE,
    key: SCORE_METAFIELD_KEYS.score,
    type: "number_integer",
    ownerType: "CUSTOMER",
    validations: [
      { name: "min", value: "0" },
      { name: "max", value: "100" },
    ],
    access: ACCESS,
    capabilities: FILTERABLE,
  },
  {
    name: "Churn risk level",
    description: "Churn Radar's risk level for this customer: low, medium or high.",
    namespace: SCORE_METAFIELD_NAMESPACE,
    key: SCORE_METAFIELD_KEYS.level,
    type: "single_line_text_field",
    ownerType: "CUSTOMER",
    validations: [{ name: "choices", value: JSON.stringify(RISK_LEVELS) }],
    access: ACCESS,
    capabilities: FILTERABLE,
  },
  {
    name: "Customer value tier",
    description: "Churn Radar's value tier for this customer (for example VIP, active, regular, prospect).",
    namespace: SCORE_METAFIELD_NAMESPACE,
    key: SCORE_METAFIELD_KEYS.tier,
    type: "single_line_text_field",
    ownerType: "CUSTOMER",
    access: ACCESS,
    capabilities: FILTERABLE,
  },
];

export interface MetafieldInput {
  ownerId: string;
  namespace: string;
  key: string;
  type: string;
  value: string;
}

export interface MetafieldsSetError extends UserError {
  /** Which input of the call failed, from elementIndex or field ["metafields", "<i>", ...]. */
  index: number | null;
}

const DefinitionCreateData = z.object({
  metafieldDefinitionCreate: z.object({
    createdDefinition: z.object({ id: z.string(), namespace: z.string(), key: z.string() }).nullish(),
    userErrors: z.array(UserErrorSchema),
  }),
});
const MetafieldsSetData = z.object({
  metafieldsSet: z.object({
    userErrors: z.array(UserErrorSchema.extend({ elementIndex: z.number().int().nullish() })),
  }),
});
const Observed = z.object({
  errors: z
    .union([
      z.array(z.object({ extensions: z.object({ code: z.string().optional() }).loose().nullish() }).loose()),
      z
        .object({
          graphQLErrors: z
            .array(z.object({ extensions: z.object({ code: z.string().optional() }).loose().nullish() }).loose())
            .optional(),
        })
        .loose(),
    ])
    .nullish(),
  extensions: z
    .object({
      cost: z
        .object({ requestedQueryCost: z.number().nullish(), throttleStatus: ThrottleStatus.nullish() })
        .loose()
        .nullish(),
    })
    .loose()
    .nullish(),
});

/** Points a mutation requests when Shopify has not told us yet. */
const DEFAULT_MUTATION_COST = 10;

export class ScoreMetafieldsClient {
  private readonly client: ShopifyAdminClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWaitMs: number;
  private bucket: z.infer<typeof ThrottleStatus> | null = null;
  private readonly costs = new Map<string, number>();
  private lastOperation = "";
  private waits = 0;

  constructor(
    readonly shop: string,
    admin: AdminGraphql,
    policy: Partial<ClientPolicy> = {},
  ) {
    this.sleep = policy.sleep ?? DEFAULT_POLICY.sleep;
    this.maxWaitMs = policy.maxWaitMs ?? DEFAULT_POLICY.maxWaitMs;
    const observed: AdminGraphql = {
      graphql: async (query, options) => {
        try {
          const response = await admin.graphql(query, options);
          this.observe(
            await response
              .clone()
              .json()
              .catch(() => null),
          );
          return response;
        } catch (error) {
          // The library throws on GraphQL errors (THROTTLED among them) with the body attached.
          if (error && typeof error === "object" && "body" in error) this.observe(error.body);
          throw error;
        }
      },
    };
    this.client = new ShopifyAdminClient(shop, observed, policy);
  }

  /** Waits so far: before a call the bucket could not pay for, and THROTTLED answers retried. */
  get throttledWaits(): number {
    return this.waits;
  }

  /**
   * Creates one definition. Resolves "created" or "exists" (TAKEN: installed before); other
   * userErrors throw ShopifyUserErrors. When Shopify refuses the admin-filter capability (a
   * per-shop limit), the definition is created without it: the values matter more than the filter.
   */
  async createDefinition(definition: MetafieldDefinitionInput): Promise<"created" | "exists"> {
    const create = async (input: MetafieldDefinitionInput) => {
      await this.pace("MetafieldDefinitionCreate");
      const data = await this.client.request(
        "MetafieldDefinitionCreate",
        METAFIELD_DEFINITION_CREATE,
        { definition: input },
        DefinitionCreateData,
      );
      return data.metafieldDefinitionCreate.userErrors;
    };
    let userErrors = await create(definition);
    const capabilityRefused = (codes: UserError[]) =>
      codes.some(
        (e) => e.code === "OWNER_TYPE_LIMIT_EXCEEDED_FOR_USE_AS_ADMIN_FILTERS" || e.code === "INVALID_CAPABILITY",
      );
    if (definition.capabilities && capabilityRefused(userErrors)) {
      const { capabilities: _dropped, ...withoutCapabilities } = definition;
      userErrors = await create(withoutCapabilities);
    }
    if (userErrors.length === 0) return "created";
    if (userErrors.every((e) => e.code === "TAKEN")) return "exists";
    throw new ShopifyUserErrors("MetafieldDefinitionCreate", userErrors);
  }

  /** Sets up to 25 metafields atomically; returns the userErrors (none: all were saved). */
  async setMetafields(metafields: MetafieldInput[]): Promise<MetafieldsSetError[]> {
    if (metafields.length === 0) return [];
    if (metafields.length > MAX_METAFIELDS_PER_SET) {
      throw new RangeError(
        `metafieldsSet takes at most ${MAX_METAFIELDS_PER_SET} metafields, got ${metafields.length}`,
      );
    }
    await this.pace("MetafieldsSet");
    const data = await this.client.request("MetafieldsSet", METAFIELDS_SET, { metafields }, MetafieldsSetData);
    return data.metafieldsSet.userErrors.map((e) => ({
      code: e.code,
      field: e.field,
      message: e.message,
      index: e.elementIndex ?? indexFromField(e.field),
    }));
  }

  /** Before a call: wait until the bucket, as Shopify last reported it, can pay for it. */
  private async pace(operation: string): Promise<void> {
    this.lastOperation = operation;
    const bucket = this.bucket;
    if (!bucket) return;
    const cost = this.costs.get(operation) ?? DEFAULT_MUTATION_COST;
    if (bucket.currentlyAvailable >= cost) return;
    const waitMs = Math.min(
      this.maxWaitMs,
      Math.ceil(((cost - bucket.currentlyAvailable) / bucket.restoreRate) * 1000),
    );
    this.waits++;
    await this.sleep(waitMs);
    // Refilled while we slept: enough for this call (and no double wait if it is refused anyway).
    this.bucket = { ...bucket, currentlyAvailable: cost };
  }

  private observe(body: unknown): void {
    const parsed = Observed.safeParse(body);
    if (!parsed.success) return;
    const cost = parsed.data.extensions?.cost;
    if (cost?.throttleStatus) this.bucket = cost.throttleStatus;
    if (typeof cost?.requestedQueryCost === "number" && this.lastOperation) {
      this.costs.set(this.lastOperation, cost.requestedQueryCost);
    }
    const errors = parsed.data.errors;
    const list = Array.isArray(errors) ? errors : (errors?.graphQLErrors ?? []);
    // ShopifyAdminClient waits and retries a THROTTLED answer.
    if (list.some((e) => e.extensions?.code === "THROTTLED")) this.waits++;
  }
}

function indexFromField(field: string[] | null): number | null {
  if (!field || field[0] !== "metafields" || field.length < 2) return null;
  const index = Number(field[1]);
  return Number.isInteger(index) && index >= 0 ? index : null;
}

/** A userError about the owner itself: the customer no longer exists in Shopify. */
export function isMissingOwner(error: MetafieldsSetError): boolean {
  return error.field !== null && error.field[error.field.length - 1] === "ownerId";
}

/** The metafields client of a shop, with its offline session (the app must be installed). */
export async function scoreMetafieldsClientFor(
  shop: string,
  policy: Partial<ClientPolicy> = {},
): Promise<ScoreMetafieldsClient> {
  const { admin } = await unauthenticated.admin(shop);
  return new ScoreMetafieldsClient(shop, admin, policy);
}
