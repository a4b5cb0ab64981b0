import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { RiskReason } from "~/churn/risk/model";
import prisma from "~/db.server";
import { createSmtpTransport, type EmailTransport } from "~/integrations/email/smtp.server";
import { deleteCustomerNotifications } from "~/models/notification.server";
import { MAX_LISTED_CUSTOMERS } from "~/notifications/render";
import {
  deliverOutbox,
  EMAIL_CLAIM_MS,
  listInbox,
  markRead,
  MAX_EMAIL_ATTEMPTS,
  MAX_SINGLE_ALERT_EMAILS,
  notificationMessageId,
  queueAlertNotifications,
  queueDailyDigest,
  queueWeeklyReport,
  retryDelayMs,
  unreadCount,
} from "~/services/notifications.server";

import { uniqueShop } from "./support/shopify-webhooks";
import { startSmtpServer, type TestSmtpServer } from "./support/smtp-server";

// Notifications end to end: alerts in the database, e-mails through nodemailer to a real SMTP
// server on this machine. Time is passed in as `now`, never waited for.

const NOW = new Date("2026-11-22T10:00:00Z");
const OWNER = "owner@example.com";
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

const REASONS: RiskReason[] = [
  { feature: "log_days_since_last_order", text: "long time since the last order", contribution: 1.3 },
  { feature: "log_total_spent", text: "high total spend", contribution: -0.4 },
  { feature: "log_purchase_days", text: "few purchases so far", contribution: 0.5 },
];

let smtp: TestSmtpServer;
let transport: EmailTransport;

beforeAll(async () => {
  smtp = await startSmtpServer();
  transport = createSmtpTransport(smtp.url);
});

afterAll(async () => {
  await smtp.stop();
});

beforeEach(async () => {
  smtp.received.length = 0;
  smtp.refuse(null);
  await smtp.start();
});

interface ShopSetup {
  locale?: string;
  timezone?: string;
  email?: string | null;
  emailEnabled?: boolean;
}

async function seedShop(setup: ShopSetup = {}): Promise<string> {
  const shop = uniqueShop("notify");
  const notifications = {
    email: setup.email === undefined ? OWNER : setup.email,
    emailEnabled: setup.emailEnabled ?? true,
  };
  await prisma.shop.create({
    data: {
      domain: shop,
      locale: setup.locale ?? "en",
      timezone: setup.timezone ?? "UTC",
      settings: JSON.stringify({ notifications }),
    },
  });
  return shop;
}

interface AlertSetup {
  customer: string;
  level?: string;
  state?: string;
  firstName?: string | null;
  lastName?: string | null;
  score?: number;
  createdAt?: Date;
  cause?: string;
}

async function seedAlert(shop: string, setup: AlertSetup): Promise<string> {
  await prisma.customer.upsert({
    where: { shop_shopifyId: { shop, shopifyId: setup.customer } },
    create: {
      shop,
      shopifyId: setup.customer,
      firstName: setup.firstName === undefined ? "Jane" : setup.firstName,
      lastName: setup.lastName === undefined ? "Doe" : setup.lastName,
      email: "jane@example.net",
    },
    update: {},
  });
  if (setup.score !== undefined) {
    await prisma.customerScore.create({
      data: {
        shop,
        customerShopifyId: setup.customer,
        score: setup.score,
        probability: setup.score / 100,
        confidence: "low",
        level: setup.level ?? "high",
        tier: "regular",
        rfmGroup: "AT_RISK",
        lifecycle: "mature",
        reasons: JSON.stringify(REASONS),
        modelVersion: "test",
        scoredAt: NOW,
        changedAt: NOW,
      },
    });
  }
  const alert = await prisma.alert.create({
    data: {
      shop,
      customerShopifyId: setup.customer,
      cause: setup.cause ?? "risk-level",
      level: setup.level ?? "high",
      state: setup.state ?? "open",
      reasons: JSON.stringify(REASONS),
      createdAt: setup.createdAt ?? at(NOW, -3_600_000),
    },
  });
  return alert.id;
}

/**
 * 33 open medium alerts of 30 customers ("C0 Test" .. "C29 Test", risk scores 31 .. 60), all
 * raised at one time but for a second alert of C0, C10 and C29 a minute before NOW; and two alerts
 * no digest covers.
 */
async function seedBacklog(shop: string) {
  const first: string[] = [];
  for (let i = 0; i < 30; i++) {
    const customer = String(9000 + i);
    first.push(
      await seedAlert(shop, { customer, level: "medium", firstName: `C${i}`, lastName: "Test", score: 31 + i }),
    );
  }
  const second: Record<number, string> = {};
  for (const i of [0, 10, 29]) {
    const customer = String(9000 + i);
    second[i] = await seedAlert(shop, { customer, level: "medium", cause: "rule:r1", createdAt: at(NOW, -60_000) });
  }
  await seedAlert(shop, { customer: "9100", level: "high" });
  await seedAlert(shop, { customer: "9101", level: "medium", state: "acknowledged" });
  return { first, second };
}

/** The shop's alerts marked notified, by id, with when. */
async function notifiedAlerts(shop: string) {
  const rows = await prisma.alert.findMany({
    where: { shop, notifiedAt: { not: null } },
    select: { id: true, notifiedAt: true },
    orderBy: { id: "asc" },
  });
  return rows;
}

const alertsNotifiedAt = (ids: string[], notifiedAt: Date) => [...ids].sort().map((id) => ({ id, notifiedAt }));

const notificationsOf = (shop: string) =>
  prisma.notification.findMany({ where: { shop }, orderBy: { createdAt: "asc" } });
const deliver = (shop: string, now: Date, options: { limit?: number } = {}) =>
  deliverOutbox({ shop, now, transport, ...options });

describe("high-risk alerts", () => {
  it("are e-mailed at once, in English, with name, score, reasons and a link to the customer", async () => {
    const shop = await seedShop();
    const alertId = await seedAlert(shop, { customer: "7001", score: 84 });

    expect(await queueAlertNotifications(shop, NOW)).toBe(1);
    expect(await deliver(shop, NOW)).toEqual({ sent: 1, failed: 0, retrying: 0 });

    expect(smtp.received).toHaveLength(1);
    const [email] = smtp.received;
    const [notification] = await notificationsOf(shop);
    expect(email.envelopeTo).toEqual([OWNER]);
    expect(email.headers.get("to")).toBe(OWNER);
    expect(email.headers.get("from")).toBe("Churn Radar <alerts@churn-radar.local>");
    expect(email.headers.get("message-id")).toBe(notificationMessageId(notification.id));
    expect(email.headers.get("auto-submitted")).toBe("auto-generated");
    expect(email.subject).toBe("[Churn Radar] High churn risk: Jane Doe");
    const link = `https://admin.shopify.com/store/${shop.replace(".myshopify.com", "")}/customers/7001`;
    expect(email.text).toContain("Jane Doe is at high risk of churning (risk score 84/100).");
    expect(email.text).toContain("- long time since the last order\n- few purchases so far");
    expect(email.text).not.toContain("high total spend");
    expect(email.text).toContain(link);
    expect(email.html).toContain(`<a href="${link}">View the customer in Shopify admin</a>`);
    expect(email.html).toContain('<html lang="en">');

    expect(notification).toMatchObject({
      kind: "alert",
      dedupeKey: `alert:${alertId}`,
      level: "high",
      locale: "en",
      recipient: OWNER,
      emailStatus: "sent",
      attempts: 1,
      messageId: notificationMessageId(notification.id),
      sentAt: NOW,
      alertIds: JSON.stringify([alertId]),
    });
    const alert = await prisma.alert.findUniqueOrThrow({ where: { id: alertId } });
    expect(alert.notifiedAt).toEqual(NOW);
  });

  it("are written in Simplified Chinese for a Chinese admin (any zh locale)", async () => {
    const shop = await seedShop({ locale: "zh-TW" });
    await seedAlert(shop, { customer: "7002", firstName: "小明", lastName: "王", score: 90 });

    await queueAlertNotifications(shop, NOW);
    await deliver(shop, NOW);

    const [email] = smtp.received;
    expect(email.subject).toBe("[Churn Radar] 高流失风险：王小明");
    expect(email.text).toContain("王小明 的流失风险为高（风险分 90/100）。");
    expect(email.text).toContain("主要原因:\n- 距上次下单已很久\n- 至今购买次数少");
    expect(email.text).toContain("在 Shopify 后台查看该客户");
    expect(email.html).toContain('<html lang="zh-CN">');
    expect(email.html).toContain("距上次下单已很久");
    const [notification] = await notificationsOf(shop);
    expect(notification.locale).toBe("zh-CN");
  });

  it("name a customer without a name by id, and name the merchant's rule that raised it", async () => {
    const shop = await seedShop();
    const rule = await prisma.rule.create({
      data: { shop, name: "VIP gone quiet", source: "IF tier = 'VIP' THEN level = high", level: "high" },
    });
    await seedAlert(shop, { customer: "7003", firstName: null, lastName: null, cause: `rule:${rule.id}` });

    await queueAlertNotifications(shop, NOW);
    await deliver(shop, NOW);

    const [email] = smtp.received;
    expect(email.subject).toBe("[Churn Radar] High churn risk: Customer #7003");
    expect(email.text).toContain('Matched your rule "VIP gone quiet".');
  });

  it("are notified only while open and high, and never twice", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "7004" });
    await seedAlert(shop, { customer: "7005", state: "acknowledged" });
    await seedAlert(shop, { customer: "7006", level: "medium" });

    expect(await queueAlertNotifications(shop, NOW)).toBe(1);
    expect(await queueAlertNotifications(shop, NOW)).toBe(0);
    expect(await deliver(shop, NOW)).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(await deliver(shop, at(NOW, 3_600_000))).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(smtp.received).toHaveLength(1);
    expect(await notificationsOf(shop)).toHaveLength(1);
  });

  it("arriving in a burst (a first scoring run) are grouped into one e-mail, never one each", async () => {
    const shop = await seedShop();
    const count = MAX_SINGLE_ALERT_EMAILS + 3;
    for (let i = 0; i < count; i++) await seedAlert(shop, { customer: String(7100 + i), score: 80 + i });

    expect(await queueAlertNotifications(shop, NOW)).toBe(1);
    expect(await queueAlertNotifications(shop, NOW)).toBe(0);
    expect(await deliver(shop, NOW)).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].subject).toContain(`${count} customers reached high churn risk`);
    const [notification] = await notificationsOf(shop);
    expect(JSON.parse(notification.alertIds)).toHaveLength(count);
    expect(notification.alertCount).toBe(count);
    expect(await prisma.alert.count({ where: { shop, notifiedAt: null } })).toBe(0);
  });

  it("are sent once when two processes deliver at the same moment", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "7007" });
    await seedAlert(shop, { customer: "7008" });
    await Promise.all([queueAlertNotifications(shop, NOW), queueAlertNotifications(shop, NOW)]);

    const results = await Promise.all([deliver(shop, NOW), deliver(shop, NOW), deliver(shop, NOW)]);

    expect(results.reduce((sum, result) => sum + result.sent, 0)).toBe(2);
    expect(smtp.received).toHaveLength(2);
    expect(await notificationsOf(shop)).toHaveLength(2);
  });

  it("are told nothing about for an uninstalled shop", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "7009" });
    await prisma.shop.update({ where: { domain: shop }, data: { uninstalledAt: NOW } });

    expect(await queueAlertNotifications(shop, NOW)).toBe(0);
  });

  it("queued before an uninstall are not e-mailed after it", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "7010" });
    await queueAlertNotifications(shop, NOW);
    await prisma.shop.update({ where: { domain: shop }, data: { uninstalledAt: NOW } });

    expect(await deliver(shop, NOW)).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(smtp.received).toHaveLength(0);
    expect((await notificationsOf(shop))[0]).toMatchObject({ emailStatus: "skipped", lastError: "shop uninstalled" });
  });
});

describe("the daily digest", () => {
  it("groups the open medium alerts not yet notified into one e-mail per shop-local day", async () => {
    // 20:00 UTC is already 23 November in Shanghai.
    const now = new Date("2026-11-22T20:00:00Z");
    const shop = await seedShop({ timezone: "Asia/Shanghai" });
    const ids = [
      await seedAlert(shop, { customer: "8001", level: "medium", firstName: "Ann", lastName: "Lee", score: 41 }),
      await seedAlert(shop, { customer: "8002", level: "medium", firstName: "Bo", lastName: "Chen", score: 66 }),
      await seedAlert(shop, { customer: "8003", level: "medium", firstName: "Cy", lastName: "Park", score: 52 }),
    ];
    // The same customer raised by one of the merchant's rules too: listed once, both alerts covered.
    ids.push(await seedAlert(shop, { customer: "8002", level: "medium", cause: "rule:missing" }));
    await seedAlert(shop, { customer: "8004", level: "medium", state: "resolved" });
    await seedAlert(shop, { customer: "8005", level: "high" });
    await seedAlert(shop, { customer: "8006", level: "low" });

    const digest = await queueDailyDigest(shop, now);
    expect(digest).toEqual({ dedupeKey: "digest:2026-11-23", alertCount: 4, customerCount: 3, pages: 1 });
    await deliver(shop, now);

    expect(smtp.received).toHaveLength(1);
    const [email] = smtp.received;
    expect(email.subject).toBe("[Churn Radar] Daily digest 2026-11-23: 3 customers at medium churn risk");
    // Highest score first.
    const order = ["Bo Chen (risk score 66/100)", "Cy Park (risk score 52/100)", "Ann Lee (risk score 41/100)"];
    const positions = order.map((line) => email.text.indexOf(line));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(email.text).toContain("long time since the last order; few purchases so far");
    expect(email.text).not.toMatch(/8004|8005|8006/);
    expect(email.text.split("Bo Chen")).toHaveLength(2);

    const [notification] = await notificationsOf(shop);
    expect(notification).toMatchObject({ kind: "digest", level: "medium", emailStatus: "sent" });
    expect(JSON.parse(notification.alertIds).sort()).toEqual([...ids].sort());
    expect(notification.alertCount).toBe(4);
    const notified = await prisma.alert.count({ where: { shop, notifiedAt: { not: null } } });
    expect(notified).toBe(4);
  });

  it("reads a large backlog in pages, names only the riskiest customers and counts every one", async () => {
    const shop = await seedShop();
    const { first, second } = await seedBacklog(shop);
    const pages: number[] = [];

    const digest = await queueDailyDigest(shop, NOW, { pageSize: 7, onPage: ({ page }) => void pages.push(page) });

    // 33 alerts of 30 customers, 7 at a time.
    expect(digest).toEqual({ dedupeKey: "digest:2026-11-22", alertCount: 33, customerCount: 30, pages: 5 });
    expect(pages).toEqual([1, 2, 3, 4, 5]);
    const [notification] = await notificationsOf(shop);
    expect(notification.subject).toBe("[Churn Radar] Daily digest 2026-11-22: 30 customers at medium churn risk");
    const listed = notification.body.split("\n").filter((line) => line.startsWith("- "));
    expect(listed).toEqual(
      Array.from({ length: MAX_LISTED_CUSTOMERS }, (_, k) => `- C${29 - k} Test (risk score ${60 - k}/100)`),
    );
    expect(notification.body).toContain("...and 5 more in the Churn Radar inbox.");
    // It names the alerts of the customers it lists (a customer's second alert too) and counts all.
    expect(notification.alertCount).toBe(33);
    expect(JSON.parse(notification.alertIds).sort()).toEqual([...first.slice(5), second[10], second[29]].sort());
    expect((await listInbox(shop)).entries[0]).toMatchObject({ alertCount: 33 });

    expect(await notifiedAlerts(shop)).toEqual(alertsNotifiedAt([...first, ...Object.values(second)], NOW));
    expect(await queueDailyDigest(shop, at(NOW, 86_400_000), { pageSize: 7 })).toBeNull();
    expect(await notificationsOf(shop)).toHaveLength(1);
  });

  it("marks nothing when a run dies part-way; the next run covers every alert exactly once", async () => {
    const shop = await seedShop();
    const { first, second } = await seedBacklog(shop);

    const dying = queueDailyDigest(shop, NOW, {
      pageSize: 7,
      onPage: ({ page }) => {
        if (page === 3) throw new Error("worker killed");
      },
    });
    await expect(dying).rejects.toThrow("worker killed");
    expect(await notificationsOf(shop)).toHaveLength(0);
    expect(await notifiedAlerts(shop)).toEqual([]);

    const rerun = at(NOW, 60_000);
    expect(await queueDailyDigest(shop, rerun, { pageSize: 7 })).toMatchObject({ alertCount: 33, customerCount: 30 });
    expect(await queueDailyDigest(shop, at(rerun, 60_000), { pageSize: 7 })).toBeNull();
    expect(await notificationsOf(shop)).toHaveLength(1);
    expect(await notifiedAlerts(shop)).toEqual(alertsNotifiedAt([...first, ...Object.values(second)], rerun));
  });

  it("is made once when two runs race: every alert is notified by exactly one of them", async () => {
    const shop = await seedShop();
    const { first, second } = await seedBacklog(shop);
    const times = [NOW, at(NOW, 1_000)];

    const results = await Promise.all(times.map((now) => queueDailyDigest(shop, now, { pageSize: 7 })));

    const winners = results.flatMap((result, i) => (result ? [{ result, now: times[i] }] : []));
    expect(winners).toHaveLength(1);
    expect(winners[0].result).toMatchObject({ alertCount: 33, customerCount: 30 });
    expect(await notificationsOf(shop)).toHaveLength(1);
    expect(await notifiedAlerts(shop)).toEqual(alertsNotifiedAt([...first, ...Object.values(second)], winners[0].now));
  });

  it("reads again when an alert it has read changes before the digest is recorded", async () => {
    const shop = await seedShop();
    const { first, second } = await seedBacklog(shop);
    // An alert of the first page, of a customer with no other alert.
    const firstPage = await prisma.alert.findMany({
      where: { shop, level: "medium", state: "open", cause: "risk-level" },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: 7,
    });
    const handled = firstPage.find((alert) => !["9000", "9010", "9029"].includes(alert.customerShopifyId));
    if (!handled) throw new Error("the first page has no customer with a single alert");
    let reads = 0;

    const digest = await queueDailyDigest(shop, NOW, {
      pageSize: 7,
      onPage: async () => {
        // The merchant acknowledges it while the digest is read.
        if (++reads === 2) await prisma.alert.update({ where: { id: handled.id }, data: { state: "acknowledged" } });
      },
    });

    // The first reading (5 pages) counted it: read again (5 pages), without it.
    expect(reads).toBe(10);
    expect(digest).toEqual({ dedupeKey: "digest:2026-11-22", alertCount: 32, customerCount: 29, pages: 5 });
    const [notification] = await notificationsOf(shop);
    expect(notification.alertCount).toBe(32);
    expect(notification.subject).toContain("29 customers");
    expect(JSON.parse(notification.alertIds)).not.toContain(handled.id);
    const covered = [...first, ...Object.values(second)].filter((id) => id !== handled.id);
    expect(await notifiedAlerts(shop)).toEqual(alertsNotifiedAt(covered, NOW));
  });

  it("leaves an alert raised after it has read the last page for the next digest", async () => {
    const shop = await seedShop();
    await seedBacklog(shop);
    let late = "";

    const digest = await queueDailyDigest(shop, NOW, {
      pageSize: 7,
      onPage: async ({ page }) => {
        if (page === 5) late = await seedAlert(shop, { customer: "9050", level: "medium", createdAt: at(NOW, -1_000) });
      },
    });

    expect(digest).toMatchObject({ alertCount: 33, pages: 5 });
    expect((await prisma.alert.findUniqueOrThrow({ where: { id: late } })).notifiedAt).toBeNull();
    const tomorrow = at(NOW, 86_400_000);
    expect(await queueDailyDigest(shop, tomorrow, { pageSize: 7 })).toMatchObject({ alertCount: 1, pages: 1 });
    expect((await prisma.alert.findUniqueOrThrow({ where: { id: late } })).notifiedAt).toEqual(tomorrow);
  });

  it("is made once a day: alerts raised later that day wait for the next day's digest", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "8101", level: "medium" });
    expect(await queueDailyDigest(shop, NOW)).toMatchObject({ dedupeKey: "digest:2026-11-22", alertCount: 1 });

    const late = await seedAlert(shop, { customer: "8102", level: "medium", createdAt: at(NOW, 60_000) });
    expect(await queueDailyDigest(shop, at(NOW, 3_600_000))).toBeNull();
    expect((await prisma.alert.findUniqueOrThrow({ where: { id: late } })).notifiedAt).toBeNull();

    const tomorrow = at(NOW, 86_400_000);
    expect(await queueDailyDigest(shop, tomorrow)).toEqual({
      dedupeKey: "digest:2026-11-23",
      alertCount: 1,
      customerCount: 1,
      pages: 1,
    });
    expect(await queueDailyDigest(shop, tomorrow)).toBeNull();
    expect(await notificationsOf(shop)).toHaveLength(2);
  });

  it("is not made when there is nothing to tell", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "8201", level: "high" });

    expect(await queueDailyDigest(shop, NOW)).toBeNull();
    expect(await notificationsOf(shop)).toHaveLength(0);
  });
});

describe("the weekly report", () => {
  it("lists the past week's low alerts, once per ISO week", async () => {
    const shop = await seedShop({ locale: "zh-CN" });
    await seedAlert(shop, {
      customer: "9001",
      level: "low",
      firstName: "Li",
      lastName: "Na",
      createdAt: at(NOW, -2 * 86_400_000),
    });
    await seedAlert(shop, { customer: "9002", level: "low", createdAt: at(NOW, -10 * 86_400_000) });
    await seedAlert(shop, { customer: "9003", level: "medium", createdAt: at(NOW, -86_400_000) });

    // 2026-11-22 is the Sunday of ISO week 47.
    expect(await queueWeeklyReport(shop, NOW)).toEqual({
      dedupeKey: "report:2026-W47",
      alertCount: 1,
      customerCount: 1,
      pages: 1,
    });
    expect(await queueWeeklyReport(shop, NOW)).toBeNull();
    await deliver(shop, NOW);

    const [email] = smtp.received;
    expect(email.subject).toBe("[Churn Radar] 每周报告 2026-W47：1 位客户有低流失风险");
    expect(email.text).toContain("过去一周有 1 位客户出现早期流失迹象（低风险）：");
    expect(email.text).toContain("Li Na");
    expect(email.text).not.toContain("9002");
  });

  it("reads the week's alerts in pages too", async () => {
    const shop = await seedShop();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const createdAt = at(NOW, -(i + 1) * 3_600_000);
      ids.push(await seedAlert(shop, { customer: String(9010 + i), level: "low", score: 10 + i, createdAt }));
    }
    await seedAlert(shop, { customer: "9020", level: "low", createdAt: at(NOW, -8 * 86_400_000) });

    expect(await queueWeeklyReport(shop, NOW, { pageSize: 2 })).toEqual({
      dedupeKey: "report:2026-W47",
      alertCount: 5,
      customerCount: 5,
      pages: 3,
    });
    expect(await notifiedAlerts(shop)).toEqual(alertsNotifiedAt(ids, NOW));
  });
});

describe("the outbox while SMTP fails", () => {
  it("keeps an e-mail queued while the server is down and sends it once when it is back", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "9101" });
    await queueAlertNotifications(shop, NOW);
    await smtp.stop();

    expect(await deliver(shop, NOW)).toEqual({ sent: 0, failed: 0, retrying: 1 });
    let [notification] = await notificationsOf(shop);
    expect(notification).toMatchObject({ emailStatus: "pending", attempts: 1, claimedUntil: null });
    expect(notification.nextAttemptAt).toEqual(at(NOW, 60_000));
    expect(notification.lastError).toMatch(/^ESOCKET ECONNREFUSED$/);

    // Not due yet: nothing is tried.
    expect(await deliver(shop, at(NOW, 30_000))).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect((await notificationsOf(shop))[0].attempts).toBe(1);

    await smtp.start();
    expect(await deliver(shop, at(NOW, 61_000))).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(await deliver(shop, at(NOW, 3_600_000))).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(smtp.received).toHaveLength(1);
    [notification] = await notificationsOf(shop);
    expect(notification).toMatchObject({ emailStatus: "sent", attempts: 2, lastError: null });
  });

  it("stops a run at an unreachable server: the other e-mails wait untouched", async () => {
    const shop = await seedShop();
    for (const customer of ["9201", "9202", "9203"]) await seedAlert(shop, { customer });
    await queueAlertNotifications(shop, NOW);
    await smtp.stop();

    expect(await deliver(shop, NOW)).toEqual({ sent: 0, failed: 0, retrying: 1 });
    const attempts = (await notificationsOf(shop)).map((n) => n.attempts).sort();
    expect(attempts).toEqual([0, 0, 1]);

    await smtp.start();
    expect(await deliver(shop, at(NOW, 61_000))).toEqual({ sent: 3, failed: 0, retrying: 0 });
    expect(smtp.received).toHaveLength(3);
  });

  it("backs off exponentially while the server answers 4xx, then delivers exactly once", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "9301" });
    await queueAlertNotifications(shop, NOW);
    smtp.refuse(451);

    expect(await deliver(shop, NOW)).toEqual({ sent: 0, failed: 0, retrying: 1 });
    let [notification] = await notificationsOf(shop);
    expect(notification).toMatchObject({ emailStatus: "pending", attempts: 1, lastError: "SMTP 451 EENVELOPE" });
    expect(notification.nextAttemptAt).toEqual(at(NOW, 60_000));

    const second = at(NOW, 60_000);
    expect(await deliver(shop, second)).toEqual({ sent: 0, failed: 0, retrying: 1 });
    [notification] = await notificationsOf(shop);
    expect(notification.nextAttemptAt).toEqual(at(second, 120_000));

    smtp.refuse(null);
    expect(await deliver(shop, at(second, 120_000))).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(await deliver(shop, at(second, 86_400_000))).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(smtp.received).toHaveLength(1);
  });

  it(`gives up after ${MAX_EMAIL_ATTEMPTS} attempts; the notification stays in the inbox`, async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "9401" });
    await queueAlertNotifications(shop, NOW);
    smtp.refuse(421);

    let now = NOW;
    for (let attempt = 1; attempt < MAX_EMAIL_ATTEMPTS; attempt++) {
      expect(await deliver(shop, now)).toEqual({ sent: 0, failed: 0, retrying: 1 });
      now = at(now, retryDelayMs(attempt));
    }
    expect(await deliver(shop, now)).toEqual({ sent: 0, failed: 1, retrying: 0 });
    const [notification] = await notificationsOf(shop);
    expect(notification).toMatchObject({ emailStatus: "failed", attempts: MAX_EMAIL_ATTEMPTS, claimedUntil: null });

    smtp.refuse(null);
    expect(await deliver(shop, at(now, 86_400_000))).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(smtp.received).toHaveLength(0);
    const inbox = await listInbox(shop);
    expect(inbox.entries.map((entry) => entry.emailStatus)).toEqual(["failed"]);
  });

  it("gives up at once when the server refuses the message for good (5xx)", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "9501" });
    await queueAlertNotifications(shop, NOW);
    smtp.refuse(550);

    expect(await deliver(shop, NOW)).toEqual({ sent: 0, failed: 1, retrying: 0 });
    expect((await notificationsOf(shop))[0]).toMatchObject({
      emailStatus: "failed",
      attempts: 1,
      lastError: "SMTP 550 EENVELOPE",
    });
  });

  it("sends an e-mail claimed by a process that died once its claim runs out", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "9551" });
    await queueAlertNotifications(shop, NOW);
    await prisma.notification.updateMany({ where: { shop }, data: { claimedUntil: at(NOW, EMAIL_CLAIM_MS) } });

    expect(await deliver(shop, at(NOW, 60_000))).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(await deliver(shop, at(NOW, EMAIL_CLAIM_MS))).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(smtp.received).toHaveLength(1);
  });

  it("leaves every e-mail queued when no SMTP server is configured", async () => {
    const shop = await seedShop();
    await seedAlert(shop, { customer: "9601" });
    await queueAlertNotifications(shop, NOW);

    expect(await deliverOutbox({ shop, now: NOW, transport: null })).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect((await notificationsOf(shop))[0]).toMatchObject({ emailStatus: "pending", attempts: 0 });
  });
});

describe("the inbox", () => {
  it("holds notifications without e-mail when the shop has no address or switched e-mail off", async () => {
    for (const setup of [{ email: null }, { emailEnabled: false }]) {
      const shop = await seedShop(setup);
      await seedAlert(shop, { customer: "9701" });

      expect(await queueAlertNotifications(shop, NOW)).toBe(1);
      expect(await deliver(shop, NOW)).toEqual({ sent: 0, failed: 0, retrying: 0 });
      expect((await notificationsOf(shop))[0]).toMatchObject({ emailStatus: "skipped", recipient: null });

      const inbox = await listInbox(shop, { limit: 10 });
      expect(inbox.entries).toHaveLength(1);
      expect(inbox.entries[0]).toMatchObject({ kind: "alert", level: "high", readAt: null });
      expect(inbox.entries[0].subject).toBe("[Churn Radar] High churn risk: Jane Doe");
    }
    expect(smtp.received).toHaveLength(0);
  });

  it("counts unread entries and marks one read only for its own shop", async () => {
    const shop = await seedShop({ email: null });
    const other = await seedShop({ email: null });
    await seedAlert(shop, { customer: "9801" });
    await queueAlertNotifications(shop, NOW);
    const [entry] = (await listInbox(shop)).entries;

    expect(await unreadCount(shop)).toBe(1);
    expect(await markRead(other, entry.id, NOW)).toBe(false);
    expect(await markRead(shop, entry.id, NOW)).toBe(true);
    expect(await markRead(shop, entry.id, NOW)).toBe(false);
    expect(await unreadCount(shop)).toBe(0);
    expect((await listInbox(shop)).entries[0].readAt).toEqual(NOW);
  });

  it("pages newest first with a cursor", async () => {
    const shop = await seedShop({ email: null });
    for (const [i, customer] of ["9901", "9902", "9903"].entries()) {
      await seedAlert(shop, { customer });
      await queueAlertNotifications(shop, at(NOW, i * 60_000));
    }

    const first = await listInbox(shop, { limit: 2 });
    expect(first.entries.map((entry) => entry.createdAt)).toEqual([at(NOW, 120_000), at(NOW, 60_000)]);
    expect(first.nextCursor).toBe(first.entries[1].id);
    const second = await listInbox(shop, { limit: 2, cursor: first.nextCursor });
    expect(second.entries.map((entry) => entry.createdAt)).toEqual([NOW]);
    expect(second.nextCursor).toBeNull();
  });

  it("forgets a customer's notifications when the customer is redacted", async () => {
    const shop = await seedShop({ email: null });
    await seedAlert(shop, { customer: "9951" });
    await seedAlert(shop, { customer: "9952" });
    await queueAlertNotifications(shop, NOW);

    const deleted = await prisma.$transaction((tx) => deleteCustomerNotifications(tx, shop, "9951"));

    expect(deleted).toBe(1);
    const remaining = await listInbox(shop);
    expect(remaining.entries).toHaveLength(1);
    expect(remaining.entries[0].body).not.toContain("9951");
  });
});
