//! Ports: what the use-cases need from the outside world, split by capability so each function
//! takes (and its IAM policy grants) only what it uses. The SQLite and DynamoDB stores implement
//! them all and pass one contract suite (`tests/store_contract.rs`).

use crate::domain::{
    Connection, Contact, ContactKey, Day, Dialog, DialogStatus, Figures, Group, IndexEntry, Load,
    LoadMove, Message, Millis, Operator, OperatorStatus, PresenceMark, PushChoices, PushSubscriber,
    PushSubscription, QueuePace, QuickReply, ReadMarker, Receipt, Receipts, Rights, Side, Site,
    Ticket, UploadMark, Visitor, Workspace,
};
use crate::ids::{
    ClientMessageId, ConnectionId, ContactId, DialogId, GroupId, OperatorId, QuickReplyId, SiteKey,
    VisitorId, WorkspaceId,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost: the dialog's version moved on, or the visitor already has a dialog.
    #[error("the item changed meanwhile")]
    Conflict,
    /// A message with this client id is already stored in the dialog.
    #[error("a message with this client id is already stored")]
    DuplicateMessage,
    /// A unique key is taken: an operator's email, or a site key that belongs to another workspace.
    #[error("already exists")]
    AlreadyExists,
    /// An assignment's operator is no longer available, or has no room left under the cap.
    #[error("the operator is not available or has no room")]
    NoRoom,
    #[error("the store failed: {0}")]
    Unavailable(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait DirectoryStore: Send + Sync {
    async fn put_workspace(&self, workspace: &Workspace) -> StoreResult<()>;
    async fn get_workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>>;
    /// Creates or updates a site; a key owned by another workspace is `AlreadyExists`.
    async fn put_site(&self, site: &Site) -> StoreResult<()>;
    /// Site keys are global: the widget knows nothing else.
    async fn get_site(&self, key: &SiteKey) -> StoreResult<Option<Site>>;
    async fn list_sites(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Site>>;
    /// Creates an operator; an email is unique within its workspace (`AlreadyExists`), and the
    /// same address may be an operator of other workspaces too.
    async fn create_operator(&self, operator: &Operator) -> StoreResult<()>;
    async fn get_operator(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
    ) -> StoreResult<Option<Operator>>;
    /// Every operator with this email (compared as `normalize_email` does), in any workspace.
    async fn find_operators_by_email(&self, email: &str) -> StoreResult<Vec<Operator>>;
    /// Writes an operator's changed record, all but its status (`set_operator_status`'s), on the
    /// condition that the stored one is at `operator.version - 1`, and, with a `witness`, that this
    /// other operator of the workspace is still an active admin; else `Conflict`. The role the
    /// operator's connections carry follows.
    async fn update_operator(
        &self,
        operator: &Operator,
        witness: Option<&OperatorId>,
    ) -> StoreResult<()>;
    async fn list_operators(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Operator>>;
    async fn set_operator_status(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
        status: OperatorStatus,
    ) -> StoreResult<()>;
    /// Creates or replaces a visitor, except its dialog link, which only `commit` sets.
    async fn put_visitor(&self, visitor: &Visitor) -> StoreResult<()>;
    async fn get_visitor(
        &self,
        workspace: &WorkspaceId,
        id: &VisitorId,
    ) -> StoreResult<Option<Visitor>>;
    /// Deletes a visitor's record (erasing their contact): their token then names nobody, and
    /// their next session starts a new visitor. Deleting one that is not there changes nothing.
    async fn delete_visitor(&self, workspace: &WorkspaceId, id: &VisitorId) -> StoreResult<()>;
}

#[async_trait]
pub trait DialogStore: Send + Sync {
    async fn get_dialog(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
    ) -> StoreResult<Option<Dialog>>;
    /// The dialogs of these ids that exist, in no particular order.
    async fn get_dialogs(
        &self,
        workspace: &WorkspaceId,
        ids: &[DialogId],
    ) -> StoreResult<Vec<Dialog>>;

    /// Writes `dialog` and appends `messages` in one transaction, and moves the loads `load` says.
    /// - `dialog.version == 1`: the dialog must not exist, and the visitor is linked to it, on the
    ///   condition that the visitor has no dialog yet (else `Conflict`); a dialog with a contact
    ///   is listed among the contact's dialogs (`ContactStore::contact_dialogs`);
    /// - otherwise the stored version must be `dialog.version - 1` (else `Conflict`);
    /// - each message's client id must be new in the dialog (else `DuplicateMessage`);
    /// - with `load.cap`, the operator it goes to must be available and below the cap (else
    ///   `NoRoom`, when nothing else failed).
    ///
    /// Nothing is written unless all of it is.
    async fn commit(
        &self,
        dialog: &Dialog,
        messages: &[Message],
        load: &LoadMove,
    ) -> StoreResult<()>;

    async fn find_message_by_client_id(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        client_id: &ClientMessageId,
    ) -> StoreResult<Option<Message>>;

    /// Newest first: up to `limit` messages with `seq < before` (or the newest, without `before`).
    async fn messages_before(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        before: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<Message>>;

    /// Oldest first: up to `limit` messages with `seq > after`; how a reconnecting client catches up.
    async fn messages_after(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Message>>;

    /// A page of a workspace's dialogs in one status, the latest activity first. The cursor is the
    /// last dialog of the previous page.
    async fn list_dialogs(
        &self,
        workspace: &WorkspaceId,
        status: DialogStatus,
        after: Option<&DialogCursor>,
        limit: usize,
    ) -> StoreResult<Vec<Dialog>>;

    /// The dialogs this operator is in charge of (open or closed), in no particular order. Read
    /// from an index that follows commits: a dialog committed a moment ago may be missing yet.
    async fn dialogs_in_charge(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Vec<DialogId>>;
    /// The workspace's queue, the longest waiting first, up to `limit` dialog ids: the open dialogs
    /// with `queued_since`. Read from an index that follows commits.
    async fn queued_dialogs(
        &self,
        workspace: &WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<DialogId>>;

    /// Deletes the dialog and everything stored under it: its messages and their client-id
    /// claims, its receipts, every operator's read marker of it and its search terms; the
    /// visitor's link to it goes too (their next message starts a new dialog). The dialog itself
    /// goes first, so a commit racing the delete is refused (`Conflict`) rather than left behind.
    /// Returns the dialog as it was, `None` when there was none (what was left of an earlier,
    /// interrupted delete is removed all the same). With `version`, only the dialog at that
    /// version is deleted (another version, or no dialog: `Conflict`, and nothing is deleted). Files in storage are the caller's.
    async fn delete_dialog(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
        version: Option<u64>,
    ) -> StoreResult<Option<Dialog>>;

    /// Closed dialogs whose `delete_at` has come by `now`, the earliest first, at most `limit`,
    /// of every workspace (the retention sweep's). An entry may be stale: its dialog reopened
    /// since, or was closed again later, or is gone; the caller reads the dialog to know.
    async fn dialogs_due(&self, now: Millis, limit: usize) -> StoreResult<Vec<DueDialog>>;

    /// Drops an entry `dialogs_due` read that is stale, unless it changed since (the dialog was
    /// closed again and is due at another time).
    async fn forget_due(&self, due: &DueDialog) -> StoreResult<()>;
}

/// A closed dialog due for deletion under its workspace's retention, as the due index lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDialog {
    pub workspace: WorkspaceId,
    pub dialog: DialogId,
    pub due_at: Millis,
}

/// Operators' loads (`Load`): moved by dialog commits (`DialogStore::commit`), marked available
/// or not by presence. Every call is O(1) but `loads`, O(the workspace's operators with a load).
#[async_trait]
pub trait LoadStore: Send + Sync {
    /// Every load of the workspace's operators that has one (an operator never given a dialog
    /// nor marked has none).
    async fn loads(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Load>>;
    /// One operator's load, read consistently.
    async fn load(&self, workspace: &WorkspaceId, operator: &OperatorId) -> StoreResult<Load>;
    /// Marks whether distribution may give the operator dialogs.
    async fn set_available(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        available: bool,
    ) -> StoreResult<()>;
    async fn queue_pace(&self, workspace: &WorkspaceId) -> StoreResult<QueuePace>;
    async fn put_queue_pace(&self, workspace: &WorkspaceId, pace: &QueuePace) -> StoreResult<()>;
}

/// Contacts and the keys that identify them (`domain::ContactKey`): one unique index item per
/// key, so that two contacts never hold the same e-mail, phone or site user id.
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Writes the contact and its keys in one transaction:
    /// - `contact.version == 1`: the contact must not exist; otherwise the stored one must be at
    ///   `contact.version - 1` (else `Conflict`);
    /// - each key of `contact.keys()` is claimed for it, on the condition that no other contact
    ///   holds it (else `AlreadyExists`); keys of `previous` (the contact as read) that it no
    ///   longer has are released;
    /// - the name and claim indexes follow it (`Contact::lookups`).
    ///
    /// Nothing is written unless all of it is.
    async fn put_contact(&self, contact: &Contact, previous: Option<&Contact>) -> StoreResult<()>;
    async fn get_contact(
        &self,
        workspace: &WorkspaceId,
        id: &ContactId,
    ) -> StoreResult<Option<Contact>>;
    /// The contact that holds the key, if one does.
    async fn contact_by_key(
        &self,
        workspace: &WorkspaceId,
        key: &ContactKey,
    ) -> StoreResult<Option<ContactId>>;
    /// The contact's dialogs, the newest first.
    async fn contact_dialogs(
        &self,
        workspace: &WorkspaceId,
        contact: &ContactId,
    ) -> StoreResult<Vec<DialogId>>;
    /// Moves a dialog from the contact `from` to the one `dialog.contact` names: in one
    /// transaction,
    /// - `dialog` (its next version) is written on the condition that the stored one is at
    ///   `dialog.version - 1` (else `Conflict`); only its record changes: no message, load, queue
    ///   or retention entry;
    /// - `fresh`, when given (an unpin: version 1, holding no key, the dialog's new contact), is
    ///   created on the condition that it does not exist (else `Conflict`);
    /// - the dialog leaves `from`'s list of dialogs and joins its new contact's.
    ///
    /// Nothing is written unless all of it is.
    async fn move_dialog(
        &self,
        dialog: &Dialog,
        from: &ContactId,
        fresh: Option<&Contact>,
    ) -> StoreResult<()>;

    /// A merge (`unite`): in one transaction,
    /// - `united` is written on the condition that the stored contact is at `into.version`, and
    ///   `alias` (the contact merged, now holding no key) on the condition that it is at
    ///   `from.version` (either failing: `Conflict`);
    /// - every key of `united` is held for it, on the condition that no contact but the two holds
    ///   it (else `AlreadyExists`); keys of `into` or `from` that `united` does not hold are
    ///   released;
    /// - the name and claim indexes follow both (`Contact::lookups`).
    ///
    /// Nothing is written unless all of it is. The dialogs are not moved: `move_dialog` moves
    /// each after, and a dialog's first commit refuses a contact that is an alias (`Conflict`),
    /// so none can join `from` once this is written.
    async fn merge_contacts(
        &self,
        united: &Contact,
        into: &Contact,
        alias: &Contact,
        from: &Contact,
    ) -> StoreResult<()>;

    /// The contacts that claim this key (`Contact::claims`): a visitor of theirs gave an e-mail or
    /// phone the key's holder has. In no order.
    async fn claimants(
        &self,
        workspace: &WorkspaceId,
        key: &ContactKey,
    ) -> StoreResult<Vec<ContactId>>;

    /// Contacts with a name word that starts with `prefix` (as `name_prefix` cuts it), at most
    /// `limit`, by that word. A contact may come once per matching word: the caller dedups.
    async fn find_contacts(
        &self,
        workspace: &WorkspaceId,
        prefix: &str,
        limit: usize,
    ) -> StoreResult<Vec<ContactId>>;

    /// Erases the contact as read: the keys of `contact.keys()` it still holds (another
    /// contact's stay), every link to a dialog in its list and its name words and claims (`Contact::lookups`), then its record, on the condition
    /// that the stored one is at `contact.version` (else `Conflict`: the record stays, though its
    /// keys and links may be gone; the caller reads it again and erases what it holds now). None
    /// stored is no error, so an interrupted erase is finished by the same call. O(its keys and
    /// links).
    async fn delete_contact(&self, contact: &Contact) -> StoreResult<()>;
}

/// The contact a `move_dialog` takes the dialog to, when the call is well formed: a stored
/// dialog (version 2 or more) with a contact other than `from`, and a `fresh` one, if any, new (version 1), holding
/// no key, and the dialog's.
pub fn moved_to(
    dialog: &Dialog,
    from: &ContactId,
    fresh: Option<&Contact>,
) -> StoreResult<ContactId> {
    let to = dialog.contact.clone().filter(|_| dialog.version >= 2);
    match (to, fresh) {
        (Some(to), _) if &to == from => Err(StoreError::Unavailable(
            "a dialog moves to another contact than its own".into(),
        )),
        (Some(to), None) => Ok(to),
        (Some(to), Some(f)) if f.id == to && f.version == 1 && f.keys().is_empty() => Ok(to),
        _ => Err(StoreError::Unavailable(
            "a dialog moves as a stored dialog with its new contact, and a fresh contact is new and holds no key".into(),
        )),
    }
}

/// Whether a `merge_contacts` call is well formed: two contacts of one workspace, each at its
/// next version, the alias holding no key and naming the other.
pub fn check_merge(
    united: &Contact,
    into: &Contact,
    alias: &Contact,
    from: &Contact,
) -> StoreResult<()> {
    let ok = united.id == into.id
        && alias.id == from.id
        && into.id != from.id
        && united.workspace == alias.workspace
        && united.version == into.version + 1
        && alias.version == from.version + 1
        && into.version >= 1
        && from.version >= 1
        && alias.keys().is_empty()
        && alias.merged_into.as_ref() == Some(&united.id)
        && united.merged_into.is_none();
    if ok {
        Ok(())
    } else {
        Err(StoreError::Unavailable(
            "a merge writes two stored contacts at their next versions, the one merged as a keyless alias of the other".into(),
        ))
    }
}

/// Where a page of dialogs ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialogCursor {
    pub last_activity: Millis,
    pub id: DialogId,
}

impl DialogCursor {
    pub fn of(d: &Dialog) -> Self {
        Self {
            last_activity: d.last_activity,
            id: d.id.clone(),
        }
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.last_activity, self.id)
    }

    pub fn decode(raw: &str) -> Option<Self> {
        let (at, id) = raw.split_once('.')?;
        Some(Self {
            last_activity: at.parse().ok()?,
            id: DialogId::parse(id).ok()?,
        })
    }
}

/// Delivery and read watermarks: a receipt only ever moves forward.
#[async_trait]
pub trait ReceiptStore: Send + Sync {
    async fn get_receipts(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
    ) -> StoreResult<Receipts>;
    /// Moves the watermark up to `up_to`; `false` when it was already there or past it.
    async fn advance_receipt(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        side: Side,
        receipt: Receipt,
        up_to: u64,
    ) -> StoreResult<bool>;
}

#[async_trait]
pub trait ReadMarkerStore: Send + Sync {
    async fn put_read_marker(&self, marker: &ReadMarker) -> StoreResult<()>;
    /// The caller's markers for these dialogs (absent ones are simply missing).
    async fn read_markers(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        dialogs: &[DialogId],
    ) -> StoreResult<Vec<ReadMarker>>;
}

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    async fn put_connection(&self, connection: &Connection) -> StoreResult<()>;
    async fn get_connection(&self, id: &ConnectionId) -> StoreResult<Option<Connection>>;
    async fn delete_connection(&self, id: &ConnectionId) -> StoreResult<()>;
    /// Records that the connection was heard from at `at` (`Connection::seen_at`); a connection
    /// already gone stays gone.
    async fn touch_connection(&self, id: &ConnectionId, at: Millis) -> StoreResult<()>;
    /// Every operator connection of the workspace: the recipients of sidebar changes.
    async fn operator_connections(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Connection>>;
    /// One operator's connections: the sockets to close when their sessions end.
    async fn connections_of_operator(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Vec<Connection>>;
    async fn visitor_connections(
        &self,
        workspace: &WorkspaceId,
        visitor: &VisitorId,
    ) -> StoreResult<Vec<Connection>>;
}

#[async_trait]
pub trait TicketStore: Send + Sync {
    async fn put_ticket(&self, ticket: &Ticket) -> StoreResult<()>;
    /// Deletes the ticket and returns it, once: a second take of the same id gets `None`.
    async fn take_ticket(&self, id: &str) -> StoreResult<Option<Ticket>>;
}

/// What marking an upload found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marked {
    /// No message had it: it is this message's now.
    New,
    /// This same message marked it before (a retried frame).
    Again,
    /// Another message has it.
    Taken,
}

/// Upload grants used once: which message each upload went into, kept until its token expires.
#[async_trait]
pub trait UploadMarkStore: Send + Sync {
    /// Marks `mark.attachment` as put in `mark.message` unless another message holds it, in one
    /// conditional write (however many try at once, one message gets it). A mark past its
    /// `expires_at` counts as none.
    async fn mark_upload(&self, mark: &UploadMark) -> StoreResult<Marked>;
    /// Removes the mark if `mark.message` holds it (a message refused after its files were
    /// marked leaves them free); another message's mark stays.
    async fn unmark_upload(&self, mark: &UploadMark) -> StoreResult<()>;
}

/// The quick-search index: terms to dialogs, written after the dialog's own commit. An entry is
/// keyed by term, dialog and field, so writing it again only moves its `seq` and `at`.
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// Writes the entries; no two may share a key.
    async fn index_terms(&self, workspace: &WorkspaceId, entries: &[IndexEntry])
    -> StoreResult<()>;
    /// Up to `limit` entries whose term starts with `prefix` (at least `MIN_TERM_CHARS` long), in
    /// no particular order.
    async fn find_terms(
        &self,
        workspace: &WorkspaceId,
        prefix: &str,
        limit: usize,
    ) -> StoreResult<Vec<IndexEntry>>;
}

/// Operators' Web Push subscriptions and their choices of what to be pushed.
#[async_trait]
pub trait PushSubscriptionStore: Send + Sync {
    /// Adds the subscription, or replaces the one of the same endpoint. An endpoint belongs to one
    /// operator at a time: putting it for one removes it from whoever had it (another operator
    /// who signed in on that browser before).
    async fn put_push_subscription(&self, subscription: &PushSubscription) -> StoreResult<()>;
    /// Deletes one of the operator's subscriptions; deleting one that is not there (or another
    /// operator's) changes nothing.
    async fn delete_push_subscription(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        endpoint: &str,
    ) -> StoreResult<()>;
    async fn put_push_choices(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        choices: &PushChoices,
    ) -> StoreResult<()>;
    /// One operator's choices (the default ones until they chose) and subscriptions.
    async fn push_subscriber(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<PushSubscriber>;
    /// Every operator of the workspace with at least one subscription, with their choices.
    async fn push_subscribers(&self, workspace: &WorkspaceId) -> StoreResult<Vec<PushSubscriber>>;
}

/// Groups of operators and the rights they carry.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Adds the group, or replaces the one of the same id.
    async fn put_group(&self, group: &Group) -> StoreResult<()>;
    /// The workspace's groups, "Everyone" among them once an admin changed it, by creation.
    async fn list_groups(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Group>>;
    /// Deletes one group; deleting one that is not there changes nothing.
    async fn delete_group(&self, workspace: &WorkspaceId, id: &GroupId) -> StoreResult<()>;
    /// Sets which groups an operator belongs to and the rights they hold, on the operator and on
    /// each of their connection records (which carry the rights so that fanning out needs no
    /// reads), moving the operator's version as `update_operator` does. An unknown operator is
    /// left alone.
    async fn set_operator_access(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
        groups: &[GroupId],
        rights: &Rights,
    ) -> StoreResult<()>;
}

/// A counter as a hit found it or left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Events counted in the window, the hit's own included.
    pub count: u64,
    /// When the event before this one was counted; `None` for the window's first.
    pub previous_at: Option<Millis>,
    /// When the window ends: the counter is forgotten then (TTL in DynamoDB).
    pub ends_at: Millis,
}

/// Counters that limit how often something happens (`domain::Limits`), kept in the store so that
/// every function instance counts on the same ones. Each is one item under an opaque `key`; none
/// is ever listed, so every call is O(1).
#[async_trait]
pub trait LimitStore: Send + Sync {
    /// Counts one event under `key` at `now`, atomically: of concurrent hits each gets a count
    /// of its own. A counter that does not exist, or whose window ended (`ends_at <= now`), starts
    /// again at 1 with its window ending at `ends_at`; a running one keeps its end.
    async fn hit(&self, key: &str, now: Millis, ends_at: Millis) -> StoreResult<Tally>;
    /// The counter as it stands at `now`, without counting (`previous_at` is then its latest
    /// event); `None` when there is none or its window ended.
    async fn tally(&self, key: &str, now: Millis) -> StoreResult<Option<Tally>>;
    /// Forgets a counter: a right password clears its account's attempts.
    async fn forget(&self, key: &str) -> StoreResult<()>;
}

/// One operator's figures of one day, as a report reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub day: Day,
    pub operator: OperatorId,
    pub figures: Figures,
}

/// The reports' counters (`domain::Figures`), one set per workspace, UTC day and operator, each
/// event adding to them; and each operator's current presence state, from which the time in it is
/// measured.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Adds each counter of `figures` to the operator's counters of `day`, atomically: of
    /// concurrent additions none is lost. Counters that do not exist start at 0.
    async fn add_figures(
        &self,
        workspace: &WorkspaceId,
        day: Day,
        operator: &OperatorId,
        figures: &Figures,
    ) -> StoreResult<()>;
    /// Every operator's figures of the days from `from` to `to` (both included) that have any, by
    /// day and then operator.
    async fn report_rows(
        &self,
        workspace: &WorkspaceId,
        from: Day,
        to: Day,
    ) -> StoreResult<Vec<ReportRow>>;
    async fn presence_mark(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Option<PresenceMark>>;
    /// Replaces the operator's presence mark with `mark` on the condition that the stored one is
    /// `expected` (none stored, for `None`); else `Conflict`.
    async fn swap_presence_mark(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        expected: Option<&PresenceMark>,
        mark: &PresenceMark,
    ) -> StoreResult<()>;
}

/// When an operator's dialogs are handed back for want of a console: an operator's one watch is
/// due `hand_back_after_secs` after their last console was heard of. Each console's connect and
/// `ping` moves it forward; the last one's leaving brings it near; the sweep finds the due ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleWatch {
    pub workspace: WorkspaceId,
    pub operator: OperatorId,
    pub due_at: Millis,
}

/// The watches on operators' consoles (`ConsoleWatch`). Every call is O(1) but `consoles_due`,
/// which is O(what it returns).
#[async_trait]
pub trait ConsoleWatchStore: Send + Sync {
    /// Sets the operator's watch due at `due_at` (creating it).
    async fn watch_console(&self, watch: &ConsoleWatch) -> StoreResult<()>;
    /// The operator's watch, if one is set.
    async fn console_watch(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Option<ConsoleWatch>>;
    /// Deletes the watch if it is still due at `watch.due_at`: a console heard of meanwhile moved
    /// it, and the moved one stays. Says whether it was deleted.
    async fn unwatch_console(&self, watch: &ConsoleWatch) -> StoreResult<bool>;
    /// The watches due by `now`, the earliest first, at most `limit`; across workspaces.
    async fn consoles_due(&self, now: Millis, limit: usize) -> StoreResult<Vec<ConsoleWatch>>;
}

/// Every store port at once, for the adapters that implement them all.
pub trait Store:
    DirectoryStore
    + DialogStore
    + ContactStore
    + ReceiptStore
    + ReadMarkerStore
    + ConnectionStore
    + TicketStore
    + QuickReplyStore
    + SearchIndex
    + PushSubscriptionStore
    + GroupStore
    + UploadMarkStore
    + LimitStore
    + ReportStore
    + ConsoleWatchStore
    + LoadStore
    + TagStore
{
}
impl<
    T: DirectoryStore
        + DialogStore
        + ContactStore
        + ReceiptStore
        + ReadMarkerStore
        + ConnectionStore
        + TicketStore
        + QuickReplyStore
        + SearchIndex
        + PushSubscriptionStore
        + GroupStore
        + UploadMarkStore
        + LimitStore
        + ReportStore
        + ConsoleWatchStore
        + LoadStore
        + TagStore,
> Store for T
{
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// 410: the connection is closed or unknown.
    #[error("the connection is gone")]
    Gone,
    #[error("the push failed: {0}")]
    Failed(String),
}

/// The API Gateway Management API.
#[async_trait]
pub trait Push: Send + Sync {
    async fn post(&self, to: &ConnectionId, payload: &str) -> Result<(), PushError>;
    /// Closes the connection (`DeleteConnection`); `Gone` when it is closed already.
    async fn close(&self, connection: &ConnectionId) -> Result<(), PushError>;
}

/// Web Push to browsers (RFC 8030), through their push services: encrypted for the subscription
/// and signed with the application server's key.
#[async_trait]
pub trait WebPush: Send + Sync {
    /// The application server's public key (base64url) that browsers subscribe with.
    fn public_key(&self) -> &str;
    /// Whether pushes can go to this endpoint; why not, when not.
    fn check_endpoint(&self, endpoint: &str) -> Result<(), String>;
    /// Sends `payload` to the subscription, kept by the push service for `ttl_secs` at most;
    /// a later push of the same `topic` replaces it if it is not delivered yet. `Gone` means the
    /// subscription is over (404 or 410).
    async fn send(
        &self,
        to: &PushSubscription,
        payload: &[u8],
        ttl_secs: u32,
        topic: Option<&str>,
    ) -> Result<(), PushError>;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> Millis;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970");
        since.as_millis() as Millis
    }
}

#[async_trait]
pub trait QuickReplyStore: Send + Sync {
    async fn put_quick_reply(&self, reply: &QuickReply) -> StoreResult<()>;
    /// One operator's quick replies, oldest first.
    async fn list_quick_replies(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Vec<QuickReply>>;
    /// Deletes one of the operator's own; deleting one that is not there changes nothing.
    async fn delete_quick_reply(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        id: &QuickReplyId,
    ) -> StoreResult<()>;
}

/// Attachment storage failed (not: the object is missing, which is `Ok(None)`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("attachment storage failed: {0}")]
pub struct BlobError(pub String);

/// An object as storage describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    pub size: u64,
    pub content_type: Option<String>,
}

/// What a browser upload may put, and until when: one object, of exactly `size` bytes and this
/// type, stored with this `Content-Disposition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPolicy {
    pub key: String,
    pub content_type: String,
    pub content_disposition: String,
    pub size: u64,
    /// When the grant is signed; `expires_at` is when it stops being accepted.
    pub now: Millis,
    pub expires_at: Millis,
}

/// A presigned browser upload: `POST` a multipart form to `url` with `fields`, in order, then the
/// file as the field `file`, last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedPost {
    pub url: String,
    pub fields: Vec<(String, String)>,
}

/// Object storage for attachments: S3 in AWS, the in-process S3-compatible endpoint locally.
#[async_trait]
pub trait Blobs: Send + Sync {
    /// Signs a browser upload held to `policy` (size, type and expiry enforced by storage).
    async fn presign_upload(&self, policy: &UploadPolicy) -> Result<PresignedPost, BlobError>;
    /// A link that fetches the object for `ttl_secs`.
    async fn presign_download(&self, key: &str, ttl_secs: u64) -> Result<String, BlobError>;
    /// Size and type of an object; `None` when there is none.
    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, BlobError>;
    /// The object's first `len` bytes (all of it, when shorter).
    async fn read_start(&self, key: &str, len: u64) -> Result<Vec<u8>, BlobError>;
    /// The whole object; an error when it is larger than `max_bytes`.
    async fn read(&self, key: &str, max_bytes: u64) -> Result<Vec<u8>, BlobError>;
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), BlobError>;
    /// Copies an object, its type and disposition with it, in storage (nothing passes through),
    /// unless `to` already holds one: the first copy to a key stays. True when this one copied.
    async fn copy_once(&self, from: &str, to: &str) -> Result<bool, BlobError>;
    /// Deletes the objects of these keys; a key with no object is no error.
    async fn delete(&self, keys: &[String]) -> Result<(), BlobError>;
}

/// A small JPEG of an image, and the image's own size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Decodes images and makes their previews.
pub trait Images: Send + Sync {
    /// A preview at most `max_side` pixels a side; an error when the bytes are not a readable
    /// image of `content_type` or would take too much memory to decode.
    fn preview(&self, bytes: &[u8], content_type: &str, max_side: u32) -> Result<Preview, String>;
}

/// Reading the published web files failed (not: the file is missing, which is `Ok(None)`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the web files: {0}")]
pub struct WebFilesError(pub String);

/// The web apps' files as they are published: the hosting bucket in AWS (what
/// `scripts/publish-web.sh` put there last), the built folder locally. Read where a page is
/// served with more than its bytes: the widget's iframe page, framed per site.
#[async_trait]
pub trait WebFiles: Send + Sync {
    /// The text of the file at `path` (relative: `widget/frame.html`); `None` when it is not
    /// published.
    async fn read(&self, path: &str) -> Result<Option<String>, WebFilesError>;
}

/// A tag and its count: how many dialogs carry it (`Dialog::tags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCount {
    pub tag: crate::domain::Tag,
    pub dialogs: i64,
}

/// The workspace's tags (seed 002): each definition, its name's uniqueness item and its counter
/// of dialogs.
#[async_trait]
pub trait TagStore: Send + Sync {
    /// Writes the tag and claims its name (`Tag::name_key`) in one transaction:
    /// - `tag.version == 1`: the tag must not exist (else `Conflict`) and its counter starts at 0;
    ///   otherwise the stored one must be at `tag.version - 1` (else `Conflict`);
    /// - the name is claimed on the condition that no other tag of the workspace holds it (else
    ///   `AlreadyExists`); the name of `previous` (the tag as read), when another, is released.
    ///
    /// Nothing is written unless all of it is.
    async fn put_tag(
        &self,
        tag: &crate::domain::Tag,
        previous: Option<&crate::domain::Tag>,
    ) -> StoreResult<()>;
    async fn get_tag(
        &self,
        workspace: &WorkspaceId,
        id: &crate::ids::TagId,
    ) -> StoreResult<Option<crate::domain::Tag>>;
    /// Every tag of the workspace with its count, in no particular order.
    async fn list_tags(&self, workspace: &WorkspaceId) -> StoreResult<Vec<TagCount>>;
    /// Deletes the tag (as read: at `tag.version`, else `Conflict`), its name's item and its
    /// counter in one transaction; a tag that is not there changes nothing. Says whether it was
    /// there.
    async fn delete_tag(
        &self,
        workspace: &WorkspaceId,
        tag: &crate::domain::Tag,
    ) -> StoreResult<bool>;
    /// Adds each delta to its tag's counter (negative ones take away), each an atomic add of its
    /// own; a tag with no counter (deleted) is left alone rather than given one.
    async fn add_tag_counts(
        &self,
        workspace: &WorkspaceId,
        moves: &[(crate::ids::TagId, i64)],
    ) -> StoreResult<()>;
}
