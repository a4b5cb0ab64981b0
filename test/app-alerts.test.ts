import { createElement } from "react";
import { describe, expect, it } from "vitest";

import { AlertCard } from "~/components/AlertCard";
import { describeBehaviourStep } from "~/components/behaviour-path";
import prisma from "~/db.server";
import { action, loader } from "~/routes/app.alerts";

import {
  actionResult,
  embeddedPost,
  embeddedRequest,
  installAdminSession,
  renderPolaris,
} from "./support/embedded-admin";
import { uniqueShop } from "./support/shopify-webhooks";

const call = { params: {}, context: {} };

const reasons = JSON.stringify([
  { feature: "daysSinceLastOrder", text: "No order for 94 days, 3x their usual interval", contribution: 1.2 },
  { feature: "visitsChange", text: "Visits down 80% month over month", contribution: 0.6 },
]);
const behaviourPath = JSON.stringify([
  { kind: "storefront", type: "search", at: "2026-11-18T10:05:00.000Z", path: "/search", searchQuery: "red mug" },
  { kind: "storefront", type: "product_view", at: "2026-11-18T10:04:00.000Z", path: "/products/mug", productId: "42" },
  { kind: "order", type: "order", at: "2026-08-16T09:00:00.000Z", name: "#1001", total: "25.00 GBP" },
  { kind: "mystery" },
]);

async function seedShop() {
  const shop = uniqueShop();
  await installAdminSession(shop);
  const rule = await prisma.rule.create({
    data: { shop, name: "VIP gone quiet", source: "IF tier = 'VIP' THEN level = high", level: "high" },
  });
  await prisma.customer.create({ data: { shop, shopifyId: "501", firstName: "Jane", lastName: "Doe" } });
  await prisma.customerScore.create({
    data: {
      shop,
      customerShopifyId: "501",
      score: 86,
      probability: 0.86,
      confidence: "medium",
      level: "high",
      tier: "VIP",
      rfmGroup: "AT_RISK",
      lifecycle: "declining",
      reasons,
      modelVersion: "test",
      scoredAt: new Date(),
      changedAt: new Date(),
    },
  });
  const created = async (data: { customer: string; cause: string; level: string; state: string; at: string }) =>
    prisma.alert.create({
      data: {
        shop,
        customerShopifyId: data.customer,
        cause: data.cause,
        level: data.level,
        state: data.state,
        reasons,
        behaviourPath,
        createdAt: new Date(data.at),
      },
    });
  const alerts = {
    older: await created({
      customer: "501",
      cause: "risk-level",
      level: "high",
      state: "open",
      at: "2026-11-19T08:00:00Z",
    }),
    newest: await created({
      customer: "502",
      cause: `rule:${rule.id}`,
      level: "medium",
      state: "acknowledged",
      at: "2026-11-20T08:00:00Z",
    }),
    resolved: await created({
      customer: "503",
      cause: "risk-level",
      level: "low",
      state: "resolved",
      at: "2026-11-21T08:00:00Z",
    }),
    auto: await created({
      customer: "504",
      cause: "rule:gone",
      level: "low",
      state: "auto_resolved",
      at: "2026-11-17T08:00:00Z",
    }),
  };
  return { shop, alerts };
}

describe("alerts page", () => {
  it("lists the shop's open and acknowledged alerts, newest first, with cause, reasons and behaviour path", async () => {
    const { shop, alerts } = await seedShop();
    const other = await seedShop();

    const page = await loader({ request: await embeddedRequest(shop, "/app/alerts"), ...call });
    expect(page.filter).toBe("unresolved");
    expect(page.counts).toEqual({ unresolved: 2, open: 1, acknowledged: 1, resolved: 2 });
    expect(page.alerts.map((alert) => alert.id)).toEqual([alerts.newest.id, alerts.older.id]);
    expect(page.truncated).toBe(false);

    const [byRule, byLevel] = page.alerts;
    expect(byRule).toMatchObject({
      customerId: "502",
      customerName: null,
      score: null,
      level: "medium",
      state: "acknowledged",
      cause: { kind: "rule", ruleName: "VIP gone quiet" },
      createdAt: "2026-11-20T08:00:00.000Z",
    });
    expect(byLevel).toMatchObject({
      customerId: "501",
      customerName: "Jane Doe",
      score: 86,
      level: "high",
      state: "open",
      cause: { kind: "risk-level" },
      reasons: ["No order for 94 days, 3x their usual interval", "Visits down 80% month over month"],
    });
    // The malformed step is left out; the others keep their fields.
    expect(byLevel.behaviourPath).toEqual([
      {
        kind: "storefront",
        type: "search",
        at: "2026-11-18T10:05:00.000Z",
        path: "/search",
        productId: null,
        searchQuery: "red mug",
      },
      {
        kind: "storefront",
        type: "product_view",
        at: "2026-11-18T10:04:00.000Z",
        path: "/products/mug",
        productId: "42",
        searchQuery: null,
      },
      { kind: "order", type: "order", at: "2026-08-16T09:00:00.000Z", name: "#1001", total: "25.00 GBP" },
    ]);
    expect(byLevel.behaviourPath.map(describeBehaviourStep)).toEqual([
      "Searched “red mug”",
      "Viewed product 42 (/products/mug)",
      "Ordered #1001 (25.00 GBP)",
    ]);
    expect(page.alerts.map((alert) => alert.id)).not.toContain(other.alerts.older.id);

    const html = renderPolaris(
      createElement(AlertCard, { alert: byLevel, timeZone: page.timeZone, pending: null, onAction: () => {} }),
    );
    expect(html).toContain('href="shopify:admin/customers/501"');
    expect(html).toContain("Jane Doe");
    expect(html).toContain("score 86/100");
    expect(html).toContain("No order for 94 days, 3x their usual interval");
    expect(html).toContain("Searched “red mug”");
    expect(html).toContain(">Acknowledge<");
    expect(html).toContain('aria-label="Acknowledge the alert for Jane Doe"');
    expect(html).toContain('aria-label="Resolve the alert for Jane Doe"');
    const acknowledged = renderPolaris(
      createElement(AlertCard, { alert: byRule, timeZone: page.timeZone, pending: null, onAction: () => {} }),
    );
    expect(acknowledged).toContain("Rule: VIP gone quiet");
    expect(acknowledged).toContain("Customer #502");
    expect(acknowledged).not.toContain(">Acknowledge<");
  });

  it("filters by state", async () => {
    const { shop, alerts } = await seedShop();
    const resolved = await loader({ request: await embeddedRequest(shop, "/app/alerts?state=resolved"), ...call });
    expect(resolved.filter).toBe("resolved");
    expect(resolved.alerts.map((alert) => [alert.id, alert.state])).toEqual([
      [alerts.resolved.id, "resolved"],
      [alerts.auto.id, "auto_resolved"],
    ]);
    expect(resolved.alerts[1].cause).toEqual({ kind: "rule", ruleName: null });

    const open = await loader({ request: await embeddedRequest(shop, "/app/alerts?state=open"), ...call });
    expect(open.alerts.map((alert) => alert.id)).toEqual([alerts.older.id]);

    const unknown = await loader({ request: await embeddedRequest(shop, "/app/alerts?state=everything"), ...call });
    expect(unknown.filter).toBe("unresolved");
  });

  it("acknowledges and then resolves an alert", async () => {
    const { shop, alerts } = await seedShop();

    const acknowledged = await action({
      request: await embeddedPost(shop, "/app/alerts", { intent: "acknowledge", alertId: alerts.older.id }),
      ...call,
    });
    expect(await actionResult(acknowledged)).toEqual({
      status: 200,
      body: { ok: true, message: "Alert acknowledged" },
    });
    let row = await prisma.alert.findUniqueOrThrow({ where: { id: alerts.older.id } });
    expect(row.state).toBe("acknowledged");
    expect(row.acknowledgedAt).toBeInstanceOf(Date);
    expect(row.resolvedAt).toBeNull();

    const resolved = await action({
      request: await embeddedPost(shop, "/app/alerts", { intent: "resolve", alertId: alerts.older.id }),
      ...call,
    });
    expect(await actionResult(resolved)).toEqual({ status: 200, body: { ok: true, message: "Alert resolved" } });
    row = await prisma.alert.findUniqueOrThrow({ where: { id: alerts.older.id } });
    expect(row.state).toBe("resolved");
    expect(row.resolvedAt).toBeInstanceOf(Date);

    const page = await loader({ request: await embeddedRequest(shop, "/app/alerts"), ...call });
    expect(page.alerts.map((alert) => alert.id)).toEqual([alerts.newest.id]);
    expect(page.counts).toMatchObject({ unresolved: 1, open: 0, resolved: 3 });
  });

  it("refuses another shop's alert id with 404 and leaves that alert as it was", async () => {
    const { shop } = await seedShop();
    const other = await seedShop();

    for (const intent of ["acknowledge", "resolve"]) {
      const response = await action({
        request: await embeddedPost(shop, "/app/alerts", { intent, alertId: other.alerts.older.id }),
        ...call,
      });
      expect(await actionResult(response)).toEqual({
        status: 404,
        body: { ok: false, error: "This alert no longer exists." },
      });
    }
    const untouched = await prisma.alert.findUniqueOrThrow({ where: { id: other.alerts.older.id } });
    expect(untouched).toMatchObject({ state: "open", acknowledgedAt: null, resolvedAt: null });
  });

  it("answers 409 to a transition the alert's state does not allow, and leaves the alert as it was", async () => {
    const { shop, alerts } = await seedShop();
    const refusals: [string, keyof typeof alerts, string][] = [
      ["acknowledge", "newest", "This alert is already acknowledged, so it cannot be acknowledged."],
      ["acknowledge", "resolved", "This alert is already resolved, so it cannot be acknowledged."],
      ["resolve", "resolved", "This alert is already resolved, so it cannot be resolved."],
      ["resolve", "auto", "This alert is already resolved (the customer came back), so it cannot be resolved."],
    ];
    for (const [intent, which, error] of refusals) {
      const before = await prisma.alert.findUniqueOrThrow({ where: { id: alerts[which].id } });
      const response = await action({
        request: await embeddedPost(shop, "/app/alerts", { intent, alertId: alerts[which].id }),
        ...call,
      });
      expect(await actionResult(response)).toEqual({ status: 409, body: { ok: false, error } });
      expect(await prisma.alert.findUniqueOrThrow({ where: { id: alerts[which].id } })).toEqual(before);
    }
  });

  it("answers 404 to an alert id that does not exist", async () => {
    const { shop } = await seedShop();
    const response = await action({
      request: await embeddedPost(shop, "/app/alerts", { intent: "resolve", alertId: "no-such-alert" }),
      ...call,
    });
    expect(await actionResult(response)).toEqual({
      status: 404,
      body: { ok: false, error: "This alert no longer exists." },
    });
  });

  it("answers 400 to a malformed submission", async () => {
    const { shop, alerts } = await seedShop();
    const submissions: Record<string, string>[] = [
      { intent: "delete", alertId: alerts.older.id },
      { intent: "resolve" },
      { intent: "resolve", alertId: "x' OR 1=1 --" },
    ];
    for (const fields of submissions) {
      const response = await action({ request: await embeddedPost(shop, "/app/alerts", fields), ...call });
      expect((await actionResult(response)).status).toBe(400);
    }
    expect((await prisma.alert.findUniqueOrThrow({ where: { id: alerts.older.id } })).state).toBe("open");
  });

  it("refuses a request without a valid session token", async () => {
    const { alerts } = await seedShop();
    const request = new Request("https://churn-radar.test/app/alerts", {
      method: "POST",
      headers: { "user-agent": "Mozilla/5.0 Chrome/156.0", authorization: "Bearer forged" },
      body: new URLSearchParams({ intent: "resolve", alertId: alerts.older.id }),
    });
    const outcome = await action({ request, ...call }).then(
      () => "allowed",
      (thrown: unknown) => (thrown instanceof Response ? thrown.status : "error"),
    );
    expect(outcome).toBe(401);
    expect((await prisma.alert.findUniqueOrThrow({ where: { id: alerts.older.id } })).state).toBe("open");
  });
});
