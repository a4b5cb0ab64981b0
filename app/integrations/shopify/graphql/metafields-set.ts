/**
 * Writes up to 25 metafields in one atomic call: when any of them has a userError, none is
 * saved. Only the errors are read back; `field` (["metafields", "<index>", "<input field>"])
 * tells which input failed.
 */
export const METAFIELDS_SET = `#graphql
  mutation MetafieldsSet($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      userErrors {
        code
        elementIndex
        field
        message
      }
    }
  }
`;
