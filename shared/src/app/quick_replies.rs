//! Quick replies: each operator's own canned answers, kept on the server so they follow the
//! operator to any browser. Only their owner lists, adds or deletes them.

use std::sync::Arc;

use super::AppResult;
use crate::domain::{DomainError, Millis, Operator, QuickReply, validate_text};
use crate::ids::QuickReplyId;
use crate::ports::{Clock, QuickReplyStore};
use serde::{Deserialize, Serialize};

/// A quick reply's title is what the `/` shortcut finds it by.
pub const MAX_TITLE_CHARS: usize = 100;
/// An operator's list is read whole by the console; this keeps it one small read.
pub const MAX_QUICK_REPLIES: usize = 200;

/// A quick reply as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct QuickReplyView {
    pub id: QuickReplyId,
    pub title: String,
    /// `%name%` becomes the operator's name when inserted.
    pub text: String,
    #[ts(type = "number")]
    pub created_at: Millis,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct QuickReplyList {
    pub quick_replies: Vec<QuickReplyView>,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct NewQuickReply {
    pub title: String,
    pub text: String,
}

impl From<QuickReply> for QuickReplyView {
    fn from(r: QuickReply) -> Self {
        Self {
            id: r.id,
            title: r.title,
            text: r.text,
            created_at: r.created_at,
        }
    }
}

/// Each operator's own canned answers.
pub struct QuickReplies {
    pub(super) quick_replies: Arc<dyn QuickReplyStore>,
    pub(super) clock: Arc<dyn Clock>,
}

impl QuickReplies {
    pub async fn list(&self, op: &Operator) -> AppResult<QuickReplyList> {
        let list = self
            .quick_replies
            .list_quick_replies(&op.workspace, &op.id)
            .await?;
        Ok(QuickReplyList {
            quick_replies: list.into_iter().map(Into::into).collect(),
        })
    }

    pub async fn add(&self, op: &Operator, new: NewQuickReply) -> AppResult<QuickReplyView> {
        let title = new.title.trim().to_owned();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(DomainError::Invalid(format!(
                "a title is 1 to {MAX_TITLE_CHARS} characters"
            ))
            .into());
        }
        validate_text(&new.text)?;
        let existing = self
            .quick_replies
            .list_quick_replies(&op.workspace, &op.id)
            .await?;
        if existing.len() >= MAX_QUICK_REPLIES {
            return Err(DomainError::Invalid(format!(
                "at most {MAX_QUICK_REPLIES} quick replies; delete one first"
            ))
            .into());
        }
        let reply = QuickReply {
            id: QuickReplyId::generate(),
            workspace: op.workspace.clone(),
            operator: op.id.clone(),
            title,
            text: new.text,
            created_at: self.clock.now(),
        };
        self.quick_replies.put_quick_reply(&reply).await?;
        Ok(reply.into())
    }

    pub async fn delete(&self, op: &Operator, id: &QuickReplyId) -> AppResult<()> {
        self.quick_replies
            .delete_quick_reply(&op.workspace, &op.id, id)
            .await?;
        Ok(())
    }
}
