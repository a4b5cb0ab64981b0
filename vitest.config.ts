import path from "node:path";
import { defineConfig } from "vitest/config";

// Tests run in UTC whatever the machine says, so date arithmetic is the same everywhere.
process.env.TZ = "UTC";

const alias = { "~": path.resolve(import.meta.dirname, "app") };

// Three projects: the pure churn domain needs no database, so its tests start instantly;
// the storefront script is tested in a real Chromium; everything else runs against a real
// database (SQLite per worker, or PostgreSQL when DATABASE_URL says so) prepared once.
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["app/churn/**/*.test.ts", "app/lib/**/*.test.ts", "app/notifications/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["app/**/*.test.ts", "test/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["app/churn/**", "app/lib/**", "app/notifications/**", "test/browser/**"],
          environment: "node",
          globalSetup: ["test/global-setup.ts"],
          setupFiles: ["test/setup-database.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
