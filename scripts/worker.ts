// `npm run worker`: a process that runs jobs and serves nothing. Run M of these beside N web
// processes (PROCESS_ROLE=web) with JOBS_BACKEND=pg-boss on PostgreSQL; see README "Scaling out".
import { startJobs } from "../app/jobs/definitions.server";
import { env } from "../app/lib/env.server";
import { logger } from "../app/lib/logger.server";

const config = env();
if (config.JOBS_BACKEND !== "pg-boss") {
  console.error(
    "worker: set JOBS_BACKEND=pg-boss (and a PostgreSQL DATABASE_URL); the embedded backend runs jobs inside the web process",
  );
  process.exit(2);
}
const stop = await startJobs();
logger.info({ role: "worker" }, "worker running");
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    logger.info({ signal }, "worker stopping after the jobs in hand");
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
