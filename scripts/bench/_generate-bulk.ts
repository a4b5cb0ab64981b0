// Writes the backfill bench's bulk JSONL file in its own process, so that the import's peak RSS
// is the import's alone. Usage: tsx scripts/bench/_generate-bulk.ts <file> <customers> <ordersPerCustomer>
import { once } from "node:events";
import { createWriteStream } from "node:fs";

import { bulkJsonlLines, shopRecords } from "../../test/shopify-stand-in/dataset";

const [file, customers, ordersPerCustomer] = process.argv.slice(2);
const out = createWriteStream(file);
let lines = 0;
for (const line of bulkJsonlLines(
  shopRecords({ seed: 2026, customers: Number(customers), ordersPerCustomer: Number(ordersPerCustomer) }),
)) {
  lines++;
  if (!out.write(`${line}\n`)) await once(out, "drain");
}
out.end();
await once(out, "finish");
process.stdout.write(`${lines}\n`);
