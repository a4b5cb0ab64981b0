import { CUSTOMER_FIELD_SELECTION } from "./customer-fields";
import { ORDER_FIELD_SELECTION } from "./order-fields";

/**
 * The bulk query of the historical backfill: every customer, then each customer's orders as child
 * lines (`__parentId` = the customer). Two connection levels, the bulk maximum. The fields are
 * those reconciliation reads too, interpolated as plain selections: the bulk operation
 * documentation promises connections and nesting but says nothing of fragments, so none are sent.
 */
export const BACKFILL_CUSTOMERS_ORDERS = `#graphql
  query BackfillCustomersOrders {
    customers {
      edges {
        node {
          ${CUSTOMER_FIELD_SELECTION}
          orders {
            edges {
              node {
                ${ORDER_FIELD_SELECTION}
              }
            }
          }
        }
      }
    }
  }
`;
