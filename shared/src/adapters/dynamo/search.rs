//! `SearchIndex`: one item per term, dialog and field, partitioned by the term's first characters.

use async_trait::async_trait;

use super::DynamoStore;
use super::item::{item_of, parse_items, s};
use super::keys;
use crate::domain::IndexEntry;
use crate::ids::WorkspaceId;
use crate::ports::{SearchIndex, StoreResult};

#[async_trait]
impl SearchIndex for DynamoStore {
    async fn index_terms(
        &self,
        workspace: &WorkspaceId,
        entries: &[IndexEntry],
    ) -> StoreResult<()> {
        let items = entries
            .iter()
            .map(|e| item_of("search_term", keys::search_term(workspace, e), e))
            .collect::<StoreResult<_>>()?;
        self.batch_put(items).await
    }

    async fn find_terms(
        &self,
        workspace: &WorkspaceId,
        prefix: &str,
        limit: usize,
    ) -> StoreResult<Vec<IndexEntry>> {
        // Eventually consistent: an index written a moment ago may be missed, at half the cost.
        let query = self
            .query()
            .expression_attribute_values(":pk", s(keys::search_partition(workspace, prefix)))
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(prefix));
        parse_items(self.collect(query, Some(limit)).await?)
    }
}
