import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["build/**", "public/build/**", "node_modules/**", ".cache/**", "test/.databases/**", "coverage/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.node } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.name='eval']",
          message: "eval() is never used: rules are parsed, not evaluated as code.",
        },
        { selector: "NewExpression[callee.name='Function']", message: "new Function() is never used." },
      ],
    },
  },
  {
    // The pure churn domain: no Prisma, no Remix, no network, no file system.
    files: ["app/churn/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@prisma/*", "@remix-run/*", "@shopify/*", "klaviyo-api", "pg", "better-sqlite3"],
              message: "app/churn is pure: no I/O libraries.",
            },
            { group: ["node:*", "fs", "http", "https", "net"], message: "app/churn is pure: no Node I/O modules." },
            {
              group: ["**/*.server", "**/*.server.ts", "~/models/*", "~/services/*", "~/integrations/*"],
              message: "app/churn must not depend on I/O layers.",
            },
          ],
        },
      ],
    },
  },
  {
    // The storefront script swallows its own errors on purpose: it must never break a theme.
    files: ["extensions/**/*.js"],
    languageOptions: { globals: { ...globals.browser }, sourceType: "script" },
    rules: {
      "no-empty": ["error", { allowEmptyCatch: true }],
      "@typescript-eslint/no-unused-vars": ["error", { caughtErrors: "none" }],
      "@typescript-eslint/no-this-alias": "off",
    },
  },
  {
    files: ["**/*.{js,mjs}"],
    ignores: ["extensions/**"],
    languageOptions: { globals: { ...globals.node } },
  },
);
