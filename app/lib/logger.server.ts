import pino from "pino";

// Structured logs that carry shop and job but never customer data: the paths below are
// censored wherever they appear, and callers log ids and counts, never payloads.
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { service: "churn-radar" },
  redact: {
    paths: [
      "email",
      "*.email",
      "phone",
      "*.phone",
      "firstName",
      "lastName",
      "*.first_name",
      "*.last_name",
      "address",
      "*.address",
      "payload",
      "accessToken",
      "*.accessToken",
    ],
    censor: "[redacted]",
  },
});

export type Logger = typeof logger;
