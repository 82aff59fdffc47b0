//! Use-cases: authorize the caller, decide through the domain, persist, then push.
//! Persist before push, ack after persist; a failed push loses nothing (clients catch up by cursor).

mod attachments;
mod chat;
mod contacts;
mod deletion;
mod delivery;
mod dialogs;
mod distribution;
mod fanout;
mod groups;
mod handling;
mod limits;
mod merge;
mod notifications;
mod pages;
mod presence;
mod privacy;
mod quick_replies;
mod reports;
mod retention;
mod search;
mod session;
mod sites;
mod tags;
mod team;
mod visitor_card;

pub use attachments::{
    AttachmentStorage, Attachments, DialogAttachments, LINK_TTL_SECS, MessageAttachments,
    UPLOAD_TOKEN_TTL, UPLOAD_WINDOW,
};
pub(crate) use chat::Draft;
pub use contacts::{ContactCard, ContactEdit, ContactFields, Contacts, Identity, Unpinned};
pub use deletion::DeletedDialogs;
pub use delivery::{Delivery, OPENING_MS};
pub use dialogs::{DialogPage, Dialogs, HistoryCursor, HistoryPage, MAX_PAGE};
pub use groups::{GroupChange, Groups, Membership};
pub use handling::Handling;
pub use limits::{Limiter, address_key};
pub use merge::{ContactMatches, MAX_CONTACT_MATCHES, MergeOffer, MergeRequest};
pub use notifications::{
    MAX_PUSH_SUBSCRIPTIONS, NewPushSubscription, Notifications, PUSH_BODY_CHARS, PUSH_TTL_SECS,
    PushKeys, PushPayload, PushSettings,
};
pub use presence::Presences;
pub use privacy::{
    ContactExport, EXPORT_FORMAT, EXPORT_KEEP_DAYS, EXPORT_LINK_TTL_SECS, EXPORTS_PREFIX,
    ErasedContact, Privacy,
};
pub use quick_replies::{
    MAX_QUICK_REPLIES, MAX_TITLE_CHARS, NewQuickReply, QuickReplies, QuickReplyList, QuickReplyView,
};
pub use reports::{
    DayFigures, LiveBoard, LiveOperator, MAX_REPORT_DAYS, OperatorCard, OperatorReport, Period,
    Report, ReportFigures, Reports, report_csv,
};
pub use retention::RETENTION_BATCH;
pub use search::{MAX_SEARCH_HITS, Search, SearchHit, SearchResults};
pub use session::{ConnectRequest, LoggedIn, Sessions, VisitorSession, VisitorSessionRequest};
pub use sites::{SiteList, SiteUpdate, Sites};
pub use tags::{ContactTags, TagEdit, TagList, TagView, Tags};
pub use team::Team;
pub use visitor_card::VisitorCard;

use crate::auth::Signer;
use crate::domain::{
    Dialog, DomainError, ErrorCode, Limits, Message, Millis, Operator, Receipts, Visitor,
};
use crate::ids::{ConnectionId, DialogId, WorkspaceId};
use crate::ports::*;
use crate::protocol::{DialogView, MessageView, ServerEvent};
use std::sync::Arc;

/// Lifetimes of what Parlor signs or stores for a while, and where its own widget is served from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub session_ttl: Millis,
    pub visitor_token_ttl: Millis,
    pub ticket_ttl: Millis,
    /// API Gateway closes every connection after two hours; records outlive that a little.
    pub connection_ttl: Millis,
    /// Origins that serve Parlor's widget (the chat iframe): its requests carry that origin, not
    /// the customer's page's, so they are taken for any site. Where the widget may be embedded is
    /// the site's `allowed_origins`, checked by the loader, by the iframe against its ancestors and,
    /// where the server serves the iframe, by `frame-ancestors`.
    pub widget_origins: Vec<String>,
    /// How often things may happen (`domain::Limits`; `PARLOR_LIMITS` tunes them).
    pub limits: Limits,
    /// Proxies whose `X-Forwarded-For` is believed, for a self-hosted gateway behind one
    /// (`PARLOR_TRUSTED_PROXIES`): a request from one of them counts as from the address it
    /// forwarded. In AWS, API Gateway names the address and this is not used.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: 8 * 3600 * 1000,
            visitor_token_ttl: 30 * 24 * 3600 * 1000,
            ticket_ttl: 30 * 1000,
            connection_ttl: (2 * 3600 + 600) * 1000,
            widget_origins: Vec::new(),
            limits: Limits::default(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// What a request is refused with: each a named case, so no layer invents a code of its own.
/// Its `code()` is what a client sees; `ErrorCode::http_status` and `ErrorCode::connect_status`
/// are how each entrypoint answers it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The frame is not JSON, not a JSON object, or binary.
    #[error("{0}")]
    Malformed(String),
    /// No route takes the frame's action, or the action has no such op.
    #[error("{0}")]
    UnknownAction(String),
    /// A field is missing or of the wrong type or shape: in a frame, a body, a path or a query.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    InvalidEmail(String),
    #[error("{0}")]
    InvalidPhone(String),
    #[error("this server keeps no attachments")]
    AttachmentsUnavailable,
    #[error("this server sends no push notifications")]
    PushUnavailable,
    #[error("{0}")]
    Unauthorized(String),
    /// Over a limit (`app::Limiter`): nothing was done; the same request may go again after
    /// `retry_after_ms`.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_ms: Millis,
    },
    /// `POST /api/me/password`: the current password given is wrong.
    #[error("the current password is not right")]
    WrongPassword,
    /// The email and password sign in to several workspaces; these are they.
    #[error("this email and password sign in to several workspaces: choose one")]
    ChooseWorkspace(Vec<crate::protocol::WorkspaceChoice>),
    /// Infrastructure failed: the only kind that is a Lambda error.
    #[error("internal error: {0}")]
    Store(#[from] StoreError),
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Domain(e) => e.code(),
            Self::Malformed(_) => ErrorCode::MalformedFrame,
            Self::UnknownAction(_) => ErrorCode::UnknownAction,
            Self::Invalid(_) => ErrorCode::InvalidRequest,
            Self::InvalidEmail(_) => ErrorCode::InvalidEmail,
            Self::InvalidPhone(_) => ErrorCode::InvalidPhone,
            Self::AttachmentsUnavailable => ErrorCode::AttachmentsUnavailable,
            Self::PushUnavailable => ErrorCode::PushUnavailable,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::WrongPassword => ErrorCode::WrongPassword,
            Self::ChooseWorkspace(_) => ErrorCode::ChooseWorkspace,
            Self::Store(_) => ErrorCode::Internal,
        }
    }

    /// When a refusal for a limit may be tried again.
    pub fn retry_after_ms(&self) -> Option<Millis> {
        match self {
            Self::RateLimited { retry_after_ms, .. } => Some(*retry_after_ms),
            _ => None,
        }
    }

    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Store(_))
    }

    /// What a client is told: an internal error names no detail.
    pub fn public_message(&self) -> String {
        match self {
            Self::Store(_) => "the server failed; retry with the same ids".into(),
            other => other.to_string(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Who sent a frame, from their connection record (never from the frame itself).
#[derive(Debug, Clone)]
pub enum Caller {
    Operator(Operator),
    Visitor(Visitor),
}

/// The stores the use-cases read and write, each a port of its own: one adapter may serve them
/// all (`Stores::of`), or each store another.
#[derive(Clone)]
pub struct Stores {
    pub directory: Arc<dyn DirectoryStore>,
    pub dialogs: Arc<dyn DialogStore>,
    pub contacts: Arc<dyn ContactStore>,
    pub receipts: Arc<dyn ReceiptStore>,
    pub read_markers: Arc<dyn ReadMarkerStore>,
    pub connections: Arc<dyn ConnectionStore>,
    pub tickets: Arc<dyn TicketStore>,
    pub quick_replies: Arc<dyn QuickReplyStore>,
    pub search: Arc<dyn SearchIndex>,
    pub push_subscriptions: Arc<dyn PushSubscriptionStore>,
    pub groups: Arc<dyn GroupStore>,
    pub upload_marks: Arc<dyn UploadMarkStore>,
    pub limits: Arc<dyn LimitStore>,
    pub reports: Arc<dyn ReportStore>,
    pub console_watches: Arc<dyn ConsoleWatchStore>,
    pub loads: Arc<dyn LoadStore>,
    pub tags: Arc<dyn TagStore>,
}

impl Stores {
    /// Every store on one adapter that implements them all.
    pub fn of<S: Store + 'static>(store: Arc<S>) -> Self {
        Self {
            directory: store.clone(),
            dialogs: store.clone(),
            contacts: store.clone(),
            receipts: store.clone(),
            read_markers: store.clone(),
            connections: store.clone(),
            quick_replies: store.clone(),
            search: store.clone(),
            push_subscriptions: store.clone(),
            groups: store.clone(),
            upload_marks: store.clone(),
            limits: store.clone(),
            reports: store.clone(),
            console_watches: store.clone(),
            loads: store.clone(),
            tags: store.clone(),
            tickets: store,
        }
    }
}

/// What an application is built from.
pub struct Parts {
    pub stores: Stores,
    pub push: Arc<dyn Push>,
    pub signer: Signer,
    pub settings: Settings,
    /// Attachment storage, when this process has it; without it, attachments are refused with
    /// `attachments_unavailable`.
    pub attachments: Option<AttachmentStorage>,
    /// Web Push to operators' browsers, when this process has a VAPID key; without it nothing is
    /// pushed and subscribing is refused with `push_unavailable`.
    pub web_push: Option<Arc<dyn WebPush>>,
    pub clock: Arc<dyn Clock>,
}

impl Parts {
    pub fn new(stores: Stores, push: Arc<dyn Push>, signer: Signer, settings: Settings) -> Self {
        Self {
            stores,
            push,
            signer,
            settings,
            attachments: None,
            web_push: None,
            clock: Arc::new(SystemClock),
        }
    }

    pub fn with_web_push(self, web_push: Arc<dyn WebPush>) -> Self {
        Self {
            web_push: Some(web_push),
            ..self
        }
    }

    pub fn with_attachments(self, storage: AttachmentStorage) -> Self {
        Self {
            attachments: Some(storage),
            ..self
        }
    }
}

/// The application: one service per concept, each holding only the ports it uses, built once per
/// process and shared by every request.
pub struct App {
    /// Who is calling: operators' sign-in and tickets, visitor sessions, sockets, the team.
    pub sessions: Sessions,
    /// Sites and their widget settings.
    pub sites: Arc<Sites>,
    /// Dialogs and their messages: the `message`, `assign` and `close` routes and the reads
    /// behind the HTTP API.
    pub dialogs: Arc<Dialogs>,
    /// Operators' lifecycle: signing out, names, passwords, roles, deactivation.
    pub team: Team,
    /// Contacts: the person behind visitors and dialogs, their cards and custom fields.
    pub contacts: Arc<Contacts>,
    pub search: Arc<Search>,
    pub quick_replies: QuickReplies,
    pub attachments: Arc<Attachments>,
    /// Posts frames to connections.
    pub delivery: Delivery,
    /// Operators' Web Push subscriptions and choices, and the pushes.
    pub notifications: Arc<Notifications>,
    /// Groups of operators and the rights they carry.
    pub groups: Groups,
    /// The workspace's chat handling settings: reply-time limit, distribution, hold, hand-back.
    pub chat_handling: Handling,
    /// Sign-in attempts, new visitors, messages and sockets, each held to its limit.
    pub limits: Arc<Limiter>,
    /// Per-event counters (time in each presence state, closed dialogs' KPIs) and the reports,
    /// live board and operator cards read from them.
    pub reports: Arc<Reports>,
    /// Whose console is connected, and handing back the dialogs of operators without one.
    pub presence: Arc<Presences>,
    /// A contact's export and erasure.
    pub privacy: Privacy,
    /// The workspace's tags and their counts of dialogs (`Tags::moved` moves the counts).
    pub tags: Arc<Tags>,
    clock: Arc<dyn Clock>,
}

/// How often a write that lost a race is tried again before the caller is told `conflict`.
const MAX_ATTEMPTS: u32 = 25;

impl App {
    /// An application on one adapter that serves every store.
    pub fn new<S: Store + 'static>(
        store: Arc<S>,
        push: Arc<dyn Push>,
        signer: Signer,
        settings: Settings,
    ) -> Self {
        Self::of(Parts::new(Stores::of(store), push, signer, settings))
    }

    pub fn of(parts: Parts) -> Self {
        let Parts {
            stores,
            push,
            signer,
            settings,
            attachments,
            web_push,
            clock,
        } = parts;
        let delivery = Delivery::new(push, stores.connections.clone(), clock.clone());
        let notifications = Arc::new(Notifications::new(
            stores.push_subscriptions.clone(),
            web_push,
            clock.clone(),
        ));
        let sites = Arc::new(Sites::new(&stores, &settings, clock.clone()));
        let limits = Arc::new(Limiter::new(&stores, settings.limits, clock.clone()));
        let search = Arc::new(Search::new(&stores, clock.clone()));
        let reports = Arc::new(Reports::new(&stores, clock.clone()));
        let contacts = Arc::new(Contacts::new(
            &stores,
            search.clone(),
            delivery.clone(),
            clock.clone(),
        ));
        let blobs = attachments.as_ref().map(|a| a.blobs.clone());
        let attachments = Arc::new(Attachments::new(
            &stores,
            attachments,
            signer.clone(),
            clock.clone(),
        ));
        let sessions = Sessions::new(
            &stores,
            signer.clone(),
            settings.clone(),
            clock.clone(),
            Collaborators {
                sites: sites.clone(),
                search: search.clone(),
                delivery: delivery.clone(),
                limits: limits.clone(),
                reports: reports.clone(),
                contacts: contacts.clone(),
            },
        );
        let dialogs = Arc::new(Dialogs::new(
            &stores,
            clock.clone(),
            Collaborators {
                sites: sites.clone(),
                search: search.clone(),
                delivery: delivery.clone(),
                limits: limits.clone(),
                reports: reports.clone(),
                contacts: contacts.clone(),
            },
            attachments.clone(),
            notifications.clone(),
        ));
        let presence = Arc::new(Presences::new(
            &stores,
            delivery.clone(),
            dialogs.clone(),
            reports.clone(),
            clock.clone(),
        ));
        let gone: std::sync::Weak<dyn delivery::GoneConsoles> = Arc::downgrade(&presence) as _;
        delivery.tell_gone_consoles_to(gone);
        let team = Team {
            directory: stores.directory.clone(),
            connections: stores.connections.clone(),
            delivery: delivery.clone(),
            dialogs: dialogs.clone(),
            presence: presence.clone(),
            signer,
            settings,
            clock: clock.clone(),
        };
        let privacy = Privacy::new(
            &stores,
            dialogs.clone(),
            contacts.clone(),
            blobs,
            delivery.clone(),
            clock.clone(),
        );
        Self {
            privacy,
            tags: contacts.tags.clone(),
            quick_replies: QuickReplies {
                quick_replies: stores.quick_replies.clone(),
                clock: clock.clone(),
            },
            groups: Groups::new(&stores, delivery.clone(), clock.clone()),
            chat_handling: Handling {
                directory: stores.directory.clone(),
                connections: stores.connections.clone(),
                delivery: delivery.clone(),
            },
            sessions,
            sites,
            dialogs,
            team,
            contacts,
            search,
            attachments,
            delivery,
            notifications,
            limits,
            reports,
            presence,
            clock,
        }
    }

    pub fn now(&self) -> Millis {
        self.clock.now()
    }
}

/// The services a use-case service calls on: site settings, the search index, delivery, limits.
#[derive(Clone)]
struct Collaborators {
    sites: Arc<Sites>,
    search: Arc<Search>,
    delivery: Delivery,
    limits: Arc<Limiter>,
    reports: Arc<Reports>,
    contacts: Arc<Contacts>,
}

/// A workspace's chat handling settings: the defaults for a workspace stored before them, or gone.
pub(crate) async fn handling_of(
    directory: &dyn DirectoryStore,
    workspace: &WorkspaceId,
) -> AppResult<crate::domain::ChatHandling> {
    Ok(directory
        .get_workspace(workspace)
        .await?
        .map(|w| w.handling)
        .unwrap_or_default())
}

/// The dialogs of these ids that exist and the operator may see, in no particular order.
pub(crate) async fn dialogs_seen_by(
    dialogs: &dyn DialogStore,
    op: &Operator,
    ids: &[DialogId],
) -> AppResult<Vec<Dialog>> {
    Ok(dialogs
        .get_dialogs(&op.workspace, ids)
        .await?
        .into_iter()
        .filter(|d| d.check_access(op).is_ok())
        .collect())
}

/// A dialog the operator may see, or `dialog_not_found` / `forbidden`.
pub(crate) async fn dialog_for(
    dialogs: &dyn DialogStore,
    op: &Operator,
    id: &DialogId,
) -> AppResult<Dialog> {
    let dialog = dialogs
        .get_dialog(&op.workspace, id)
        .await?
        .ok_or(DomainError::DialogNotFound)?;
    dialog.check_access(op)?;
    Ok(dialog)
}

/// One message of a dialog, by its `seq`.
pub(crate) async fn message_at(
    dialogs: &dyn DialogStore,
    workspace: &WorkspaceId,
    dialog: &DialogId,
    seq: u64,
) -> AppResult<Option<Message>> {
    let newest = dialogs
        .messages_before(workspace, dialog, Some(seq + 1), 1)
        .await?;
    Ok(newest.into_iter().find(|m| m.seq == seq))
}

/// What a command did, for the answer to its sender: the message it stored (or that a retry of it
/// had stored), with its receipts as the sender sees them; the dialog after it; the caller's own
/// unread count of it, where the command changed that.
#[derive(Debug, Clone, Default)]
pub struct Done {
    pub message: Option<(Message, Receipts)>,
    pub dialog: Option<Dialog>,
    pub unread: Option<u64>,
}

impl Done {
    fn message(message: Message, receipts: Receipts) -> Self {
        Self {
            message: Some((message, receipts)),
            ..Self::default()
        }
    }

    /// A change of the dialog (join, leave, transfer, close, reopen): the timeline event it added.
    fn changed(dialog: Dialog, added: &[Message]) -> Self {
        Self {
            message: added.last().map(|m| (m.clone(), Receipts::default())),
            dialog: Some(dialog),
            unread: None,
        }
    }
}

/// One frame to one connection.
#[derive(Debug, Clone)]
pub struct Post {
    pub to: ConnectionId,
    pub payload: String,
}

impl Post {
    pub fn new(to: &ConnectionId, event: &ServerEvent) -> Self {
        Self {
            to: to.clone(),
            payload: event.to_json(),
        }
    }
}

pub(crate) fn view(message: &Message, receipts: &Receipts) -> MessageView {
    MessageView::new(message.clone(), receipts)
}

pub(crate) fn dialog_view(dialog: &Dialog) -> DialogView {
    DialogView::from(dialog)
}

async fn backoff(attempt: u32) {
    let mut b = [0u8; 1];
    getrandom::getrandom(&mut b).expect("the OS random source is available");
    let ms = 1 + u64::from(b[0] % 8) + u64::from(attempt.min(10)) * 2;
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}
