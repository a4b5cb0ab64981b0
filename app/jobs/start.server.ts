import { isDemoEnabled } from "../services/demo-import.server";
import { logger } from "../lib/logger.server";
import { startJobs } from "./definitions.server";

declare global {
  var __churnRadarJobsStarted: boolean | undefined;
}

/**
 * Starts the in-process jobs (backfill continuation, hourly reconciliation) once per server
 * process. The read-only demo server has no Shopify access, so it runs none.
 */
export function ensureJobsStarted(): void {
  if (globalThis.__churnRadarJobsStarted || isDemoEnabled() || process.env.NODE_ENV === "test") return;
  globalThis.__churnRadarJobsStarted = true;
  startJobs().catch((error: unknown) => {
    globalThis.__churnRadarJobsStarted = false;
    logger.error({ err: error instanceof Error ? error.message : "unknown" }, "jobs did not start");
  });
}
