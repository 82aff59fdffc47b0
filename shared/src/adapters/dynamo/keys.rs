//! Every key the store writes. Ids never contain `#` (see `ids.rs`), so `#` separates parts safely.
//! Workspace-scoped data always carries the workspace id; only the lookups that start from a lone
//! global key (connection, site, login email, ticket) do not. `docs/data-model.md` lists them all.

use crate::domain::{Connection, Day, DialogStatus, IndexEntry, Millis, Peer};
use crate::ids::{
    AttachmentId, ConnectionId, ContactId, DialogId, GroupId, OperatorId, QuickReplyId, SiteKey,
    VisitorId, WorkspaceId,
};

/// Attribute names of the keys and of the index.
pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
/// The second index: who is in charge of which dialog. Keys only: the caller reads each dialog.
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";

pub type Key = (String, String);

pub fn workspace(ws: &WorkspaceId) -> Key {
    (format!("WS#{ws}"), "WORKSPACE".into())
}

/// Operators live in their workspace's partition, so listing them is one Query.
pub fn operator(ws: &WorkspaceId, op: &OperatorId) -> Key {
    (format!("WS#{ws}"), format!("{OPERATOR_PREFIX}{op}"))
}

pub const OPERATOR_PREFIX: &str = "OP#";

/// Groups live in their workspace's partition too: listing them is one Query.
pub fn group(ws: &WorkspaceId, group: &GroupId) -> Key {
    (format!("WS#{ws}"), format!("{GROUP_PREFIX}{group}"))
}

pub const GROUP_PREFIX: &str = "GRP#";

/// Login starts from the email: one partition per address holds a pointer for each workspace that
/// has an operator with it. Emails compare case-insensitively, as the embedded store does.
pub fn email_partition(email: &str) -> String {
    format!("EMAIL#{}", crate::domain::normalize_email(email))
}

pub fn email(email: &str, ws: &WorkspaceId) -> Key {
    (email_partition(email), format!("WS#{ws}"))
}

/// Where versions before per-workspace emails kept the one pointer of an address: still read by
/// login, and still guarding its workspace against a second operator with the address.
pub fn legacy_email(email: &str) -> Key {
    (email_partition(email), "EMAIL".into())
}

pub fn site(key: &SiteKey) -> Key {
    (format!("SITE#{key}"), "SITE".into())
}

/// GSI1: a workspace's sites.
pub fn sites_of(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#SITES")
}

pub fn site_in_workspace(key: &SiteKey) -> String {
    format!("SITE#{key}")
}

pub fn visitor(ws: &WorkspaceId, visitor: &VisitorId) -> Key {
    (format!("WS#{ws}#VIS#{visitor}"), "VISITOR".into())
}

/// One partition per dialog holds the dialog, its messages, their client ids, its receipts and
/// the operators' read markers.
pub fn dialog_partition(ws: &WorkspaceId, dialog: &DialogId) -> String {
    format!("WS#{ws}#DLG#{dialog}")
}

pub fn dialog(ws: &WorkspaceId, dialog: &DialogId) -> Key {
    (dialog_partition(ws, dialog), "DIALOG".into())
}

pub const MESSAGE_PREFIX: &str = "MSG#";

/// Zero-padded to u64's 20 digits so that the string order is the numeric order.
pub fn message_sk(seq: u64) -> String {
    format!("{MESSAGE_PREFIX}{seq:020}")
}

pub fn message(ws: &WorkspaceId, dialog: &DialogId, seq: u64) -> Key {
    (dialog_partition(ws, dialog), message_sk(seq))
}

pub fn client_id(ws: &WorkspaceId, dialog: &DialogId, client_id: &str) -> Key {
    (dialog_partition(ws, dialog), format!("CID#{client_id}"))
}

pub fn receipts(ws: &WorkspaceId, dialog: &DialogId) -> Key {
    (dialog_partition(ws, dialog), "RECEIPTS".into())
}

pub fn read_marker(ws: &WorkspaceId, dialog: &DialogId, op: &OperatorId) -> Key {
    (dialog_partition(ws, dialog), format!("READ#{op}"))
}

/// GSI1: a workspace's dialogs in one status, sorted by last activity, ties broken by id.
pub fn dialogs_by_status(ws: &WorkspaceId, status: DialogStatus) -> String {
    format!("WS#{ws}#DLGS#{}", status.as_str())
}

pub fn activity(last_activity: Millis, dialog: &DialogId) -> String {
    format!("{}#{dialog}", sortable_millis(last_activity))
}

/// Flipping the sign bit maps i64 order onto u64 order, so even a negative time sorts right.
fn sortable_millis(at: Millis) -> String {
    format!("{:020}", (at as u64) ^ (1 << 63))
}

/// GSI2: the dialogs one operator is in charge of (only dialogs with an assignee carry it).
pub fn dialogs_in_charge(ws: &WorkspaceId, op: &OperatorId) -> String {
    format!("WS#{ws}#OP#{op}#CHARGE")
}

pub fn dialog_in_charge(dialog: &DialogId) -> String {
    dialog.to_string()
}

/// An operator's console watch, in their workspace's partition.
pub fn console_watch(ws: &WorkspaceId, op: &OperatorId) -> Key {
    (format!("WS#{ws}"), format!("CONSOLE#{op}"))
}

/// GSI2: every workspace's console watches in one partition, by due time; the key alone says whose
/// (`due#workspace#operator`), since the index holds keys only.
pub const CONSOLES_DUE: &str = "CONSOLES";

pub fn console_due(due_at: Millis, ws: &WorkspaceId, op: &OperatorId) -> String {
    format!("{}#{ws}#{op}", sortable_millis(due_at))
}

/// The due time, workspace and operator a `console_due` key names.
pub fn parse_console_due(key: &str) -> Option<(Millis, WorkspaceId, OperatorId)> {
    parse_due(key, |id| OperatorId::parse(id).ok())
}

/// A `{due}#{workspace}#{id}` key of one of `GSI2`'s due partitions, read back.
fn parse_due<T>(key: &str, id: impl Fn(&str) -> Option<T>) -> Option<(Millis, WorkspaceId, T)> {
    let mut parts = key.splitn(3, '#');
    let due: u64 = parts.next()?.parse().ok()?;
    let ws = WorkspaceId::parse(parts.next()?).ok()?;
    let id = id(parts.next()?)?;
    Some(((due ^ (1 << 63)) as Millis, ws, id))
}

/// A due time as `console_due` writes it, for a key condition.
pub fn sortable_due(at: Millis) -> String {
    sortable_millis(at)
}

/// A closed dialog's retention mark, in the dialog's partition (deleting the dialog takes it too).
pub fn retention_mark(ws: &WorkspaceId, dialog: &DialogId) -> Key {
    (dialog_partition(ws, dialog), "RETAIN".into())
}

/// GSI2: every workspace's closed dialogs due for deletion in one partition, by due time; the key
/// alone says which (`due#workspace#dialog`), since the index holds keys only.
pub const DIALOGS_DUE: &str = "RETENTION";

pub fn dialog_due(due_at: Millis, ws: &WorkspaceId, dialog: &DialogId) -> String {
    format!("{}#{ws}#{dialog}", sortable_millis(due_at))
}

/// The due time, workspace and dialog a `dialog_due` key names.
pub fn parse_dialog_due(key: &str) -> Option<(Millis, WorkspaceId, DialogId)> {
    parse_due(key, |id| DialogId::parse(id).ok())
}

/// A contact's partition holds the contact and one link per dialog of theirs: the card's list
/// of dialogs is one Query of it.
pub fn contact_partition(ws: &WorkspaceId, contact: &ContactId) -> String {
    format!("WS#{ws}#CT#{contact}")
}

pub fn contact(ws: &WorkspaceId, contact: &ContactId) -> Key {
    (contact_partition(ws, contact), "CONTACT".into())
}

pub const CONTACT_DIALOG_PREFIX: &str = "DLG#";

/// A dialog of the contact, by when it started, so the newest come first in a backward Query.
pub fn contact_dialog(
    ws: &WorkspaceId,
    contact: &ContactId,
    created_at: Millis,
    dialog: &DialogId,
) -> Key {
    (
        contact_partition(ws, contact),
        format!(
            "{CONTACT_DIALOG_PREFIX}{}#{dialog}",
            sortable_millis(created_at)
        ),
    )
}

/// One item per contact key (`ContactKey::as_string`), in a partition of its own: claiming it is
/// one conditional write.
pub fn contact_key(ws: &WorkspaceId, key: &str) -> Key {
    (format!("WS#{ws}#CTKEY#{key}"), "CTKEY".into())
}

pub const CONTACT_CLAIM_PREFIX: &str = "CLAIM#";

/// A contact that claims a key (a visitor of theirs gave it), beside the key's own item: the
/// holder's card finds the claimants with one Query of the key's partition.
pub fn contact_claim(ws: &WorkspaceId, key: &str, contact: &ContactId) -> Key {
    let (pk, _) = contact_key(ws, key);
    (pk, format!("{CONTACT_CLAIM_PREFIX}{contact}"))
}

/// The words of a workspace's contacts' names, one item per word and contact, in one partition:
/// finding a contact by a name's start is one Query of it.
pub fn contact_names(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#CTNAME")
}

pub fn contact_name(ws: &WorkspaceId, word: &str, contact: &ContactId) -> Key {
    (contact_names(ws), format!("{word}#{contact}"))
}

pub fn connection(id: &ConnectionId) -> Key {
    (format!("CONN#{id}"), "CONN".into())
}

/// GSI1: a workspace's operator connections, grouped by operator.
pub fn operator_connections(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#OPCONN")
}

pub fn operator_connection_prefix(op: &OperatorId) -> String {
    format!("OP#{op}#")
}

pub fn operator_connection_sk(op: &OperatorId, id: &ConnectionId) -> String {
    format!("{}CONN#{id}", operator_connection_prefix(op))
}

/// GSI1: one visitor's connections (a visitor may have several tabs open).
pub fn visitor_connections(ws: &WorkspaceId, visitor: &VisitorId) -> String {
    format!("WS#{ws}#VIS#{visitor}#CONN")
}

pub fn visitor_connection_sk(id: &ConnectionId) -> String {
    format!("CONN#{id}")
}

/// A connection's place in GSI1: with its operator's, or with its visitor's other tabs.
pub fn connection_gsi1(connection: &Connection) -> Key {
    match &connection.peer {
        Peer::Operator { id, .. } => (
            operator_connections(&connection.workspace),
            operator_connection_sk(id, &connection.id),
        ),
        Peer::Visitor { id, .. } => (
            visitor_connections(&connection.workspace, id),
            visitor_connection_sk(&connection.id),
        ),
    }
}

/// One item per upload put in a message, in a partition of its own: marking it is one conditional
/// write.
pub fn upload_mark(ws: &WorkspaceId, attachment: &AttachmentId) -> Key {
    (format!("WS#{ws}#UPLOAD#{attachment}"), "UPLOAD".into())
}

/// A limit's counter (`ports::LimitStore`): the key is the use-case's own (a sender's and its
/// window's, a hashed account's, an address's), global like the ticket's.
pub fn limit(key: &str) -> Key {
    (format!("LIMIT#{key}"), "LIMIT".into())
}

/// A workspace's report counters share one partition, sorted by day and then operator: a period's
/// report is one Query of a range of it (`ports::ReportStore`).
pub fn reports_partition(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#REPORT")
}

pub fn report(ws: &WorkspaceId, day: Day, op: &OperatorId) -> Key {
    (reports_partition(ws), format!("{day}#{op}"))
}

/// The sort keys of a period's counters lie between these: `#` sorts before `$`, so every
/// operator of the last day is within.
pub fn report_range(from: Day, to: Day) -> (String, String) {
    (format!("{from}#"), format!("{to}$"))
}

/// An operator's current presence state and since when: one item of its own.
pub fn presence_mark(ws: &WorkspaceId, op: &OperatorId) -> Key {
    (format!("WS#{ws}#OP#{op}#PRESENCE"), "PRESENCE".into())
}

pub fn ticket(id: &str) -> Key {
    (format!("TICKET#{id}"), "TICKET".into())
}

/// An operator's quick replies share one partition: listing them is one Query.
pub fn quick_reply(ws: &WorkspaceId, op: &OperatorId, id: &QuickReplyId) -> Key {
    (
        quick_replies_partition(ws, op),
        format!("{QUICK_REPLY_PREFIX}{id}"),
    )
}

pub fn quick_replies_partition(ws: &WorkspaceId, op: &OperatorId) -> String {
    format!("WS#{ws}#OP#{op}#QR")
}

pub const QUICK_REPLY_PREFIX: &str = "QR#";

/// Search terms are partitioned by their first two characters (a query has at least two), so a
/// search reads one partition per word and a workspace's index is spread over many partitions.
pub fn search_partition(ws: &WorkspaceId, term: &str) -> String {
    let head: String = term.chars().take(crate::domain::MIN_TERM_CHARS).collect();
    format!("WS#{ws}#TERM#{head}")
}

/// Terms hold no `#` (they are letters and digits, or an email or phone's own characters).
pub fn search_term(ws: &WorkspaceId, e: &IndexEntry) -> Key {
    (
        search_partition(ws, &e.term),
        format!("{}#{}#{}", e.term, e.dialog, e.field.as_str()),
    )
}

/// A search term's pointer in its dialog's partition, so that deleting the dialog finds every
/// term written for it (`{field}#{term}`; the term is last, as it is the one part of any length).
pub fn dialog_term(ws: &WorkspaceId, e: &IndexEntry) -> Key {
    (
        dialog_partition(ws, &e.dialog),
        format!("{DIALOG_TERM_PREFIX}{}#{}", e.field.as_str(), e.term),
    )
}

pub const DIALOG_TERM_PREFIX: &str = "TERM#";

/// A workspace's push subscriptions and choices share one partition: who to push to for a new
/// dialog is one Query, and one operator's are a `begins_with` within it.
pub fn push_partition(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#PUSH")
}

pub fn push_operator_prefix(op: &OperatorId) -> String {
    format!("OP#{op}#")
}

/// Endpoints are long URLs full of `/` and `:`: keys carry their SHA-256 instead.
pub fn endpoint_hash(endpoint: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(endpoint.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn push_subscription(ws: &WorkspaceId, op: &OperatorId, endpoint: &str) -> Key {
    (
        push_partition(ws),
        format!(
            "{}SUB#{}",
            push_operator_prefix(op),
            endpoint_hash(endpoint)
        ),
    )
}

pub fn push_choices(ws: &WorkspaceId, op: &OperatorId) -> Key {
    (
        push_partition(ws),
        format!("{}CHOICES", push_operator_prefix(op)),
    )
}

/// Who holds an endpoint now, whatever the workspace: a browser subscribed again by another
/// operator leaves the one before.
pub fn push_endpoint(endpoint: &str) -> Key {
    (
        format!("PUSHEP#{}", endpoint_hash(endpoint)),
        "PUSHEP".into(),
    )
}

/// An operator's load (`domain::Load`), in their workspace's partition.
pub fn load(ws: &WorkspaceId, op: &OperatorId) -> Key {
    (format!("WS#{ws}"), format!("{LOAD_PREFIX}{op}"))
}

pub const LOAD_PREFIX: &str = "LOAD#";

/// How fast the workspace's queue moves (`domain::QueuePace`).
pub fn queue_pace(ws: &WorkspaceId) -> Key {
    (format!("WS#{ws}"), "QUEUEPACE".into())
}

/// GSI2: the workspace's queued dialogs (which have no assignee, so no `dialogs_in_charge` key),
/// the longest waiting first.
pub fn queue(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#QUEUE")
}

pub fn queued(queued_since: Millis, dialog: &DialogId) -> String {
    format!("{}#{dialog}", sortable_millis(queued_since))
}

/// The dialog a `queued` key names.
pub fn parse_queued(key: &str) -> Option<DialogId> {
    let (_, id) = key.split_once('#')?;
    DialogId::parse(id).ok()
}

/// A workspace's tags live in a partition of their own: each definition (`TAG#{id}`), its counter
/// of dialogs beside it (`TAG#{id}#COUNT`) and one item per name (`NAME#{name_key}`), claimed
/// with a condition. Listing the tags with their counts is one Query of `TAG#`.
pub fn tags_partition(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#TAGS")
}

pub const TAG_PREFIX: &str = "TAG#";
pub const TAG_COUNT_SUFFIX: &str = "#COUNT";

pub fn tag(ws: &WorkspaceId, tag: &crate::ids::TagId) -> Key {
    (tags_partition(ws), format!("{TAG_PREFIX}{tag}"))
}

pub fn tag_count(ws: &WorkspaceId, tag: &crate::ids::TagId) -> Key {
    (
        tags_partition(ws),
        format!("{TAG_PREFIX}{tag}{TAG_COUNT_SUFFIX}"),
    )
}

pub fn tag_name(ws: &WorkspaceId, name_key: &str) -> Key {
    (tags_partition(ws), format!("NAME#{name_key}"))
}
