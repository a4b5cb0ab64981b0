// `npm run score -- --shop DOMAIN [--incremental] [--as-of YYYY-MM-DD]`: scores one shop now,
// through the same job the scheduler runs (scoring, notifications, metafield sync), and prints
// the tier and risk distribution with the ten riskiest customers.
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    shop: { type: "string" },
    incremental: { type: "boolean", default: false },
    "as-of": { type: "string" },
  },
});
if (!values.shop) {
  console.error("usage: npm run score -- --shop DOMAIN [--incremental] [--as-of YYYY-MM-DD]");
  process.exit(2);
}
process.env.LOG_LEVEL ??= "warn";

const { scoreShop } = await import("../app/services/scoring.server");
const { queueNotificationsAfterScoring } = await import("../app/services/scheduling.server");
const { deliverOutbox } = await import("../app/services/notifications.server");
const { getShop } = await import("../app/models/shop.server");
const { printScoringReport } = await import("./lib/scoring-report");
const { default: prisma } = await import("../app/db.server");

const shop = await getShop(values.shop);
if (!shop) {
  console.error(`score: no shop ${values.shop} in this database`);
  process.exit(1);
}
const now = values["as-of"] ? new Date(`${values["as-of"]}T12:00:00Z`) : new Date();
const started = performance.now();
const result = await scoreShop(values.shop, { kind: values.incremental ? "incremental" : "full", now });
const seconds = (performance.now() - started) / 1000;
if (result.status === "busy") {
  console.error(`score: ${values.shop} is being scored by another process; try again when it finishes`);
  process.exit(1);
}
const queued = await queueNotificationsAfterScoring(values.shop, result, shop.timezone, now);
const delivered = await deliverOutbox({ now });
await printScoringReport(values.shop, result, seconds);
console.log(
  `Notifications: ${queued} queued, ${delivered.sent} e-mailed now (SMTP_URL ${process.env.SMTP_URL ? "set" : "unset: kept in the inbox and outbox"})`,
);
await prisma.$disconnect();
