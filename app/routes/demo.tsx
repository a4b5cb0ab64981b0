import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AppProvider, Banner, BlockStack, Page } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import polarisTranslations from "@shopify/polaris/locales/en.json";

import { ShopOverviewCards } from "../components/ShopOverviewCards";
import { DEMO_SHOP, isDemoEnabled } from "../services/demo-import.server";
import { getShopOverview } from "../services/shop-overview.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

// The read-only demo page that `npm run demo` serves outside Shopify admin. It shows only the
// imported demo shop, and only when the demo process turned it on; anywhere else it is a 404.
export const loader = async (_args: LoaderFunctionArgs) => {
  if (!isDemoEnabled()) throw new Response("Not found", { status: 404 });
  return getShopOverview(DEMO_SHOP);
};

export default function Demo() {
  const overview = useLoaderData<typeof loader>();
  return (
    <AppProvider i18n={polarisTranslations}>
      <Page title="Churn Radar demo: Online Retail (UCI)">
        <BlockStack gap="400">
          <Banner tone="info">
            Real orders of a UK online gift retailer selling to 38 countries, 2010-12 to 2011-12 (UCI Machine Learning
            Repository, Chen et al. 2012, CC BY 4.0), imported through the app&apos;s webhook ingestion.
          </Banner>
          <ShopOverviewCards overview={overview} />
        </BlockStack>
      </Page>
    </AppProvider>
  );
}
