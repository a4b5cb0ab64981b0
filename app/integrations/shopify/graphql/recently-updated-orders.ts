import { ORDER_FIELDS } from "./order-fields";

/** Reconciliation: orders updated since a time, oldest change first, one page at a time. */
export const RECENTLY_UPDATED_ORDERS = `#graphql
  query RecentlyUpdatedOrders($query: String!, $after: String) {
    orders(first: 100, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...OrderFields
      }
    }
  }
  ${ORDER_FIELDS}
`;
