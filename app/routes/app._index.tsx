import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Page } from "@shopify/polaris";

import { BackfillProgress } from "../components/BackfillProgress";
import { ShopOverviewCards } from "../components/ShopOverviewCards";
import { getShopOverview } from "../services/shop-overview.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return getShopOverview(session.shop);
};

export default function Index() {
  const overview = useLoaderData<typeof loader>();
  return (
    <Page title="Churn Radar">
      <BlockStack gap="400">
        <BackfillProgress progress={overview.backfill} />
        <ShopOverviewCards overview={overview} />
      </BlockStack>
    </Page>
  );
}
