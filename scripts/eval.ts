/**
 * `npm run eval -- --transactions FILE.csv --cutoff YYYY-MM-DD [--horizon-days 90] [--scores-out OUT.csv]`
 * `npm run eval -- --dataset online-retail`
 * Backtests the churn model (see app/churn/evaluation.ts); the last stdout line is the JSON result.
 * FILE.csv has `customer_id,date,amount` and optionally `country`, `items` (line items of the row)
 * and `orders` (orders the row stands for; 1 when absent): see loadTransactionsCsv.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";

import { dayFromIso } from "~/churn/dates";
import { evaluateChurn } from "~/churn/evaluation";
import { DEFAULT_HORIZON_DAYS } from "~/churn/risk/model";
import { loadOnlineRetailLedger, loadTransactionsCsv, TransactionFileError } from "~/services/churn-evaluation.server";

/** The task of data/online-retail/README.md. */
const ONLINE_RETAIL_TASK = { cutoff: "2011-09-09", horizonDays: 90 };

function fail(message: string): never {
  console.error(`eval: ${message}`);
  process.exit(2);
}

async function main() {
  const { values } = parseArgs({
    options: {
      transactions: { type: "string" },
      dataset: { type: "string" },
      cutoff: { type: "string" },
      "horizon-days": { type: "string" },
      "scores-out": { type: "string" },
    },
    strict: true,
  });
  let cutoffText = values.cutoff;
  let horizonDays = values["horizon-days"] === undefined ? DEFAULT_HORIZON_DAYS : Number(values["horizon-days"]);
  let ledger;
  if (values.dataset !== undefined) {
    if (values.dataset !== "online-retail")
      fail(`unknown dataset ${JSON.stringify(values.dataset)} (known: online-retail)`);
    cutoffText ??= ONLINE_RETAIL_TASK.cutoff;
    if (values["horizon-days"] === undefined) horizonDays = ONLINE_RETAIL_TASK.horizonDays;
    ledger = await loadOnlineRetailLedger();
  } else if (values.transactions !== undefined) {
    if (cutoffText === undefined) fail("--cutoff YYYY-MM-DD is required with --transactions");
    ledger = await loadTransactionsCsv(values.transactions);
  } else {
    fail("give --transactions FILE.csv --cutoff YYYY-MM-DD, or --dataset online-retail");
  }
  const cutoff = dayFromIso(cutoffText);
  if (!Number.isFinite(cutoff)) fail(`--cutoff must be a YYYY-MM-DD date, got ${JSON.stringify(cutoffText)}`);
  if (!Number.isInteger(horizonDays) || horizonDays <= 0)
    fail(`--horizon-days must be a positive whole number of days`);

  const started = performance.now();
  const evaluation = evaluateChurn(ledger.histories(), cutoff, horizonDays);
  console.error(
    `eval: scored ${evaluation.n} customers with the ${evaluation.model.kind} model ` +
      `(${evaluation.model.trainingRows} training rows) in ${Math.round(performance.now() - started)} ms`,
  );
  const scoresOut = values["scores-out"];
  if (scoresOut !== undefined) {
    const lines = evaluation.scores.map((s) => `${s.customerId},${s.churnProbability.toFixed(6)}`);
    await writeFile(scoresOut, ["customer_id,churn_probability", ...lines].join("\n") + "\n");
  }
  if (evaluation.result === null) {
    console.error("eval: the data ends before the horizon does, so there are no labels to measure against");
    return;
  }
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  console.log(JSON.stringify(evaluation.result, (_key, value) => (typeof value === "number" ? round(value) : value)));
}

await main().catch((error: unknown) => {
  // A bad file is the user's to fix: say which and why, without a stack trace.
  if (error instanceof TransactionFileError || (error as NodeJS.ErrnoException).code === "ENOENT") {
    fail((error as Error).message);
  }
  throw error;
});
