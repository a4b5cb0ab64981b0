import { describe, expect, it } from "vitest";

import { InvalidEnvironmentError, parseEnv } from "./env.server";

const valid = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://churn-radar.example.com",
};

describe("parseEnv", () => {
  it("accepts a complete environment and fills the documented defaults", () => {
    const env = parseEnv(valid);
    expect(env.DATABASE_URL).toBe("file:./data/churn-radar.sqlite");
    expect(env.SCOPES).toBe("write_customers,read_orders,write_discounts,write_app_proxy");
    expect(env.DATABASE_POOL_SIZE).toBe(10);
  });

  it("names every missing or wrong variable and says why", () => {
    let error: unknown;
    try {
      parseEnv({ SHOPIFY_APP_URL: "not a url", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    const message = (error as Error).message;
    expect(message).toMatch(/SHOPIFY_API_KEY .*required/);
    expect(message).toMatch(/SHOPIFY_API_SECRET .*required/);
    expect(message).toMatch(/SHOPIFY_APP_URL must be the app's public https URL/);
    expect(message).toMatch(/DATABASE_URL must start with file: \(SQLite\) or postgresql:\/\//);
    expect(message).toMatch(/LOG_LEVEL/);
  });

  it("accepts PostgreSQL URLs", () => {
    expect(parseEnv({ ...valid, DATABASE_URL: "postgresql://u@db:5432/churn" }).DATABASE_URL).toContain("postgresql");
  });
});
