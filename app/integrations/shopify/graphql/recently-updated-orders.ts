/** Reconciliation: orders updated since a time, oldest change first, one page at a time. */
export const RECENTLY_UPDATED_ORDERS = `#graphql
  query RecentlyUpdatedOrders($query: String!, $after: String) {
    orders(first: 100, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        name
        createdAt
        updatedAt
        processedAt
        cancelledAt
        displayFinancialStatus
        totalPriceSet {
          shopMoney {
            amount
            currencyCode
          }
          presentmentMoney {
            amount
            currencyCode
          }
        }
        currentTotalPriceSet {
          shopMoney {
            amount
            currencyCode
          }
          presentmentMoney {
            amount
            currencyCode
          }
        }
        customer {
          id
        }
        shippingAddress {
          countryCodeV2
        }
        billingAddress {
          countryCodeV2
        }
        discountCodes
        subtotalLineItemsQuantity
      }
    }
  }
`;
