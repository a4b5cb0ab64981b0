import { Badge, BlockStack, Button, Card, InlineStack, Link, List, Text } from "@shopify/polaris";

import type { AlertView } from "../services/alerts-page.server";
import { describeBehaviourStep } from "./behaviour-path";
import { formatDateTime } from "./format";
import { alertStateLabel, riskLevelLabel } from "./risk-labels";

/** The customer's page in Shopify admin; App Bridge opens `shopify:admin/...` links in the admin. */
export function customerAdminLink(customerId: string): string {
  return `shopify:admin/customers/${encodeURIComponent(customerId)}`;
}

/** What raised the alert, in words. */
export function alertCauseText(cause: AlertView["cause"]): string {
  if (cause.kind === "risk-level") return "Risk level: quiet for longer than usual for this customer";
  return cause.ruleName ? `Rule: ${cause.ruleName}` : "Rule (since deleted)";
}

export type AlertCardAction = "acknowledge" | "resolve";

export interface AlertCardProps {
  alert: AlertView;
  timeZone: string;
  /** The action being sent for this alert, if any. */
  pending: AlertCardAction | null;
  onAction: (alertId: string, action: AlertCardAction) => void;
}

/** One alert: level, state, cause, customer, reasons, last behaviour, and what to do with it. */
export function AlertCard({ alert, timeZone, pending, onAction }: AlertCardProps) {
  const level = riskLevelLabel(alert.level);
  const state = alertStateLabel(alert.state);
  const customer = alert.customerName ?? `Customer #${alert.customerId}`;
  const canAcknowledge = alert.state === "open";
  const canResolve = alert.state === "open" || alert.state === "acknowledged";
  const headingId = `alert-${alert.id}-heading`;
  return (
    <Card>
      <section aria-labelledby={headingId}>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="start" gap="200">
            <BlockStack gap="100">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h3" variant="headingSm" id={headingId}>
                  <Link
                    url={customerAdminLink(alert.customerId)}
                    accessibilityLabel={`Open ${customer} in Shopify admin`}
                  >
                    {customer}
                  </Link>
                </Text>
                <Badge tone={level.tone}>{level.label}</Badge>
                <Badge tone={state.tone}>{state.label}</Badge>
              </InlineStack>
              <Text as="p" variant="bodySm" tone="subdued">
                {[
                  `Customer ID ${alert.customerId}`,
                  alert.score === null ? null : `score ${alert.score}/100`,
                  `raised ${formatDateTime(alert.createdAt, timeZone)}`,
                  alert.acknowledgedAt ? `acknowledged ${formatDateTime(alert.acknowledgedAt, timeZone)}` : null,
                  alert.resolvedAt ? `resolved ${formatDateTime(alert.resolvedAt, timeZone)}` : null,
                ]
                  .filter(Boolean)
                  .join(" · ")}
              </Text>
            </BlockStack>
            {canAcknowledge || canResolve ? (
              <InlineStack gap="200">
                {canAcknowledge ? (
                  <Button
                    onClick={() => onAction(alert.id, "acknowledge")}
                    loading={pending === "acknowledge"}
                    disabled={pending !== null}
                    accessibilityLabel={`Acknowledge the alert for ${customer}`}
                  >
                    Acknowledge
                  </Button>
                ) : null}
                {canResolve ? (
                  <Button
                    variant="primary"
                    onClick={() => onAction(alert.id, "resolve")}
                    loading={pending === "resolve"}
                    disabled={pending !== null}
                    accessibilityLabel={`Resolve the alert for ${customer}`}
                  >
                    Resolve
                  </Button>
                ) : null}
              </InlineStack>
            ) : null}
          </InlineStack>

          <Text as="p">{alertCauseText(alert.cause)}</Text>

          {alert.reasons.length > 0 ? (
            <BlockStack gap="100">
              <Text as="h4" variant="headingXs">
                Why
              </Text>
              <List type="bullet">
                {alert.reasons.map((reason, index) => (
                  <List.Item key={index}>{reason}</List.Item>
                ))}
              </List>
            </BlockStack>
          ) : null}

          <BlockStack gap="100">
            <Text as="h4" variant="headingXs">
              Last activity before going quiet
            </Text>
            {alert.behaviourPath.length === 0 ? (
              <Text as="p" variant="bodySm" tone="subdued">
                No storefront visits or orders recorded.
              </Text>
            ) : (
              <List type="bullet">
                {alert.behaviourPath.map((step, index) => (
                  <List.Item key={index}>
                    <Text as="span" variant="bodySm">
                      <Text as="span" variant="bodySm" tone="subdued">
                        {formatDateTime(step.at, timeZone)}
                      </Text>
                      {` · ${describeBehaviourStep(step)}`}
                    </Text>
                  </List.Item>
                ))}
              </List>
            )}
          </BlockStack>
        </BlockStack>
      </section>
    </Card>
  );
}
