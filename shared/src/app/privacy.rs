//! Privacy (issue 18, point 7): everything Parlor keeps about one contact, exported as one ZIP
//! (`contact.json` and the files of their dialogs), and erasing a contact entirely. Both are for
//! operators who may delete dialogs (docs/security.md says why an export asks as much).
//!
//! An export is written to storage under `exports/` and handed out as a short-lived link; storage
//! forgets it after `EXPORT_KEEP_DAYS` (a lifecycle rule in AWS, the local gateway's own sweep of
//! that prefix locally). An erase deletes every dialog of the contact as an operator's delete does
//! (`Dialogs::delete_dialogs`), the visitor records of those dialogs first (their ids are read
//! from the dialogs), then the contacts merged into it and, last, the contact itself: an erase cut
//! short is finished by asking again, since the contact's record, which leads to the rest, goes
//! last.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::Arc;

use serde::Serialize;

use super::{AppError, AppResult, Contacts, Delivery, Dialogs, MAX_ATTEMPTS, Stores, backoff};
use crate::domain::{
    Attachment, Contact, Dialog, DomainError, MAX_DIALOGS_PER_DELETE, MAX_EXPORT_BYTES, Message,
    MessageKind, Millis, Operator, Right, Visitor,
};
use crate::ids::{ContactId, DialogId, WorkspaceId, random_token};
use crate::ports::{
    Blobs, Clock, ConnectionStore, ContactStore, DialogStore, DirectoryStore, StoreError,
};
use crate::protocol::{DialogView, MessageView, ServerEvent};

/// How long an export's link works.
pub const EXPORT_LINK_TTL_SECS: u64 = 3600;
/// Where exports are kept in storage, apart from attachments (`a/`).
pub const EXPORTS_PREFIX: &str = "exports/";
/// How long storage keeps an export before deleting it.
pub const EXPORT_KEEP_DAYS: u32 = 1;
/// How often an erase reads the contact's dialogs again for ones started while it deleted.
const ERASE_ROUNDS: usize = 3;
/// What `contact.json` says it is, so that a reader knows the shape.
pub const EXPORT_FORMAT: &str = "parlor.contact-export.v1";

/// `POST /api/contacts/{id}/export`: where the ZIP is, for `EXPORT_LINK_TTL_SECS`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ContactExport {
    /// A link that downloads the ZIP until `expires_at`.
    pub url: String,
    /// The ZIP's name in that link.
    pub file_name: String,
    /// The ZIP's size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    #[ts(type = "number")]
    pub expires_at: Millis,
    /// How many dialogs and files it holds.
    #[ts(type = "number")]
    pub dialogs: u64,
    #[ts(type = "number")]
    pub files: u64,
}

/// `DELETE /api/contacts/{id}`: what an erase deleted.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ErasedContact {
    pub contact_id: ContactId,
    /// The contacts merged into it, erased with it.
    pub merged: Vec<ContactId>,
    /// Its dialogs this erase deleted (one cut short earlier may have deleted others).
    pub dialogs: Vec<DialogId>,
}

/// `contact.json`: the contact as stored, the contacts merged into it, the visitors of its
/// dialogs, and each dialog with every message, oldest first.
#[derive(Debug, Serialize)]
struct ExportDocument<'a> {
    format: &'static str,
    exported_at: Millis,
    exported_by: ExportedBy<'a>,
    contact: &'a Contact,
    merged: &'a [Contact],
    visitors: &'a [Visitor],
    dialogs: Vec<ExportedDialog>,
}

#[derive(Debug, Serialize)]
struct ExportedBy<'a> {
    operator_id: &'a str,
    name: &'a str,
}

#[derive(Debug, Serialize)]
struct ExportedDialog {
    dialog: DialogView,
    messages: Vec<ExportedMessage>,
}

/// A message as clients see it; a whisper (operators' text the visitor never saw) says so.
#[derive(Debug, Serialize)]
struct ExportedMessage {
    #[serde(flatten)]
    message: MessageView,
    whisper: bool,
    /// Where each of its attachments is in the ZIP, in the order of `attachments`; `null` for a
    /// file storage no longer holds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<Option<String>>,
}

pub struct Privacy {
    contacts: Arc<dyn ContactStore>,
    directory: Arc<dyn DirectoryStore>,
    dialogs: Arc<dyn DialogStore>,
    connections: Arc<dyn ConnectionStore>,
    delivery: Delivery,
    /// Deleting dialogs, as an operator's delete does.
    deletion: Arc<Dialogs>,
    /// Who may read a contact.
    cards: Arc<Contacts>,
    /// Where files and exports are kept, when this process has storage.
    blobs: Option<Arc<dyn Blobs>>,
    clock: Arc<dyn Clock>,
}

impl Privacy {
    pub(super) fn new(
        stores: &Stores,
        deletion: Arc<Dialogs>,
        cards: Arc<Contacts>,
        blobs: Option<Arc<dyn Blobs>>,
        delivery: Delivery,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            contacts: stores.contacts.clone(),
            directory: stores.directory.clone(),
            dialogs: stores.dialogs.clone(),
            connections: stores.connections.clone(),
            delivery,
            deletion,
            cards,
            blobs,
            clock,
        }
    }

    /// The contact an id names: an id merged into another names that one (`Contacts::resolve`).
    async fn contact(&self, workspace: &WorkspaceId, id: &ContactId) -> AppResult<Contact> {
        self.cards
            .resolve(workspace, id)
            .await?
            .ok_or_else(|| DomainError::ContactNotFound.into())
    }

    /// The contacts merged into this one that are still stored.
    async fn merged(&self, contact: &Contact) -> AppResult<Vec<Contact>> {
        let mut merged = Vec::new();
        for id in &contact.merged {
            merged.extend(self.contacts.get_contact(&contact.workspace, id).await?);
        }
        Ok(merged)
    }

    /// Every dialog listed under the contact or one merged into it, each once, oldest first.
    async fn dialogs_of(&self, people: &[&Contact]) -> AppResult<Vec<Dialog>> {
        let mut ids = BTreeSet::new();
        let mut workspace = None;
        for c in people {
            ids.extend(self.contacts.contact_dialogs(&c.workspace, &c.id).await?);
            workspace = Some(&c.workspace);
        }
        let Some(ws) = workspace else {
            return Ok(Vec::new());
        };
        let ids: Vec<DialogId> = ids.into_iter().collect();
        let mut dialogs = self.dialogs.get_dialogs(ws, &ids).await?;
        dialogs.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(dialogs)
    }

    /// Exports everything kept about the contact: one ZIP in storage, and a link to it. The
    /// caller must hold the right to delete dialogs and may see every dialog of the contact (the
    /// export holds them all). Files are counted from their messages before anything is read:
    /// more than `MAX_EXPORT_BYTES` is refused with `export_too_large`, nothing written.
    pub async fn export(&self, op: &Operator, id: &ContactId) -> AppResult<ContactExport> {
        if !op.can(Right::DeleteDialogs) {
            return Err(DomainError::Forbidden(
                "only admins and members of a group that may delete dialogs may export a contact",
            )
            .into());
        }
        let blobs = self
            .blobs
            .as_ref()
            .ok_or(AppError::AttachmentsUnavailable)?;
        let ws = &op.workspace;
        let resolved = self.contact(ws, id).await?;
        let (contact, _) = self.cards.readable(op, &resolved.id).await?;
        let merged = self.merged(&contact).await?;
        let mut people: Vec<&Contact> = vec![&contact];
        people.extend(merged.iter());
        let dialogs = self.dialogs_of(&people).await?;
        if dialogs.iter().any(|d| d.check_access(op).is_err()) {
            return Err(DomainError::Forbidden(
                "an export holds every dialog of the contact, and you may not see some of them",
            )
            .into());
        }

        let mut histories = Vec::with_capacity(dialogs.len());
        for d in &dialogs {
            histories.push(self.history(ws, &d.id).await?);
        }
        // Each file once, by where it goes in the ZIP.
        let mut files: BTreeMap<String, Attachment> = BTreeMap::new();
        for (d, messages) in dialogs.iter().zip(&histories) {
            for a in messages.iter().flat_map(|m| &m.attachments) {
                files
                    .entry(file_path(&d.id, a))
                    .or_insert_with(|| a.clone());
            }
        }
        let total: u64 = files.values().map(|a| a.size).sum();
        if total > MAX_EXPORT_BYTES {
            return Err(DomainError::ExportTooLarge(total).into());
        }
        // Which files storage still holds (a retention rule may have taken some): those go in.
        let mut stored: BTreeMap<String, String> = BTreeMap::new();
        for (path, a) in &files {
            let key = a.stored_key(ws);
            if blobs.head(&key).await?.is_some() {
                stored.insert(path.clone(), key);
            }
        }

        let mut visitor_ids: Vec<_> = dialogs.iter().map(|d| d.visitor.clone()).collect();
        visitor_ids.sort();
        visitor_ids.dedup();
        let mut visitors = Vec::new();
        for v in &visitor_ids {
            visitors.extend(self.directory.get_visitor(ws, v).await?);
        }
        let now = self.clock.now();
        let document = ExportDocument {
            format: EXPORT_FORMAT,
            exported_at: now,
            exported_by: ExportedBy {
                operator_id: op.id.as_str(),
                name: &op.name,
            },
            contact: &contact,
            merged: &merged,
            visitors: &visitors,
            dialogs: dialogs
                .iter()
                .zip(histories)
                .map(|(d, messages)| ExportedDialog {
                    dialog: DialogView::from(d),
                    messages: messages
                        .into_iter()
                        .map(|m| exported_message(&d.id, m, &stored))
                        .collect(),
                })
                .collect(),
        };
        let json = serde_json::to_vec_pretty(&document).map_err(|e| zip_failed(&e))?;
        // The ZIP is built in memory, each file read as it is written and dropped after: at most
        // the ZIP and one file at a time (the function's memory is sized for MAX_EXPORT_BYTES).
        let mut zip = Zip::new(json.len() as u64 + total);
        zip.add("contact.json", &json)?;
        drop(json);
        for (path, key) in &stored {
            let size = files.get(path).map_or(0, |a| a.size);
            zip.add(path, &blobs.read(key, size).await?)?;
        }
        let zip = zip.finish()?;
        let size = zip.len() as u64;
        let file_name = format!("parlor-contact-{}.zip", contact.id);
        let key = format!("{EXPORTS_PREFIX}{ws}/{}/{file_name}", random_token("x"));
        blobs.put(&key, zip, "application/zip").await?;
        let url = blobs.presign_download(&key, EXPORT_LINK_TTL_SECS).await?;
        tracing::info!(contact_id = %contact.id, operator_id = %op.id, size, "contact exported");
        Ok(ContactExport {
            url,
            file_name,
            size,
            expires_at: now + EXPORT_LINK_TTL_SECS as Millis * 1000,
            dialogs: dialogs.len() as u64,
            files: stored.len() as u64,
        })
    }

    /// Every message of the dialog, oldest first, a page of `MAX_PAGE` at a time.
    async fn history(&self, ws: &WorkspaceId, dialog: &DialogId) -> AppResult<Vec<Message>> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .dialogs
                .messages_after(ws, dialog, after, super::MAX_PAGE)
                .await?;
            let full = page.len() == super::MAX_PAGE;
            after = page.last().map_or(after, |m| m.seq);
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }

    /// Erases the contact entirely, for operators who may delete dialogs: the visitor records of
    /// its dialogs (their open tabs closed once told, so that they reconnect as new visitors),
    /// every dialog (as `Dialogs::delete_dialogs` deletes them: messages, files,
    /// search entries, read markers, receipts, load, queue; consoles and visitors' tabs hear
    /// `dialog.deleted`), the contacts merged into it, then the contact with its keys (e-mail,
    /// phone, site users) and dialog links. Consoles that could see one of its dialogs (any that
    /// may see colleagues' dialogs, for a contact without any) hear `contact.deleted` for each.
    /// An id merged into another erases that one. Cut short, the same request finishes the work;
    /// once done, the id answers `contact_not_found`.
    pub async fn erase(&self, op: &Operator, id: &ContactId) -> AppResult<ErasedContact> {
        if !op.can(Right::DeleteDialogs) {
            return Err(DomainError::Forbidden(
                "only admins and members of a group that may delete dialogs may erase a contact",
            )
            .into());
        }
        let ws = &op.workspace;
        let contact = self.contact(ws, id).await?;
        let merged = self.merged(&contact).await?;
        let mut people: Vec<&Contact> = vec![&contact];
        people.extend(merged.iter());
        // A dialog started meanwhile (a verified visitor on a new device joins the contact) is
        // listed by the time its round ends: the list is read again until it is empty.
        let mut dialogs: Vec<Dialog> = Vec::new();
        let mut deleted = Vec::new();
        for _ in 0..ERASE_ROUNDS {
            let found = self.dialogs_of(&people).await?;
            if found.is_empty() {
                break;
            }
            // The visitors first: their ids are read from the dialogs, which go next.
            let mut visitors: Vec<_> = found.iter().map(|d| d.visitor.clone()).collect();
            visitors.sort();
            visitors.dedup();
            for v in &visitors {
                self.directory.delete_visitor(ws, v).await?;
            }
            let ids: Vec<DialogId> = found.iter().map(|d| d.id.clone()).collect();
            for chunk in ids.chunks(MAX_DIALOGS_PER_DELETE) {
                deleted.extend(self.deletion.delete_dialogs(op, chunk).await?.deleted);
            }
            // Their tabs heard `dialog.deleted`; closed now, they reconnect as new visitors.
            for v in &visitors {
                match self.connections.visitor_connections(ws, v).await {
                    Ok(tabs) => self.delivery.close(&tabs).await,
                    Err(e) => {
                        tracing::warn!(visitor_id = %v, error = %e, "erased visitor's tabs not closed")
                    }
                }
            }
            dialogs.extend(found);
        }
        for alias in &merged {
            self.delete_record(alias.clone()).await?;
        }
        self.delete_record(contact.clone()).await?;

        let erased: Vec<&ContactId> = std::iter::once(&contact.id)
            .chain(merged.iter().map(|c| &c.id))
            .collect();
        for c in &erased {
            tracing::info!(contact_id = %c, operator_id = %op.id, "contact erased");
        }
        match self.connections.operator_connections(ws).await {
            Ok(consoles) => {
                let mut posts = Vec::new();
                for c in erased {
                    let event = ServerEvent::ContactDeleted {
                        contact_id: c.clone(),
                    };
                    posts.extend(super::fanout::contact(&dialogs, &consoles, &event));
                }
                self.delivery.deliver(&posts).await;
            }
            Err(e) => tracing::warn!(error = %e, "consoles not told of the erased contact"),
        }
        Ok(ErasedContact {
            contact_id: contact.id,
            merged: merged.into_iter().map(|c| c.id).collect(),
            dialogs: deleted,
        })
    }

    /// Deletes a contact's record with its keys and links; a change meanwhile (an edit, a
    /// dialog's first commit) reads it again and deletes what it holds then.
    async fn delete_record(&self, mut contact: Contact) -> AppResult<()> {
        for attempt in 0..MAX_ATTEMPTS {
            match self.contacts.delete_contact(&contact).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => {
                    backoff(attempt).await;
                    match self
                        .contacts
                        .get_contact(&contact.workspace, &contact.id)
                        .await?
                    {
                        Some(now) => contact = now,
                        None => return Ok(()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }
}

/// Where an attachment goes in the ZIP: under its dialog, named as it was sent, after its id (so
/// that two files of one name stay apart).
fn file_path(dialog: &DialogId, a: &Attachment) -> String {
    let name: String = a
        .name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let name = name.trim_start_matches('.');
    format!("files/{dialog}/{}-{name}", a.id)
}

fn exported_message(
    dialog: &DialogId,
    message: Message,
    stored: &BTreeMap<String, String>,
) -> ExportedMessage {
    let files = message
        .attachments
        .iter()
        .map(|a| Some(file_path(dialog, a)).filter(|p| stored.contains_key(p)))
        .collect();
    let whisper = message.kind() == MessageKind::Whisper;
    ExportedMessage {
        message: MessageView::bare(message),
        whisper,
        files,
    }
}

fn zip_failed(e: &dyn std::fmt::Display) -> AppError {
    AppError::Store(StoreError::Unavailable(format!(
        "cannot write the export: {e}"
    )))
}

/// The ZIP as it is written: `contact.json` first, then each file, stored as it is (files are
/// mostly compressed already).
struct Zip(zip::ZipWriter<std::io::Cursor<Vec<u8>>>);

impl Zip {
    /// Room for `bytes` of entries and their headers, so that the buffer is not copied as it grows.
    fn new(bytes: u64) -> Self {
        let room = usize::try_from(bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(64 * 1024);
        Self(zip::ZipWriter::new(std::io::Cursor::new(
            Vec::with_capacity(room),
        )))
    }

    fn add(&mut self, path: &str, bytes: &[u8]) -> AppResult<()> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(false);
        self.0
            .start_file(path, options)
            .map_err(|e| zip_failed(&e))?;
        self.0.write_all(bytes).map_err(|e| zip_failed(&e))
    }

    fn finish(self) -> AppResult<Vec<u8>> {
        Ok(self.0.finish().map_err(|e| zip_failed(&e))?.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AttachmentKind;
    use crate::ids::AttachmentId;

    #[test]
    fn a_file_keeps_its_name_but_no_folder() {
        let dialog = DialogId::generate();
        let a = Attachment {
            id: AttachmentId::generate(),
            name: "../x/..\\y:z.txt".into(),
            content_type: "text/plain".into(),
            size: 1,
            kind: AttachmentKind::File,
            width: None,
            height: None,
            preview: false,
            sealed: false,
        };
        let path = file_path(&dialog, &a);
        assert_eq!(path, format!("files/{dialog}/{}-_x_.._y_z.txt", a.id));
        assert_eq!(path.matches('/').count(), 2, "{path}");
    }
}
