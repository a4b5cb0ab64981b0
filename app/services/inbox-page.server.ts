import { getShopTimeZone } from "../models/shop.server";
import { listInbox, markRead, unreadCount } from "./notifications.server";

// What the inbox page (app.inbox) and the unread count beside it in the navigation show, as plain
// serialisable view data (dates as ISO strings), so that a route only authenticates and calls one
// function here.

export const INBOX_PAGE_SIZE = 20;

export interface InboxEntryView {
  id: string;
  /** alert | digest | report */
  kind: string;
  level: string | null;
  subject: string;
  body: string;
  alertCount: number;
  /** pending | sent | failed | skipped */
  emailStatus: string;
  createdAt: string;
  sentAt: string | null;
  readAt: string | null;
}

export interface InboxPage {
  entries: InboxEntryView[];
  unread: number;
  /** The cursor of this page (null: the newest page) and of the next, older one. */
  cursor: string | null;
  nextCursor: string | null;
  timeZone: string;
}

/** The inbox page: the shop's notifications, newest first, a page at a time. */
export async function getInboxPage(shop: string, cursor: string | null): Promise<InboxPage> {
  const [page, unread, timeZone] = await Promise.all([
    listInbox(shop, { limit: INBOX_PAGE_SIZE, cursor }),
    unreadCount(shop),
    getShopTimeZone(shop),
  ]);
  return {
    entries: page.entries.map((entry) => ({
      id: entry.id,
      kind: entry.kind,
      level: entry.level,
      subject: entry.subject,
      body: entry.body,
      alertCount: entry.alertCount,
      emailStatus: entry.emailStatus,
      createdAt: entry.createdAt.toISOString(),
      sentAt: entry.sentAt?.toISOString() ?? null,
      readAt: entry.readAt?.toISOString() ?? null,
    })),
    unread,
    cursor,
    nextCursor: page.nextCursor,
    timeZone,
  };
}

/** Marks one of the shop's notifications read; false when unknown, another shop's, or already read. */
export async function markInboxEntryRead(shop: string, id: string): Promise<boolean> {
  return markRead(shop, id);
}

/** The count the navigation shows beside "Inbox". */
export async function inboxUnreadCount(shop: string): Promise<number> {
  return unreadCount(shop);
}
