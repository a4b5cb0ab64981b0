import {
  Badge,
  BlockStack,
  Box,
  Button,
  Card,
  InlineGrid,
  InlineStack,
  ProgressBar,
  Text,
  type ProgressBarProps,
} from "@shopify/polaris";

import type { ChurnRiskSummary, LastScoreRun, RiskLevelName } from "../services/shop-overview.server";
import { formatDateTime, numberFormat, plural } from "./format";
import { riskLevelLabel, tierLabel } from "./risk-labels";

const LEVEL_BAR_TONE: Record<RiskLevelName, ProgressBarProps["tone"]> = {
  high: "critical",
  medium: "highlight",
  low: "success",
};

function percentOf(count: number, total: number): number {
  return total > 0 ? Math.round((count / total) * 100) : 0;
}

/** One line about the latest scoring run, in plain words. */
export function lastRunText(run: LastScoreRun | null, timeZone: string): string {
  if (!run) return "Your customers have not been scored yet.";
  const kind = run.kind === "full" ? "full run" : "changed customers only";
  if (run.status === "running") {
    return `Scoring now (${kind}, started ${formatDateTime(run.startedAt, timeZone)}): ${plural(run.scored, "customer")} so far.`;
  }
  if (run.status === "failed") {
    return `The last scoring run (started ${formatDateTime(run.startedAt, timeZone)}) stopped before it finished; it is retried automatically.`;
  }
  return `Last scored ${formatDateTime(run.completedAt ?? run.startedAt, timeZone)} (${kind}): ${plural(
    run.scored,
    "customer",
  )} scored, ${numberFormat.format(run.changed)} changed, ${plural(run.alertsOpened, "new alert")}.`;
}

function LevelRow({ level, count, total }: { level: RiskLevelName; count: number; total: number }) {
  const { label, tone } = riskLevelLabel(level);
  const percent = percentOf(count, total);
  const id = `risk-level-${level}`;
  return (
    <BlockStack gap="100">
      <InlineStack align="space-between" blockAlign="center">
        <Badge tone={tone}>{label}</Badge>
        <Text as="span" variant="bodyMd" id={id}>
          {`${plural(count, "customer")} (${percent}%)`}
        </Text>
      </InlineStack>
      <ProgressBar progress={percent} tone={LEVEL_BAR_TONE[level]} size="small" ariaLabelledBy={id} />
    </BlockStack>
  );
}

export interface ChurnRiskCardProps {
  risk: ChurnRiskSummary;
  /** A rescore request is on its way to the server. */
  submitting: boolean;
  onRescore: () => void;
}

/**
 * The index page's churn-risk section: customers per risk level and per tier, when the shop was
 * last scored, the open alerts, and "Rescore now".
 */
export function ChurnRiskCard({ risk, submitting, onRescore }: ChurnRiskCardProps) {
  const running = risk.lastRun?.status === "running";
  const busy = risk.rescoreQueued || running;
  const openAlerts = risk.alerts.open + risk.alerts.acknowledged;
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Text as="h2" variant="headingMd">
            Churn risk
          </Text>
          <Button
            onClick={onRescore}
            loading={submitting}
            disabled={busy}
            accessibilityLabel="Rescore customers whose activity changed since the last run"
          >
            {busy ? (running ? "Scoring…" : "Rescore queued") : "Rescore now"}
          </Button>
        </InlineStack>

        {risk.scored === 0 ? (
          <Box paddingBlock="200">
            <BlockStack gap="200">
              <Text as="p" variant="headingSm">
                No risk scores yet
              </Text>
              <Text as="p" tone="subdued">
                {running
                  ? "Your customers are being scored for the first time. This page updates when the run finishes."
                  : "Churn Radar scores every customer once a day, after your order history is imported. Choose Rescore now to score them right away."}
              </Text>
            </BlockStack>
          </Box>
        ) : (
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="600">
            <BlockStack gap="300">
              <Text as="h3" variant="headingSm">
                {`Risk level (${plural(risk.scored, "scored customer")})`}
              </Text>
              {risk.levels.map(({ level, count }) => (
                <LevelRow key={level} level={level} count={count} total={risk.scored} />
              ))}
            </BlockStack>
            <BlockStack gap="300">
              <Text as="h3" variant="headingSm">
                Value tier
              </Text>
              <InlineGrid columns={2} gap="300">
                {risk.tiers.map(({ tier, count }) => (
                  <BlockStack gap="050" key={tier}>
                    <Text as="p" variant="bodySm" tone="subdued">
                      {tierLabel(tier)}
                    </Text>
                    <Text as="p" variant="headingLg">
                      {numberFormat.format(count)}
                    </Text>
                  </BlockStack>
                ))}
              </InlineGrid>
            </BlockStack>
          </InlineGrid>
        )}

        <Text as="p" tone="subdued">
          {lastRunText(risk.lastRun, risk.timeZone)}
        </Text>

        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Text as="p">
            {openAlerts === 0
              ? "No open alerts."
              : `${plural(risk.alerts.open, "open alert")}, ${numberFormat.format(risk.alerts.acknowledged)} acknowledged.`}
          </Text>
          <Button url="/app/alerts" variant="plain" accessibilityLabel="Review churn alerts">
            Review alerts
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
