//! Use-cases: authorize the caller, decide through the domain, persist, then push.
//! Persist before push, ack after persist; a failed push loses nothing (clients catch up by cursor).

mod attachments;
mod chat;
mod dialogs;
mod fanout;
mod pages;
mod quick_replies;
mod search;
mod session;
mod sites;
mod visitor_card;

pub use attachments::{
    AttachmentStorage, DialogAttachments, LINK_TTL_SECS, MessageAttachments, UPLOAD_TOKEN_TTL,
    UPLOAD_WINDOW,
};
pub(crate) use chat::Draft;
pub use dialogs::{DialogPage, HistoryCursor, HistoryPage, MAX_PAGE};
pub use quick_replies::{
    MAX_QUICK_REPLIES, MAX_TITLE_CHARS, NewQuickReply, QuickReplyList, QuickReplyView,
};
pub use search::{MAX_SEARCH_HITS, SearchHit, SearchResults};
pub use session::{ConnectRequest, LoggedIn, VisitorSession, VisitorSessionRequest};
pub use sites::{SiteList, SiteUpdate};
pub use visitor_card::VisitorCard;

use crate::auth::{Claims, Signer};
use crate::domain::{
    Dialog, DomainError, ErrorCode, Message, Millis, Operator, Peer, Receipts, Visitor,
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: 8 * 3600 * 1000,
            visitor_token_ttl: 30 * 24 * 3600 * 1000,
            ticket_ttl: 30 * 1000,
            connection_ttl: (2 * 3600 + 600) * 1000,
            widget_origins: Vec::new(),
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
    #[error("{0}")]
    Unauthorized(String),
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
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::Store(_) => ErrorCode::Internal,
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

/// The application: ports and settings, built once per process and shared by every request.
pub struct App {
    pub directory: Arc<dyn DirectoryStore>,
    pub dialogs: Arc<dyn DialogStore>,
    pub receipts: Arc<dyn ReceiptStore>,
    pub read_markers: Arc<dyn ReadMarkerStore>,
    pub connections: Arc<dyn ConnectionStore>,
    pub tickets: Arc<dyn TicketStore>,
    pub quick_replies: Arc<dyn QuickReplyStore>,
    pub search: Arc<dyn SearchIndex>,
    pub push: Arc<dyn Push>,
    pub clock: Arc<dyn Clock>,
    pub signer: Signer,
    pub settings: Settings,
    /// Attachment storage, when this process has it (`with_attachments`).
    pub attachments: Option<AttachmentStorage>,
    /// Each site's "show operator names", as read last, and when: see `shows_operator_names`.
    operator_names:
        std::sync::Mutex<std::collections::HashMap<crate::ids::SiteKey, (Millis, bool)>>,
}

/// How long a site's "show operator names" is used before it is read again: a change reaches
/// visitors within a minute, and a message to a visitor costs no extra read.
const SITE_SETTINGS_TTL: Millis = 60_000;

/// How often a write that lost a race is tried again before the caller is told `conflict`.
const MAX_ATTEMPTS: u32 = 25;

impl App {
    pub fn new<S: Store + 'static>(
        store: Arc<S>,
        push: Arc<dyn Push>,
        signer: Signer,
        settings: Settings,
    ) -> Self {
        Self {
            directory: store.clone(),
            dialogs: store.clone(),
            receipts: store.clone(),
            read_markers: store.clone(),
            connections: store.clone(),
            quick_replies: store.clone(),
            search: store.clone(),
            tickets: store,
            push,
            clock: Arc::new(SystemClock),
            signer,
            settings,
            attachments: None,
            operator_names: Default::default(),
        }
    }

    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// Reads the dialog, applies a transition and writes it back on the condition that nobody else
    /// wrote in between; a lost race reads again and re-decides. A transition that adds nothing
    /// changes nothing and writes nothing.
    async fn mutate_dialog<F>(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
        transition: F,
    ) -> AppResult<(Dialog, Vec<Message>)>
    where
        F: Fn(&mut Dialog, Millis) -> Result<Vec<Message>, DomainError>,
    {
        for attempt in 0..MAX_ATTEMPTS {
            let mut dialog = self
                .dialogs
                .get_dialog(workspace, id)
                .await?
                .ok_or(DomainError::DialogNotFound)?;
            let added = transition(&mut dialog, self.now())?;
            if added.is_empty() {
                return Ok((dialog, added));
            }
            dialog.version += 1;
            match self.dialogs.commit(&dialog, &added).await {
                Ok(()) => return Ok((dialog, added)),
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// One message of a dialog, by its `seq`.
    pub(crate) async fn message_at(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        seq: u64,
    ) -> AppResult<Option<Message>> {
        let newest = self
            .dialogs
            .messages_before(workspace, dialog, Some(seq + 1), 1)
            .await?;
        Ok(newest.into_iter().find(|m| m.seq == seq))
    }

    pub(crate) async fn load_dialog_for(&self, op: &Operator, id: &DialogId) -> AppResult<Dialog> {
        let dialog = self
            .dialogs
            .get_dialog(&op.workspace, id)
            .await?
            .ok_or(DomainError::DialogNotFound)?;
        dialog.check_access(op)?;
        Ok(dialog)
    }

    pub async fn caller_of(&self, connection: &ConnectionId) -> AppResult<Caller> {
        let record = self
            .connections
            .get_connection(connection)
            .await?
            .ok_or_else(|| {
                AppError::Unauthorized("this connection is not known; reconnect".into())
            })?;
        match record.peer {
            Peer::Operator { id, .. } => {
                let op = self.directory.get_operator(&record.workspace, &id).await?;
                op.map(Caller::Operator)
                    .ok_or_else(|| AppError::Unauthorized("the operator no longer exists".into()))
            }
            Peer::Visitor { id, .. } => {
                let v = self.directory.get_visitor(&record.workspace, &id).await?;
                v.map(Caller::Visitor)
                    .ok_or_else(|| AppError::Unauthorized("the visitor no longer exists".into()))
            }
        }
    }

    /// The operator behind a session token.
    pub async fn operator_from_session(&self, token: &str) -> AppResult<Operator> {
        match self.signer.verify(token, self.now()) {
            Ok(Claims::Session {
                workspace,
                operator,
                ..
            }) => self
                .directory
                .get_operator(&workspace, &operator)
                .await?
                .ok_or_else(|| AppError::Unauthorized("the operator no longer exists".into())),
            Ok(_) => Err(AppError::Unauthorized(
                "not an operator session token".into(),
            )),
            Err(e) => Err(AppError::Unauthorized(e.to_string())),
        }
    }

    /// The visitor behind a visitor token.
    pub async fn visitor_from_token(&self, token: &str) -> AppResult<Visitor> {
        match self.signer.verify(token, self.now()) {
            Ok(Claims::Visitor {
                workspace, visitor, ..
            }) => self
                .directory
                .get_visitor(&workspace, &visitor)
                .await?
                .ok_or_else(|| AppError::Unauthorized("the visitor no longer exists".into())),
            Ok(_) => Err(AppError::Unauthorized("not a visitor token".into())),
            Err(e) => Err(AppError::Unauthorized(e.to_string())),
        }
    }

    /// Posts every frame at once. A 410 deletes that connection's record (the stale one, never
    /// anything else); other failures are logged. Returns, per post, whether it arrived.
    pub async fn deliver(&self, posts: &[Post]) -> Vec<bool> {
        let sends = posts.iter().map(|post| async move {
            match self.push.post(&post.to, &post.payload).await {
                Ok(()) => true,
                Err(PushError::Gone) => {
                    if let Err(e) = self.connections.delete_connection(&post.to).await {
                        tracing::warn!(connection_id = %post.to, error = %e, "stale connection not deleted");
                    }
                    false
                }
                Err(PushError::Failed(e)) => {
                    tracing::warn!(connection_id = %post.to, error = %e, "push failed");
                    false
                }
            }
        });
        futures_util::future::join_all(sends).await
    }

    /// Whether the dialog's site shows operator names to its visitors.
    async fn shows_operator_names(&self, dialog: &Dialog) -> AppResult<bool> {
        let now = self.now();
        let cached = self
            .operator_names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&dialog.site)
            .copied();
        if let Some((at, show)) = cached
            && now.saturating_sub(at) < SITE_SETTINGS_TTL
        {
            return Ok(show);
        }
        let show = self
            .directory
            .get_site(&dialog.site)
            .await?
            .is_none_or(|site| site.settings.show_operator_names);
        self.operator_names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(dialog.site.clone(), (now, show));
        Ok(show)
    }

    /// Forgets what `shows_operator_names` read of a site, after its settings changed here.
    fn forget_site_settings(&self, key: &crate::ids::SiteKey) {
        self.operator_names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
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
