import { z } from "zod";

import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from "./database-url";

const required = (message: string) => z.string({ error: message }).min(1, message);

// Every variable the app reads, validated once at start-up: a wrong or missing value stops the
// app with a message that names it. `.env.example` documents each one.
const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  SHOPIFY_API_KEY: required("is required (the app's client id from the Partner Dashboard)"),
  SHOPIFY_API_SECRET: required("is required (the app's client secret; it signs webhooks)"),
  SHOPIFY_APP_URL: z.url({ error: "must be the app's public https URL" }),
  SCOPES: z.string().default("write_customers,read_orders,write_discounts,write_app_proxy"),
  SHOP_CUSTOM_DOMAIN: z.string().optional(),
  DATABASE_URL: z
    .string()
    .default(DEFAULT_DATABASE_URL)
    .refine(
      (url) => {
        try {
          parseDatabaseUrl(url);
          return true;
        } catch {
          return false;
        }
      },
      { message: "must start with file: (SQLite) or postgresql:// (PostgreSQL)" },
    ),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  /** embedded: croner + database leases in this process (single process, SQLite or PostgreSQL);
   *  pg-boss: a PostgreSQL queue shared by any number of web and worker processes. */
  JOBS_BACKEND: z.enum(["embedded", "pg-boss"]).default("embedded"),
  /** all: serve and run jobs; web: serve only (jobs are enqueued for workers); worker: jobs only. */
  PROCESS_ROLE: z.enum(["all", "web", "worker"]).default("all"),
  /** smtp://user:pass@host:587 or smtps://...; unset = e-mails stay queued in the outbox. */
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default("Churn Radar <alerts@churn-radar.local>"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof EnvSchema>;

export class InvalidEnvironmentError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "InvalidEnvironmentError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    throw new InvalidEnvironmentError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`),
    );
  }
  return result.data;
}

let cached: Env | undefined;

/** The validated environment of this process (parsed on first use, then cached). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
