//! `ReadMarkerStore`: one item per operator and dialog, in the dialog's partition.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;

use super::DynamoStore;
use super::item::{item_of, key_of, parse_items};
use super::keys;
use crate::domain::ReadMarker;
use crate::ids::{DialogId, OperatorId, WorkspaceId};
use crate::ports::{ReadMarkerStore, StoreResult};

#[async_trait]
impl ReadMarkerStore for DynamoStore {
    async fn put_read_marker(&self, marker: &ReadMarker) -> StoreResult<()> {
        let key = keys::read_marker(&marker.workspace, &marker.dialog, &marker.operator);
        self.put(item_of("read_marker", key, marker)?).await
    }

    async fn read_markers(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        dialogs: &[DialogId],
    ) -> StoreResult<Vec<ReadMarker>> {
        // BatchGetItem rejects a request that names one key twice.
        let mut unique = HashSet::new();
        let wanted: Vec<&DialogId> = dialogs.iter().filter(|d| unique.insert(*d)).collect();
        let keys = wanted
            .iter()
            .map(|d| key_of(keys::read_marker(workspace, d, operator)))
            .collect();
        let found: Vec<ReadMarker> = parse_items(self.batch_get(keys).await?)?;
        // BatchGetItem answers in no particular order; the caller's order is kept.
        let mut by_dialog: HashMap<DialogId, ReadMarker> =
            found.into_iter().map(|m| (m.dialog.clone(), m)).collect();
        Ok(wanted
            .into_iter()
            .filter_map(|d| by_dialog.remove(d))
            .collect())
    }
}
