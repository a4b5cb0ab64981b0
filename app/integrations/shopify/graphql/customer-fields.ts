/**
 * What ingestion reads of a customer, in the backfill and in reconciliation alike: the fields the
 * customers/* webhooks give (app/integrations/shopify/webhook-payloads.ts), GraphQL-named.
 * Interpolated into each document that spreads it, so every document is sent complete.
 */
export const CUSTOMER_FIELDS = `#graphql
  fragment CustomerFields on Customer {
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
  }
`;
