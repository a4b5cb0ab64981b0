/**
 * The bulk query of the historical backfill: every customer, then each customer's orders as child
 * lines (`__parentId` = the customer). Two connection levels, the bulk maximum, so an order's
 * line items are counted by quantity (subtotalLineItemsQuantity) rather than listed. The fields
 * are those the webhooks give (app/integrations/shopify/webhook-payloads.ts), GraphQL-named.
 */
export const BACKFILL_CUSTOMERS_ORDERS = `#graphql
  query BackfillCustomersOrders {
    customers {
      edges {
        node {
          id
          firstName
          lastName
          state
          tags
          locale
          createdAt
          updatedAt
          defaultEmailAddress {
            emailAddress
            marketingState
          }
          defaultAddress {
            countryCodeV2
          }
          orders {
            edges {
              node {
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
        }
      }
    }
  }
`;
