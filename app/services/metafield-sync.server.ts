import {
  isMissingOwner,
  MAX_METAFIELDS_PER_SET,
  SCORE_METAFIELD_DEFINITIONS,
  SCORE_METAFIELD_KEYS,
  SCORE_METAFIELD_NAMESPACE,
  scoreMetafieldsClientFor,
  ScoreMetafieldsClient,
  type MetafieldInput,
  type MetafieldsSetError,
} from "../integrations/shopify/metafields.server";
import { ShopifyUserErrors } from "../integrations/shopify/admin-client.server";
import type { AdminGraphql } from "../integrations/shopify/shop.server";
import { logger } from "../lib/logger.server";
import { markScoresSynced, pendingScoreSyncs, type PendingScoreSync } from "../models/score-sync.server";
import { getShopSettings, isShopInstalled } from "../models/shop.server";

// Each customer's churn risk score, level and tier, copied to app-owned customer metafields so
// that Shopify's own tools (segments, Flow, Shopify Email) can use them. Only scores that changed
// since they were last written are sent, 8 customers (24 metafields) per metafieldsSet call, at
// the pace the shop's API bucket allows. Safe to run at any time and any number of times.

export const METAFIELD_SYNC_JOB = "metafields.sync";
const FIELDS_PER_CUSTOMER = 3;
const MAX_CUSTOMERS_PER_CALL = Math.floor(MAX_METAFIELDS_PER_SET / FIELDS_PER_CUSTOMER);

export interface MetafieldSyncOptions {
  /** The shop's metafields client (default: one with the shop's offline session). */
  admin?: ScoreMetafieldsClient;
  /** The time recorded as metafieldsSyncedAt (default: now). */
  now?: Date;
  /** Customers per metafieldsSet call, at most 8 (the default). */
  batchSize?: number;
  /** Stop after this many batches (the rest waits for the next run). Default: no limit. */
  maxBatches?: number;
}

export interface MetafieldSyncResult {
  /** Customers whose three metafields were written. */
  written: number;
  /** Batches of customers sent (one metafieldsSet call each, more when a batch had userErrors). */
  batches: number;
  /** Waits for the API bucket to refill, before a call or after a THROTTLED answer. */
  throttledWaits: number;
  /** False when maxBatches stopped the run with changed scores still to write. */
  done: boolean;
}

export async function syncScoreMetafields(
  shop: string,
  options: MetafieldSyncOptions = {},
): Promise<MetafieldSyncResult> {
  const result: MetafieldSyncResult = { written: 0, batches: 0, throttledWaits: 0, done: true };
  const settings = await getShopSettings(shop);
  if (!settings.metafieldSync.enabled || !(await isShopInstalled(shop))) return result;

  const log = logger.child({ shop, job: METAFIELD_SYNC_JOB });
  const perCall = Math.max(
    1,
    Math.min(MAX_CUSTOMERS_PER_CALL, Math.floor(options.batchSize ?? MAX_CUSTOMERS_PER_CALL)),
  );
  const maxBatches = options.maxBatches ?? Infinity;
  let client = options.admin ?? null;
  // A caller's client may have waited before this run: count only this run's waits.
  const waitsBefore = client?.throttledWaits ?? 0;
  let after: string | null = null;
  let gone = 0;
  let failed = 0;

  for (;;) {
    const rows = await pendingScoreSyncs(shop, after, perCall);
    if (rows.length === 0) break;
    if (result.batches >= maxBatches) {
      result.done = false;
      break;
    }
    after = rows[rows.length - 1].customerShopifyId;
    client ??= await scoreMetafieldsClientFor(shop);
    const outcome = await writeBatch(client, rows, options.now ?? new Date(), log);
    result.batches++;
    result.written += outcome.written;
    gone += outcome.gone;
    failed += outcome.failed;
  }

  result.throttledWaits = (client?.throttledWaits ?? 0) - waitsBefore;
  log.info({ ...result, gone, failed }, "score metafields synced");
  return result;
}

interface BatchOutcome {
  written: number;
  gone: number;
  failed: number;
}

/**
 * One batch. metafieldsSet is atomic, so a userError on one customer saves none of the batch:
 * the customers with errors are taken out and the rest sent again. A customer Shopify no longer
 * has is marked synced (nothing to write, ever); any other error leaves the score pending, to be
 * tried again on the next run.
 */
async function writeBatch(
  client: ScoreMetafieldsClient,
  rows: PendingScoreSync[],
  now: Date,
  log: typeof logger,
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { written: 0, gone: 0, failed: 0 };
  let pending = rows;
  while (pending.length > 0) {
    const inputs = pending.flatMap(metafieldsFor);
    const errors = await client.setMetafields(inputs);
    if (errors.length === 0) {
      await markScoresSynced(client.shop, pending, now);
      outcome.written += pending.length;
      return outcome;
    }
    const owners = errorsByCustomer(errors, pending.length);
    if (!owners) {
      // Errors that name no input: nothing can be singled out, the whole batch waits.
      log.warn({ codes: codesOf(errors), customers: pending.length }, "metafieldsSet refused a batch");
      outcome.failed += pending.length;
      return outcome;
    }
    const missing: PendingScoreSync[] = [];
    for (const [position, customerErrors] of owners) {
      const row = pending[position];
      if (customerErrors.some(isMissingOwner)) {
        missing.push(row);
      } else {
        outcome.failed++;
        log.warn(
          { customerShopifyId: row.customerShopifyId, codes: codesOf(customerErrors) },
          "customer metafields refused; will retry on the next run",
        );
      }
    }
    if (missing.length > 0) {
      await markScoresSynced(client.shop, missing, now);
      outcome.gone += missing.length;
      log.info({ customers: missing.map((r) => r.customerShopifyId) }, "customers no longer in Shopify; not retried");
    }
    pending = pending.filter((_, position) => !owners.has(position));
  }
  return outcome;
}

function metafieldsFor(row: PendingScoreSync): MetafieldInput[] {
  const ownerId = `gid://shopify/Customer/${row.customerShopifyId}`;
  const namespace = SCORE_METAFIELD_NAMESPACE;
  return [
    { ownerId, namespace, key: SCORE_METAFIELD_KEYS.score, type: "number_integer", value: String(row.score) },
    { ownerId, namespace, key: SCORE_METAFIELD_KEYS.level, type: "single_line_text_field", value: row.level },
    { ownerId, namespace, key: SCORE_METAFIELD_KEYS.tier, type: "single_line_text_field", value: row.tier },
  ];
}

/** userErrors grouped by the customer (position in the batch) whose input they name; null if any names none. */
function errorsByCustomer(errors: MetafieldsSetError[], customers: number): Map<number, MetafieldsSetError[]> | null {
  const byCustomer = new Map<number, MetafieldsSetError[]>();
  for (const error of errors) {
    if (error.index === null) return null;
    const position = Math.floor(error.index / FIELDS_PER_CUSTOMER);
    if (position >= customers) return null;
    byCustomer.set(position, [...(byCustomer.get(position) ?? []), error]);
  }
  return byCustomer;
}

// Codes only: a message can quote the value that was sent.
function codesOf(errors: MetafieldsSetError[]): string[] {
  return [...new Set(errors.map((e) => e.code ?? "UNKNOWN"))];
}

export interface DefinitionsOutcome {
  created: string[];
  existing: string[];
  failed: { key: string; codes: string[] }[];
}

/**
 * Install: the customer metafield definitions (score, level, tier), so that merchants see the
 * values and can filter segments by them. Safe to repeat: an existing definition is kept.
 */
export async function ensureScoreMetafieldDefinitions(
  shop: string,
  admin: AdminGraphql | ScoreMetafieldsClient,
): Promise<DefinitionsOutcome> {
  const client = admin instanceof ScoreMetafieldsClient ? admin : new ScoreMetafieldsClient(shop, admin);
  const outcome: DefinitionsOutcome = { created: [], existing: [], failed: [] };
  for (const definition of SCORE_METAFIELD_DEFINITIONS) {
    try {
      const result = await client.createDefinition(definition);
      (result === "created" ? outcome.created : outcome.existing).push(definition.key);
    } catch (error) {
      if (!(error instanceof ShopifyUserErrors)) throw error;
      outcome.failed.push({ key: definition.key, codes: error.userErrors.map((e) => e.code ?? "UNKNOWN") });
    }
  }
  const log = logger.child({ shop, job: METAFIELD_SYNC_JOB });
  if (outcome.failed.length > 0) log.warn({ failed: outcome.failed }, "metafield definitions refused");
  else log.info({ created: outcome.created, existing: outcome.existing }, "metafield definitions ready");
  return outcome;
}
