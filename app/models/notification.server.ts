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

/** Open alerts of one level that no notification covers yet, oldest first. */
export async function unnotifiedOpenAlerts(
  shop: string,
  level: string,
  options: { createdAfter?: Date; limit?: number } = {},
): Promise<AlertToNotify[]> {
  return prisma.alert.findMany({
    where: {
      shop,
      level,
      state: "open",
      notifiedAt: null,
      ...(options.createdAfter ? { createdAt: { gt: options.createdAfter } } : {}),
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: options.limit,
    select: { id: true, customerShopifyId: true, cause: true, level: true, reasons: true, createdAt: true },
  });
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
  alertIds: string[];
  /** Null: inbox only (no address, or e-mail switched off). */
  recipient: string | null;
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
      await tx.notification.create({ data: notificationRow(notification, now) });
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

function notificationRow(notification: NewNotification, now: Date): Prisma.NotificationCreateInput {
  const { alertIds, recipient, ...fields } = notification;
  return {
    ...fields,
    alertIds: JSON.stringify(alertIds),
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
