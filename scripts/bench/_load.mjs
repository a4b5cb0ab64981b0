// The load half of `npm run bench -- webhooks`: plain Node (autocannon does not load under tsx),
// its own process. Reads precomputed signed deliveries (JSON lines of {webhookId, headers, body}),
// sends each once with autocannon, and prints {result, answered2xx: [webhookId...]} as JSON.
// Usage: node scripts/bench/_load.mjs <deliveries.jsonl> <port> <connections>
import { readFileSync } from "node:fs";

import autocannon from "autocannon";

const [file, port, connections] = process.argv.slice(2);
const planned = readFileSync(file, "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line));
const answered2xx = [];
let next = 0;
let firstSentAt = 0;
let lastAnswerAt = 0;

const result = await autocannon({
  url: `http://127.0.0.1:${port}`,
  connections: Number(connections),
  amount: planned.length,
  timeout: 10,
  requests: [
    {
      method: "POST",
      path: "/webhooks/orders/create",
      setupRequest: (request, context) => {
        if (next === 0) firstSentAt = performance.now();
        const delivery = planned[next++ % planned.length];
        context.webhookId = delivery.webhookId;
        return { ...request, headers: delivery.headers, body: delivery.body };
      },
      onResponse: (status, _body, context) => {
        lastAnswerAt = performance.now();
        if (status >= 200 && status < 300 && context.webhookId) answered2xx.push(context.webhookId);
      },
    },
  ],
});

process.stdout.write(
  JSON.stringify({
    // autocannon notices the last answer on its once-a-second tick, so its own duration is
    // rounded up to whole seconds: measure from the first request to the last answer instead.
    duration: lastAnswerAt > firstSentAt ? (lastAnswerAt - firstSentAt) / 1000 : result.duration,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    answered2xx,
  }) + "\n",
);
