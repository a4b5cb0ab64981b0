/** Reconciliation: customers updated since a time, oldest change first, one page at a time. */
export const RECENTLY_UPDATED_CUSTOMERS = `#graphql
  query RecentlyUpdatedCustomers($query: String!, $after: String) {
    customers(first: 100, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
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
    }
  }
`;
