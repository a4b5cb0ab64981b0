import { configuredEmailTransport, type EmailTransport, sendError } from "../integrations/email/smtp.server";
import { env } from "../lib/env.server";
import { supportedLocale, type SupportedLocale } from "../lib/i18n/locale";
import { logger } from "../lib/logger.server";
import { activityTimeZone, dayOf } from "../models/customer-activity.server";
import {
  alertedCustomers,
  type AlertKey,
  alertKeyOf,
  type AlertToNotify,
  type ClaimedEmail,
  claimEmail,
  countUnread,
  customersAlertedThrough,
  dueEmailIds,
  type InboxEntry,
  listNotifications,
  markEmailAttemptFailed,
  markEmailSent,
  markEmailSkipped,
  markNotificationRead,
  notificationExists,
  recordGroupNotification,
  recordNotification,
  ruleNames,
  type UnnotifiedScope,
  unnotifiedOpenAlerts,
} from "../models/notification.server";
import { getShop, settingsOfShop } from "../models/shop.server";
import { isoWeekOf } from "../notifications/periods";
import { type AlertFacts, MAX_LISTED_CUSTOMERS, renderAlertMessage, renderGroupMessage } from "../notifications/render";

// Telling the merchant: high alerts at once, medium ones in a daily digest, low ones in a weekly
// report. Each becomes an inbox entry and, when the shop has an address, an e-mail in the outbox
// that deliverOutbox sends, retries with backoff while SMTP is down, and sends only once.

/** Alerts turned into immediate notifications per call; the next call takes the rest. */
const ALERTS_PER_CALL = 100;
/** More new high alerts than this at once are grouped into one "burst" e-mail. */
export const MAX_SINGLE_ALERT_EMAILS = 5;
const WEEK_MS = 7 * 86_400_000;
/** Alerts read at a time while a digest or report is put together: memory follows this, not the shop's size. */
export const GROUP_PAGE_SIZE = 1_000;
/** Reads of a digest's alerts while they keep changing under it; then the job fails and is retried later. */
const GROUP_ATTEMPTS = 3;

/** Every open high alert not yet notified becomes one notification ("alert:<id>"). Returns how many. */
export async function queueAlertNotifications(shop: string, now: Date = new Date()): Promise<number> {
  const audience = await notificationAudience(shop);
  if (!audience) return 0;
  const alerts = await unnotifiedOpenAlerts({ shop, level: "high" }, { limit: ALERTS_PER_CALL });
  if (alerts.length > MAX_SINGLE_ALERT_EMAILS) {
    // A burst (a shop's first scoring run, a big import): one e-mail listing them, not dozens.
    return (await queueBurst(shop, audience, alerts, now)) ? 1 : 0;
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
  /** Alerts covered, each now marked notified. */
  alertCount: number;
  /** Customers among them; the riskiest MAX_LISTED_CUSTOMERS are named, the rest counted. */
  customerCount: number;
  /** Pages the alerts were read in. */
  pages: number;
}

export interface GroupOptions {
  /** Alerts read at a time (default GROUP_PAGE_SIZE). */
  pageSize?: number;
  /** Called after each page is read, before the next (progress; tests act in between). */
  onPage?: (read: { page: number; alerts: number }) => Promise<void> | void;
}

/** Open medium alerts not yet notified, as one digest per shop-local day ("digest:YYYY-MM-DD"). */
export async function queueDailyDigest(
  shop: string,
  now: Date = new Date(),
  options: GroupOptions = {},
): Promise<QueuedGroup | null> {
  const audience = await notificationAudience(shop);
  if (!audience) return null;
  const day = dayOf(now.getTime(), audience.timeZone);
  const period = { kind: "digest", label: day, level: "medium" } as const;
  return queueGroup(audience, period, { shop, level: "medium" }, now, options);
}

/** Open low alerts of the past seven days not yet notified, as one report per ISO week ("report:YYYY-Www"). */
export async function queueWeeklyReport(
  shop: string,
  now: Date = new Date(),
  options: GroupOptions = {},
): Promise<QueuedGroup | null> {
  const audience = await notificationAudience(shop);
  if (!audience) return null;
  const week = isoWeekOf(dayOf(now.getTime(), audience.timeZone));
  const period = { kind: "report", label: week, level: "low" } as const;
  const scope = { shop, level: "low", createdAfter: new Date(now.getTime() - WEEK_MS) };
  return queueGroup(audience, period, scope, now, options);
}

/**
 * A digest or report covers every alert in scope however many there are, but reads them a page
 * at a time, keeping only counts and the riskiest customers it names. Nothing is marked while
 * reading: one transaction then marks exactly the alerts read (up to the last one) and stores the
 * notification, so a crash anywhere leaves all of them for the next run.
 */
async function queueGroup(
  audience: Audience,
  period: { kind: "digest" | "report"; label: string; level: string },
  scope: UnnotifiedScope,
  now: Date,
  options: GroupOptions,
): Promise<QueuedGroup | null> {
  const dedupeKey = `${period.kind}:${period.label}`;
  // Made already (a retried job, a second run the same day): not worth reading every alert again.
  if (await notificationExists(scope.shop, dedupeKey)) return null;
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? GROUP_PAGE_SIZE));
  for (let attempt = 1; ; attempt++) {
    const tally = await tallyUnnotified(scope, pageSize, options.onPage);
    if (!tally.through) return null;
    const named = tally.named.map((customer) => customer.facts);
    const message = renderGroupMessage(period, named, audience.locale, tally.customers);
    const outcome = await recordGroupNotification(
      {
        shop: scope.shop,
        kind: period.kind,
        dedupeKey,
        level: period.level,
        locale: audience.locale,
        ...messageFields(message),
        alertIds: tally.named.flatMap((customer) => customer.alertIds),
        recipient: audience.recipient,
      },
      { scope, through: tally.through, alertCount: tally.alerts },
      now,
    );
    if (outcome === "covered") return null;
    if (outcome === "recorded") {
      const queued = { dedupeKey, alertCount: tally.alerts, customerCount: tally.customers, pages: tally.pages };
      logger.info({ shop: scope.shop, kind: period.kind, ...queued }, "notification queued");
      return queued;
    }
    if (attempt >= GROUP_ATTEMPTS) {
      throw new Error(`the alerts of ${dedupeKey} kept changing while it was made; it is left for the next run`);
    }
  }
}

interface NamedCustomer {
  facts: AlertFacts & { alertId: string };
  /** Their alerts in scope, the first (oldest) one included. */
  alertIds: string[];
  /** When they were met, for a stable order among equal scores. */
  met: number;
}

interface GroupTally {
  alerts: number;
  customers: number;
  pages: number;
  /** The riskiest customers, riskiest first (at most MAX_LISTED_CUSTOMERS). */
  named: NamedCustomer[];
  /** The last alert read; null when there was none. */
  through: AlertKey | null;
}

/** Reads the alerts in scope a page at a time: memory holds one page and the named customers. */
async function tallyUnnotified(
  scope: UnnotifiedScope,
  pageSize: number,
  onPage: GroupOptions["onPage"],
): Promise<GroupTally> {
  const tally: GroupTally = { alerts: 0, customers: 0, pages: 0, named: [], through: null };
  let met = 0;
  for (;;) {
    const page = await unnotifiedOpenAlerts(scope, { after: tally.through, limit: pageSize });
    if (page.length === 0) break;
    tally.pages++;
    tally.alerts += page.length;
    const metBefore = tally.through
      ? await customersAlertedThrough(
          scope,
          page.map((alert) => alert.customerShopifyId),
          tally.through,
        )
      : new Set<string>();
    // A customer is counted, and may be named, at their first alert; later ones join them if named.
    const firsts = new Map<string, AlertToNotify>();
    for (const alert of page) {
      if (!metBefore.has(alert.customerShopifyId) && !firsts.has(alert.customerShopifyId))
        firsts.set(alert.customerShopifyId, alert);
    }
    tally.customers += firsts.size;
    const named = new Map(tally.named.map((customer) => [customer.facts.customerShopifyId, customer]));
    for (const facts of await alertFacts(scope.shop, [...firsts.values()])) {
      named.set(facts.customerShopifyId, { facts, alertIds: [], met: met++ });
    }
    for (const alert of page) named.get(alert.customerShopifyId)?.alertIds.push(alert.id);
    tally.named = [...named.values()].sort(riskiestFirst).slice(0, MAX_LISTED_CUSTOMERS);
    tally.through = alertKeyOf(page[page.length - 1]);
    await onPage?.({ page: tally.pages, alerts: tally.alerts });
    if (page.length < pageSize) break;
  }
  return tally;
}

function riskiestFirst(a: NamedCustomer, b: NamedCustomer): number {
  return (b.facts.score ?? -1) - (a.facts.score ?? -1) || a.met - b.met;
}

/** Many high alerts at once (at most ALERTS_PER_CALL): one e-mail naming the riskiest, covering all. */
async function queueBurst(shop: string, audience: Audience, alerts: AlertToNotify[], now: Date): Promise<boolean> {
  const facts = await alertFacts(shop, alerts);
  const period = { kind: "burst", label: alerts[0].id } as const;
  const message = renderGroupMessage(period, oneLinePerCustomer(facts), audience.locale);
  const recorded = await recordNotification(
    {
      shop,
      // Still the immediate "alert" kind, just grouped.
      kind: "alert",
      dedupeKey: `burst:${period.label}`,
      level: "high",
      locale: audience.locale,
      ...messageFields(message),
      alertIds: facts.map((alert) => alert.alertId),
      recipient: audience.recipient,
    },
    now,
  );
  if (recorded) logger.info({ shop, kind: "burst", alerts: facts.length }, "notification queued");
  return recorded;
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
