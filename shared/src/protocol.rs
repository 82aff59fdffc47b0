//! The wire protocol: what clients send (routed by `action`, then `op`) and what the server pushes
//! (`type`, dotted names). TypeScript types for the console and widget are generated from these
//! (`web/protocol/protocol.ts`), and a test fails when the checked-in copy is stale.

use crate::domain::{
    Attachment, DeliveryStatus, Dialog, DialogStatus, ErrorCode, LastMessage, Message, MessageKind,
    Millis, OperatorStatus, Participant, Receipt, Receipts, Sender, Side, SystemEvent,
};
use crate::ids::{ClientMessageId, ContactId, DialogId, MessageId, OperatorId, SiteKey, VisitorId};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Clients send `v` on connect (`?v=1`); the server refuses versions it does not speak.
pub const PROTOCOL_VERSION: u32 = 1;

/// One frame from a client. `request_id` is echoed by the `ack` or `error` that answers it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct ClientFrame {
    pub request_id: String,
    #[serde(flatten)]
    pub action: ClientAction,
}

/// API Gateway selects the route (and so the function) by `action`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum ClientAction {
    Message(MessageOp),
    Assign(AssignOp),
    Close(CloseOp),
}

impl ClientAction {
    pub fn route(&self) -> Route {
        match self {
            Self::Message(_) => Route::Message,
            Self::Assign(_) => Route::Assign,
            Self::Close(_) => Route::Close,
        }
    }
}

/// The WebSocket routes, one function each: the one list of them. The template, the local
/// gateway's route selection, the functions' dispatch and `deploy::Function` all read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    Connect,
    Disconnect,
    Default,
    Message,
    Assign,
    Close,
}

impl Route {
    pub const ALL: [Route; 6] = [
        Self::Connect,
        Self::Disconnect,
        Self::Default,
        Self::Message,
        Self::Assign,
        Self::Close,
    ];

    /// Its route key in API Gateway: `$connect`, `$disconnect`, `$default` or the action it takes.
    pub fn key(self) -> &'static str {
        match self {
            Self::Connect => "$connect",
            Self::Disconnect => "$disconnect",
            Self::Default => "$default",
            Self::Message => "message",
            Self::Assign => "assign",
            Self::Close => "close",
        }
    }

    /// The route of an event API Gateway sends with `key`; an unknown key is `$default`'s.
    pub fn of_key(key: &str) -> Route {
        Self::ALL
            .into_iter()
            .find(|r| r.key() == key)
            .unwrap_or(Self::Default)
    }

    /// The route that takes frames of `action`, if one does.
    pub fn of_action(action: &str) -> Option<Route> {
        Self::ALL
            .into_iter()
            .find(|r| r.ops().is_some() && r.key() == action)
    }

    /// The ops of its action, as the op enum names them; `None` for the routes that take no frames
    /// of their own (`$connect`, `$disconnect`, `$default`).
    pub fn ops(self) -> Option<&'static [&'static str]> {
        match self {
            Self::Message => Some(variant_names::<MessageOp>(Some("op"))),
            Self::Assign => Some(variant_names::<AssignOp>(Some("op"))),
            Self::Close => Some(variant_names::<CloseOp>(Some("op"))),
            Self::Connect | Self::Disconnect | Self::Default => None,
        }
    }

    /// API Gateway's route selection on `$request.body.action`: anything else goes to `$default`.
    pub fn select(body: &str) -> Route {
        let action = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_owned));
        action
            .as_deref()
            .and_then(Self::of_action)
            .unwrap_or(Self::Default)
    }
}

/// The names an enum's `Deserialize` takes, asked of it with a name no enum has: its refusal
/// lists the ones it expected. `tag`: the field an internally tagged enum reads its variant from
/// (`op`); `None` for an enum read from a bare string. A list written by hand could miss a
/// variant added later; this one cannot.
pub fn variant_names<T: serde::de::DeserializeOwned>(
    tag: Option<&'static str>,
) -> &'static [&'static str] {
    #[derive(Debug)]
    struct Expected(&'static [&'static str]);
    impl std::fmt::Display for Expected {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "expected one of {:?}", self.0)
        }
    }
    impl std::error::Error for Expected {}
    impl serde::de::Error for Expected {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Self(&[])
        }
        fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
            Self(expected)
        }
    }
    const NONE: &str = "\u{0}";
    let refused = match tag {
        Some(tag) => T::deserialize(serde::de::value::MapDeserializer::<_, Expected>::new(
            std::iter::once((tag, NONE)),
        ))
        .err(),
        None => T::deserialize(serde::de::value::StrDeserializer::<Expected>::new(NONE)).err(),
    };
    refused.map_or(&[], |Expected(names)| names)
}

/// The `message` route: text, whispers, typing and read state.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(tag = "op", rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum MessageOp {
    /// A visitor omits `dialog_id`: the first message creates the visitor's dialog.
    Send {
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dialog_id: Option<DialogId>,
        client_id: ClientMessageId,
        /// May be left out (or empty) when `uploads` are given.
        #[ts(as = "Option<String>", optional)]
        #[serde(default)]
        text: String,
        #[ts(optional, type = "number")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<u64>,
        /// Files to send with it: the `upload` tokens of `POST /api/uploads` grants (after the
        /// upload), or of the attachments list, to send one again. At most 10.
        #[ts(as = "Option<Vec<String>>", optional)]
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        uploads: Vec<String>,
    },
    /// Operators only. Text only: `uploads` is refused with `whisper_attachment`.
    Whisper {
        dialog_id: DialogId,
        client_id: ClientMessageId,
        text: String,
        #[ts(optional, type = "number")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<u64>,
        #[ts(as = "Option<Vec<String>>", optional)]
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        uploads: Vec<String>,
    },
    Typing {
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dialog_id: Option<DialogId>,
        typing: bool,
    },
    /// Everything the other side wrote up to `up_to` (a `seq`) has been read.
    Read {
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dialog_id: Option<DialogId>,
        #[ts(type = "number")]
        up_to: u64,
    },
    /// Operators only: the dialog shows as unread again, for the caller alone.
    MarkUnread { dialog_id: DialogId },
    /// Keeps an idle socket open (API Gateway cuts after 10 minutes without a frame; browsers
    /// cannot send WebSocket pings). Answered with a bare ack.
    Ping {},
}

/// The `assign` route: connect to a dialog, disconnect, transfer, put on hold and resume.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(tag = "op", rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum AssignOp {
    Join {
        dialog_id: DialogId,
    },
    Leave {
        dialog_id: DialogId,
    },
    Transfer {
        dialog_id: DialogId,
        to: OperatorId,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// Put the dialog on hold, to take another; an operator connected to it may.
    Hold {
        dialog_id: DialogId,
    },
    /// Take it off hold.
    Resume {
        dialog_id: DialogId,
    },
}

/// The `close` route.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(tag = "op", rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum CloseOp {
    Close { dialog_id: DialogId },
    Reopen { dialog_id: DialogId },
}

/// A message as clients see it: with its delivery status where it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct MessageView {
    pub id: MessageId,
    pub dialog_id: DialogId,
    #[ts(type = "number")]
    pub seq: u64,
    pub client_id: ClientMessageId,
    pub kind: MessageKind,
    /// The visitor's or operator's id; absent on system messages.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    /// Plain text, rendered as text by every client; for system messages, the event in words.
    pub text: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<SystemEvent>,
    /// The `seq` of the message this one quotes.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<u64>,
    /// Files and images sent with it; the text may then be empty.
    #[ts(as = "Option<Vec<Attachment>>", optional)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[ts(type = "number")]
    pub created_at: Millis,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeliveryStatus>,
}

impl MessageView {
    pub fn new(message: Message, receipts: &Receipts) -> Self {
        let status = receipts.status_of(&message);
        Self::with_status(message, status)
    }

    /// The message as it is, with no delivery status.
    pub fn bare(message: Message) -> Self {
        Self::with_status(message, None)
    }

    fn with_status(message: Message, status: Option<DeliveryStatus>) -> Self {
        let kind = message.kind();
        let (author_id, author_name, event) = match message.sender {
            Sender::Visitor { id, name } => (Some(id.to_string()), Some(name), None),
            Sender::Operator { id, name } => (Some(id.to_string()), name, None),
            Sender::Whisper { id, name } => (Some(id.to_string()), Some(name), None),
            Sender::System(event) => (None, None, Some(event)),
        };
        Self {
            id: message.id,
            dialog_id: message.dialog_id,
            seq: message.seq,
            client_id: message.client_id,
            kind,
            author_id,
            author_name,
            text: message.text,
            event,
            reply_to: message.reply_to,
            attachments: message.attachments,
            created_at: message.created_at,
            status,
        }
    }
}

/// A dialog as operators see it in the sidebar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct DialogView {
    pub id: DialogId,
    pub site: SiteKey,
    pub visitor_id: VisitorId,
    /// The contact's name (`ContactView::name`), kept in step when the contact is edited.
    pub visitor_name: String,
    /// The contact the dialog belongs to (`GET /api/contacts/{id}`); absent for dialogs from
    /// before contacts.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<ContactId>,
    pub status: DialogStatus,
    /// The operator in charge, shown under the visitor's name.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Participant>,
    /// Operators connected now; empty and `needs_answer` means green.
    pub participants: Vec<Participant>,
    pub needs_answer: bool,
    /// Oldest unanswered visitor message: sort by it for processing order.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<Millis>,
    #[ts(type = "number")]
    pub last_activity: Millis,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<LastMessage>,
    /// The newest message's `seq`.
    #[ts(type = "number")]
    pub seq: u64,
    /// How many messages the visitor has written; less what I read, that is my unread count.
    #[ts(type = "number")]
    pub visitor_messages: u64,
    #[ts(type = "number")]
    pub created_at: Millis,
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Millis>,
    /// Waiting in the queue for an operator with room, since then.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_since: Option<Millis>,
    /// On hold, since then.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_since: Option<Millis>,
    /// The caller's unread count, in lists fetched over HTTP.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<u64>,
    /// The contact is blocked: the composer shows a warning instead (`contact_blocked`).
    #[ts(as = "Option<bool>", optional)]
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
    /// The contact's tags, as the dialog carries them (`Dialog::tags`): the list shows the pinned
    /// ones under the name and filters by them. An id that `GET /api/tags` does not list (a
    /// deleted tag) is to be ignored.
    #[ts(as = "Option<Vec<crate::domain::ContactTag>>", optional)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<crate::domain::ContactTag>,
}

impl From<&Dialog> for DialogView {
    fn from(d: &Dialog) -> Self {
        Self {
            id: d.id.clone(),
            site: d.site.clone(),
            visitor_id: d.visitor.clone(),
            visitor_name: d.visitor_name.clone(),
            contact_id: d.contact.clone(),
            status: d.status,
            assignee: d.assignee.clone(),
            participants: d.participants.clone(),
            needs_answer: d.needs_answer,
            waiting_since: d.waiting_since,
            last_activity: d.last_activity,
            last_message: d.last_message.clone(),
            seq: d.seq,
            visitor_messages: d.visitor_messages,
            created_at: d.created_at,
            closed_at: d.closed_at,
            queued_since: d.queued_since,
            held_since: d.held_since,
            unread: None,
            blocked: d.blocked,
            tags: d.tags.clone(),
        }
    }
}

/// Everything the server pushes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type")]
#[ts(export_to = "protocol.ts")]
pub enum ServerEvent {
    /// The request was done; carries what it stored.
    #[serde(rename = "ack")]
    Ack {
        request_id: String,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<MessageView>,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dialog: Option<DialogView>,
    },
    /// The request was refused; nothing was stored.
    #[serde(rename = "error")]
    Error {
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        code: ErrorCode,
        message: String,
        /// `rate_limited` only: how many milliseconds to wait before sending the same frame again
        /// (same `client_id`); nothing of it was stored.
        #[ts(optional, type = "number")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<Millis>,
    },
    /// A visitor's first message: the dialog appears in every operator's sidebar.
    #[serde(rename = "dialog.created")]
    DialogCreated {
        dialog: DialogView,
        message: MessageView,
        ring: bool,
    },
    /// Joined, left, transferred, closed, reopened: the new summary and the timeline's system event.
    #[serde(rename = "dialog.updated")]
    DialogUpdated {
        dialog: DialogView,
        ring: bool,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event: Option<MessageView>,
    },
    /// The dialog was transferred away from you: drop it from your lists.
    #[serde(rename = "dialog.removed")]
    DialogRemoved { dialog_id: DialogId },
    /// A new message. Operators also get the dialog's new summary in the same frame, so the sidebar
    /// moves (to the top, green) without a second push.
    #[serde(rename = "message.created")]
    MessageCreated {
        message: MessageView,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dialog: Option<DialogView>,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ring: Option<bool>,
    },
    /// `side` received and delivered or read everything up to `up_to`.
    #[serde(rename = "message.status")]
    MessageStatus {
        dialog_id: DialogId,
        side: Side,
        status: Receipt,
        #[ts(type = "number")]
        up_to: u64,
    },
    /// `side` is typing (or stopped).
    #[serde(rename = "typing")]
    Typing {
        dialog_id: DialogId,
        side: Side,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        typing: bool,
    },
    /// My own read state of a dialog changed (read, or marked unread).
    #[serde(rename = "dialog.read")]
    DialogRead {
        dialog_id: DialogId,
        #[ts(type = "number")]
        unread: u64,
        marked_unread: bool,
    },
    /// An operator's status or presence changed: they chose another status, or their first
    /// console opened, or their last one closed.
    #[serde(rename = "operator.status")]
    OperatorStatusChanged {
        operator_id: OperatorId,
        status: OperatorStatus,
        presence: crate::domain::Presence,
    },
    /// An operator of the workspace changed: renamed, given another role, deactivated or
    /// reactivated, or their groups and rights changed. Carries the operator as
    /// `GET /api/operators` lists them, so the team list and, for the operator themselves, what
    /// their console offers follow.
    #[serde(rename = "operator.updated")]
    OperatorUpdated { operator: OperatorView },
    /// The page a visitor has open now (the widget reports each page view): to every operator.
    #[serde(rename = "visitor.page")]
    VisitorPage {
        visitor_id: VisitorId,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dialog_id: Option<DialogId>,
        page: crate::domain::VisitedPage,
    },
    /// Dialogs were deleted, with everything in them (`POST /api/dialogs/delete`): to every
    /// operator console of the workspace, and to the tabs of each deleted dialog's visitor (with
    /// that one id), whose next message starts a new dialog.
    #[serde(rename = "dialog.deleted")]
    DialogsDeleted { dialog_ids: Vec<DialogId> },
    /// The workspace's chat handling settings changed (`PUT /api/workspace/handling`): to every
    /// operator console, so the reply-time limit and the sorts it offers follow.
    #[serde(rename = "workspace.handling")]
    WorkspaceHandling {
        handling: crate::domain::ChatHandling,
    },
    /// To a visitor whose dialog waits in the queue (automatic distribution, everyone full):
    /// their place (1: next) and, once the queue has moved, the estimated wait in seconds. Sent
    /// when the dialog is queued and whenever the queue moves; `GET /api/visitor/queue` answers the
    /// same for a widget that reconnects.
    #[serde(rename = "queue.position")]
    QueuePosition {
        dialog_id: DialogId,
        #[ts(type = "number")]
        position: u64,
        #[ts(optional, type = "number")]
        #[serde(skip_serializing_if = "Option::is_none")]
        estimated_wait_secs: Option<i64>,
    },
    /// A contact was edited (`PUT /api/contacts/{id}`): to every operator console that may see
    /// one of its dialogs, so open cards and the sidebar's names follow.
    #[serde(rename = "contact.updated")]
    ContactUpdated { contact: ContactView },
    /// `merged_id` was merged into `contact` (`POST /api/contacts/{id}/merge`): to every operator
    /// console that may see one of the united contact's dialogs. A card open on `merged_id` now
    /// shows `contact`; the dialogs that moved come as `dialog.updated` (their `contact_id`).
    #[serde(rename = "contact.merged")]
    ContactMerged {
        merged_id: ContactId,
        contact: ContactView,
    },
    /// A contact was erased (`DELETE /api/contacts/{id}`), with every dialog of theirs (each told
    /// as `dialog.deleted`): to the operator consoles that could see one of its dialogs (for a
    /// contact without any, those that may see colleagues' dialogs), once for the contact and once
    /// for each contact merged into it, so open cards close.
    #[serde(rename = "contact.deleted")]
    ContactDeleted { contact_id: ContactId },
}

/// A contact as operators see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct ContactView {
    pub id: ContactId,
    /// The name given, else "Visitor" and the id's last four characters.
    pub name: String,
    /// Whether a name was given (else `name` is the made-up one).
    pub named: bool,
    /// The contact's own e-mail: no other contact of the workspace has it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mails and phones of contacts merged into this one, beside its own: keys of it too
    /// (absent when none).
    #[ts(as = "Option<Vec<String>>", optional)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_emails: Vec<String>,
    #[ts(as = "Option<Vec<String>>", optional)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_phones: Vec<String>,
    pub notes: String,
    /// Custom field values by key (`GET /api/contact-fields`).
    pub fields: std::collections::BTreeMap<String, String>,
    /// Site user ids the sites vouched for (identity verification).
    pub verified: Vec<crate::domain::SiteUser>,
    /// E-mails and phones a visitor of this contact gave that another contact holds: never
    /// attached, kept so that a merge can be offered.
    pub claims: Vec<crate::domain::Claim>,
    /// Who blocked the contact and when (`POST /api/contacts/{id}/block`): no message goes to
    /// or from them; absent when they are not blocked.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<crate::domain::ContactBlock>,
    /// The workspace's tags on the contact (`PUT /api/contacts/{id}/tags`), pinned ones showing
    /// under the name in the dialog list. An id that `GET /api/tags` does not list (a deleted
    /// tag) is to be ignored.
    #[ts(as = "Option<Vec<crate::domain::ContactTag>>", optional)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<crate::domain::ContactTag>,
    #[ts(type = "number")]
    pub created_at: Millis,
    #[ts(type = "number")]
    pub version: u64,
}

impl From<&crate::domain::Contact> for ContactView {
    fn from(c: &crate::domain::Contact) -> Self {
        Self {
            id: c.id.clone(),
            name: c.display_name(),
            named: c.name.as_ref().is_some_and(|n| !n.trim().is_empty()),
            email: c.email.as_ref().map(ToString::to_string),
            phone: c.phone.as_ref().map(ToString::to_string),
            other_emails: c.other_emails.iter().map(ToString::to_string).collect(),
            other_phones: c.other_phones.iter().map(ToString::to_string).collect(),
            notes: c.notes.clone(),
            fields: c.fields.clone(),
            verified: c.users.clone(),
            claims: c.claims.clone(),
            blocked: c.blocked.clone(),
            tags: c.tags.clone(),
            created_at: c.created_at,
            version: c.version,
        }
    }
}

/// What a channel is: for now the web widget; messengers come later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum ChannelKind {
    Web,
}

/// A channel a contact wrote through: the web widget of one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct ChannelView {
    pub site: SiteKey,
    pub kind: ChannelKind,
    /// The site's name.
    pub name: String,
    /// The channel of the contact's latest activity.
    pub active: bool,
}

/// `GET /api/channels`: the workspace's channels, for the sidebar's channel names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct ChannelList {
    pub channels: Vec<ChannelView>,
}

/// `GET` and `POST /api/sites/{key}/identity-secret`: the key the site's backend signs user ids
/// with; absent until made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct IdentitySecret {
    pub site: SiteKey,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl ServerEvent {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server events always serialize")
    }

    pub fn error(request_id: Option<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Error {
            request_id,
            code,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// An error that says when the same request may go again.
    pub fn error_after(self, retry_after_ms: Option<Millis>) -> Self {
        match self {
            Self::Error {
                request_id,
                code,
                message,
                ..
            } => Self::Error {
                request_id,
                code,
                message,
                retry_after_ms,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_by_action_and_op() {
        let f: ClientFrame = serde_json::from_str(
            r#"{"action":"message","op":"send","request_id":"r1","client_id":"c-1","text":"hi"}"#,
        )
        .unwrap();
        assert_eq!(f.request_id, "r1");
        assert!(
            matches!(f.action, ClientAction::Message(MessageOp::Send { ref text, .. }) if text == "hi")
        );
        assert_eq!(f.action.route(), Route::Message);
        let bad = serde_json::from_str::<ClientFrame>(
            r#"{"action":"assign","op":"join","request_id":"r","dialog_id":"<script>"}"#,
        );
        assert!(bad.is_err(), "ids are validated as they are parsed");
    }

    #[test]
    fn each_route_knows_the_ops_of_its_enum() {
        assert_eq!(
            Route::Message.ops(),
            Some(&["send", "whisper", "typing", "read", "mark_unread", "ping"][..])
        );
        assert_eq!(
            Route::Assign.ops(),
            Some(&["join", "leave", "transfer", "hold", "resume"][..])
        );
        assert_eq!(Route::Close.ops(), Some(&["close", "reopen"][..]));
        for route in Route::ALL {
            assert_eq!(Route::of_key(route.key()), route);
            for op in route.ops().unwrap_or_default() {
                let frame =
                    serde_json::json!({ "request_id": "r", "action": route.key(), "op": op });
                let err = serde_json::from_value::<ClientFrame>(frame)
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                assert!(
                    !err.contains("unknown variant"),
                    "{op} is an op of {}: {err}",
                    route.key()
                );
            }
        }
        assert_eq!(
            Route::of_action("$connect"),
            None,
            "only actions route frames"
        );
        assert_eq!(Route::of_key("nope"), Route::Default);
    }

    #[test]
    fn route_selection_matches_api_gateway() {
        assert_eq!(Route::select(r#"{"action":"assign"}"#), Route::Assign);
        assert_eq!(Route::select(r#"{"action":"nope"}"#), Route::Default);
        assert_eq!(Route::select("not json"), Route::Default);
        assert_eq!(Route::select(r#"{"action":7}"#), Route::Default);
    }

    #[test]
    fn events_carry_dotted_types() {
        let e = ServerEvent::DialogRemoved {
            dialog_id: DialogId::from_trusted("dlg_1"),
        };
        assert_eq!(
            e.to_json(),
            r#"{"type":"dialog.removed","dialog_id":"dlg_1"}"#
        );
    }
}

/// `POST /api/uploads` answers with this: where and how the browser uploads one file, and the
/// token a message then carries to reference it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct UploadGrant {
    /// Goes into the message's `uploads`.
    pub upload: String,
    /// Where to `POST` the form: a presigned S3 POST.
    pub url: String,
    /// The form fields, in this order, before the file itself (the field `file`, always last).
    pub fields: Vec<(String, String)>,
    /// The attachment as it will be stored (size, type and kind as the server decided them).
    pub attachment: crate::domain::Attachment,
    /// The upload must start before this; the token stays usable in a message for a day.
    #[ts(type = "number")]
    pub expires_at: Millis,
}

/// Short-lived links to one stored attachment, issued after an access check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct AttachmentLinks {
    pub id: crate::ids::AttachmentId,
    /// The file itself: images open in the browser, other files download under their name.
    pub url: String,
    /// The preview of an image.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<String>,
    #[ts(type = "number")]
    pub expires_at: Millis,
}

/// One attachment of a dialog, for the "Show attachments" panel: where it was sent, the links,
/// and a token to send it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct DialogAttachment {
    pub attachment: crate::domain::Attachment,
    /// The message that carried it (the newest, when it was sent more than once).
    #[ts(type = "number")]
    pub seq: u64,
    pub kind: crate::domain::MessageKind,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    #[ts(type = "number")]
    pub sent_at: Millis,
    pub links: AttachmentLinks,
    /// Put it in a message's `uploads` to send the file again.
    pub resend: String,
}

/// `POST /api/tickets`: a one-time ticket for the operator's WebSocket (`?ticket=`), good for
/// seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct TicketView {
    pub ticket: String,
    #[ts(type = "number")]
    pub expires_at: Millis,
}

/// `GET /api/operators`: the workspace's operators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct OperatorList {
    pub operators: Vec<OperatorView>,
}

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct Health {
    pub ok: bool,
}

/// An operator as other operators see them: never the password hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct OperatorView {
    pub id: OperatorId,
    pub name: String,
    pub email: String,
    pub role: crate::domain::Role,
    pub status: OperatorStatus,
    /// The groups they belong to besides "Everyone".
    pub groups: Vec<crate::ids::GroupId>,
    /// Every right they hold (an admin: all), so consoles offer only what they may do.
    pub rights: Vec<crate::domain::Right>,
    /// A deactivated operator cannot sign in; no dialog can be transferred to them.
    pub active: bool,
    /// What colleagues see: their status, and whether a console of theirs is connected. Given by
    /// `GET /api/operators` and `POST /api/me/status`; absent in `operator.updated`,
    /// where the last `operator.status` still holds.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<crate::domain::Presence>,
}

impl From<&crate::domain::Operator> for OperatorView {
    fn from(op: &crate::domain::Operator) -> Self {
        Self {
            id: op.id.clone(),
            name: op.name.clone(),
            email: op.email.to_string(),
            role: op.role,
            status: op.status,
            groups: op.groups.clone(),
            rights: op.held_rights().iter().collect(),
            active: op.active,
            presence: None,
        }
    }
}

/// A group of operators, as admins manage it (`GET /api/groups`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct GroupView {
    pub id: crate::ids::GroupId,
    pub name: String,
    pub rights: Vec<crate::domain::Right>,
    /// The built-in group every operator belongs to: its name and membership are fixed.
    pub everyone: bool,
    pub members: Vec<OperatorId>,
}

/// `GET /api/groups`: "Everyone" first, then by creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct GroupList {
    pub groups: Vec<GroupView>,
}

/// A workspace to sign in to, when an email and password are an operator's in several
/// (`choose_workspace`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "protocol.ts")]
pub struct WorkspaceChoice {
    pub id: crate::ids::WorkspaceId,
    pub name: String,
}
