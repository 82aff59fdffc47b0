//! `QuickReplyStore`: an operator's quick replies, oldest first.

use super::SqliteStore;
use super::errors::unavailable;
use super::row::{query_bodies, to_json};
use crate::domain::QuickReply;
use crate::ids::{OperatorId, QuickReplyId, WorkspaceId};
use crate::ports::{QuickReplyStore, StoreResult};
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl QuickReplyStore for SqliteStore {
    async fn put_quick_reply(&self, reply: &QuickReply) -> StoreResult<()> {
        let (ws, op, id, at, body) = (
            reply.workspace.to_string(),
            reply.operator.to_string(),
            reply.id.to_string(),
            reply.created_at,
            to_json(reply),
        );
        self.with(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO quick_replies (workspace, operator, id, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![ws, op, id, at, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn list_quick_replies(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Vec<QuickReply>> {
        let (ws, op) = (workspace.to_string(), operator.to_string());
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM quick_replies WHERE workspace = ?1 AND operator = ?2 ORDER BY created_at, id",
                params![ws, op],
            )
        })
        .await
    }

    async fn delete_quick_reply(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        id: &QuickReplyId,
    ) -> StoreResult<()> {
        let (ws, op, id) = (workspace.to_string(), operator.to_string(), id.to_string());
        self.with(move |db| {
            db.execute(
                "DELETE FROM quick_replies WHERE workspace = ?1 AND operator = ?2 AND id = ?3",
                params![ws, op, id],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}
