import { CUSTOMER_FIELDS } from "./customer-fields";
import { ORDER_FIELDS } from "./order-fields";

/**
 * The bulk query of the historical backfill: every customer, then each customer's orders as child
 * lines (`__parentId` = the customer). Two connection levels, the bulk maximum. The fields are
 * those reconciliation reads too (CustomerFields, OrderFields).
 */
export const BACKFILL_CUSTOMERS_ORDERS = `#graphql
  query BackfillCustomersOrders {
    customers {
      edges {
        node {
          ...CustomerFields
          orders {
            edges {
              node {
                ...OrderFields
              }
            }
          }
        }
      }
    }
  }
  ${CUSTOMER_FIELDS}
  ${ORDER_FIELDS}
`;
