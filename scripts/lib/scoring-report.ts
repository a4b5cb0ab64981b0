// The text summary of a shop's scores that `npm run score` and `npm run demo` print.
import { scoreDistribution, riskiestCustomers } from "../../app/models/customer-score.server";
import { countAlerts } from "../../app/models/alert.server";
import type { ScoreShopResult } from "../../app/services/scoring.server";

const TIERS = ["VIP", "active", "regular", "prospect"];
const LEVELS = ["high", "medium", "low"];

function percent(part: number, total: number): string {
  return total === 0 ? "0.0%" : `${((100 * part) / total).toFixed(1)}%`;
}

export async function printScoringReport(shop: string, result: ScoreShopResult, seconds: number): Promise<void> {
  const distribution = await scoreDistribution(shop);
  const alerts = await countAlerts(shop);
  console.log(`
Scoring ${shop} (${result.key ?? "no run"}: ${result.status})
  customers scored       ${result.scored.toLocaleString("en")} (${result.changed.toLocaleString("en")} scores changed) in ${seconds.toFixed(1)} s
  alerts                 ${result.alertsOpened} opened, ${result.alertsResolved} auto-resolved this run; ${
    Object.entries(alerts)
      .map(([state, n]) => `${n} ${state}`)
      .join(", ") || "none"
  } in all

Tiers:`);
  for (const tier of TIERS) {
    const n = distribution.tiers[tier] ?? 0;
    console.log(`  ${tier.padEnd(10)} ${String(n).padStart(8)}  ${percent(n, distribution.total).padStart(6)}`);
  }
  console.log("Risk levels:");
  for (const level of LEVELS) {
    const n = distribution.levels[level] ?? 0;
    console.log(`  ${level.padEnd(10)} ${String(n).padStart(8)}  ${percent(n, distribution.total).padStart(6)}`);
  }
  console.log("The ten riskiest customers:");
  for (const score of await riskiestCustomers(shop, 10)) {
    // The reasons that raise this customer's risk, strongest first (as the e-mails show them).
    const reasons = (JSON.parse(score.reasons) as { text: string; contribution: number }[])
      .filter((reason) => reason.contribution > 0)
      .sort((a, b) => b.contribution - a.contribution)
      .map((reason) => reason.text)
      .join("; ");
    console.log(
      `  #${score.customerShopifyId.padEnd(8)} risk ${String(score.score).padStart(3)} (${score.level}, ${score.tier}, ${score.lifecycle}): ${reasons || "no purchase history"}`,
    );
  }
}
