//! The workspace's chat handling settings (`domain::ChatHandling`): every operator reads them (a
//! console needs the reply-time limit and whether distribution is on); those who may manage
//! settings change them, and every console of the workspace is told. One read of the workspace
//! item; a change is that read and one write, then one query of the operator connections.

use std::sync::Arc;

use super::{AppError, AppResult, Delivery, fanout};
use crate::domain::{ChatHandling, DomainError, Operator, Right};
use crate::ports::{ConnectionStore, DirectoryStore};
use crate::protocol::ServerEvent;

pub struct Handling {
    pub(super) directory: Arc<dyn DirectoryStore>,
    pub(super) connections: Arc<dyn ConnectionStore>,
    pub(super) delivery: Delivery,
}

impl Handling {
    /// The settings of the operator's workspace.
    pub async fn chat_handling(&self, op: &Operator) -> AppResult<ChatHandling> {
        super::handling_of(&*self.directory, &op.workspace).await
    }

    /// Replaces the settings, each within its range, and tells every operator console
    /// (`workspace.handling`).
    pub async fn set_chat_handling(
        &self,
        op: &Operator,
        handling: ChatHandling,
    ) -> AppResult<ChatHandling> {
        if !op.can(Right::ManageSettings) {
            return Err(DomainError::Forbidden(
                "only admins and members of a group that may manage settings may change how chats are handled",
            )
            .into());
        }
        handling.validate()?;
        let mut workspace = self
            .directory
            .get_workspace(&op.workspace)
            .await?
            .ok_or_else(|| AppError::Unauthorized("the workspace no longer exists".into()))?;
        workspace.handling = handling.clone();
        self.directory.put_workspace(&workspace).await?;
        let all = self.connections.operator_connections(&op.workspace).await?;
        let event = ServerEvent::WorkspaceHandling {
            handling: handling.clone(),
        };
        self.delivery
            .deliver(&fanout::workspace(&all, &event))
            .await;
        Ok(handling)
    }
}
