/** One bulk operation by id: its status, object count so far and, once complete, the file URL. */
export const BULK_OPERATION = `#graphql
  query BulkOperation($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      objectCount
      url
      partialDataUrl
      createdAt
      completedAt
    }
  }
`;
