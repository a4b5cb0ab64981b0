import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import { Banner, BlockStack, Card, InlineStack, Button, Page, Text } from "@shopify/polaris";

import { plural } from "../components/format";
import { InboxEntryCard } from "../components/InboxEntryCard";
import { type InboxEntryView, getInboxPage, markInboxEntryRead } from "../services/inbox-page.server";
import { authenticate } from "../shopify.server";

/** Notification ids are cuids; anything else is not a cursor or id of ours. */
const NOTIFICATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const cursor = new URL(request.url).searchParams.get("cursor");
  return getInboxPage(session.shop, cursor && NOTIFICATION_ID.test(cursor) ? cursor : null);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const id = form.get("id");
  if (form.get("intent") !== "markRead" || typeof id !== "string" || !NOTIFICATION_ID.test(id)) {
    return json({ ok: false as const, error: "Choose a message to mark as read." }, { status: 400 });
  }
  // False for an entry already read (another tab, a double click) as much as for an unknown one:
  // either way nothing is left to do, so the answer is not an error.
  const changed = await markInboxEntryRead(session.shop, id);
  return json({ ok: true as const, changed });
};

function InboxItem({ entry, timeZone }: { entry: InboxEntryView; timeZone: string }) {
  const fetcher = useFetcher<typeof action>();
  return (
    <BlockStack gap="200">
      {fetcher.data && !fetcher.data.ok ? <Banner tone="critical">{fetcher.data.error}</Banner> : null}
      <InboxEntryCard
        entry={entry}
        timeZone={timeZone}
        marking={fetcher.state !== "idle"}
        onMarkRead={(id) => fetcher.submit({ intent: "markRead", id }, { method: "post" })}
      />
    </BlockStack>
  );
}

export default function Inbox() {
  const page = useLoaderData<typeof loader>();
  const [, setSearchParams] = useSearchParams();
  return (
    <Page
      title="Inbox"
      subtitle={page.unread > 0 ? `${plural(page.unread, "unread message")}` : "All caught up"}
      backAction={{ content: "Overview", url: "/app" }}
    >
      <BlockStack gap="400">
        {page.entries.length === 0 ? (
          <Card>
            <Text as="p" tone="subdued">
              {page.cursor
                ? "No older messages."
                : "No messages yet. High-risk alerts arrive here at once, medium ones in a daily digest and low ones in a weekly report."}
            </Text>
          </Card>
        ) : (
          page.entries.map((entry) => <InboxItem key={entry.id} entry={entry} timeZone={page.timeZone} />)
        )}
        {page.cursor || page.nextCursor ? (
          <InlineStack align="center" gap="200">
            {page.cursor ? (
              <Button onClick={() => setSearchParams({})} accessibilityLabel="Back to the newest messages">
                Newest
              </Button>
            ) : null}
            {page.nextCursor ? (
              <Button
                onClick={() => setSearchParams({ cursor: page.nextCursor ?? "" })}
                accessibilityLabel="Show older messages"
              >
                Older
              </Button>
            ) : null}
          </InlineStack>
        ) : null}
      </BlockStack>
    </Page>
  );
}
