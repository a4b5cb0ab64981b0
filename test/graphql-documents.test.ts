import { describe, expect, it } from "vitest";

import { findGraphqlDocuments, validateAdminDocument } from "./support/admin-schema";

describe("Admin GraphQL documents", () => {
  const documents = findGraphqlDocuments();

  it("finds the app's operations", () => {
    expect(documents.length).toBeGreaterThan(0);
  });

  it.each(documents.map((d) => [d.file, d.source]))(
    "%s is valid against the pinned 2026-10 schema",
    (_file, source) => {
      expect(validateAdminDocument(source)).toEqual([]);
    },
  );

  it("fails a document that uses a deprecated field", () => {
    const errors = validateAdminDocument(`query { customer(id: "gid://shopify/Customer/1") { id email } }`);
    expect(errors.join("\n")).toMatch(/Customer\.email is deprecated/);
  });

  it("fails a document that asks for a field the schema does not have", () => {
    const errors = validateAdminDocument(`query { shop { name churnRisk } }`);
    expect(errors.join("\n")).toMatch(/Cannot query field "churnRisk"/);
  });
});
