/**
 * Prints the storefront tracker's size as one JSON line and fails when it outgrows its budget:
 * the script ships to every storefront page of every shop, so the budget is a hard gate.
 *   npx tsx scripts/tracker-size.ts
 *   {"asset":"tracker.js","bytes":N,"gzip_bytes":N}
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const TRACKER_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../extensions/churn-radar-tracker/assets/tracker.js",
);
export const TRACKER_GZIP_BUDGET_BYTES = 5 * 1024;

export function trackerSize(file: string = TRACKER_PATH) {
  const source = readFileSync(file);
  return { asset: path.basename(file), bytes: source.length, gzip_bytes: gzipSync(source).length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const size = trackerSize();
  console.log(JSON.stringify(size));
  if (size.gzip_bytes > TRACKER_GZIP_BUDGET_BYTES) {
    console.error(`tracker.js is ${size.gzip_bytes} bytes gzipped; the budget is ${TRACKER_GZIP_BUDGET_BYTES}`);
    process.exit(1);
  }
}
