import { isDemoEnabled } from "../services/demo-import.server";
import { env } from "../lib/env.server";
import { logger } from "../lib/logger.server";
import { startJobs } from "./definitions.server";
import { jobs } from "./index.server";

declare global {
  var __churnRadarJobsStarted: boolean | undefined;
}

/**
 * Called once per web server process. With PROCESS_ROLE=all (the embedded default) the server
 * also runs the jobs; with PROCESS_ROLE=web it only enqueues them for the workers
 * (`npm run worker`). The read-only demo server has no Shopify access, so it runs none.
 */
export function ensureJobsStarted(): void {
  if (globalThis.__churnRadarJobsStarted || isDemoEnabled() || process.env.NODE_ENV === "test") return;
  globalThis.__churnRadarJobsStarted = true;
  const started = env().PROCESS_ROLE === "web" ? jobs.start() : startJobs();
  started.catch((error: unknown) => {
    globalThis.__churnRadarJobsStarted = false;
    logger.error({ err: error instanceof Error ? error.message : "unknown" }, "jobs did not start");
  });
}
