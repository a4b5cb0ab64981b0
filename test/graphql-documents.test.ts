import { parse, Kind } from "graphql";
import { describe, expect, it } from "vitest";

import { findGraphqlDocuments, validateAdminDocument } from "./support/admin-schema";

const documents = await findGraphqlDocuments();

describe("Admin GraphQL documents", () => {
  it("finds the app's operations and fragments, all exported", () => {
    expect(documents.operations.length).toBeGreaterThan(0);
    expect(documents.fragments.map((d) => d.name)).toEqual(expect.arrayContaining(["CUSTOMER_FIELDS", "ORDER_FIELDS"]));
    expect(documents.unexported).toEqual([]);
  });

  it.each(documents.operations.map((d) => [d.name, d.source]))(
    "%s is valid against the pinned 2026-10 schema",
    (_name, source) => {
      expect(validateAdminDocument(source)).toEqual([]);
    },
  );

  it.each(documents.fragments.map((d) => [d.name, d.source]))(
    "%s is interpolated into an operation, where it is validated",
    (_name, source) => {
      const names = parse(source).definitions.flatMap((d) =>
        d.kind === Kind.FRAGMENT_DEFINITION ? [d.name.value] : [],
      );
      for (const fragment of names) {
        const users = documents.operations.filter((d) =>
          parse(d.source).definitions.some(
            (def) => def.kind === Kind.FRAGMENT_DEFINITION && def.name.value === fragment,
          ),
        );
        expect(users.length, fragment).toBeGreaterThan(0);
      }
    },
  );

  it("sends the bulk backfill query without fragments, with the fields reconciliation reads", () => {
    const bulk = documents.operations.find((d) => d.name === "BACKFILL_CUSTOMERS_ORDERS");
    expect(bulk).toBeDefined();
    const definitions = parse(bulk!.source).definitions;
    expect(definitions.map((d) => d.kind)).toEqual([Kind.OPERATION_DEFINITION]);
    expect(bulk!.source).not.toContain("...");
    for (const field of ["defaultEmailAddress", "currentTotalPriceSet", "subtotalLineItemsQuantity"]) {
      expect(bulk!.source).toContain(field);
    }
  });

  it("fails a document that spreads a fragment it does not include", () => {
    const errors = validateAdminDocument(`query { shop { ...ShopFields } }`);
    expect(errors.join("\n")).toMatch(/Unknown fragment "ShopFields"/);
  });

  it("fails a fragment field the schema does not have", () => {
    const errors = validateAdminDocument(
      `query { shop { ...ShopFields } } fragment ShopFields on Shop { name churnRisk }`,
    );
    expect(errors.join("\n")).toMatch(/Cannot query field "churnRisk"/);
  });

  it("fails a document that uses a deprecated field", () => {
    const errors = validateAdminDocument(`query { customer(id: "gid://shopify/Customer/1") { id email } }`);
    expect(errors.join("\n")).toMatch(/Customer\.email is deprecated/);
  });

  it("fails a document that asks for a field the schema does not have", () => {
    const errors = validateAdminDocument(`query { shop { name churnRisk } }`);
    expect(errors.join("\n")).toMatch(/Cannot query field "churnRisk"/);
  });
});
