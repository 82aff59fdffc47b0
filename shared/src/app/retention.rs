//! Retention (the privacy point): a workspace may have closed dialogs deleted some days
//! after they close (`ChatHandling::delete_closed_after_days`). A close under that setting marks
//! the dialog due (`Dialog::delete_at`, kept by the store in an index of due dialogs); reopening
//! it clears that. The sweep, every minute, deletes what is due exactly as an operator's delete
//! does: items, search entries, files, and the consoles and the visitor told.

use std::collections::BTreeMap;

use super::{AppResult, Dialogs, Done};
use crate::domain::{Dialog, DialogStatus, Operator};
use crate::ids::{ConnectionId, DialogId, WorkspaceId};
use crate::ports::{DueDialog, StoreError};

/// Due dialogs one sweep deletes at most; the next run takes the rest.
pub const RETENTION_BATCH: usize = 25;

impl Dialogs {
    /// `close`: the dialog closes, due for deletion when the workspace keeps closed dialogs for a
    /// number of days (read as the close is decided: a later change of the setting leaves it be).
    pub(crate) async fn close(
        &self,
        op: &Operator,
        connection: &ConnectionId,
        id: &DialogId,
    ) -> AppResult<Done> {
        let keep_days = self
            .directory
            .get_workspace(&op.workspace)
            .await?
            .and_then(|w| w.handling.delete_closed_after_days);
        self.change(op, connection, id, move |d, op, now| {
            d.close_keeping(op, now, keep_days)
        })
        .await
    }

    /// Deletes the closed dialogs whose time has come, at most `RETENTION_BATCH`, in every
    /// workspace; how many it deleted. A due entry whose dialog reopened (or closed again, due
    /// later) is dropped; one whose dialog changed while it was being deleted stays for the next
    /// run, which reads it again. A dialog that fails is logged and left for the next run.
    pub async fn sweep_retention(&self) -> AppResult<usize> {
        let now = self.clock.now();
        let due = self.dialogs.dialogs_due(now, RETENTION_BATCH).await?;
        let mut deleted: BTreeMap<WorkspaceId, Vec<Dialog>> = BTreeMap::new();
        for entry in &due {
            match self.expire(entry).await {
                Ok(Some(dialog)) => {
                    tracing::info!(dialog_id = %dialog.id, due_at = entry.due_at, "closed dialog deleted (retention)");
                    deleted
                        .entry(entry.workspace.clone())
                        .or_default()
                        .push(dialog);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(dialog_id = %entry.dialog, error = %e, "retention: not deleted yet");
                }
            }
        }
        let mut count = 0;
        for (ws, dialogs) in &deleted {
            self.tell_consoles(ws, dialogs).await;
            count += dialogs.len();
        }
        Ok(count)
    }

    /// One due entry: the dialog deleted if it is still closed and due then; else the entry is
    /// stale and dropped. A dialog already gone has what an interrupted delete left removed.
    async fn expire(&self, entry: &DueDialog) -> AppResult<Option<Dialog>> {
        let (ws, id) = (&entry.workspace, &entry.dialog);
        match self.dialogs.get_dialog(ws, id).await? {
            Some(d) if d.status == DialogStatus::Closed && d.delete_at == Some(entry.due_at) => {
                match self.delete_one(ws, id, Some(d.version)).await {
                    Err(super::AppError::Store(StoreError::Conflict)) => Ok(None),
                    other => other,
                }
            }
            Some(_) => {
                self.dialogs.forget_due(entry).await?;
                Ok(None)
            }
            None => {
                self.delete_one(ws, id, None).await?;
                Ok(None)
            }
        }
    }
}
