//! Messages and their delivery status.

use crate::ids::{ClientMessageId, DialogId, MessageId, OperatorId, VisitorId};
use serde::{Deserialize, Serialize};

use super::{DomainError, MAX_TEXT_CHARS, Millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum MessageKind {
    /// Written by the visitor.
    Visitor,
    /// Written by an operator to the visitor.
    Operator,
    /// Operator-only text: never delivered or shown to a visitor (seed 000).
    Whisper,
    /// An event in the timeline: joined, left, transferred, closed, reopened, held, resumed.
    System,
}

/// What happened, for system messages; names travel with ids so the timeline reads without lookups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum SystemEvent {
    Joined {
        operator: OperatorId,
        name: String,
        /// The operator had joined since the dialog last opened and left meanwhile: visitors,
        /// who are never told of a leave, are not told of this join either.
        #[ts(as = "Option<bool>", optional)]
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        rejoined: bool,
        /// Automatic distribution gave the operator the dialog: it rings for them.
        #[ts(as = "Option<bool>", optional)]
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        assigned: bool,
    },
    Left {
        operator: OperatorId,
        name: String,
    },
    Transferred {
        by: OperatorId,
        by_name: String,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<OperatorId>,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_name: Option<String>,
        to: OperatorId,
        to_name: String,
        /// Seen by operators only.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// `by` is absent when the visitor's own action did it.
    Closed {
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<OperatorId>,
        by_name: String,
    },
    Reopened {
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<OperatorId>,
        by_name: String,
    },
    /// The operator was deactivated by an admin (`by`): the dialog went back to the queue.
    HandedBack {
        operator: OperatorId,
        name: String,
        by: OperatorId,
        by_name: String,
    },
    /// Put on hold by an operator connected to it, to take another dialog (seed 004). `by` is
    /// absent in a visitor's copy where the site hides operators' names.
    Held {
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<OperatorId>,
        by_name: String,
    },
    /// Taken off hold: by the button, or by the operator's next message. `held_ms` is how long
    /// this hold lasted, `total_held_ms` every hold of the dialog so far.
    Resumed {
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<OperatorId>,
        by_name: String,
        #[ts(type = "number")]
        held_ms: Millis,
        #[ts(type = "number")]
        total_held_ms: Millis,
    },
    /// The operator had no console connected for longer than the workspace allows: they were
    /// disconnected from the dialog, so the visitor's next message rings again.
    WentOffline {
        operator: OperatorId,
        name: String,
    },
    /// Every available operator was full (automatic distribution): the dialog waits in the queue
    /// until one has room. Seen by operators only; the visitor is told their place apart.
    Queued {},
}

impl SystemEvent {
    /// Visitors see who joined (once since the dialog opened) and that the dialog closed or
    /// reopened; never transfers, comments or leaves.
    pub fn visible_to_visitor(&self) -> bool {
        matches!(
            self,
            Self::Joined {
                rejoined: false,
                ..
            } | Self::Closed { .. }
                | Self::Reopened { .. }
                | Self::Held { .. }
                | Self::Resumed { .. }
        )
    }

    /// The timeline line, in words.
    pub fn describe(&self) -> String {
        match self {
            Self::Joined { name, .. } => format!("{name} joined the dialog"),
            Self::Left { name, .. } => format!("{name} left the dialog"),
            Self::Transferred {
                by_name,
                from_name,
                to_name,
                ..
            } => match from_name {
                Some(from) if from != by_name => {
                    format!("{by_name} transferred the dialog from {from} to {to_name}")
                }
                _ => format!("{by_name} transferred the dialog to {to_name}"),
            },
            Self::Closed { by_name, .. } => format!("{by_name} closed the dialog"),
            Self::Reopened { by_name, .. } => format!("{by_name} reopened the dialog"),
            Self::HandedBack { name, by_name, .. } => {
                format!("{by_name} deactivated {name}; the dialog is back in the queue")
            }
            Self::Held { by_name, .. } if by_name.is_empty() => "The dialog is on hold".into(),
            Self::Held { by_name, .. } => format!("{by_name} put the dialog on hold"),
            Self::Resumed { by_name, .. } if by_name.is_empty() => {
                "The dialog is no longer on hold".into()
            }
            Self::Resumed { by_name, .. } => format!("{by_name} took the dialog off hold"),
            Self::WentOffline { name, .. } => format!("{name} left: offline"),
            Self::Queued {} => "Everyone is busy: the dialog waits in the queue".into(),
        }
    }
}

/// Who wrote a message, and so who may read it.
#[derive(Clone, Debug, PartialEq)]
pub enum Sender {
    /// The visitor, under the dialog's name for them.
    Visitor { id: VisitorId, name: String },
    /// An operator, to the visitor. The name is absent in the copy a visitor receives where the
    /// site hides operator names.
    Operator {
        id: OperatorId,
        name: Option<String>,
    },
    /// An operator, to colleagues only: never delivered or shown to a visitor (seed 000).
    Whisper { id: OperatorId, name: String },
    /// The dialog itself, recording an event in its timeline.
    System(SystemEvent),
}

impl Sender {
    /// The person's name as the reader may see it; none for system messages.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Visitor { name, .. } | Self::Whisper { name, .. } => Some(name),
            Self::Operator { name, .. } => name.as_deref(),
            Self::System(_) => None,
        }
    }

    pub fn kind(&self) -> MessageKind {
        match self {
            Self::Visitor { .. } => MessageKind::Visitor,
            Self::Operator { .. } => MessageKind::Operator,
            Self::Whisper { .. } => MessageKind::Whisper,
            Self::System(_) => MessageKind::System,
        }
    }
}

/// A message of a dialog. `seq` is its place in the dialog: server-assigned, gap-free, the
/// history cursor.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: MessageId,
    pub dialog_id: DialogId,
    pub seq: u64,
    pub client_id: ClientMessageId,
    pub sender: Sender,
    /// Plain text, rendered as text by every client; for system messages, the event in words.
    pub text: String,
    /// The `seq` of the message this one quotes.
    pub reply_to: Option<u64>,
    /// Files and images sent with it; the text may then be empty.
    pub attachments: Vec<super::Attachment>,
    pub created_at: Millis,
}

/// What a visitor or an operator writes: text, files, or both.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Content {
    pub text: String,
    pub attachments: Vec<super::Attachment>,
}

impl Content {
    /// Text within limits (blank is fine when files go with it), and at most ten files.
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.attachments.len() > super::MAX_ATTACHMENTS_PER_MESSAGE {
            return Err(DomainError::TooManyAttachments);
        }
        if self.attachments.is_empty() || !self.text.trim().is_empty() {
            validate_text(&self.text)?;
        }
        Ok(())
    }
}

impl From<String> for Content {
    fn from(text: String) -> Self {
        Self {
            text,
            attachments: Vec::new(),
        }
    }
}

impl From<&str> for Content {
    fn from(text: &str) -> Self {
        Self::from(text.to_owned())
    }
}

impl Message {
    pub fn kind(&self) -> MessageKind {
        self.sender.kind()
    }

    /// What happened, for system messages.
    pub fn event(&self) -> Option<&SystemEvent> {
        match &self.sender {
            Sender::System(event) => Some(event),
            _ => None,
        }
    }

    pub fn visible_to_visitor(&self) -> bool {
        match &self.sender {
            Sender::Visitor { .. } | Sender::Operator { .. } => true,
            Sender::Whisper { .. } => false,
            Sender::System(event) => event.visible_to_visitor(),
        }
    }

    /// The copy a visitor receives: operator-only parts removed and, where the site hides
    /// operator names, every operator's name too (a join, which says nothing but a name, is left
    /// out; a close or reopen by an operator says that it happened, not who did it).
    pub fn for_visitor(&self, operator_names: bool) -> Option<Message> {
        if !self.visible_to_visitor() {
            return None;
        }
        let mut copy = self.clone();
        if operator_names {
            return Some(copy);
        }
        match &mut copy.sender {
            Sender::Operator { name, .. } => *name = None,
            Sender::System(SystemEvent::Joined { .. }) => return None,
            Sender::System(SystemEvent::Closed { by, by_name }) if by.is_some() => {
                (*by, *by_name) = (None, String::new());
                copy.text = "The dialog was closed".into();
            }
            Sender::System(SystemEvent::Reopened { by, by_name }) if by.is_some() => {
                (*by, *by_name) = (None, String::new());
                copy.text = "The dialog was reopened".into();
            }
            Sender::System(
                SystemEvent::Held { by, by_name } | SystemEvent::Resumed { by, by_name, .. },
            ) => {
                (*by, *by_name) = (None, String::new());
                copy.text = copy.event().map(SystemEvent::describe).unwrap_or_default();
            }
            _ => {}
        }
        Some(copy)
    }
}

/// Checks a message's text: not blank, at most 2000 characters, no NUL.
pub fn validate_text(text: &str) -> Result<(), DomainError> {
    if text.trim().is_empty() {
        return Err(DomainError::EmptyText);
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(DomainError::TextTooLong(chars));
    }
    if text.contains('\0') {
        return Err(DomainError::Invalid(
            "the text holds a NUL character".into(),
        ));
    }
    Ok(())
}

/// queued → delivered → read, or failed with a reason (seed 002).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "status", rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum DeliveryStatus {
    Queued,
    Delivered,
    Read,
    Failed { reason: String },
}

/// Which side of the dialog received: the visitor, or the operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum Side {
    Visitor,
    Operators,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum Receipt {
    Delivered,
    Read,
}

/// Delivery and read watermarks of one dialog, one pair per receiving side. A message's status
/// follows from its `seq`: marking a thousand messages read is one write, not a thousand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipts {
    pub visitor_delivered: u64,
    pub visitor_read: u64,
    pub operators_delivered: u64,
    pub operators_read: u64,
}

impl Receipts {
    pub fn get(&self, side: Side, receipt: Receipt) -> u64 {
        match (side, receipt) {
            (Side::Visitor, Receipt::Delivered) => self.visitor_delivered,
            (Side::Visitor, Receipt::Read) => self.visitor_read,
            (Side::Operators, Receipt::Delivered) => self.operators_delivered,
            (Side::Operators, Receipt::Read) => self.operators_read,
        }
    }

    pub fn set(&mut self, side: Side, receipt: Receipt, up_to: u64) {
        let slot = match (side, receipt) {
            (Side::Visitor, Receipt::Delivered) => &mut self.visitor_delivered,
            (Side::Visitor, Receipt::Read) => &mut self.visitor_read,
            (Side::Operators, Receipt::Delivered) => &mut self.operators_delivered,
            (Side::Operators, Receipt::Read) => &mut self.operators_read,
        };
        *slot = (*slot).max(up_to);
    }

    /// The status of a visitor's or operator's message; none for whispers and system events.
    pub fn status_of(&self, message: &Message) -> Option<DeliveryStatus> {
        let receiver = match message.kind() {
            MessageKind::Visitor => Side::Operators,
            MessageKind::Operator => Side::Visitor,
            MessageKind::Whisper | MessageKind::System => return None,
        };
        Some(if message.seq <= self.get(receiver, Receipt::Read) {
            DeliveryStatus::Read
        } else if message.seq <= self.get(receiver, Receipt::Delivered) {
            DeliveryStatus::Delivered
        } else {
            DeliveryStatus::Queued
        })
    }
}
