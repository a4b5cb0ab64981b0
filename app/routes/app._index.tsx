import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Page } from "@shopify/polaris";
import { useEffect } from "react";

import { BackfillProgress } from "../components/BackfillProgress";
import { ChurnRiskCard } from "../components/ChurnRiskCard";
import { ShopOverviewCards } from "../components/ShopOverviewCards";
import { getAdminHome, requestRescore } from "../services/shop-overview.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return getAdminHome(session.shop);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  if (form.get("intent") !== "rescore") {
    return json({ ok: false as const, error: "Unknown action." }, { status: 400 });
  }
  requestRescore(session.shop);
  return json({ ok: true as const, message: "Rescore started" });
};

/** While a run is queued or going, the page looks again every few seconds. */
const REFRESH_WHILE_SCORING_MS = 5_000;

export default function Index() {
  const home = useLoaderData<typeof loader>();
  const rescore = useFetcher<typeof action>();
  const shopify = useAppBridge();
  const { revalidate, state: revalidation } = useRevalidator();
  const scoring = home.risk.rescoreQueued || home.risk.lastRun?.status === "running";

  useEffect(() => {
    if (rescore.state === "idle" && rescore.data?.ok) shopify.toast.show(rescore.data.message);
  }, [rescore.state, rescore.data, shopify]);

  useEffect(() => {
    if (!scoring || revalidation !== "idle") return;
    const timer = setTimeout(revalidate, REFRESH_WHILE_SCORING_MS);
    return () => clearTimeout(timer);
  }, [scoring, revalidation, revalidate]);

  return (
    <Page title="Churn Radar">
      <BlockStack gap="400">
        <BackfillProgress progress={home.backfill} />
        {rescore.data && !rescore.data.ok ? (
          <Banner tone="critical" title="The rescore could not be started">
            {rescore.data.error}
          </Banner>
        ) : null}
        <ChurnRiskCard
          risk={home.risk}
          submitting={rescore.state !== "idle"}
          onRescore={() => rescore.submit({ intent: "rescore" }, { method: "post" })}
        />
        <ShopOverviewCards overview={home} />
      </BlockStack>
    </Page>
  );
}
