// `npm run demo [-- --no-serve]`: imports the real UCI Online Retail order log as a demo shop,
// through the same ingestion code that webhooks use, prints what it loaded, then (unless
// --no-serve) serves the app with a read-only demo page at http://localhost:3000/demo.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";

import { DEFAULT_DATABASE_URL } from "../app/lib/database-url";
import { prepareDatabase } from "./lib/prisma-cli";

const serve = !process.argv.includes("--no-serve");
const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
process.env.DATABASE_URL = databaseUrl;
process.env.LOG_LEVEL ??= "warn";

await prepareDatabase(databaseUrl);

// App modules read DATABASE_URL when first imported, so they are imported only now.
const { importOnlineRetailDemo, DEMO_SHOP } = await import("../app/services/demo-import.server");
const { getShopOverview } = await import("../app/services/shop-overview.server");
const { default: prisma } = await import("../app/db.server");

console.log("demo: importing data/online-retail/online_retail.csv.gz (UCI Online Retail, CC BY 4.0)");
const summary = await importOnlineRetailDemo();
const overview = await getShopOverview(DEMO_SHOP);

const gbp = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });
const totalRevenue = overview.revenueByCountry.reduce((sum, c) => sum + c.revenue, 0);
console.log(`
Demo shop ${summary.shop}
  rows read              ${summary.rowsRead.toLocaleString("en")}
  customers              ${overview.customers.toLocaleString("en")}
  orders                 ${overview.orders.toLocaleString("en")} (${summary.guestOrders.toLocaleString("en")} guest checkouts)
  revenue                ${gbp.format(totalRevenue)}
  skipped                ${summary.cancellationInvoicesSkipped.toLocaleString("en")} cancellation invoices, ${summary.adjustmentInvoicesSkipped.toLocaleString("en")} zero/negative adjustments
  rejected payloads      ${summary.rejected}${summary.rejectedReasons.map((r) => `\n    ${r}`).join("")}
  import time            ${summary.seconds} s

Revenue by country (top 10):`);
for (const c of overview.revenueByCountry.slice(0, 10)) {
  console.log(`  ${c.country.padEnd(8)} ${String(c.orders).padStart(6)} orders  ${gbp.format(c.revenue).padStart(16)}`);
}
console.log(`  (${overview.revenueByCountry.length} markets in all)`);

// Score the demo shop the way the scheduled job does, as of the day after its last order (the
// log ends on 2011-12-09): features, tiers, rules and risk for every customer, then alerts.
const { scoreShop } = await import("../app/services/scoring.server");
const { queueNotificationsAfterScoring } = await import("../app/services/scheduling.server");
const { printScoringReport } = await import("./lib/scoring-report");
const asOf = new Date("2011-12-10T12:00:00Z");
const scoringStarted = performance.now();
const scored = await scoreShop(DEMO_SHOP, { now: asOf });
const scoringSeconds = (performance.now() - scoringStarted) / 1000;
await queueNotificationsAfterScoring(DEMO_SHOP, scored, "Europe/London", asOf);
await printScoringReport(DEMO_SHOP, scored, scoringSeconds);
await prisma.$disconnect();

if (serve) {
  if (!existsSync("build/server/index.js")) {
    console.error("demo: no build found; run `npm run setup` first");
    process.exit(1);
  }
  const port = process.env.PORT ?? "3000";
  console.log(`\ndemo: serving the app; open http://localhost:${port}/demo (Ctrl-C stops it)`);
  // The demo server listens on loopback only and signs with a secret nobody knows: nothing but
  // the read-only /demo page is usable, and no one can forge webhooks or session tokens for it.
  const server = spawn("remix-serve", ["./build/server/index.js"], {
    stdio: "inherit",
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: port,
      CHURN_RADAR_DEMO: "1",
      SHOPIFY_API_KEY: "churn-radar-demo",
      SHOPIFY_API_SECRET: randomBytes(32).toString("hex"),
      SHOPIFY_APP_URL: `http://localhost:${port}`,
    },
  });
  server.on("exit", (code) => process.exit(code ?? 0));
}
