/** Install: one of the app's customer metafield definitions (a second create answers TAKEN). */
export const METAFIELD_DEFINITION_CREATE = `#graphql
  mutation MetafieldDefinitionCreate($definition: MetafieldDefinitionInput!) {
    metafieldDefinitionCreate(definition: $definition) {
      createdDefinition {
        id
        namespace
        key
      }
      userErrors {
        code
        field
        message
      }
    }
  }
`;
