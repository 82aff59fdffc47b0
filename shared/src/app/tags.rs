//! Tags (seed 002): admins define the workspace's coloured tags; operators who may read a contact
//! put tags on it and pin some. Each of the contact's dialogs carries a copy (`Dialog::tags`),
//! written like the block flag is, and every tag keeps a counter of the dialogs whose copy holds
//! it. Counters move with the copies, never by walking dialogs: a copy rewritten (`set_tags`), a
//! dialog started for a tagged contact (`chat`), a dialog deleted (`deletion`), a dialog unpinned
//! from its contact (`Contacts::unpin`) each moves them by what that one write changed
//! (`domain::tag_moves`), through `Tags::moved`.
//!
//! A deleted tag takes its definition and counter with it; contacts and dialogs keep its id until
//! their tags are next set, and every view ignores an id `GET /api/tags` does not list.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{AppResult, Contacts, MAX_ATTEMPTS, Stores, backoff, dialog_view};
use crate::domain::{
    Contact, ContactTag, Dialog, DomainError, MAX_TAGS_PER_WORKSPACE, Operator, Tag,
    check_contact_tags, sum_moves, tag_colour, tag_moves, tag_name,
};
use crate::ids::{ContactId, TagId, WorkspaceId};
use crate::ports::{Clock, StoreError, TagStore};
use crate::protocol::ServerEvent;

use super::ContactCard;

/// A tag as operators see it, with its count of dialogs.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct TagView {
    pub id: TagId,
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// How many dialogs carry the tag (their contact has it): kept by the server as tags are
    /// set, dialogs start, are deleted or unpinned.
    #[ts(type = "number")]
    pub dialogs: u64,
}

/// `GET /api/tags`: the workspace's tags, the most used first (then by name).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct TagList {
    pub tags: Vec<TagView>,
}

/// `POST /api/tags` (both fields) and `PUT /api/tags/{id}` (an absent field stays as it is).
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct TagEdit {
    #[ts(optional)]
    #[serde(default)]
    pub name: Option<String>,
    #[ts(optional)]
    #[serde(default)]
    pub colour: Option<String>,
}

/// `PUT /api/contacts/{id}/tags`: every tag the contact is to carry, each possibly pinned, in
/// the order the card shows them.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ContactTags {
    pub tags: Vec<ContactTag>,
}

/// The workspace's tag definitions and their counters.
pub struct Tags {
    store: Arc<dyn TagStore>,
    clock: Arc<dyn Clock>,
}

impl Tags {
    pub(super) fn new(stores: &Stores, clock: Arc<dyn Clock>) -> Self {
        Self {
            store: stores.tags.clone(),
            clock,
        }
    }

    /// Every operator reads the workspace's tags with their counts (one Query).
    pub async fn list(&self, op: &Operator) -> AppResult<TagList> {
        let mut tags: Vec<TagView> = self
            .store
            .list_tags(&op.workspace)
            .await?
            .into_iter()
            .map(|t| TagView {
                id: t.tag.id,
                name: t.tag.name,
                colour: t.tag.colour,
                dialogs: u64::try_from(t.dialogs).unwrap_or(0),
            })
            .collect();
        tags.sort_by(|a, b| {
            b.dialogs
                .cmp(&a.dialogs)
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(TagList { tags })
    }

    /// An admin defines a tag: a name no other tag of the workspace has (without case) and a
    /// colour; at most `MAX_TAGS_PER_WORKSPACE` (checked against a read of the list, so two
    /// admins creating the last one at once may both succeed).
    pub async fn create(&self, admin: &Operator, edit: TagEdit) -> AppResult<TagView> {
        only_admins(admin)?;
        let name = tag_name(edit.name.as_deref().unwrap_or_default())?;
        let colour = tag_colour(edit.colour.as_deref().unwrap_or_default())?;
        if self.store.list_tags(&admin.workspace).await?.len() >= MAX_TAGS_PER_WORKSPACE {
            return Err(DomainError::TooManyTags.into());
        }
        let tag = Tag {
            id: TagId::generate(),
            workspace: admin.workspace.clone(),
            name,
            colour,
            created_at: self.clock.now(),
            version: 1,
        };
        match self.store.put_tag(&tag, None).await {
            Ok(()) => Ok(view(tag, 0)),
            Err(StoreError::AlreadyExists) => Err(DomainError::TagNameTaken.into()),
            Err(e) => Err(e.into()),
        }
    }

    /// An admin renames or recolours a tag; contacts and dialogs carry its id, so nothing else
    /// changes.
    pub async fn update(&self, admin: &Operator, id: &TagId, edit: TagEdit) -> AppResult<TagView> {
        only_admins(admin)?;
        let name = edit.name.as_deref().map(tag_name).transpose()?;
        let colour = edit.colour.as_deref().map(tag_colour).transpose()?;
        for attempt in 0..MAX_ATTEMPTS {
            let previous = self.get(&admin.workspace, id).await?;
            let mut tag = previous.clone();
            if let Some(name) = &name {
                tag.name = name.clone();
            }
            if let Some(colour) = &colour {
                tag.colour = colour.clone();
            }
            if tag != previous {
                tag.version += 1;
                match self.store.put_tag(&tag, Some(&previous)).await {
                    Ok(()) => {}
                    Err(StoreError::Conflict) => {
                        backoff(attempt).await;
                        continue;
                    }
                    Err(StoreError::AlreadyExists) => {
                        return Err(DomainError::TagNameTaken.into());
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            let count = self.count_of(&admin.workspace, id).await?;
            return Ok(view(tag, count));
        }
        Err(DomainError::Conflict.into())
    }

    /// An admin deletes a tag: its definition, name and counter go; the contacts and dialogs
    /// that carry its id keep it until their tags are next set, and views ignore it.
    pub async fn delete(&self, admin: &Operator, id: &TagId) -> AppResult<()> {
        only_admins(admin)?;
        for attempt in 0..MAX_ATTEMPTS {
            let tag = self.get(&admin.workspace, id).await?;
            match self.store.delete_tag(&admin.workspace, &tag).await {
                Ok(true) => return Ok(()),
                Ok(false) => return Err(DomainError::TagNotFound.into()),
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// Moves the tags' counts of dialogs by these deltas (summed per tag first): what any code
    /// that changes which dialogs carry which tags calls once its write is stored. A deleted
    /// tag's count is not moved.
    pub async fn moved(&self, workspace: &WorkspaceId, moves: &[(TagId, i64)]) -> AppResult<()> {
        let moves = sum_moves(moves.iter().cloned());
        if moves.is_empty() {
            return Ok(());
        }
        Ok(self.store.add_tag_counts(workspace, &moves).await?)
    }

    /// `moved`, after a write that is stored already and stays so: a failure to move is logged,
    /// not answered (the change it counts happened; a retry would not count it again).
    pub(crate) async fn moved_after(&self, workspace: &WorkspaceId, moves: &[(TagId, i64)]) {
        if let Err(e) = self.moved(workspace, moves).await {
            tracing::error!(workspace_id = %workspace, error = %e, "tag counts not moved");
        }
    }

    async fn get(&self, ws: &WorkspaceId, id: &TagId) -> AppResult<Tag> {
        Ok(self
            .store
            .get_tag(ws, id)
            .await?
            .ok_or(DomainError::TagNotFound)?)
    }

    async fn count_of(&self, ws: &WorkspaceId, id: &TagId) -> AppResult<u64> {
        let all = self.store.list_tags(ws).await?;
        Ok(all
            .iter()
            .find(|t| &t.tag.id == id)
            .map_or(0, |t| u64::try_from(t.dialogs).unwrap_or(0)))
    }

    /// Which of `ids` the workspace does not define.
    async fn unknown(&self, ws: &WorkspaceId, tags: &[ContactTag]) -> AppResult<Option<TagId>> {
        if tags.is_empty() {
            return Ok(None);
        }
        let defined = self.store.list_tags(ws).await?;
        Ok(tags
            .iter()
            .find(|t| !defined.iter().any(|d| d.tag.id == t.tag))
            .map(|t| t.tag.clone()))
    }
}

fn only_admins(op: &Operator) -> AppResult<()> {
    if op.is_admin() {
        Ok(())
    } else {
        Err(DomainError::Forbidden("only admins may define tags").into())
    }
}

fn view(tag: Tag, dialogs: u64) -> TagView {
    TagView {
        id: tag.id,
        name: tag.name,
        colour: tag.colour,
        dialogs,
    }
}

/// +1 for each tag of a dialog that starts carrying them.
pub(crate) fn gained(tags: &[ContactTag]) -> Vec<(TagId, i64)> {
    tag_moves(&[], tags)
}

/// -1 for each tag of a dialog that stops carrying them (deleted, or unpinned from its contact).
pub(crate) fn lost(tags: &[ContactTag]) -> Vec<(TagId, i64)> {
    tag_moves(tags, &[])
}

impl Contacts {
    /// An operator who may read the contact (as for an edit) sets its tags: every tag it is to
    /// carry, each possibly pinned (`tag_not_found` for an id the workspace does not define).
    /// Every dialog of the contact, seen by the caller or not, takes the copy, each on its version,
    /// and the tags' counts move by what each write changed. Operators who may see one of the
    /// contact's dialogs hear `contact.updated`, and those who may see a dialog whose copy changed
    /// hear `dialog.updated` for it.
    pub async fn set_tags(
        &self,
        op: &Operator,
        id: &ContactId,
        set: ContactTags,
    ) -> AppResult<ContactCard> {
        check_contact_tags(&set.tags)?;
        for attempt in 0..MAX_ATTEMPTS {
            let (previous, seen) = self.readable(op, id).await?;
            // Checked once the caller is known to be one who may read the contact.
            if attempt == 0 && self.tags.unknown(&op.workspace, &set.tags).await?.is_some() {
                return Err(DomainError::TagNotFound.into());
            }
            if previous.tags == set.tags {
                // Dialogs an earlier attempt left behind catch up.
                let (all, changed) = self.retag_dialogs(&previous).await?;
                self.tell_retagged(&previous, &all, &changed).await?;
                let seen = super::contacts::keep_seen(all, &seen);
                return self.card_of(op, previous, seen).await;
            }
            let mut contact = previous.clone();
            contact.tags = set.tags.clone();
            contact.version += 1;
            match self.contacts.put_contact(&contact, Some(&previous)).await {
                Ok(()) => {
                    let (all, changed) = self.retag_dialogs(&contact).await?;
                    self.tell(&contact, &all).await?;
                    self.tell_retagged(&contact, &[], &changed).await?;
                    let seen = super::contacts::keep_seen(all, &seen);
                    return self.card_of(op, contact, seen).await;
                }
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// Every dialog of the contact takes its tags, each written on its version (only those whose
    /// copy differs; a lost race reads the dialog again), and the counts move by what each write
    /// changed. Returns them all as stored now, and those written. A merge calls it once the united
    /// contact (its tags `domain::united_tags`) is stored and the dialogs moved to it.
    pub(super) async fn retag_dialogs(
        &self,
        contact: &Contact,
    ) -> AppResult<(Vec<Dialog>, Vec<Dialog>)> {
        let ws = &contact.workspace;
        let ids = self.contacts.contact_dialogs(ws, &contact.id).await?;
        let dialogs = self.dialogs.get_dialogs(ws, &ids).await?;
        let mut all = Vec::with_capacity(dialogs.len());
        let mut changed = Vec::new();
        let mut moves = Vec::new();
        let mut failed = None;
        'dialogs: for mut dialog in dialogs {
            for attempt in 0..MAX_ATTEMPTS {
                if dialog.tags == contact.tags {
                    all.push(dialog);
                    continue 'dialogs;
                }
                let mut next = dialog.clone();
                next.tags = contact.tags.clone();
                next.version += 1;
                match self.dialogs.commit(&next, &[], &Default::default()).await {
                    Ok(()) => {
                        moves.extend(tag_moves(&dialog.tags, &next.tags));
                        changed.push(next.clone());
                        all.push(next);
                        continue 'dialogs;
                    }
                    Err(StoreError::Conflict) => {
                        backoff(attempt).await;
                        match self.dialogs.get_dialog(ws, &dialog.id).await {
                            Ok(Some(d)) => dialog = d,
                            // Deleted meanwhile: its delete moved its counts.
                            Ok(None) => continue 'dialogs,
                            Err(e) => {
                                failed = Some(e.into());
                                break 'dialogs;
                            }
                        }
                    }
                    Err(e) => {
                        failed = Some(e.into());
                        break 'dialogs;
                    }
                }
            }
            failed = Some(DomainError::Conflict.into());
            break;
        }
        // What was written is counted, even when a later dialog failed.
        self.tags.moved_after(ws, &moves).await;
        match failed {
            Some(e) => Err(e),
            None => Ok((all, changed)),
        }
    }

    /// `dialog.updated` (no event, no ring) for each re-tagged dialog, to those who may see it;
    /// `contact.updated` too when `all` is given (a catch-up that wrote something).
    async fn tell_retagged(
        &self,
        contact: &Contact,
        all: &[Dialog],
        changed: &[Dialog],
    ) -> AppResult<()> {
        if changed.is_empty() {
            return Ok(());
        }
        if !all.is_empty() {
            self.tell(contact, all).await?;
        }
        let operators = self
            .connections
            .operator_connections(&contact.workspace)
            .await?;
        let mut posts = Vec::new();
        for dialog in changed {
            let event = ServerEvent::DialogUpdated {
                dialog: dialog_view(dialog),
                ring: false,
                event: None,
            };
            posts.extend(super::fanout::contact(
                std::slice::from_ref(dialog),
                &operators,
                &event,
            ));
        }
        self.delivery.deliver(&posts).await;
        Ok(())
    }
}
