//! `ReadMarkerStore`: one row per operator and dialog.

use super::SqliteStore;
use super::errors::unavailable;
use super::row::{query_bodies, to_json};
use crate::domain::ReadMarker;
use crate::ids::{DialogId, OperatorId, WorkspaceId};
use crate::ports::{ReadMarkerStore, StoreResult};
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl ReadMarkerStore for SqliteStore {
    async fn put_read_marker(&self, marker: &ReadMarker) -> StoreResult<()> {
        let (ws, op, dialog, body) = (
            marker.workspace.to_string(),
            marker.operator.to_string(),
            marker.dialog.to_string(),
            to_json(marker),
        );
        self.with(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO read_markers (workspace, operator, dialog, body) VALUES (?1, ?2, ?3, ?4)",
                params![ws, op, dialog, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn read_markers(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        dialogs: &[DialogId],
    ) -> StoreResult<Vec<ReadMarker>> {
        if dialogs.is_empty() {
            return Ok(Vec::new());
        }
        let (ws, op) = (workspace.to_string(), operator.to_string());
        let ids = to_json(&dialogs.iter().map(|d| d.as_str()).collect::<Vec<_>>());
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM read_markers WHERE workspace = ?1 AND operator = ?2
                   AND dialog IN (SELECT value FROM json_each(?3))",
                params![ws, op, ids],
            )
        })
        .await
    }
}
