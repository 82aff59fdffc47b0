//! `GroupStore`: a workspace's groups, and which of them each operator belongs to.

use super::SqliteStore;
use super::errors::unavailable;
use super::row::{query_bodies, to_json};
use crate::domain::{Group, Rights};
use crate::ids::{GroupId, OperatorId, WorkspaceId};
use crate::ports::{GroupStore, StoreResult};
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl GroupStore for SqliteStore {
    async fn put_group(&self, group: &Group) -> StoreResult<()> {
        let (ws, id, at, body) = (
            group.workspace.to_string(),
            group.id.to_string(),
            group.created_at,
            to_json(group),
        );
        self.with(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO operator_groups (workspace, id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
                params![ws, id, at, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn list_groups(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Group>> {
        let ws = workspace.to_string();
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM operator_groups WHERE workspace = ?1 ORDER BY created_at, id",
                params![ws],
            )
        })
        .await
    }

    async fn delete_group(&self, workspace: &WorkspaceId, id: &GroupId) -> StoreResult<()> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| {
            db.execute(
                "DELETE FROM operator_groups WHERE workspace = ?1 AND id = ?2",
                params![ws, id],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn set_operator_access(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
        groups: &[GroupId],
        rights: &Rights,
    ) -> StoreResult<()> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        let (groups, rights) = (to_json(&groups), to_json(rights));
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            tx.execute(
                "UPDATE operators SET body = json_set(body, '$.groups', json(?3), '$.rights', json(?4),
                     '$.version', IFNULL(json_extract(body, '$.version'), 0) + 1)
                 WHERE workspace = ?1 AND id = ?2",
                params![ws, id, groups, rights],
            )
            .map_err(unavailable)?;
            tx.execute(
                "UPDATE connections SET body = json_set(body, '$.peer.rights', json(?3))
                 WHERE workspace = ?1 AND kind = 'operator' AND peer = ?2",
                params![ws, id, rights],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }
}
