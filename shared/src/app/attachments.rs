//! Attachments: upload grants, the check before a message carries a file, and links handed out
//! only after an access check.
//!
//! The path of one file:
//! 1. `grant_upload`: the sender describes the file; the workspace's limits decide; storage signs a
//!    browser upload of exactly that size and type, and Parlor signs an upload token naming the
//!    file, its workspace and who may send it.
//! 2. The browser uploads straight to storage.
//! 3. The message carries the token; `attachments_for` checks it, marks the upload as this
//!    message's in the store (a grant goes in one message: another message naming it is refused,
//!    a retried frame of the same message is not), then seals the object (copies it, once, to a
//!    key no grant names) and checks the copy (its size and type are the granted ones, an image's
//!    first bytes are an image's) and stores an image's preview beside it, all before the message
//!    is stored.
//! 4. Anyone who may read the message asks for links (`message_attachments`), which expire.

use super::{AppError, AppResult, Stores, dialog_for, message_at};
use crate::auth::{Claims, Holder, Signer};
use crate::domain::{
    Attachment, AttachmentKind, AttachmentLimits, DomainError, FileDescription,
    MAX_ATTACHMENTS_PER_MESSAGE, Message, Millis, Operator, PREVIEW_PIXELS, Right, UploadMark,
    Visitor, object_key, preview_key, sealed_key, sniff_image,
};
use crate::ids::{AttachmentId, ClientMessageId, DialogId, WorkspaceId};
use crate::ports::{
    BlobError, Blobs, Clock, DialogStore, DirectoryStore, Images, Marked, UploadMarkStore,
    UploadPolicy,
};
use crate::protocol::{AttachmentLinks, DialogAttachment, UploadGrant};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;

/// How long a browser has to start an upload it was granted. S3 checks the policy's expiry; the
/// local endpoint also refuses a signature older than 15 minutes, so this stays under that.
pub const UPLOAD_WINDOW: Millis = 10 * 60 * 1000;
/// How long an upload token may be put in a message: long enough for a message queued offline.
pub const UPLOAD_TOKEN_TTL: Millis = 24 * 3600 * 1000;
/// How long a link to a file works.
pub const LINK_TTL_SECS: u64 = 15 * 60;
/// The most messages the attachments panel reads back through.
const PANEL_MESSAGES: usize = 5000;

/// Where attachments are kept and how images are previewed.
#[derive(Clone)]
pub struct AttachmentStorage {
    pub blobs: Arc<dyn Blobs>,
    pub images: Arc<dyn Images>,
}

/// A dialog's attachments, newest first.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct DialogAttachments {
    pub attachments: Vec<DialogAttachment>,
}

/// Links to the files of one message.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct MessageAttachments {
    pub attachments: Vec<AttachmentLinks>,
}

impl From<BlobError> for AppError {
    fn from(e: BlobError) -> Self {
        AppError::Store(crate::ports::StoreError::Unavailable(e.0))
    }
}

fn invalid(message: String) -> AppError {
    DomainError::AttachmentInvalid(message).into()
}

/// The files a message may carry, checked, and the uploads this attempt marked as its own: they
/// are freed again if the message is refused.
#[derive(Debug, Default)]
pub(crate) struct Files {
    pub attachments: Vec<Attachment>,
    marked: Vec<UploadMark>,
}

/// Files sent with messages: grants, checks and links.
pub struct Attachments {
    /// Where files are kept, when this process has storage.
    attachments: Option<AttachmentStorage>,
    directory: Arc<dyn DirectoryStore>,
    dialogs: Arc<dyn DialogStore>,
    marks: Arc<dyn UploadMarkStore>,
    signer: Signer,
    clock: Arc<dyn Clock>,
}

impl Attachments {
    pub(super) fn new(
        stores: &Stores,
        storage: Option<AttachmentStorage>,
        signer: Signer,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            attachments: storage,
            directory: stores.directory.clone(),
            dialogs: stores.dialogs.clone(),
            marks: stores.upload_marks.clone(),
            signer,
            clock,
        }
    }

    /// Where the files of every message of a dialog are kept: each upload, its sealed copy and its
    /// preview (a key may hold nothing), reading the messages back a page of `MAX_PAGE` at a time.
    /// Without storage there are none.
    pub(crate) async fn dialog_file_keys(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
    ) -> AppResult<Vec<String>> {
        let mut keys = Vec::new();
        if self.attachments.is_none() {
            return Ok(keys);
        }
        let mut after = 0;
        loop {
            let page = self
                .dialogs
                .messages_after(workspace, dialog, after, super::MAX_PAGE)
                .await?;
            for a in page.iter().flat_map(|m| &m.attachments) {
                keys.extend([
                    object_key(workspace, &a.id),
                    sealed_key(workspace, &a.id),
                    preview_key(workspace, &a.id),
                ]);
            }
            match page.last() {
                Some(last) if page.len() == super::MAX_PAGE => after = last.seq,
                _ => return Ok(keys),
            }
        }
    }

    /// Deletes these objects from storage (a key that holds nothing is no error).
    pub(crate) async fn delete_files(&self, keys: &[String]) -> AppResult<()> {
        match &self.attachments {
            Some(storage) if !keys.is_empty() => Ok(storage.blobs.delete(keys).await?),
            _ => Ok(()),
        }
    }

    fn storage(&self) -> AppResult<&AttachmentStorage> {
        self.attachments
            .as_ref()
            .ok_or(AppError::AttachmentsUnavailable)
    }

    /// The workspace's limits (the defaults until an admin sets them).
    pub async fn attachment_limits(&self, workspace: &WorkspaceId) -> AppResult<AttachmentLimits> {
        Ok(self
            .directory
            .get_workspace(workspace)
            .await?
            .map(|w| w.attachment_limits)
            .unwrap_or_default())
    }

    /// Admins set how large images and other files may be, up to 100 MB.
    pub async fn set_attachment_limits(
        &self,
        admin: &Operator,
        limits: AttachmentLimits,
    ) -> AppResult<AttachmentLimits> {
        if !admin.can(Right::ManageSettings) {
            return Err(DomainError::Forbidden(
                "only admins and members of a group that may manage settings may change attachment limits",
            )
            .into());
        }
        limits.validate()?;
        let mut workspace = self
            .directory
            .get_workspace(&admin.workspace)
            .await?
            .ok_or_else(|| AppError::Unauthorized("the workspace no longer exists".into()))?;
        workspace.attachment_limits = limits;
        self.directory.put_workspace(&workspace).await?;
        Ok(limits)
    }

    /// Checks a file against the workspace's limits and signs its upload.
    pub async fn grant_upload(
        &self,
        workspace: &WorkspaceId,
        holder: Holder,
        file: FileDescription,
    ) -> AppResult<UploadGrant> {
        let storage = self.storage()?;
        let limits = self.attachment_limits(workspace).await?;
        let attachment = file.accept(AttachmentId::generate(), &limits)?;
        let now = self.clock.now();
        let expires_at = now + UPLOAD_WINDOW;
        let policy = UploadPolicy {
            key: object_key(workspace, &attachment.id),
            content_type: attachment.content_type.clone(),
            content_disposition: attachment.content_disposition(),
            size: attachment.size,
            now,
            expires_at,
        };
        let post = storage.blobs.presign_upload(&policy).await?;
        let upload =
            self.upload_token(workspace, holder, &attachment, None, now + UPLOAD_TOKEN_TTL);
        Ok(UploadGrant {
            upload,
            url: post.url,
            fields: post.fields,
            attachment,
            expires_at,
        })
    }

    fn upload_token(
        &self,
        workspace: &WorkspaceId,
        holder: Holder,
        attachment: &Attachment,
        sent_in: Option<&DialogId>,
        expires_at: Millis,
    ) -> String {
        self.signer.sign(&Claims::Upload {
            workspace: workspace.clone(),
            holder,
            attachment: Box::new(attachment.clone()),
            checked: sent_in.is_some(),
            sent_in: sent_in.cloned(),
            expires_at,
        })
    }

    /// The files a message may carry, from its upload tokens: each must be this sender's, in this
    /// workspace, in no other message, and in storage as granted. Nothing is stored when any one
    /// fails. `into` is the dialog the message goes to (none before a visitor's first message made
    /// it); `client_id` is the message's, which a retried frame repeats.
    pub(crate) async fn attachments_for(
        &self,
        workspace: &WorkspaceId,
        holder: &Holder,
        uploads: &[String],
        into: Option<&DialogId>,
        client_id: &ClientMessageId,
    ) -> AppResult<Files> {
        if uploads.is_empty() {
            return Ok(Files::default());
        }
        if uploads.len() > MAX_ATTACHMENTS_PER_MESSAGE {
            return Err(DomainError::TooManyAttachments.into());
        }
        let storage = self.storage()?;
        let mut claimed = Vec::with_capacity(uploads.len());
        for (i, token) in uploads.iter().enumerate() {
            let which = format!("upload {} of {}", i + 1, uploads.len());
            match self.signer.verify(token, self.clock.now()) {
                Ok(Claims::Upload {
                    workspace: ws,
                    holder: h,
                    attachment,
                    checked,
                    sent_in,
                    expires_at,
                }) => {
                    // Another workspace's file is not told apart from a forged token.
                    if &ws != workspace || &h != holder {
                        return Err(invalid(format!("{which} was not granted to you")));
                    }
                    if checked && (sent_in.is_none() || sent_in.as_ref() != into) {
                        return Err(invalid(format!(
                            "{which} was sent in another dialog: a file is sent again only in \
                             the dialog it was sent in"
                        )));
                    }
                    claimed.push((*attachment, checked, expires_at));
                }
                Ok(_) => return Err(invalid(format!("{which} is not an upload token"))),
                Err(crate::auth::TokenError::Expired) => {
                    return Err(invalid(format!(
                        "{which} has expired; upload the file again"
                    )));
                }
                Err(e) => return Err(invalid(format!("{which}: {e}"))),
            }
        }
        let mut seen = HashSet::new();
        if !claimed.iter().all(|(a, _, _)| seen.insert(a.id.clone())) {
            return Err(invalid("the same file is attached twice".into()));
        }
        // A message a visitor sends names no dialog: theirs is the one it goes in.
        let message = UploadMark::message(
            match holder {
                Holder::Operator(_) => into,
                Holder::Visitor(_) => None,
            },
            client_id,
        );
        let mut files = Files::default();
        let checked = async {
            self.mark_uploads(workspace, &claimed, &message, &mut files)
                .await?;
            let checks = claimed
                .into_iter()
                .map(|(a, checked, _)| self.check_stored(storage, workspace, a, checked));
            futures_util::future::try_join_all(checks).await
        }
        .await;
        match checked {
            Ok(attachments) => {
                files.attachments = attachments;
                Ok(files)
            }
            Err(e) => {
                self.release(&files).await;
                Err(e)
            }
        }
    }

    /// Marks each new upload (not a file sent before, which may go again) as this message's;
    /// `files` keeps the marks made here, to free them if the message does not go.
    async fn mark_uploads(
        &self,
        workspace: &WorkspaceId,
        claimed: &[(Attachment, bool, Millis)],
        message: &str,
        files: &mut Files,
    ) -> AppResult<()> {
        let marks = claimed
            .iter()
            .filter(|(_, checked, _)| !checked)
            .map(|(a, _, expires_at)| UploadMark {
                workspace: workspace.clone(),
                attachment: a.id.clone(),
                message: message.to_owned(),
                expires_at: *expires_at,
            });
        let attempts = marks.map(|mark| async move {
            let marked = self.marks.mark_upload(&mark).await;
            (mark, marked)
        });
        let mut taken = None;
        let mut failed = None;
        for (mark, marked) in futures_util::future::join_all(attempts).await {
            match marked {
                Ok(Marked::New) => files.marked.push(mark),
                Ok(Marked::Again) => {}
                Ok(Marked::Taken) => taken = Some(mark.attachment),
                Err(e) => failed = Some(e),
            }
        }
        if let Some(e) = failed {
            return Err(e.into());
        }
        if let Some(id) = taken {
            let name = claimed
                .iter()
                .find(|(a, _, _)| a.id == id)
                .map(|(a, _, _)| crate::domain::quote(&a.name))
                .unwrap_or_default();
            return Err(DomainError::UploadAlreadyUsed(format!(
                "{name} was already sent in another message: each upload goes in one message \
                 (upload it again to send it again)"
            ))
            .into());
        }
        Ok(())
    }

    /// Frees the uploads a refused message marked, so that the next message may carry them. A
    /// mark that stays (the store failing here) only means the file must be uploaded again.
    pub(crate) async fn release(&self, files: &Files) {
        for mark in &files.marked {
            if let Err(e) = self.marks.unmark_upload(mark).await {
                tracing::warn!(attachment = %mark.attachment, error = %e, "upload.unmark_failed");
            }
        }
    }

    /// What a send's outcome means for the uploads it marked: a message refused before it was
    /// stored frees them; a store failure keeps them (the message may have been stored, and its
    /// retried frame finds them marked as its own).
    pub(crate) async fn settle<T>(&self, files: &Files, outcome: AppResult<T>) -> AppResult<T> {
        if let Err(e) = &outcome
            && !matches!(e, AppError::Store(_))
        {
            self.release(files).await;
        }
        outcome
    }

    /// Looks at the object itself before a message may carry it.
    async fn check_stored(
        &self,
        storage: &AttachmentStorage,
        workspace: &WorkspaceId,
        mut a: Attachment,
        checked: bool,
    ) -> AppResult<Attachment> {
        if checked {
            // Sent before: it is where that message keeps it.
            if storage
                .blobs
                .head(&a.stored_key(workspace))
                .await?
                .is_none()
            {
                return Err(invalid(format!(
                    "{} is no longer in storage",
                    crate::domain::quote(&a.name)
                )));
            }
            return Ok(a);
        }
        // Sealed first, then checked: what is checked is what links will serve, whatever the
        // upload grant (good for its whole window on S3) puts at the upload's key afterwards. The
        // first copy stays: a retried frame checks the same bytes again and changes nothing.
        let upload = object_key(workspace, &a.id);
        let key = sealed_key(workspace, &a.id);
        if storage.blobs.head(&upload).await?.is_none() {
            return Err(invalid(format!(
                "{} is not in storage: upload it again",
                crate::domain::quote(&a.name)
            )));
        }
        storage.blobs.copy_once(&upload, &key).await?;
        a.sealed = true;
        let Some(head) = storage.blobs.head(&key).await? else {
            return Err(invalid(format!(
                "{} is not in storage: upload it again",
                crate::domain::quote(&a.name)
            )));
        };
        if head.size != a.size || head.content_type.as_deref() != Some(a.content_type.as_str()) {
            return Err(invalid(format!(
                "{} in storage is not the file that was granted",
                crate::domain::quote(&a.name)
            )));
        }
        if a.kind == AttachmentKind::Image {
            let start = storage.blobs.read_start(&key, 16).await?;
            if !sniff_image(&a.content_type, &start) {
                return Err(DomainError::AttachmentTypeNotAllowed(format!(
                    "{} is not the {} image it claims to be",
                    crate::domain::quote(&a.name),
                    a.content_type
                ))
                .into());
            }
            let bytes = storage.blobs.read(&key, a.size).await?;
            let (images, content_type) = (storage.images.clone(), a.content_type.clone());
            let made = tokio::task::spawn_blocking(move || {
                images.preview(&bytes, &content_type, PREVIEW_PIXELS)
            })
            .await
            .map_err(|e| {
                AppError::Store(crate::ports::StoreError::Unavailable(format!(
                    "the preview task failed: {e}"
                )))
            })?;
            let preview = made.map_err(|reason| {
                DomainError::AttachmentTypeNotAllowed(format!(
                    "{} cannot be read as an image: {reason}",
                    crate::domain::quote(&a.name)
                ))
            })?;
            storage
                .blobs
                .put(&preview_key(workspace, &a.id), preview.jpeg, "image/jpeg")
                .await?;
            (a.width, a.height, a.preview) = (Some(preview.width), Some(preview.height), true);
        }
        Ok(a)
    }

    async fn links(&self, workspace: &WorkspaceId, a: &Attachment) -> AppResult<AttachmentLinks> {
        let storage = self.storage()?;
        let url = storage
            .blobs
            .presign_download(&a.stored_key(workspace), LINK_TTL_SECS)
            .await?;
        let preview_url = match a.preview {
            true => Some(
                storage
                    .blobs
                    .presign_download(&preview_key(workspace, &a.id), LINK_TTL_SECS)
                    .await?,
            ),
            false => None,
        };
        Ok(AttachmentLinks {
            id: a.id.clone(),
            url,
            preview_url,
            expires_at: self.clock.now() + LINK_TTL_SECS as Millis * 1000,
        })
    }

    async fn links_of(
        &self,
        workspace: &WorkspaceId,
        message: Option<Message>,
    ) -> AppResult<MessageAttachments> {
        let message = message.ok_or_else(|| AppError::Invalid("no such message".into()))?;
        let links = message.attachments.iter().map(|a| self.links(workspace, a));
        Ok(MessageAttachments {
            attachments: futures_util::future::try_join_all(links).await?,
        })
    }

    /// Links to the files of one message, for an operator who may see the dialog (an operator it
    /// was transferred away from may not).
    pub async fn message_attachments(
        &self,
        op: &Operator,
        dialog: &DialogId,
        seq: u64,
    ) -> AppResult<MessageAttachments> {
        let dialog = dialog_for(&*self.dialogs, op, dialog).await?;
        let message = message_at(&*self.dialogs, &op.workspace, &dialog.id, seq).await?;
        self.links_of(&op.workspace, message).await
    }

    /// Links to the files of one message of the visitor's own dialog.
    pub async fn visitor_message_attachments(
        &self,
        visitor: &Visitor,
        seq: u64,
    ) -> AppResult<MessageAttachments> {
        let dialog = visitor
            .dialog
            .as_ref()
            .ok_or_else(|| AppError::Invalid("no such message".into()))?;
        let message = message_at(&*self.dialogs, &visitor.workspace, dialog, seq)
            .await?
            .filter(Message::visible_to_visitor);
        self.links_of(&visitor.workspace, message).await
    }

    /// Every file sent in the dialog either way, newest first, each once (seed 002's "Show
    /// attachments"): links, and a token to send it again.
    pub async fn dialog_attachments(
        &self,
        op: &Operator,
        id: &DialogId,
    ) -> AppResult<DialogAttachments> {
        let dialog = dialog_for(&*self.dialogs, op, id).await?;
        let mut found: Vec<(Message, Attachment)> = Vec::new();
        let mut seen = HashSet::new();
        let (mut before, mut read) = (None, 0);
        while read < PANEL_MESSAGES {
            let page = self
                .dialogs
                .messages_before(&op.workspace, &dialog.id, before, 100)
                .await?;
            let Some(last) = page.last() else { break };
            before = Some(last.seq);
            read += page.len();
            for m in &page {
                for a in &m.attachments {
                    if seen.insert(a.id.clone()) {
                        found.push((m.clone(), a.clone()));
                    }
                }
            }
        }
        let expires_at = self.clock.now() + UPLOAD_TOKEN_TTL;
        let sent_in = &dialog.id;
        let items = found.into_iter().map(|(m, a)| async move {
            let links = self.links(&op.workspace, &a).await?;
            let resend = self.upload_token(
                &op.workspace,
                Holder::Operator(op.id.clone()),
                &a,
                Some(sent_in),
                expires_at,
            );
            Ok::<_, AppError>(DialogAttachment {
                attachment: a,
                seq: m.seq,
                kind: m.kind(),
                author_name: m.sender.name().map(str::to_owned),
                sent_at: m.created_at,
                links,
                resend,
            })
        });
        Ok(DialogAttachments {
            attachments: futures_util::future::try_join_all(items).await?,
        })
    }
}
