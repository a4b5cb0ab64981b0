import { createElement } from "react";
import { describe, expect, it } from "vitest";

import { InboxEntryCard } from "~/components/InboxEntryCard";
import prisma from "~/db.server";
import { action, loader } from "~/routes/app.inbox";

import {
  actionResult,
  embeddedPost,
  embeddedRequest,
  installAdminSession,
  renderPolaris,
} from "./support/embedded-admin";
import { uniqueShop } from "./support/shopify-webhooks";

const call = { params: {}, context: {} };

async function seedInbox(shop: string, count: number) {
  await installAdminSession(shop);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const row = await prisma.notification.create({
      data: {
        shop,
        kind: i % 2 === 0 ? "alert" : "digest",
        dedupeKey: `key:${i}`,
        level: i % 2 === 0 ? "high" : "medium",
        locale: "en",
        subject: `Subject ${i}`,
        body: `Line one of ${i}\n\nLine two`,
        alertIds: JSON.stringify([`alert-${i}`]),
        alertCount: 1,
        recipient: i === 0 ? null : "owner@example.com",
        emailStatus: i === 0 ? "skipped" : "sent",
        sentAt: i === 0 ? null : new Date(Date.UTC(2026, 10, 1 + i, 9)),
        createdAt: new Date(Date.UTC(2026, 10, 1 + i, 8)),
      },
    });
    ids.push(row.id);
  }
  return ids;
}

describe("inbox page", () => {
  it("lists the shop's notifications newest first with subject, kind, date, e-mail status and body", async () => {
    const shop = uniqueShop();
    const ids = await seedInbox(shop, 3);
    await seedInbox(uniqueShop(), 2);

    const page = await loader({ request: await embeddedRequest(shop, "/app/inbox"), ...call });
    expect(page.unread).toBe(3);
    expect(page.nextCursor).toBeNull();
    expect(page.entries.map((entry) => entry.id)).toEqual([...ids].reverse());
    expect(page.entries[2]).toEqual({
      id: ids[0],
      kind: "alert",
      level: "high",
      subject: "Subject 0",
      body: "Line one of 0\n\nLine two",
      alertCount: 1,
      emailStatus: "skipped",
      createdAt: "2026-11-01T08:00:00.000Z",
      sentAt: null,
      readAt: null,
    });
    expect(page.entries[1]).toMatchObject({ kind: "digest", emailStatus: "sent", sentAt: "2026-11-02T09:00:00.000Z" });
    expect(page.entries[0]).toMatchObject({ kind: "alert", emailStatus: "sent", sentAt: "2026-11-03T09:00:00.000Z" });

    const render = (entry: (typeof page.entries)[number]) =>
      renderPolaris(
        createElement(InboxEntryCard, { entry, timeZone: page.timeZone, marking: false, onMarkRead: () => {} }),
      );
    const digest = render(page.entries[1]);
    expect(digest).toContain("Subject 1");
    expect(digest).toContain("Daily digest");
    expect(digest).toContain("Medium risk");
    expect(digest).toMatch(/E-mailed Nov 2, 2026, 9:00\sAM/);
    expect(digest).toContain("Unread");
    expect(digest).toContain("Mark as read");
    expect(render(page.entries[2])).toContain("In-app only");
  });

  it("pages through older notifications with the cursor", async () => {
    const shop = uniqueShop();
    const ids = (await seedInbox(shop, 23)).reverse();

    const first = await loader({ request: await embeddedRequest(shop, "/app/inbox"), ...call });
    expect(first.entries.map((entry) => entry.id)).toEqual(ids.slice(0, 20));
    expect(first.nextCursor).toBe(ids[19]);

    const second = await loader({
      request: await embeddedRequest(shop, `/app/inbox?cursor=${first.nextCursor ?? ""}`),
      ...call,
    });
    expect(second.cursor).toBe(ids[19]);
    expect(second.entries.map((entry) => entry.id)).toEqual(ids.slice(20));
    expect(second.nextCursor).toBeNull();
  });

  it("marks one entry read, and only the shop's own", async () => {
    const shop = uniqueShop();
    const other = uniqueShop();
    const [id] = await seedInbox(shop, 2);
    const [othersId] = await seedInbox(other, 1);

    const marked = await action({
      request: await embeddedPost(shop, "/app/inbox", { intent: "markRead", id }),
      ...call,
    });
    expect(await actionResult(marked)).toEqual({ status: 200, body: { ok: true, changed: true } });
    expect((await prisma.notification.findUniqueOrThrow({ where: { id } })).readAt).toBeInstanceOf(Date);

    const again = await action({
      request: await embeddedPost(shop, "/app/inbox", { intent: "markRead", id }),
      ...call,
    });
    expect(await actionResult(again)).toEqual({ status: 200, body: { ok: true, changed: false } });

    const foreign = await action({
      request: await embeddedPost(shop, "/app/inbox", { intent: "markRead", id: othersId }),
      ...call,
    });
    expect(await actionResult(foreign)).toEqual({ status: 200, body: { ok: true, changed: false } });
    expect((await prisma.notification.findUniqueOrThrow({ where: { id: othersId } })).readAt).toBeNull();

    const page = await loader({ request: await embeddedRequest(shop, "/app/inbox"), ...call });
    expect(page.unread).toBe(1);
    expect(page.entries.find((entry) => entry.id === id)?.readAt).not.toBeNull();
  });

  it("answers 400 to a malformed submission", async () => {
    const shop = uniqueShop();
    await seedInbox(shop, 1);
    const submissions: Record<string, string>[] = [
      { intent: "markRead" },
      { intent: "delete", id: "abc" },
      { intent: "markRead", id: "a b" },
    ];
    for (const fields of submissions) {
      const response = await action({ request: await embeddedPost(shop, "/app/inbox", fields), ...call });
      expect((await actionResult(response)).status).toBe(400);
    }
  });
});
