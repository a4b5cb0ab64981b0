import { Badge, BlockStack, Button, Card, Collapsible, InlineStack, Text, type BadgeProps } from "@shopify/polaris";
import { useId, useState } from "react";

import type { InboxEntryView } from "../services/inbox-page.server";
import { formatDateTime, plural } from "./format";
import { riskLevelLabel } from "./risk-labels";

const KINDS: Record<string, string> = {
  alert: "Alert",
  digest: "Daily digest",
  report: "Weekly report",
};

/** How the entry's e-mail fared, in words. */
export function emailStatusLabel(entry: Pick<InboxEntryView, "emailStatus" | "sentAt">, timeZone: string) {
  const labels: Record<string, { label: string; tone: BadgeProps["tone"] }> = {
    pending: { label: "E-mail queued", tone: "info" },
    sent: { label: entry.sentAt ? `E-mailed ${formatDateTime(entry.sentAt, timeZone)}` : "E-mailed", tone: "success" },
    failed: { label: "E-mail failed", tone: "critical" },
    skipped: { label: "In-app only", tone: undefined },
  };
  return labels[entry.emailStatus] ?? { label: entry.emailStatus, tone: undefined };
}

/** The plain-text body as paragraphs (blank lines) and line breaks. */
function MessageBody({ body }: { body: string }) {
  const paragraphs = body.split(/\n\s*\n/).filter((paragraph) => paragraph.trim().length > 0);
  return (
    <BlockStack gap="200">
      {paragraphs.map((paragraph, index) => (
        <Text as="p" key={index} breakWord>
          {paragraph.split("\n").map((line, lineIndex) => (
            <span key={lineIndex}>
              {lineIndex > 0 ? <br /> : null}
              {line}
            </span>
          ))}
        </Text>
      ))}
    </BlockStack>
  );
}

export interface InboxEntryCardProps {
  entry: InboxEntryView;
  timeZone: string;
  marking: boolean;
  onMarkRead: (id: string) => void;
}

/** One notification: subject, kind, date, e-mail status; the message opens on demand (and counts as read). */
export function InboxEntryCard({ entry, timeZone, marking, onMarkRead }: InboxEntryCardProps) {
  const [open, setOpen] = useState(false);
  const bodyId = useId();
  const unread = entry.readAt === null;
  const email = emailStatusLabel(entry, timeZone);
  const level = entry.level ? riskLevelLabel(entry.level) : null;
  const toggle = () => {
    if (!open && unread) onMarkRead(entry.id);
    setOpen(!open);
  };
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack align="space-between" blockAlign="start" gap="200">
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm" fontWeight={unread ? "bold" : "regular"}>
              {entry.subject}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {[
                formatDateTime(entry.createdAt, timeZone),
                entry.alertCount > 0 ? plural(entry.alertCount, "alert") : null,
              ]
                .filter(Boolean)
                .join(" · ")}
            </Text>
          </BlockStack>
          <InlineStack gap="100" blockAlign="center">
            {unread ? <Badge tone="attention">Unread</Badge> : null}
            <Badge>{KINDS[entry.kind] ?? entry.kind}</Badge>
            {level ? <Badge tone={level.tone}>{level.label}</Badge> : null}
            <Badge tone={email.tone}>{email.label}</Badge>
          </InlineStack>
        </InlineStack>
        <InlineStack gap="200">
          <Button
            variant="plain"
            onClick={toggle}
            ariaExpanded={open}
            ariaControls={bodyId}
            accessibilityLabel={`${open ? "Hide" : "Show"} the message “${entry.subject}”`}
          >
            {open ? "Hide message" : "Show message"}
          </Button>
          {unread ? (
            <Button
              variant="plain"
              onClick={() => onMarkRead(entry.id)}
              loading={marking}
              accessibilityLabel={`Mark “${entry.subject}” as read`}
            >
              Mark as read
            </Button>
          ) : null}
          {entry.alertCount > 0 ? (
            <Button variant="plain" url="/app/alerts" accessibilityLabel="Review the alerts">
              Review alerts
            </Button>
          ) : null}
        </InlineStack>
        <Collapsible open={open} id={bodyId} transition={{ duration: "150ms" }}>
          <MessageBody body={entry.body} />
        </Collapsible>
      </BlockStack>
    </Card>
  );
}
