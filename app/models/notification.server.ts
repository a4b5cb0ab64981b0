import { Prisma } from "@prisma/client";

import prisma from "../db.server";
import { inChunks } from "./order.server";
import type { Tx } from "./webhook-delivery.server";

// Notifications to the merchant: the alert reads they are built from, the inbox, and the e-mail
// outbox (claimed with a lease so that two processes never send the same message).

export type NotificationKind = "alert" | "digest" | "report";
export type EmailStatus = "pending" | "sent" | "failed" | "skipped";

export interface AlertToNotify {
  id: string;
  customerShopifyId: string;
  cause: string;
  level: string;
  reasons: string;
  createdAt: Date;
}

/** The shop's open alerts of one level that no notification covers yet. */
export interface UnnotifiedScope {
  shop: string;
  level: string;
  /** Only alerts raised after this time (a weekly report's week). */
  createdAfter?: Date;
}

/**
 * An alert's place in the order alerts are read in, oldest first and ties by id: the key of a
 * keyset page ("after this one"), and the bound of what a digest covers ("up to this one").
 */
export interface AlertKey {
  createdAt: Date;
  id: string;
}

export function alertKeyOf(alert: AlertKey): AlertKey {
  return { createdAt: alert.createdAt, id: alert.id };
}

function unnotifiedWhere(scope: UnnotifiedScope): Prisma.AlertWhereInput {
  return {
    shop: scope.shop,
    level: scope.level,
    state: "open",
    notifiedAt: null,
    ...(scope.createdAfter ? { createdAt: { gt: scope.createdAfter } } : {}),
  };
}

// The createdAt range beside each OR lets the (shop, state, level, createdAt) index bound the scan.
function afterKey(key: AlertKey): Prisma.AlertWhereInput {
  return { createdAt: { gte: key.createdAt }, OR: [{ createdAt: { gt: key.createdAt } }, { id: { gt: key.id } }] };
}

function throughKey(key: AlertKey): Prisma.AlertWhereInput {
  return { createdAt: { lte: key.createdAt }, OR: [{ createdAt: { lt: key.createdAt } }, { id: { lte: key.id } }] };
}

/** Open alerts in scope that no notification covers yet, oldest first; a page after `after` when given. */
export async function unnotifiedOpenAlerts(
  scope: UnnotifiedScope,
  page: { after?: AlertKey | null; limit?: number } = {},
): Promise<AlertToNotify[]> {
  return prisma.alert.findMany({
    where: { AND: [unnotifiedWhere(scope), ...(page.after ? [afterKey(page.after)] : [])] },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: page.limit,
    select: { id: true, customerShopifyId: true, cause: true, level: true, reasons: true, createdAt: true },
  });
}

/**
 * Which of these customers have an alert in scope up to `through`: read page by page, they were
 * met on an earlier page (a customer is counted once however many alerts they have).
 */
export async function customersAlertedThrough(
  scope: UnnotifiedScope,
  customerShopifyIds: string[],
  through: AlertKey,
): Promise<Set<string>> {
  const met = new Set<string>();
  for (const ids of inChunks([...new Set(customerShopifyIds)])) {
    const rows = await prisma.alert.findMany({
      where: { AND: [unnotifiedWhere(scope), throughKey(through), { customerShopifyId: { in: ids } }] },
      distinct: ["customerShopifyId"],
      select: { customerShopifyId: true },
    });
    for (const row of rows) met.add(row.customerShopifyId);
  }
  return met;
}

export interface AlertedCustomer {
  firstName: string | null;
  lastName: string | null;
  score: number | null;
}

/** Name and current score of each customer, by Shopify id (unknown customers are absent). */
export async function alertedCustomers(
  shop: string,
  customerShopifyIds: string[],
): Promise<Map<string, AlertedCustomer>> {
  const result = new Map<string, AlertedCustomer>();
  for (const ids of inChunks([...new Set(customerShopifyIds)])) {
    const [customers, scores] = await Promise.all([
      prisma.customer.findMany({
        where: { shop, shopifyId: { in: ids } },
        select: { shopifyId: true, firstName: true, lastName: true },
      }),
      prisma.customerScore.findMany({
        where: { shop, customerShopifyId: { in: ids } },
        select: { customerShopifyId: true, score: true },
      }),
    ]);
    for (const c of customers) result.set(c.shopifyId, { firstName: c.firstName, lastName: c.lastName, score: null });
    for (const s of scores) {
      const known = result.get(s.customerShopifyId) ?? { firstName: null, lastName: null, score: null };
      result.set(s.customerShopifyId, { ...known, score: s.score });
    }
  }
  return result;
}

/** The names of the shop's rules, by id. */
export async function ruleNames(shop: string, ruleIds: string[]): Promise<Map<string, string>> {
  if (ruleIds.length === 0) return new Map();
  const rules = await prisma.rule.findMany({
    where: { shop, id: { in: [...new Set(ruleIds)] } },
    select: { id: true, name: true },
  });
  return new Map(rules.map((rule) => [rule.id, rule.name]));
}

export interface NewNotification {
  shop: string;
  kind: NotificationKind;
  dedupeKey: string;
  level: string | null;
  locale: string;
  subject: string;
  body: string;
  html: string | null;
  /** The alerts it names (for a single alert or a burst: every alert it covers). */
  alertIds: string[];
  /** Null: inbox only (no address, or e-mail switched off). */
  recipient: string | null;
}

/** Whether the shop already has the notification of this dedupe key (e.g. today's digest). */
export async function notificationExists(shop: string, dedupeKey: string): Promise<boolean> {
  const row = await prisma.notification.findUnique({
    where: { shop_dedupeKey: { shop, dedupeKey } },
    select: { id: true },
  });
  return row !== null;
}

/**
 * Stores the notification and marks its alerts notified, in one transaction. Returns false, and
 * changes nothing, when another run already covered these alerts or already used the dedupe key.
 */
export async function recordNotification(notification: NewNotification, now: Date): Promise<boolean> {
  try {
    return await prisma.$transaction(async (tx) => {
      const marked = await markAlertsNotified(tx, notification.shop, notification.alertIds, now);
      if (marked === 0) return false;
      await tx.notification.create({ data: notificationRow(notification, marked, now) });
      return true;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return false;
    throw error;
  }
}

async function markAlertsNotified(tx: Tx, shop: string, alertIds: string[], now: Date): Promise<number> {
  let marked = 0;
  for (const ids of inChunks(alertIds)) {
    const result = await tx.alert.updateMany({
      where: { shop, id: { in: ids }, notifiedAt: null },
      data: { notifiedAt: now },
    });
    marked += result.count;
  }
  return marked;
}

/** What a digest or report covers: every alert in scope up to `through`, `alertCount` of them. */
export interface GroupCoverage {
  scope: UnnotifiedScope;
  through: AlertKey;
  alertCount: number;
}

/**
 * "covered": another run got there first (the alerts are notified, or the dedupe key is used);
 * "changed": the alerts changed since they were read (one acknowledged, one raised), read again.
 */
export type GroupOutcome = "recorded" | "covered" | "changed";

class CoverageChanged extends Error {}

/**
 * Stores a digest or report and marks every alert it covers notified, in one transaction and one
 * statement whatever their number (the ids are never loaded). Nothing changes unless exactly the
 * alerts that were read and counted are marked: a crash, a lost race or a change meanwhile leaves
 * them all for the next run, none notified twice and none lost.
 */
export async function recordGroupNotification(
  notification: NewNotification,
  coverage: GroupCoverage,
  now: Date,
): Promise<GroupOutcome> {
  try {
    return await prisma.$transaction(
      async (tx) => {
        const { count } = await tx.alert.updateMany({
          where: { AND: [unnotifiedWhere(coverage.scope), throughKey(coverage.through)] },
          data: { notifiedAt: now },
        });
        if (count === 0) return "covered";
        if (count !== coverage.alertCount) throw new CoverageChanged();
        await tx.notification.create({ data: notificationRow(notification, count, now) });
        return "recorded";
      },
      // One statement marks a shop-sized set of alerts: more than the default 5 s may be needed.
      { timeout: 60_000 },
    );
  } catch (error) {
    if (error instanceof CoverageChanged) return "changed";
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return "covered";
    throw error;
  }
}

function notificationRow(notification: NewNotification, alertCount: number, now: Date): Prisma.NotificationCreateInput {
  const { alertIds, recipient, ...fields } = notification;
  return {
    ...fields,
    alertIds: JSON.stringify(alertIds),
    alertCount,
    recipient,
    emailStatus: recipient ? "pending" : "skipped",
    nextAttemptAt: now,
    createdAt: now,
  };
}

// ---- Outbox -------------------------------------------------------------------------------------

function dueFilter(now: Date): Prisma.NotificationWhereInput {
  return {
    emailStatus: "pending",
    nextAttemptAt: { lte: now },
    OR: [{ claimedUntil: null }, { claimedUntil: { lte: now } }],
  };
}

/** Ids of e-mails due at `now` and not claimed by anyone, those waiting longest first. */
export async function dueEmailIds(now: Date, limit: number, shop?: string): Promise<string[]> {
  const rows = await prisma.notification.findMany({
    where: { ...dueFilter(now), ...(shop ? { shop } : {}) },
    orderBy: [{ nextAttemptAt: "asc" }, { id: "asc" }],
    take: limit,
    select: { id: true },
  });
  return rows.map((row) => row.id);
}

export interface ClaimedEmail {
  id: string;
  shop: string;
  recipient: string | null;
  subject: string;
  body: string;
  html: string | null;
  attempts: number;
}

/**
 * Claims one due e-mail until `leaseUntil`: a conditional update, so of two processes racing for
 * it exactly one wins. Returns null when it is no longer due or someone else holds it.
 */
export async function claimEmail(id: string, now: Date, leaseUntil: Date): Promise<ClaimedEmail | null> {
  const claimed = await prisma.notification.updateMany({
    where: { id, ...dueFilter(now) },
    data: { claimedUntil: leaseUntil },
  });
  if (claimed.count === 0) return null;
  return prisma.notification.findUnique({
    where: { id },
    select: { id: true, shop: true, recipient: true, subject: true, body: true, html: true, attempts: true },
  });
}

/** Only the holder of the claim may settle the e-mail: `leaseUntil` is its token. */
function heldClaim(id: string, leaseUntil: Date): Prisma.NotificationWhereInput {
  return { id, emailStatus: "pending", claimedUntil: leaseUntil };
}

export async function markEmailSent(id: string, leaseUntil: Date, messageId: string, sentAt: Date): Promise<boolean> {
  const result = await prisma.notification.updateMany({
    where: heldClaim(id, leaseUntil),
    data: {
      emailStatus: "sent",
      messageId,
      sentAt,
      attempts: { increment: 1 },
      claimedUntil: null,
      lastError: null,
    },
  });
  return result.count === 1;
}

export interface FailedAttempt {
  attempts: number;
  /** Null: give up (status "failed"); otherwise try again at this time. */
  nextAttemptAt: Date | null;
  error: string;
}

export async function markEmailAttemptFailed(id: string, leaseUntil: Date, attempt: FailedAttempt): Promise<boolean> {
  const result = await prisma.notification.updateMany({
    where: heldClaim(id, leaseUntil),
    data: {
      attempts: attempt.attempts,
      lastError: attempt.error.slice(0, 200),
      claimedUntil: null,
      ...(attempt.nextAttemptAt ? { nextAttemptAt: attempt.nextAttemptAt } : { emailStatus: "failed" }),
    },
  });
  return result.count === 1;
}

/** The e-mail will not be sent (the notification stays in the inbox). */
export async function markEmailSkipped(id: string, leaseUntil: Date, reason: string): Promise<boolean> {
  const result = await prisma.notification.updateMany({
    where: heldClaim(id, leaseUntil),
    data: { emailStatus: "skipped", lastError: reason.slice(0, 200), claimedUntil: null },
  });
  return result.count === 1;
}

// ---- Inbox --------------------------------------------------------------------------------------

export interface InboxEntry {
  id: string;
  kind: string;
  level: string | null;
  subject: string;
  body: string;
  alertIds: string[];
  /** Alerts covered, named or not. */
  alertCount: number;
  emailStatus: string;
  createdAt: Date;
  sentAt: Date | null;
  readAt: Date | null;
}

const inboxFields = {
  id: true,
  kind: true,
  level: true,
  subject: true,
  body: true,
  alertIds: true,
  alertCount: true,
  emailStatus: true,
  createdAt: true,
  sentAt: true,
  readAt: true,
} satisfies Prisma.NotificationSelect;

/** Newest first; `cursor` is the id of the last entry of the previous page. */
export async function listNotifications(
  shop: string,
  page: { limit: number; cursor?: string | null },
): Promise<{ entries: InboxEntry[]; nextCursor: string | null }> {
  const rows = await prisma.notification.findMany({
    where: { shop },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: page.limit + 1,
    ...(page.cursor ? { cursor: { id: page.cursor }, skip: 1 } : {}),
    select: inboxFields,
  });
  const entries = rows.slice(0, page.limit).map((row) => ({ ...row, alertIds: parseIds(row.alertIds) }));
  return { entries, nextCursor: rows.length > page.limit ? entries[entries.length - 1].id : null };
}

function parseIds(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

export async function countUnread(shop: string): Promise<number> {
  return prisma.notification.count({ where: { shop, readAt: null } });
}

/** Returns false for an unknown id, another shop's id, or one already read. */
export async function markNotificationRead(shop: string, id: string, at: Date): Promise<boolean> {
  const result = await prisma.notification.updateMany({ where: { shop, id, readAt: null }, data: { readAt: at } });
  return result.count === 1;
}

// ---- Privacy ------------------------------------------------------------------------------------

/**
 * customers/redact: notifications name the customer, so every one that covers one of the
 * customer's alerts goes (a digest naming others too goes whole). Call before the alerts are deleted.
 */
export async function deleteCustomerNotifications(tx: Tx, shop: string, customerShopifyId: string): Promise<number> {
  const alerts = await tx.alert.findMany({ where: { shop, customerShopifyId }, select: { id: true } });
  let deleted = 0;
  for (const ids of inChunks(
    alerts.map((alert) => alert.id),
    100,
  )) {
    const result = await tx.notification.deleteMany({
      where: { shop, OR: ids.map((id) => ({ alertIds: { contains: JSON.stringify(id) } })) },
    });
    deleted += result.count;
  }
  return deleted;
}
