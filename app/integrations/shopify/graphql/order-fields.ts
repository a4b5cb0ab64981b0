/**
 * What ingestion reads of an order, in the backfill and in reconciliation alike: the fields the
 * orders/* webhooks give (app/integrations/shopify/webhook-payloads.ts), GraphQL-named. Line items
 * are counted by quantity (subtotalLineItemsQuantity) rather than listed: in the backfill a list
 * would be a third connection level, one more than a bulk query allows.
 * The plain selection goes into the bulk query (no fragments there); the fragment, interpolated
 * into each document that spreads it, into reconciliation. Either way each document is sent complete.
 */
export const ORDER_FIELD_SELECTION = `
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
`;

export const ORDER_FIELDS = `#graphql
  fragment OrderFields on Order {
    ${ORDER_FIELD_SELECTION}
  }
`;
