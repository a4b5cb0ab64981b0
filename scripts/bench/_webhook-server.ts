// The server half of `npm run bench -- webhooks`, run as its own process: a node:http server on
// 127.0.0.1 that turns each request into a Fetch Request and hands it either to the built Remix
// app (build/server/index.js through @remix-run/node's createRequestHandler, with --build) or
// straight to the webhook route actions (the default, so the bench never runs stale code).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";

type Handler = (request: Request) => Promise<Response>;

async function routeHandler(): Promise<Handler> {
  const { action } = await import("../../app/routes/webhooks.orders.create");
  return async (request) => {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/webhooks/orders/create") {
      return new Response("Not Found", { status: 404 });
    }
    return (await action({ request, params: {}, context: {} })) as Response;
  };
}

async function buildHandler(): Promise<Handler> {
  const { createRequestHandler } = await import("@remix-run/node");
  const build = await import(pathToFileURL(path.resolve("build/server/index.js")).href);
  const handle = createRequestHandler(build, "production");
  return (request) => handle(request);
}

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    duplex: hasBody ? "half" : undefined,
  } as RequestInit);
}

async function send(res: ServerResponse, response: Response) {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.end(response.body ? Buffer.from(await response.arrayBuffer()) : undefined);
}

const handler = process.argv.includes("--build") ? await buildHandler() : await routeHandler();
const server = createServer((req, res) => {
  handler(toRequest(req, "https://churn-radar.bench"))
    .then((response) => send(res, response))
    .catch((error: unknown) => {
      console.error(error);
      res.statusCode = 500;
      res.end();
    });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
