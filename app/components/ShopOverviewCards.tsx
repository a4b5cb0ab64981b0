import { BlockStack, Card, DataTable, InlineGrid, Layout, Text } from "@shopify/polaris";

import type { ShopOverview } from "../services/shop-overview.server";

const number = new Intl.NumberFormat("en");

function CountCard({ title, id, value }: { title: string; id: string; value: number }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingSm">
          {title}
        </Text>
        <Text as="p" variant="heading2xl" id={id}>
          {number.format(value)}
        </Text>
      </BlockStack>
    </Card>
  );
}

/** The shop's customers, orders and revenue by market, as the index page shows them. */
export function ShopOverviewCards({ overview }: { overview: ShopOverview }) {
  const topMarkets = overview.revenueByCountry.slice(0, 10);
  return (
    <Layout>
      <Layout.Section>
        <InlineGrid columns={{ xs: 1, sm: 2 }} gap="400">
          <CountCard title="Customers" id="customer-count" value={overview.customers} />
          <CountCard title="Orders" id="order-count" value={overview.orders} />
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
  );
}
