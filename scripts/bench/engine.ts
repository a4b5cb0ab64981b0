/**
 * `npm run bench -- engine [--customers 1000000] [--batch 1000] [--seed 42]`
 * Streams seeded synthetic customers through features -> tier -> lifecycle -> window -> risk ->
 * rules in batches, so memory is bounded by the batch, not the shop. Times the engine only (the
 * generator's time is reported separately on stderr). Last stdout line: the JSON result.
 */
import { parseArgs } from "node:util";

import { assessCustomer, compileRules, shopScoringContext } from "~/churn/assess";
import { dayFromIso } from "~/churn/dates";
import { PRIOR_RISK_MODEL } from "~/churn/risk/model";
import { seededRandom, syntheticCustomer } from "~/churn/synthetic";
import type { CustomerActivity } from "~/churn/types";
import { DEFAULT_CHURN_SETTINGS } from "~/churn/windows";

/** Customers drawn first to estimate the shop-wide cadence and RFM quintiles. */
const CALIBRATION_SAMPLE = 5000;

const RULES = [
  "tier = 'VIP' AND visits_7d < 2 AND days_since_last_order > 15 => high",
  "visits_wow_change <= -50% AND cart_adds_30d > 0 => medium",
  "lifecycle IN ('declining', 'mature') AND NOT (market IN ('US', 'CA')) AND recency_to_cadence > 1.5 => medium",
];

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      customers: { type: "string", default: "1000000" },
      batch: { type: "string", default: "1000" },
      seed: { type: "string", default: "42" },
    },
    strict: true,
  });
  const total = Number(values.customers);
  const batchSize = Number(values.batch);
  if (!(Number.isInteger(total) && total > 0 && Number.isInteger(batchSize) && batchSize > 0)) {
    throw new Error("--customers and --batch must be positive whole numbers");
  }
  const asOf = dayFromIso("2026-06-30");
  const random = seededRandom(Number(values.seed));

  // Shop-wide statistics come from a calibration sample, as a scoring job would take them: they
  // must not require the whole shop in memory.
  const sample = Array.from({ length: CALIBRATION_SAMPLE }, (_, i) => syntheticCustomer(random, -1 - i, asOf));
  const shop = shopScoringContext(sample, {
    asOf,
    settings: DEFAULT_CHURN_SETTINGS,
    model: PRIOR_RISK_MODEL,
    rules: compileRules(RULES.map((source, i) => ({ id: `rule-${i + 1}`, source }))),
  });

  const batch: CustomerActivity[] = new Array(batchSize);
  const levels = { low: 0, medium: 0, high: 0 };
  let engineMs = 0;
  let generatorMs = 0;
  const cpuAtStart = process.cpuUsage();
  for (let done = 0; done < total;) {
    const size = Math.min(batchSize, total - done);
    const generated = performance.now();
    for (let i = 0; i < size; i++) batch[i] = syntheticCustomer(random, done + i, asOf);
    const started = performance.now();
    generatorMs += started - generated;
    for (let i = 0; i < size; i++) levels[assessCustomer(batch[i], shop).level]++;
    engineMs += performance.now() - started;
    done += size;
  }
  const cpu = process.cpuUsage(cpuAtStart);
  // The kernel's high-water mark of resident memory over the whole run (KiB).
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.error(
    `bench engine: ${total} customers, engine ${Math.round(engineMs)} ms, generator ${Math.round(generatorMs)} ms, ` +
      `CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms for engine + generator (all threads, incl. GC), ` +
      `levels ${JSON.stringify(levels)}`,
  );
  console.log(
    JSON.stringify({
      bench: "engine",
      customers: total,
      customers_per_s: Math.round(total / (engineMs / 1000)),
      peak_rss_mb: Math.round(peakRss / 1024 / 1024),
    }),
  );
}
