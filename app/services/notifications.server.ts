import { configuredEmailTransport, type EmailTransport, sendError } from "../integrations/email/smtp.server";
import { env } from "../lib/env.server";
import { supportedLocale, type SupportedLocale } from "../lib/i18n/locale";
import { logger } from "../lib/logger.server";
import { activityTimeZone, dayOf } from "../models/customer-activity.server";
import {
  alertedCustomers,
  type AlertToNotify,
  type ClaimedEmail,
  claimEmail,
  countUnread,
  dueEmailIds,
  type InboxEntry,
  listNotifications,
  markEmailAttemptFailed,
  markEmailSent,
  markEmailSkipped,
  markNotificationRead,
  recordNotification,
  ruleNames,
  unnotifiedOpenAlerts,
} from "../models/notification.server";
import { getShop, settingsOfShop } from "../models/shop.server";
import { isoWeekOf } from "../notifications/periods";
import { type AlertFacts, renderAlertMessage, renderGroupMessage } from "../notifications/render";

// Telling the merchant: high alerts at once, medium ones in a daily digest, low ones in a weekly
// report. Each becomes an inbox entry and, when the shop has an address, an e-mail in the outbox
// that deliverOutbox sends, retries with backoff while SMTP is down, and sends only once.

/** Alerts turned into immediate notifications per call; the next call takes the rest. */
const ALERTS_PER_CALL = 100;
/** More new high alerts than this at once are grouped into one "burst" e-mail. */
export const MAX_SINGLE_ALERT_EMAILS = 5;
const WEEK_MS = 7 * 86_400_000;

/** Every open high alert not yet notified becomes one notification ("alert:<id>"). Returns how many. */
export async function queueAlertNotifications(shop: string, now: Date = new Date()): Promise<number> {
  const audience = await notificationAudience(shop);
  if (!audience) return 0;
  const alerts = await unnotifiedOpenAlerts(shop, "high", { limit: ALERTS_PER_CALL });
  if (alerts.length > MAX_SINGLE_ALERT_EMAILS) {
    // A burst (a shop's first scoring run, a big import): one e-mail listing them, not dozens.
    const group = await queueGroup(shop, audience, { kind: "burst", label: alerts[0].id, level: "high" }, alerts, now);
    return group ? 1 : 0;
  }
  const facts = await alertFacts(shop, alerts);
  let created = 0;
  for (const alert of facts) {
    const message = renderAlertMessage(alert, audience.locale);
    const recorded = await recordNotification(
      {
        shop,
        kind: "alert",
        dedupeKey: `alert:${alert.alertId}`,
        level: "high",
        locale: audience.locale,
        ...messageFields(message),
        alertIds: [alert.alertId],
        recipient: audience.recipient,
      },
      now,
    );
    if (recorded) created++;
  }
  if (created > 0) logger.info({ shop, notifications: created }, "alert notifications queued");
  return created;
}

export interface QueuedGroup {
  dedupeKey: string;
  alertCount: number;
}

/** Open medium alerts not yet notified, as one digest per shop-local day ("digest:YYYY-MM-DD"). */
export async function queueDailyDigest(shop: string, now: Date = new Date()): Promise<QueuedGroup | null> {
  const audience = await notificationAudience(shop);
  if (!audience) return null;
  const day = dayOf(now.getTime(), audience.timeZone);
  const alerts = await unnotifiedOpenAlerts(shop, "medium");
  return queueGroup(shop, audience, { kind: "digest", label: day, level: "medium" }, alerts, now);
}

/** Open low alerts of the past seven days not yet notified, as one report per ISO week ("report:YYYY-Www"). */
export async function queueWeeklyReport(shop: string, now: Date = new Date()): Promise<QueuedGroup | null> {
  const audience = await notificationAudience(shop);
  if (!audience) return null;
  const week = isoWeekOf(dayOf(now.getTime(), audience.timeZone));
  const alerts = await unnotifiedOpenAlerts(shop, "low", { createdAfter: new Date(now.getTime() - WEEK_MS) });
  return queueGroup(shop, audience, { kind: "report", label: week, level: "low" }, alerts, now);
}

async function queueGroup(
  shop: string,
  audience: Audience,
  period: { kind: "digest" | "report" | "burst"; label: string; level: string },
  alerts: AlertToNotify[],
  now: Date,
): Promise<QueuedGroup | null> {
  if (alerts.length === 0) return null;
  const facts = await alertFacts(shop, alerts);
  const message = renderGroupMessage(period, oneLinePerCustomer(facts), audience.locale);
  const dedupeKey = `${period.kind}:${period.label}`;
  const recorded = await recordNotification(
    {
      shop,
      // A burst of high alerts is still the immediate "alert" kind, just grouped.
      kind: period.kind === "burst" ? "alert" : period.kind,
      dedupeKey,
      level: period.level,
      locale: audience.locale,
      ...messageFields(message),
      alertIds: facts.map((alert) => alert.alertId),
      recipient: audience.recipient,
    },
    now,
  );
  if (!recorded) return null;
  logger.info({ shop, kind: period.kind, alerts: facts.length }, "notification queued");
  return { dedupeKey, alertCount: facts.length };
}

/** Highest score first (the merchant reads the top of the list); a customer with two alerts is listed once. */
function oneLinePerCustomer<T extends AlertFacts>(facts: T[]): T[] {
  const byCustomer = new Map<string, T>();
  for (const fact of facts) if (!byCustomer.has(fact.customerShopifyId)) byCustomer.set(fact.customerShopifyId, fact);
  return [...byCustomer.values()].sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
}

interface Audience {
  locale: SupportedLocale;
  timeZone: string;
  /** Null: inbox only. */
  recipient: string | null;
}

/** Who is told and in which language; null for an uninstalled shop (it is told nothing). */
async function notificationAudience(shop: string): Promise<Audience | null> {
  const row = await getShop(shop);
  const settings = settingsOfShop(row?.settings);
  if (row?.uninstalledAt) return null;
  const { email, emailEnabled } = settings.notifications;
  return {
    locale: supportedLocale(row?.locale),
    timeZone: activityTimeZone(row?.timezone),
    recipient: emailEnabled && email ? email : null,
  };
}

async function alertFacts(shop: string, alerts: AlertToNotify[]): Promise<(AlertFacts & { alertId: string })[]> {
  const [customers, rules] = await Promise.all([
    alertedCustomers(
      shop,
      alerts.map((alert) => alert.customerShopifyId),
    ),
    ruleNames(
      shop,
      alerts.map((alert) => ruleIdOf(alert.cause)).filter((id) => id !== null),
    ),
  ]);
  return alerts.map((alert) => {
    const customer = customers.get(alert.customerShopifyId);
    const ruleId = ruleIdOf(alert.cause);
    return {
      alertId: alert.id,
      shop,
      customerShopifyId: alert.customerShopifyId,
      firstName: customer?.firstName ?? null,
      lastName: customer?.lastName ?? null,
      level: alert.level,
      score: customer?.score ?? null,
      reasons: alert.reasons,
      ruleName: ruleId ? (rules.get(ruleId) ?? null) : null,
    };
  });
}

/** "rule:<id>" names the rule that raised an alert. */
function ruleIdOf(cause: string): string | null {
  return cause.startsWith("rule:") ? cause.slice("rule:".length) : null;
}

function messageFields(message: { subject: string; text: string; html: string }) {
  return { subject: message.subject, body: message.text, html: message.html };
}

// ---- Outbox -------------------------------------------------------------------------------------

/** Attempts before an e-mail is given up as "failed" (it stays in the inbox). */
export const MAX_EMAIL_ATTEMPTS = 8;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 2 * 60 * 60_000;
/** How long a claim holds; far longer than one send can take (see the transport's timeouts). */
export const EMAIL_CLAIM_MS = 5 * 60_000;

/** 1 min after the first failure, doubling, at most 2 h: eight attempts span about 4 hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

export interface DeliveryOptions {
  now?: Date;
  /** E-mails per call (default 50). */
  limit?: number;
  /** Only this shop's e-mails. */
  shop?: string;
  /** Defaults to the SMTP_URL transport; null (or SMTP_URL unset) leaves every e-mail queued. */
  transport?: EmailTransport | null;
}

export interface DeliveryResult {
  sent: number;
  failed: number;
  retrying: number;
}

/**
 * Sends the e-mails that are due. Each is claimed first (a lease, so two processes never send
 * the same one) and carries a fixed Message-ID, so a resend after a crash between sending and
 * recording is recognisable. When the server cannot be reached the run stops: the rest wait.
 */
export async function deliverOutbox(options: DeliveryOptions = {}): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, failed: 0, retrying: 0 };
  const transport = options.transport === undefined ? configuredEmailTransport() : options.transport;
  if (!transport) return result;
  const now = options.now ?? new Date();
  const leaseUntil = new Date(now.getTime() + EMAIL_CLAIM_MS);
  for (const id of await dueEmailIds(now, options.limit ?? 50, options.shop)) {
    const email = await claimEmail(id, now, leaseUntil);
    if (!email) continue;
    const outcome = await deliverEmail(email, transport, now, leaseUntil);
    if (outcome !== "skipped") result[outcome === "unreachable" ? "retrying" : outcome]++;
    if (outcome === "unreachable") break;
  }
  if (result.sent + result.failed + result.retrying > 0)
    logger.info({ job: "notifications.deliver", ...result }, "outbox");
  return result;
}

type EmailOutcome = "sent" | "failed" | "retrying" | "unreachable" | "skipped";

async function deliverEmail(
  email: ClaimedEmail,
  transport: EmailTransport,
  now: Date,
  leaseUntil: Date,
): Promise<EmailOutcome> {
  if (!email.recipient || (await shopUninstalled(email.shop))) {
    await markEmailSkipped(email.id, leaseUntil, email.recipient ? "shop uninstalled" : "no recipient");
    return "skipped";
  }
  let messageId: string;
  try {
    ({ messageId } = await transport.send({
      messageId: notificationMessageId(email.id),
      from: env().MAIL_FROM,
      to: email.recipient,
      subject: email.subject,
      text: email.body,
      html: email.html,
    }));
  } catch (error) {
    return recordFailedAttempt(email, error, now, leaseUntil);
  }
  await markEmailSent(email.id, leaseUntil, messageId, now);
  return "sent";
}

async function recordFailedAttempt(
  email: ClaimedEmail,
  error: unknown,
  now: Date,
  leaseUntil: Date,
): Promise<EmailOutcome> {
  const failure = sendError(error);
  const attempts = email.attempts + 1;
  const giveUp = failure.permanent || attempts >= MAX_EMAIL_ATTEMPTS;
  await markEmailAttemptFailed(email.id, leaseUntil, {
    attempts,
    nextAttemptAt: giveUp ? null : new Date(now.getTime() + retryDelayMs(attempts)),
    error: failure.summary,
  });
  logger.warn(
    { shop: email.shop, notification: email.id, attempts, error: failure.summary, gaveUp: giveUp },
    "e-mail not sent",
  );
  if (giveUp) return "failed";
  return failure.unreachable ? "unreachable" : "retrying";
}

async function shopUninstalled(shop: string): Promise<boolean> {
  const row = await getShop(shop);
  return Boolean(row?.uninstalledAt);
}

/** The Message-ID of a notification's e-mail: the same on every attempt. */
export function notificationMessageId(notificationId: string): string {
  return `<${notificationId}@churn-radar>`;
}

// ---- Inbox --------------------------------------------------------------------------------------

export const INBOX_PAGE_MAX = 100;

/** The shop's notifications, newest first, a page at a time. */
export async function listInbox(
  shop: string,
  page: { limit?: number; cursor?: string | null } = {},
): Promise<{ entries: InboxEntry[]; nextCursor: string | null }> {
  const limit = Math.min(INBOX_PAGE_MAX, Math.max(1, Math.floor(page.limit ?? 20)));
  return listNotifications(shop, { limit, cursor: page.cursor });
}

export async function unreadCount(shop: string): Promise<number> {
  return countUnread(shop);
}

/** True when the entry was unread and is read now; false for an unknown or another shop's id. */
export async function markRead(shop: string, id: string, now: Date = new Date()): Promise<boolean> {
  return markNotificationRead(shop, id, now);
}
