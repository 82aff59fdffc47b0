//! What each operator has read of each dialog, apart from the dialog's shared receipts.

use crate::ids::{DialogId, OperatorId, WorkspaceId};
use serde::{Deserialize, Serialize};

use super::Dialog;

/// What one operator has read of one dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarker {
    pub workspace: WorkspaceId,
    pub operator: OperatorId,
    pub dialog: DialogId,
    /// How many of the visitor's messages this operator has read.
    pub visitor_messages_read: u64,
    /// Marked unread by this operator (seed 002): unread for them alone.
    pub marked_unread: bool,
}

impl ReadMarker {
    pub fn unread(marker: Option<&ReadMarker>, dialog: &Dialog) -> u64 {
        let read = marker.map_or(0, |m| m.visitor_messages_read);
        let count = dialog.visitor_messages.saturating_sub(read);
        if marker.is_some_and(|m| m.marked_unread) {
            count.max(1)
        } else {
            count
        }
    }
}
