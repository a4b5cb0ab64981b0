import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Card, Page, Tabs, Text } from "@shopify/polaris";
import { useEffect } from "react";

import { AlertCard, type AlertCardAction } from "../components/AlertCard";
import { numberFormat } from "../components/format";
import {
  type AlertFilter,
  type AlertView,
  alertFilterFrom,
  changeAlertState,
  getAlertsPage,
} from "../services/alerts-page.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const filter = alertFilterFrom(new URL(request.url).searchParams.get("state"));
  return getAlertsPage(session.shop, filter);
};

const ALERT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const intent = form.get("intent");
  const alertId = form.get("alertId");
  if ((intent !== "acknowledge" && intent !== "resolve") || typeof alertId !== "string" || !ALERT_ID.test(alertId)) {
    return json({ ok: false as const, error: "Choose Acknowledge or Resolve on an alert." }, { status: 400 });
  }
  const result = await changeAlertState(session.shop, alertId, intent);
  if (result.outcome === "not_found") {
    return json({ ok: false as const, error: "This alert no longer exists." }, { status: 404 });
  }
  if (result.outcome === "not_allowed") {
    return json({ ok: false as const, error: refusedTransition(intent, result.state) }, { status: 409 });
  }
  return json({ ok: true as const, message: intent === "acknowledge" ? "Alert acknowledged" : "Alert resolved" });
};

const STATE_WORDS: Record<string, string> = {
  acknowledged: "already acknowledged",
  resolved: "already resolved",
  auto_resolved: "already resolved (the customer came back)",
};

/** Why the action cannot apply: the alert moved on, e.g. resolved in another tab or by the customer's return. */
function refusedTransition(intent: "acknowledge" | "resolve", state: string): string {
  const now = STATE_WORDS[state] ?? `in state "${state}"`;
  return `This alert is ${now}, so it cannot be ${intent === "acknowledge" ? "acknowledged" : "resolved"}.`;
}

const TABS: { id: AlertFilter; content: string; accessibilityLabel: string }[] = [
  { id: "unresolved", content: "Needs attention", accessibilityLabel: "Open and acknowledged alerts" },
  { id: "open", content: "Open", accessibilityLabel: "Open alerts" },
  { id: "acknowledged", content: "Acknowledged", accessibilityLabel: "Acknowledged alerts" },
  { id: "resolved", content: "Resolved", accessibilityLabel: "Resolved alerts" },
];

const EMPTY: Record<AlertFilter, string> = {
  unresolved: "No alerts need your attention. New ones appear here after each scoring run.",
  open: "No open alerts.",
  acknowledged: "No acknowledged alerts.",
  resolved: "No resolved alerts yet.",
};

function AlertItem({ alert, timeZone }: { alert: AlertView; timeZone: string }) {
  const fetcher = useFetcher<typeof action>();
  const shopify = useAppBridge();
  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data?.ok) shopify.toast.show(fetcher.data.message);
  }, [fetcher.state, fetcher.data, shopify]);
  const sending = fetcher.formData?.get("intent");
  return (
    <BlockStack gap="200">
      {fetcher.data && !fetcher.data.ok ? <Banner tone="critical">{fetcher.data.error}</Banner> : null}
      <AlertCard
        alert={alert}
        timeZone={timeZone}
        pending={sending === "acknowledge" || sending === "resolve" ? sending : null}
        onAction={(alertId: string, intent: AlertCardAction) => fetcher.submit({ intent, alertId }, { method: "post" })}
      />
    </BlockStack>
  );
}

export default function Alerts() {
  const page = useLoaderData<typeof loader>();
  const [, setSearchParams] = useSearchParams();
  const selected = Math.max(
    0,
    TABS.findIndex((tab) => tab.id === page.filter),
  );
  return (
    <Page title="Alerts" backAction={{ content: "Overview", url: "/app" }}>
      <BlockStack gap="400">
        <Card padding="0">
          <Tabs
            tabs={TABS.map((tab) => ({
              ...tab,
              badge: numberFormat.format(page.counts[tab.id]),
              panelID: "alerts-panel",
            }))}
            selected={selected}
            onSelect={(index) => setSearchParams(index === 0 ? {} : { state: TABS[index].id })}
          />
        </Card>
        <div id="alerts-panel" role="tabpanel" aria-label={TABS[selected].accessibilityLabel}>
          <BlockStack gap="400">
            {page.alerts.length === 0 ? (
              <Card>
                <Text as="p" tone="subdued">
                  {EMPTY[page.filter]}
                </Text>
              </Card>
            ) : (
              page.alerts.map((alert) => <AlertItem key={alert.id} alert={alert} timeZone={page.timeZone} />)
            )}
            {page.truncated ? (
              <Text as="p" tone="subdued" alignment="center">
                {`Showing the newest ${numberFormat.format(page.alerts.length)} of ${numberFormat.format(
                  page.counts[page.filter],
                )} alerts.`}
              </Text>
            ) : null}
          </BlockStack>
        </div>
      </BlockStack>
    </Page>
  );
}
