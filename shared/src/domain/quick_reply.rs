//! Quick replies: an operator's own canned answers.

use crate::ids::{OperatorId, QuickReplyId, WorkspaceId};
use serde::{Deserialize, Serialize};

use super::Millis;

/// A canned answer an operator keeps for themself (seed 002: quick replies, made from a message too).
/// `%name%` in its text becomes the operator's name when the console inserts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    pub id: QuickReplyId,
    pub workspace: WorkspaceId,
    pub operator: OperatorId,
    pub title: String,
    pub text: String,
    pub created_at: Millis,
}
