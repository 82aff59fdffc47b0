//! `DialogStore`: dialogs and their messages; a commit is one transaction, its version and client
//! ids guarded by the database.

use super::SqliteStore;
use super::errors::{is_unique_violation, unavailable};
use super::row::{body_by_id, from_json, query_bodies, to_json};
use crate::adapters::record::MessageRecord;
use crate::domain::{Dialog, DialogStatus, LoadMove, Message, Millis};
use crate::ids::{ClientMessageId, DialogId, OperatorId, WorkspaceId};
use crate::ports::{DialogCursor, DialogStore, DueDialog, StoreError, StoreResult};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl DialogStore for SqliteStore {
    async fn get_dialog(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
    ) -> StoreResult<Option<Dialog>> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| body_by_id(db, "dialogs", &ws, &id))
            .await
    }

    async fn get_dialogs(
        &self,
        workspace: &WorkspaceId,
        ids: &[DialogId],
    ) -> StoreResult<Vec<Dialog>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ws = workspace.to_string();
        let ids = to_json(&ids.iter().map(|d| d.as_str()).collect::<Vec<_>>());
        self.with(move |db| {
            query_bodies(db, "SELECT body FROM dialogs WHERE workspace = ?1 AND id IN (SELECT value FROM json_each(?2))", params![ws, ids])
        })
        .await
    }

    async fn commit(
        &self,
        dialog: &Dialog,
        messages: &[Message],
        load: &LoadMove,
    ) -> StoreResult<()> {
        let dialog = dialog.clone();
        let messages = messages.to_vec();
        let load = load.clone();
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            let (ws, id) = (dialog.workspace.to_string(), dialog.id.to_string());
            let body = to_json(&dialog);
            let version = dialog.version as i64;
            let assignee = dialog.assignee.as_ref().map(|a| a.id.to_string());
            // Due for deletion only while closed (the domain clears it on reopening).
            let delete_at = dialog.delete_at.filter(|_| dialog.status == DialogStatus::Closed);
            if dialog.version == 1 {
                let inserted = tx.execute(
                    "INSERT INTO dialogs (workspace, id, status, last_activity, version, body, assignee, delete_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7)",
                    params![ws, id, dialog.status.as_str(), dialog.last_activity, body, assignee, delete_at],
                );
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict),
                    other => other.map_err(unavailable)?,
                };
                let linked = tx
                    .execute(
                        "UPDATE visitors SET dialog = ?3 WHERE workspace = ?1 AND id = ?2 AND dialog IS NULL",
                        params![ws, dialog.visitor.to_string(), id],
                    )
                    .map_err(unavailable)?;
                if linked == 0 {
                    return Err(StoreError::Conflict);
                }
                if let Some(contact) = &dialog.contact {
                    // A contact merged into another takes no new dialog: its survivor does.
                    let merged: Option<Option<String>> = tx
                        .query_row(
                            "SELECT json_extract(body, '$.merged_into') FROM contacts WHERE workspace = ?1 AND id = ?2",
                            params![ws, contact.to_string()],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(unavailable)?;
                    if matches!(merged, Some(Some(_))) {
                        return Err(StoreError::Conflict);
                    }
                    tx.execute(
                        "INSERT OR IGNORE INTO contact_dialogs (workspace, contact, dialog, created_at) VALUES (?1, ?2, ?3, ?4)",
                        params![ws, contact.to_string(), id, dialog.created_at],
                    )
                    .map_err(unavailable)?;
                }
            } else {
                let updated = tx
                    .execute(
                        "UPDATE dialogs SET status = ?3, last_activity = ?4, version = ?5, body = ?6, assignee = ?8, delete_at = ?9
                         WHERE workspace = ?1 AND id = ?2 AND version = ?7",
                        params![ws, id, dialog.status.as_str(), dialog.last_activity, version, body, version - 1, assignee, delete_at],
                    )
                    .map_err(unavailable)?;
                if updated == 0 {
                    return Err(StoreError::Conflict);
                }
            }
            for m in &messages {
                let inserted = tx.execute(
                    "INSERT INTO messages (workspace, dialog, seq, client_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![ws, id, m.seq as i64, m.client_id.as_str(), to_json(&MessageRecord::from(m))],
                );
                match inserted {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::DuplicateMessage),
                    Err(e) => return Err(unavailable(e)),
                }
            }
            match dialog.queued_since {
                Some(since) => tx.execute(
                    "INSERT INTO queue (workspace, dialog, queued_since) VALUES (?1, ?2, ?3)
                     ON CONFLICT (workspace, dialog) DO UPDATE SET queued_since = excluded.queued_since",
                    params![ws, id, since],
                ),
                None => tx.execute(
                    "DELETE FROM queue WHERE workspace = ?1 AND dialog = ?2",
                    params![ws, id],
                ),
            }
            .map_err(unavailable)?;
            let at = messages.last().map_or(dialog.last_activity, |m| m.created_at);
            super::loads::move_load(&tx, &ws, &id, &load, at)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn find_message_by_client_id(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        client_id: &ClientMessageId,
    ) -> StoreResult<Option<Message>> {
        let (ws, dialog, cid) = (
            workspace.to_string(),
            dialog.to_string(),
            client_id.to_string(),
        );
        self.with(move |db| {
            let raw: Option<String> = db
                .query_row(
                    "SELECT body FROM messages WHERE workspace = ?1 AND dialog = ?2 AND client_id = ?3",
                    [ws, dialog, cid],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            let record: Option<MessageRecord> = raw.map(from_json).transpose()?;
            Ok(record.map(Message::from))
        })
        .await
    }

    async fn messages_before(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        before: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        let (ws, dialog) = (workspace.to_string(), dialog.to_string());
        let before = before.map_or(i64::MAX, |b| b as i64);
        self.with(move |db| {
            messages(
                db,
                "SELECT body FROM messages WHERE workspace = ?1 AND dialog = ?2 AND seq < ?3 ORDER BY seq DESC LIMIT ?4",
                params![ws, dialog, before, limit as i64],
            )
        })
        .await
    }

    async fn messages_after(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        let (ws, dialog) = (workspace.to_string(), dialog.to_string());
        self.with(move |db| {
            messages(
                db,
                "SELECT body FROM messages WHERE workspace = ?1 AND dialog = ?2 AND seq > ?3 ORDER BY seq ASC LIMIT ?4",
                params![ws, dialog, after as i64, limit as i64],
            )
        })
        .await
    }

    async fn list_dialogs(
        &self,
        workspace: &WorkspaceId,
        status: DialogStatus,
        after: Option<&DialogCursor>,
        limit: usize,
    ) -> StoreResult<Vec<Dialog>> {
        let ws = workspace.to_string();
        let (at, id) = after.map_or((i64::MAX, String::new()), |c| {
            (c.last_activity, c.id.to_string())
        });
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM dialogs WHERE workspace = ?1 AND status = ?2
                   AND (last_activity < ?3 OR (last_activity = ?3 AND (?4 = '' OR id < ?4)))
                 ORDER BY last_activity DESC, id DESC LIMIT ?5",
                params![ws, status.as_str(), at, id, limit as i64],
            )
        })
        .await
    }

    async fn queued_dialogs(
        &self,
        workspace: &WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<DialogId>> {
        let (ws, limit) = (workspace.to_string(), limit as i64);
        self.with(move |db| {
            let mut stmt = db
                .prepare_cached(
                    "SELECT dialog FROM queue WHERE workspace = ?1 ORDER BY queued_since, dialog LIMIT ?2",
                )
                .map_err(unavailable)?;
            stmt.query_map(params![ws, limit], |r| r.get::<_, String>(0))
                .map_err(unavailable)?
                .map(|id| id.map(DialogId::from_trusted).map_err(unavailable))
                .collect()
        })
        .await
    }

    async fn delete_dialog(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
        version: Option<u64>,
    ) -> StoreResult<Option<Dialog>> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            let dialog: Option<Dialog> = body_by_id(&tx, "dialogs", &ws, &id)?;
            if version.is_some() && version != dialog.as_ref().map(|d| d.version) {
                return Err(StoreError::Conflict);
            }
            // Each by a key or an index that starts with the workspace and the dialog.
            for sql in [
                "DELETE FROM dialogs WHERE workspace = ?1 AND id = ?2",
                "DELETE FROM messages WHERE workspace = ?1 AND dialog = ?2",
                "DELETE FROM receipts WHERE workspace = ?1 AND dialog = ?2",
                "DELETE FROM read_markers WHERE workspace = ?1 AND dialog = ?2",
                "DELETE FROM search_terms WHERE workspace = ?1 AND dialog = ?2",
                "UPDATE visitors SET dialog = NULL WHERE workspace = ?1 AND dialog = ?2",
                // Out of its operator's load, and out of the queue.
                "DELETE FROM charges WHERE workspace = ?1 AND dialog = ?2",
                "DELETE FROM queue WHERE workspace = ?1 AND dialog = ?2",
            ] {
                tx.execute(sql, params![ws, id]).map_err(unavailable)?;
            }
            // Off its contact's card.
            if let Some(contact) = dialog.as_ref().and_then(|d| d.contact.as_ref()) {
                tx.execute(
                    "DELETE FROM contact_dialogs WHERE workspace = ?1 AND contact = ?2 AND dialog = ?3",
                    params![ws, contact.as_str(), id],
                )
                .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)?;
            Ok(dialog)
        })
        .await
    }

    async fn dialogs_due(&self, now: Millis, limit: usize) -> StoreResult<Vec<DueDialog>> {
        self.with(move |db| {
            let mut stmt = db
                .prepare_cached(
                    "SELECT workspace, id, delete_at FROM dialogs
                       WHERE delete_at IS NOT NULL AND delete_at <= ?1
                     ORDER BY delete_at, workspace, id LIMIT ?2",
                )
                .map_err(unavailable)?;
            let due = stmt
                .query_map(params![now, limit as i64], |r| {
                    Ok(DueDialog {
                        workspace: WorkspaceId::from_trusted(r.get::<_, String>(0)?),
                        dialog: DialogId::from_trusted(r.get::<_, String>(1)?),
                        due_at: r.get(2)?,
                    })
                })
                .map_err(unavailable)?;
            due.map(|d| d.map_err(unavailable)).collect()
        })
        .await
    }

    /// The due time is the dialog's own column: a reopened dialog's is cleared with its commit,
    /// so nothing here goes stale.
    async fn forget_due(&self, _due: &DueDialog) -> StoreResult<()> {
        Ok(())
    }

    async fn dialogs_in_charge(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Vec<DialogId>> {
        let (ws, op) = (workspace.to_string(), operator.to_string());
        self.with(move |db| {
            let mut stmt = db
                .prepare_cached(
                    "SELECT id FROM dialogs WHERE workspace = ?1 AND assignee = ?2 ORDER BY id",
                )
                .map_err(unavailable)?;
            let ids = stmt
                .query_map(params![ws, op], |r| r.get::<_, String>(0))
                .map_err(unavailable)?;
            ids.map(|id| id.map(DialogId::from_trusted).map_err(unavailable))
                .collect()
        })
        .await
    }
}

/// Messages, read as their stored records.
fn messages(
    db: &rusqlite::Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<Message>> {
    let records: Vec<MessageRecord> = query_bodies(db, sql, args)?;
    Ok(records.into_iter().map(Message::from).collect())
}
