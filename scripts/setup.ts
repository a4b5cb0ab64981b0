// `npm run setup`: after `npm install`, prepares the database DATABASE_URL names (default: the
// embedded SQLite file data/churn-radar.sqlite) and builds the app.
import { spawnSync } from "node:child_process";

import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from "../app/lib/database-url";
import { prepareDatabase } from "./lib/prisma-cli";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`Node ${process.versions.node} is too old: Churn Radar needs Node >= 22.12 (24 LTS recommended).`);
  console.error("No Node 24 at hand? `source scripts/node24.sh` fetches it from the npm registry.");
  process.exit(1);
}

const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const { provider } = parseDatabaseUrl(databaseUrl);
console.log(`setup: preparing the ${provider} database`);
await prepareDatabase(databaseUrl);

if (!process.argv.includes("--no-build")) {
  console.log("setup: building the app");
  const build = spawnSync("remix", ["build"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
console.log("setup: done");
