//! `SearchIndex`: one item per term, dialog and field, partitioned by the term's first characters,
//! and a pointer to it in the dialog's partition (deleting the dialog finds its terms there).

use async_trait::async_trait;

use super::DynamoStore;
use super::item::{ENTITY, item_of, key_of, parse_items, s};
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
        let mut items = Vec::with_capacity(entries.len() * 2);
        for e in entries {
            items.push(item_of("search_term", keys::search_term(workspace, e), e)?);
            // Its pointer in the dialog's partition: what deleting the dialog reads to find it.
            let mut pointer = key_of(keys::dialog_term(workspace, e));
            pointer.insert(ENTITY.to_owned(), s("dialog_term"));
            pointer.insert("term".to_owned(), s(e.term.as_str()));
            pointer.insert("field".to_owned(), s(e.field.as_str()));
            items.push(pointer);
        }
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
