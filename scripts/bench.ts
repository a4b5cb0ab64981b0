// `npm run bench -- <name> [options]`: runs scripts/bench/<name>.ts, whose last stdout line is
// one JSON object with the measured figures.
import { readdirSync } from "node:fs";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const available = readdirSync(path.join(here, "bench"))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith("_"))
  .map((f) => f.replace(/\.ts$/, ""))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}> [options]`);
  process.exit(2);
}
const bench = (await import(`./bench/${name}.ts`)) as { run: (args: string[]) => Promise<void> };
await bench.run(args);
