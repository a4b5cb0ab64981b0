import { CUSTOMER_FIELDS } from "./customer-fields";

/** Reconciliation: customers updated since a time, oldest change first, one page at a time. */
export const RECENTLY_UPDATED_CUSTOMERS = `#graphql
  query RecentlyUpdatedCustomers($query: String!, $after: String) {
    customers(first: 100, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...CustomerFields
      }
    }
  }
  ${CUSTOMER_FIELDS}
`;
