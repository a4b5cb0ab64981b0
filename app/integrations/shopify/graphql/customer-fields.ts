/**
 * What ingestion reads of a customer, in the backfill and in reconciliation alike: the fields the
 * customers/* webhooks give (app/integrations/shopify/webhook-payloads.ts), GraphQL-named.
 * The plain selection goes into the bulk query (no fragments there); the fragment, interpolated
 * into each document that spreads it, into reconciliation. Either way each document is sent complete.
 */
export const CUSTOMER_FIELD_SELECTION = `
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
`;

export const CUSTOMER_FIELDS = `#graphql
  fragment CustomerFields on Customer {
    ${CUSTOMER_FIELD_SELECTION}
  }
`;
