/** The shop facts every figure depends on: its currency (all aggregates), time zone and locale. */
export const SHOP_DETAILS_QUERY = `#graphql
  query ShopDetails {
    shop {
      name
      currencyCode
      ianaTimezone
    }
  }
`;
