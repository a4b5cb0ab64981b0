import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, DataTable, InlineGrid, Layout, Page, Text } from "@shopify/polaris";

import { getShopOverview } from "../services/shop-overview.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return getShopOverview(session.shop);
};

const number = new Intl.NumberFormat("en");

export default function Index() {
  const overview = useLoaderData<typeof loader>();
  const topMarkets = overview.revenueByCountry.slice(0, 10);
  return (
    <Page title="Churn Radar">
      <Layout>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, sm: 2 }} gap="400">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingSm">
                  Customers
                </Text>
                <Text as="p" variant="heading2xl" id="customer-count">
                  {number.format(overview.customers)}
                </Text>
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingSm">
                  Orders
                </Text>
                <Text as="p" variant="heading2xl" id="order-count">
                  {number.format(overview.orders)}
                </Text>
              </BlockStack>
            </Card>
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingSm">
                Revenue by market (shop currency)
              </Text>
              {topMarkets.length === 0 ? (
                <Text as="p" tone="subdued">
                  No orders yet. New orders appear here as Shopify sends them.
                </Text>
              ) : (
                <DataTable
                  columnContentTypes={["text", "numeric", "numeric"]}
                  headings={["Market", "Orders", "Revenue"]}
                  rows={topMarkets.map((m) => [
                    m.country,
                    number.format(m.orders),
                    new Intl.NumberFormat("en", { style: "currency", currency: m.currency }).format(m.revenue),
                  ])}
                />
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
