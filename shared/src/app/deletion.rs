//! Deleting dialogs (seed 002: "when personal correspondence is uploaded to the system and it would
//! be desirable to remove it"): for operators whose groups give them the right. A dialog goes with
//! everything stored under it (`DialogStore::delete_dialog`) and its files in storage; the
//! workspace's consoles that could see it drop it, and the visitor's tabs start over. The reports'
//! counters stay: they are history, not the dialog's content.

use super::{AppResult, Dialogs, fanout};
use crate::domain::{Dialog, DomainError, MAX_DIALOGS_PER_DELETE, Operator, Right};
use crate::ids::{DialogId, WorkspaceId};
use crate::protocol::ServerEvent;
use serde::Serialize;
use std::collections::HashSet;

/// The dialogs a delete removed: those named that existed in the caller's workspace.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct DeletedDialogs {
    pub deleted: Vec<DialogId>,
}

impl Dialogs {
    /// Deletes up to `MAX_DIALOGS_PER_DELETE` dialogs of the operator's workspace, one after the
    /// other: its files first (read from its messages), then its items, the dialog itself first.
    /// An id of no dialog of the workspace (another workspace's included) is left out of the
    /// answer and touches nothing; naming one twice deletes it once. A failure stops the request
    /// with what was deleted before it told; sending the same ids again finishes the work.
    pub async fn delete_dialogs(
        &self,
        op: &Operator,
        ids: &[DialogId],
    ) -> AppResult<DeletedDialogs> {
        if !op.can(Right::DeleteDialogs) {
            return Err(DomainError::Forbidden(
                "only admins and members of a group that may delete dialogs may delete them",
            )
            .into());
        }
        if ids.is_empty() {
            return Err(DomainError::Invalid("name at least one dialog to delete".into()).into());
        }
        if ids.len() > MAX_DIALOGS_PER_DELETE {
            return Err(DomainError::TooManyDialogs(ids.len()).into());
        }
        let mut seen = HashSet::new();
        let mut deleted = Vec::new();
        let mut failed = None;
        for id in ids.iter().filter(|id| seen.insert(*id)) {
            match self.delete_one(&op.workspace, id, None).await {
                Ok(Some(dialog)) => deleted.push(dialog),
                Ok(None) => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        for d in &deleted {
            tracing::info!(dialog_id = %d.id, operator_id = %op.id, "dialog deleted");
        }
        self.tell_consoles(&op.workspace, &deleted).await;
        if deleted.iter().any(|d| d.charge().is_some()) {
            self.slots_freed(&op.workspace).await;
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(DeletedDialogs {
                deleted: deleted.into_iter().map(|d| d.id).collect(),
            }),
        }
    }

    /// The workspace's consoles that could see any of these deleted dialogs (`dialog.deleted`).
    pub(super) async fn tell_consoles(&self, ws: &WorkspaceId, deleted: &[Dialog]) {
        if deleted.is_empty() {
            return;
        }
        match self.connections.operator_connections(ws).await {
            Ok(consoles) => {
                self.delivery
                    .deliver(&fanout::deleted(&consoles, deleted))
                    .await;
            }
            Err(e) => tracing::warn!(error = %e, "consoles not told of deleted dialogs"),
        }
    }

    /// One dialog, as it was; `None` when the workspace has none of this id. What an interrupted
    /// delete left is deleted all the same.
    ///
    /// Without `version` (an operator's delete) its files go first: should the rest fail, the
    /// same delete again finds what is left. With one (retention's) the dialog goes only as it
    /// was read (another version is `Conflict`, and nothing is deleted): its files' keys are read
    /// first and the files deleted after its items, so that a dialog reopened meanwhile keeps them.
    pub(super) async fn delete_one(
        &self,
        ws: &WorkspaceId,
        id: &DialogId,
        version: Option<u64>,
    ) -> AppResult<Option<Dialog>> {
        let files = self.attachments.dialog_file_keys(ws, id).await?;
        if version.is_none() {
            self.attachments.delete_files(&files).await?;
        }
        let Some(dialog) = self.dialogs.delete_dialog(ws, id, version).await? else {
            return Ok(None);
        };
        let lost = super::tags::lost(&dialog.tags);
        self.contacts.tags.moved_after(ws, &lost).await;
        if version.is_some() {
            self.attachments.delete_files(&files).await?;
        }
        match self
            .connections
            .visitor_connections(ws, &dialog.visitor)
            .await
        {
            Ok(tabs) => {
                let event = ServerEvent::DialogsDeleted {
                    dialog_ids: vec![id.clone()],
                };
                self.delivery
                    .deliver(&fanout::workspace(&tabs, &event))
                    .await;
            }
            Err(e) => tracing::warn!(dialog_id = %id, error = %e, "visitor not told of the delete"),
        }
        Ok(Some(dialog))
    }
}
