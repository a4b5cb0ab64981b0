// `npm run bench -- events [--db sqlite|postgres] [--seconds 20] [--connections 8] [--visitors 1000]
//   [--logged-in-every 3] [--warmup-seconds 3] [--keep]`
// Storefront events through the real server: builds the app if build/ is missing or older than
// app/, starts `remix-serve` (the production `npm start`) on 127.0.0.1 against a fresh database
// (a temp SQLite file, or a new PostgreSQL database on BENCH_POSTGRES_URL's server), and sends
// signed app proxy batches of 20 events from a SEPARATE load process (scripts/bench/_events-load.mjs:
// autocannon, closed loop over `--connections`). Every event id is new; 1000 browsers take turns,
// so each sends a batch every 5-10 s as the tracker does, and one in three is a logged-in
// customer (stitching, sessions and rollups are all exercised). The per-visitor rate limit is
// never hit at that pace. After a warm-up, it measures for `--seconds`, then counts the stored
// rows: `lost` is events the server answered as stored (200, body.stored) that are not in the
// database; `errors` is connection errors, timeouts and non-2xx answers.
// Prints the tracker's gzip size line, then as its last line
// {"bench":"events","db":"sqlite","events_per_s":N,"p99_ms":N,"errors":N,"lost":N}.
// On stderr, a `load:` line adds the status counts and the CPU time per batch of the server, of
// PostgreSQL's backends and of the load process, with the load average: on a shared machine the
// CPU per batch moves much less from run to run than the throughput does.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";

import {
  dropPostgresDatabase,
  ensureClientFor,
  prepareDatabase,
  recreatePostgresDatabase,
  withDatabaseName,
} from "../lib/prisma-cli";
import { trackerSize } from "../tracker-size";

const SHOP = "bench-events.myshopify.com";
const API_SECRET = "bench-api-secret";

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}
const numberOption = (args: string[], name: string, fallback: number) => Number(option(args, name, String(fallback)));

export async function run(args: string[]): Promise<void> {
  const db = option(args, "db", "sqlite");
  if (db !== "sqlite" && db !== "postgres") throw new Error("--db must be sqlite or postgres");
  const seconds = numberOption(args, "seconds", 20);
  const warmupSeconds = numberOption(args, "warmup-seconds", 3);
  const loadArgs = ["--connections", option(args, "connections", "8"), "--visitors", option(args, "visitors", "1000")];
  loadArgs.push("--logged-in-every", option(args, "logged-in-every", "3"));

  console.log(JSON.stringify(trackerSize()));

  const dir = mkdtempSync(path.join(tmpdir(), "churn-events-bench-"));
  const pgServer = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const pgName = `churn_bench_events_${process.pid}`;
  let databaseUrl = `file:${path.join(dir, "bench.sqlite")}`;
  if (db === "postgres") {
    await recreatePostgresDatabase(pgServer, pgName);
    databaseUrl = withDatabaseName(pgServer, pgName);
  }
  await prepareDatabase(databaseUrl);
  ensureBuild();

  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      // The build imports a JSON file without the import attribute Node now requires (see the file).
      "--import",
      path.resolve("scripts/bench/_json-imports.mjs"),
      path.resolve("node_modules/@remix-run/serve/dist/cli.js"),
      "build/server/index.js",
    ],
    {
      env: {
        ...process.env,
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        SHOPIFY_API_KEY: "bench-api-key",
        SHOPIFY_API_SECRET: API_SECRET,
        SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const count = await rowCounter(databaseUrl);
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitUntilUp(url);
    if (warmupSeconds > 0) await load(url, ["--seconds", String(warmupSeconds), ...loadArgs]);
    const before = await count();
    const backends = await count.backendPids();
    const cpuBefore = [server.pid, ...backends].map(processCpuMs);
    const result = await load(url, ["--seconds", String(seconds), ...loadArgs]);
    const [serverCpuMs, ...backendCpuMs] = [server.pid, ...backends].map((pid, i) => processCpuMs(pid) - cpuBefore[i]);
    const databaseCpuMs = backendCpuMs.reduce((sum, ms) => sum + (Number.isNaN(ms) ? 0 : ms), 0);
    const perBatch = (ms: number) => (ms / Math.max(1, result.ok)).toFixed(2);
    const after = await count();
    const lost = Math.max(0, result.storedReported - (after - before));
    console.error(
      `load: ${result.ok} ok batches, ${result.storedReported} events reported stored, ${after - before} rows added, ` +
        `${result.duplicates} duplicates, statuses ${JSON.stringify(result.statuses)}; CPU per batch: ` +
        `server ${perBatch(serverCpuMs)} ms, ${db === "postgres" ? `PostgreSQL ${perBatch(databaseCpuMs)} ms, ` : ""}` +
        `load process ${perBatch(result.cpuMs)} ms; ` +
        `load average ${loadavg()
          .map((n) => n.toFixed(1))
          .join(" ")} on ${availableParallelism()} cores`,
    );
    console.log(
      JSON.stringify({
        bench: "events",
        db,
        events_per_s: Math.round(result.eventsPerSecond),
        p99_ms: result.p99,
        errors: result.errors,
        lost,
      }),
    );
  } finally {
    await stopServer(server);
    await count.close();
    if (db === "postgres") {
      if (!args.includes("--keep")) await dropPostgresDatabase(pgServer, pgName).catch(() => {});
      // node_modules holds one generated client: give back the embedded default's.
      ensureClientFor(`file:${path.join(dir, "bench.sqlite")}`);
    }
    if (!args.includes("--keep")) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU time (user + system) a process has used so far, from /proc (Linux): with other work on the
 * machine, the server's CPU per batch is a steadier figure than its throughput. NaN elsewhere.
 */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The fields after the command name (which may hold spaces) in parentheses; utime and stime
    // are fields 14 and 15, in clock ticks (100 per second on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** SIGTERM, and SIGKILL if the server is still there 5 s later (an open pool can keep it alive). */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  server.kill("SIGTERM");
  const timer = setTimeout(() => server.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** `npx remix build` when build/ is missing or older than the newest file under app/. */
function ensureBuild(): void {
  const built = path.resolve("build/server/index.js");
  let builtAt = 0;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    builtAt = 0;
  }
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const full = path.join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
    }, 0);
  if (builtAt > newest(path.resolve("app"))) return;
  console.error("building the app (remix build)...");
  const result = spawnSync(path.resolve("node_modules/.bin/remix"), ["build"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0) throw new Error("remix build failed");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitUntilUp(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      // Unsigned: a running app answers 401.
      const response = await fetch(`${url}/proxy/events`, { method: "POST", body: "{}" });
      if (response.status === 401) return;
      throw new Error(`the server answered ${response.status} to an unsigned batch, expected 401`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("the server")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error("the server did not start within 60 s");
}

/** Counts stored events straight through the driver: this process never loads the app. */
async function rowCounter(databaseUrl: string) {
  if (databaseUrl.startsWith("file:")) {
    const { default: Database } = await import("better-sqlite3");
    const sqlite = new Database(databaseUrl.slice("file:".length), { readonly: false });
    const statement = sqlite.prepare(`SELECT COUNT(*) AS n FROM "StorefrontEvent"`);
    return Object.assign(async () => Number((statement.get() as { n: number | bigint }).n), {
      close: async () => sqlite.close(),
      /** The database runs inside the server process. */
      backendPids: async (): Promise<number[]> => [],
    });
  }
  const pg = await import("pg");
  const client = new pg.default.Client({ connectionString: databaseUrl });
  await client.connect();
  return Object.assign(
    async () => Number((await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "StorefrontEvent"`)).rows[0].n),
    {
      close: () => client.end(),
      /** The PostgreSQL backends serving the app's pool (this database, not this counting connection). */
      backendPids: async () =>
        (
          await client.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          )
        ).rows.map((row) => row.pid),
    },
  );
}

interface LoadResult {
  ok: number;
  sent: number;
  storedReported: number;
  duplicates: number;
  eventsPerSecond: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
  /** CPU time the load process used (user + system). */
  cpuMs: number;
}

/** Runs the load generator as its own process and reads its one-line JSON result. */
function load(url: string, loadArgs: string[]): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.resolve("scripts/bench/_events-load.mjs"),
        "--url",
        url,
        "--secret",
        API_SECRET,
        "--shop",
        SHOP,
        ...loadArgs,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last) return reject(new Error(`load process exited with ${code}`));
      resolve(JSON.parse(last) as LoadResult);
    });
  });
}
