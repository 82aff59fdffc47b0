//! Web Push notifications: an operator's browser subscriptions and which events they want pushed
//! while no console tab of theirs is open.

use crate::ids::{OperatorId, WorkspaceId};
use serde::{Deserialize, Serialize};

use super::Millis;

/// The longest push endpoint kept: real ones are a few hundred characters.
pub const MAX_ENDPOINT_CHARS: usize = 1000;

/// One browser's push subscription (what `PushSubscription.toJSON()` gives), owned by the
/// operator who subscribed it there. An endpoint belongs to one operator at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscription {
    pub workspace: WorkspaceId,
    pub operator: OperatorId,
    /// The push service's URL for this browser.
    pub endpoint: String,
    /// The browser's P-256 public key, base64url.
    pub p256dh: String,
    /// The browser's 16-byte authentication secret, base64url.
    pub auth: String,
    pub created_at: Millis,
}

/// Which events an operator wants pushed; all of them until they choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct PushChoices {
    /// A visitor started a dialog.
    pub new_dialogs: bool,
    /// A dialog was transferred to me.
    pub transfers: bool,
    /// A visitor wrote in a dialog I am in charge of or connected to.
    pub messages: bool,
}

impl Default for PushChoices {
    fn default() -> Self {
        Self {
            new_dialogs: true,
            transfers: true,
            messages: true,
        }
    }
}

/// What a push is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushReason {
    NewDialog,
    Transfer,
    Message,
}

impl PushChoices {
    pub fn wants(&self, reason: PushReason) -> bool {
        match reason {
            PushReason::NewDialog => self.new_dialogs,
            PushReason::Transfer => self.transfers,
            PushReason::Message => self.messages,
        }
    }
}

/// An operator's choices and every browser they subscribed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushSubscriber {
    pub operator: OperatorId,
    pub choices: PushChoices,
    pub subscriptions: Vec<PushSubscription>,
}
