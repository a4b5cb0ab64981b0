import { Banner, BlockStack, Card, ProgressBar, Text } from "@shopify/polaris";

import type { BackfillProgress as Progress } from "../models/backfill-run.server";

const number = new Intl.NumberFormat("en");

/** What the progress text says in each state of the import (plain words, no jargon). */
export function backfillProgressText(progress: Progress): string {
  switch (progress.status) {
    case "none":
      return "Your order history has not been imported yet.";
    case "pending":
      return "Asking Shopify for your customers and orders…";
    case "running":
      return progress.objectCount
        ? `Shopify is preparing your history (${number.format(progress.objectCount)} records so far)…`
        : "Shopify is preparing your history…";
    case "importing":
      return `Importing: ${number.format(progress.customersImported)} customers and ${number.format(
        progress.ordersImported,
      )} orders so far (${progress.percent}%).`;
    case "completed":
      return `History imported: ${number.format(progress.customersImported)} customers and ${number.format(
        progress.ordersImported,
      )} orders.`;
    case "failed":
      return "The import stopped before it finished; new orders still arrive as they happen.";
    case "cancelled":
      return "The import was cancelled.";
  }
}

/**
 * The historical import's progress for the index page: a Polaris ProgressBar and one line of
 * text. Give it `getBackfillProgress(shop)` from app/models/backfill-run.server.ts.
 */
export function BackfillProgress({ progress }: { progress: Progress }) {
  const active = progress.status === "pending" || progress.status === "running" || progress.status === "importing";
  const tone = progress.status === "completed" ? "success" : progress.status === "failed" ? "critical" : "highlight";
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingSm">
          Order history
        </Text>
        <ProgressBar
          progress={progress.status === "completed" ? 100 : progress.percent}
          tone={tone}
          animated={active}
          size="small"
          ariaLabelledBy="backfill-progress-text"
        />
        <Text as="p" variant="bodyMd" id="backfill-progress-text">
          {backfillProgressText(progress)}
        </Text>
        {progress.status === "failed" && progress.error ? (
          <Banner tone="warning">
            <Text as="p" variant="bodySm">
              {progress.error}
            </Text>
          </Banner>
        ) : null}
      </BlockStack>
    </Card>
  );
}
