use serde::Serialize;

/// Every way a request can be refused. The code is what a client sees in an `error` frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    Invalid(String),
    #[error("the text is {0} characters long; at most {max} are allowed", max = super::MAX_TEXT_CHARS)]
    TextTooLong(usize),
    #[error("the text is empty")]
    EmptyText,
    #[error("no such dialog")]
    DialogNotFound,
    #[error("no such operator")]
    OperatorNotFound,
    #[error("no such group")]
    GroupNotFound,
    #[error("you may not do this: {0}")]
    Forbidden(&'static str),
    #[error("join the dialog before you write in it")]
    NotConnected,
    #[error("the dialog is already closed")]
    AlreadyClosed,
    #[error("the dialog is already open")]
    AlreadyOpen,
    #[error("the operator is already in charge of this dialog")]
    AlreadyInCharge,
    #[error("the dialog changed meanwhile; try again")]
    Conflict,
    #[error("{name:?} is {} and {kind:?}s may be at most {}", megabytes(*size), megabytes(*max))]
    AttachmentTooLarge {
        name: String,
        size: u64,
        max: u64,
        kind: super::AttachmentKind,
    },
    #[error("{0}")]
    AttachmentTypeNotAllowed(String),
    /// The upload is unknown, expired, someone else's, missing from storage, or not what it claimed.
    #[error("{0}")]
    AttachmentInvalid(String),
    #[error("at most {max} files go with one message", max = super::MAX_ATTACHMENTS_PER_MESSAGE)]
    TooManyAttachments,
    #[error("whispers are text only")]
    WhisperAttachment,
    /// An upload grant carries its file into one message; this one went into another.
    #[error("{0}")]
    UploadAlreadyUsed(String),
    #[error("the workspace must keep an active admin: make another operator admin first")]
    LastAdmin,
    #[error("the operator is deactivated")]
    OperatorDeactivated,
    #[error("the dialog is already on hold")]
    AlreadyOnHold,
    #[error("the dialog is not on hold")]
    NotOnHold,
    #[error("at most {max} dialogs are deleted in one request, not {0}", max = super::MAX_DIALOGS_PER_DELETE)]
    TooManyDialogs(usize),
    #[error("no such contact")]
    ContactNotFound,
    /// An edit gives a contact an e-mail, phone or site user another contact holds.
    #[error("{0}")]
    ContactKeyTaken(String),
    /// A visitor session's site user id is not vouched for by the site (`identity_hash`).
    #[error("{0}")]
    IdentityRefused(String),
    /// The dialog's contact is blocked: no message goes to or from them.
    #[error(
        "this contact is blocked: no messages go to or from them until an operator unblocks them"
    )]
    ContactBlocked,
    /// A contact's export would gather more bytes of files than one export holds.
    #[error(
        "this contact's files come to {size}, more than the {max} one export holds: delete dialogs with large files first, or download them from each dialog",
        size = megabytes(*.0),
        max = megabytes(crate::domain::MAX_EXPORT_BYTES)
    )]
    ExportTooLarge(u64),
    #[error("no such tag")]
    TagNotFound,
    /// Another tag of the workspace has this name (compared without case).
    #[error("another tag has this name")]
    TagNameTaken,
    #[error("a workspace may define at most {max} tags", max = super::MAX_TAGS_PER_WORKSPACE)]
    TooManyTags,
}

/// `12.3 MB`, `512 KB` or `900 B`, as the limits are spoken of (the clients say it the same way).
pub fn megabytes(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let (n, unit) = if bytes < 1024 * 1024 {
        (bytes as f64 / 1024.0, "KB")
    } else {
        (bytes as f64 / (1024.0 * 1024.0), "MB")
    };
    if n >= 10.0 || n.fract() == 0.0 {
        format!("{n:.0} {unit}")
    } else {
        format!("{n:.1} {unit}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_in_the_unit_that_fits() {
        assert_eq!(super::megabytes(10 * 1024 * 1024), "10 MB");
        assert_eq!(super::megabytes(1536 * 1024), "1.5 MB");
        assert_eq!(super::megabytes(2048), "2 KB");
        assert_eq!(super::megabytes(1025), "1.0 KB");
        assert_eq!(super::megabytes(900), "900 B");
    }
}

/// The stable, machine-readable form of an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum ErrorCode {
    /// The frame is not JSON, or not an object.
    MalformedFrame,
    /// `action` or `op` names nothing the server knows.
    UnknownAction,
    /// A field is missing or of the wrong type or shape.
    InvalidRequest,
    /// A visitor's email does not look like one (`someone@domain.tld`) or is too long.
    InvalidEmail,
    /// A visitor's phone is not digits, spaces and `+-().` with at least five digits, or is too long.
    InvalidPhone,
    TextTooLong,
    EmptyText,
    DialogNotFound,
    OperatorNotFound,
    /// No group of the workspace has this id.
    GroupNotFound,
    Forbidden,
    NotConnected,
    AlreadyClosed,
    AlreadyOpen,
    AlreadyInCharge,
    Conflict,
    Unauthorized,
    /// A file is larger than its kind may be (`GET /api/attachments/limits`).
    AttachmentTooLarge,
    /// A file that runs or opens as a web page, or an image whose bytes are not the declared type.
    AttachmentTypeNotAllowed,
    /// An upload token that is malformed, expired, another workspace's or another sender's, or whose
    /// file never reached storage or differs from what was granted.
    AttachmentInvalid,
    /// More than 10 files in one message.
    TooManyAttachments,
    /// Whispers carry text only.
    WhisperAttachment,
    /// An upload token already put in another message: each upload goes in one message (send a
    /// file again with the dialog's send-again token, or upload it again).
    UploadAlreadyUsed,
    /// This deployment has no attachment storage configured.
    AttachmentsUnavailable,
    /// This deployment has no VAPID key configured: it sends no push notifications.
    PushUnavailable,
    /// Over a limit (sign-in attempts, new visitors, messages, sockets): nothing was done; the same
    /// request may go again after the wait the refusal names (`retry_after_ms` in a frame,
    /// `retry_after` seconds and `Retry-After` over HTTP).
    RateLimited,
    /// The change would leave the workspace without an active admin.
    LastAdmin,
    /// The operator named is deactivated: no dialog can be transferred to them.
    OperatorDeactivated,
    /// `POST /api/me/password`: the current password given is not the operator's.
    WrongPassword,
    /// `assign` / `hold`: the dialog is on hold already.
    AlreadyOnHold,
    /// `assign` / `resume`: the dialog is not on hold.
    NotOnHold,
    /// `POST /api/dialogs/delete`: more than 100 dialogs in one request.
    TooManyDialogs,
    /// No contact of the workspace has this id.
    ContactNotFound,
    /// `PUT /api/contacts/{id}`: another contact holds this e-mail or phone; nothing was changed
    /// (uniting two contacts is a merge).
    ContactKeyTaken,
    /// `POST /api/visitor/session`: `user_id` and `user_hash` do not verify (the hash is not the
    /// HMAC-SHA256 of the user id under the site's identity secret, or the site has none); nothing
    /// was stored.
    IdentityRefused,
    /// A message to or from a blocked contact (`POST /api/contacts/{id}/block`): nothing was
    /// stored; it goes once an operator unblocks them.
    ContactBlocked,
    /// No tag of the workspace has this id (`/api/tags/{id}`, or a tag set on a contact).
    TagNotFound,
    /// `POST`/`PUT /api/tags`: another tag of the workspace has this name (compared without
    /// case); nothing was changed.
    TagNameTaken,
    /// `POST /api/tags`: the workspace has its 200 tags already.
    TooManyTags,
    /// `POST /api/login`: the email and password are an operator's in several workspaces; the
    /// answer lists them, and the login is sent again naming one.
    ChooseWorkspace,
    /// `POST /api/contacts/{id}/export`: the contact's files come to more than one export holds
    /// (`MAX_EXPORT_BYTES`); nothing was written.
    ExportTooLarge,
    /// The server failed; the request may be retried with the same ids.
    Internal,
}

impl ErrorCode {
    /// The HTTP status of an answer refused with this code: the one table, for every endpoint
    /// (the framework's own refusals of a body, a path or a query are `invalid_request` too).
    pub fn http_status(self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden | Self::IdentityRefused => 403,
            Self::DialogNotFound
            | Self::OperatorNotFound
            | Self::GroupNotFound
            | Self::ContactNotFound
            | Self::TagNotFound => 404,
            Self::Conflict
            | Self::LastAdmin
            | Self::ChooseWorkspace
            | Self::ContactKeyTaken
            | Self::ContactBlocked
            | Self::TagNameTaken => 409,
            Self::AttachmentTooLarge | Self::ExportTooLarge => 413,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::AttachmentsUnavailable | Self::PushUnavailable => 503,
            _ => 400,
        }
    }

    /// How `$connect` refuses with this code: any non-2xx answer rejects the socket.
    pub fn connect_status(self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::RateLimited => 429,
            Self::Internal => 500,
            _ => 400,
        }
    }

    /// Whether sending the same request again, with the same ids, may succeed: the dialog changed
    /// meanwhile, the server failed, or a limit was reached (then after its wait). Any other
    /// refusal comes back the same; the clients' list (`RETRYABLE_ERROR_CODES` in `protocol.ts`)
    /// is generated from this.
    pub fn retryable(self) -> bool {
        matches!(self, Self::Conflict | Self::Internal | Self::RateLimited)
    }
}

impl DomainError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) => ErrorCode::InvalidRequest,
            Self::TextTooLong(_) => ErrorCode::TextTooLong,
            Self::EmptyText => ErrorCode::EmptyText,
            Self::DialogNotFound => ErrorCode::DialogNotFound,
            Self::OperatorNotFound => ErrorCode::OperatorNotFound,
            Self::GroupNotFound => ErrorCode::GroupNotFound,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotConnected => ErrorCode::NotConnected,
            Self::AlreadyClosed => ErrorCode::AlreadyClosed,
            Self::AlreadyOpen => ErrorCode::AlreadyOpen,
            Self::AlreadyInCharge => ErrorCode::AlreadyInCharge,
            Self::Conflict => ErrorCode::Conflict,
            Self::AttachmentTooLarge { .. } => ErrorCode::AttachmentTooLarge,
            Self::AttachmentTypeNotAllowed(_) => ErrorCode::AttachmentTypeNotAllowed,
            Self::AttachmentInvalid(_) => ErrorCode::AttachmentInvalid,
            Self::TooManyAttachments => ErrorCode::TooManyAttachments,
            Self::WhisperAttachment => ErrorCode::WhisperAttachment,
            Self::UploadAlreadyUsed(_) => ErrorCode::UploadAlreadyUsed,
            Self::LastAdmin => ErrorCode::LastAdmin,
            Self::OperatorDeactivated => ErrorCode::OperatorDeactivated,
            Self::AlreadyOnHold => ErrorCode::AlreadyOnHold,
            Self::NotOnHold => ErrorCode::NotOnHold,
            Self::TooManyDialogs(_) => ErrorCode::TooManyDialogs,
            Self::ContactNotFound => ErrorCode::ContactNotFound,
            Self::ContactKeyTaken(_) => ErrorCode::ContactKeyTaken,
            Self::IdentityRefused(_) => ErrorCode::IdentityRefused,
            Self::ContactBlocked => ErrorCode::ContactBlocked,
            Self::ExportTooLarge(_) => ErrorCode::ExportTooLarge,
            Self::TagNotFound => ErrorCode::TagNotFound,
            Self::TagNameTaken => ErrorCode::TagNameTaken,
            Self::TooManyTags => ErrorCode::TooManyTags,
        }
    }
}
