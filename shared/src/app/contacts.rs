//! Contacts: the person behind visitors and dialogs (DESIGN: contact is not visitor). A visitor's
//! first dialog makes their contact (`ContactId::of_visitor`) from what they said of themselves;
//! a site's verified user id (`identity_hash`) joins every visitor it vouches for to one contact;
//! an e-mail or phone that another contact holds is only recorded as a claim, never attached.
//! Operators read a contact's card (its dialogs and channels) and edit it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{AppError, AppResult, Delivery, MAX_ATTEMPTS, Search, Stores, backoff, dialog_view};
use crate::domain::{
    Contact, ContactBlock, ContactKey, Dialog, DomainError, Email, FieldDefinition, MAX_MERGE_HOPS,
    MAX_NOTES_CHARS, MIN_PHONE_DIGITS, Operator, Phone, ReadMarker, Right, Site, SiteUser, Visitor,
    check_field_definitions, check_field_values, identity_verified, valid_user_id,
};
use crate::ids::{ContactId, DialogId, SiteKey, WorkspaceId};
use crate::ports::{
    Clock, ConnectionStore, ContactStore, DialogStore, DirectoryStore, ReadMarkerStore, StoreError,
};
use crate::protocol::{ChannelKind, ChannelView, ContactView, DialogView, ServerEvent};

/// `GET /api/contacts/{id}`: the contact, the dialogs of theirs the caller may see (newest
/// first) and the channels those came through, the one of the latest activity marked active.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ContactCard {
    pub contact: ContactView,
    pub dialogs: Vec<DialogView>,
    pub channels: Vec<ChannelView>,
    /// The workspace's custom fields, in the order an admin set them.
    pub fields: Vec<FieldDefinition>,
    /// Merges offered by themselves: contacts that hold an e-mail or phone a visitor of this one
    /// gave (its `claims`), as they are now.
    pub offers: Vec<super::MergeOffer>,
}

/// `PUT /api/contacts/{id}`: what changes; an absent field stays as it is, an empty one is
/// cleared.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ContactEdit {
    #[ts(optional)]
    #[serde(default)]
    pub name: Option<String>,
    #[ts(optional)]
    #[serde(default)]
    pub email: Option<String>,
    #[ts(optional)]
    #[serde(default)]
    pub phone: Option<String>,
    #[ts(optional)]
    #[serde(default)]
    pub notes: Option<String>,
    /// Values by field key; these replace every custom field value.
    #[ts(optional)]
    #[serde(default)]
    pub fields: Option<BTreeMap<String, String>>,
}

/// `GET` and `PUT /api/contact-fields`.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ContactFields {
    pub fields: Vec<FieldDefinition>,
}

/// `DELETE /api/contacts/{id}/dialogs/{dialog}`: the dialog as it is now, its `contact_id` the
/// new contact's (or, when it was not the contact's, as it was).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct Unpinned {
    pub dialog: DialogView,
}

/// A site user id and its hash, as a visitor session brings them.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user_id: String,
    pub user_hash: String,
}

pub struct Contacts {
    pub(super) contacts: Arc<dyn ContactStore>,
    pub(super) directory: Arc<dyn DirectoryStore>,
    pub(super) dialogs: Arc<dyn DialogStore>,
    pub(super) read_markers: Arc<dyn ReadMarkerStore>,
    pub(super) connections: Arc<dyn ConnectionStore>,
    pub(super) search: Arc<Search>,
    pub(super) delivery: Delivery,
    pub(super) clock: Arc<dyn Clock>,
    /// The workspace's tags and their counts of dialogs (`app::tags`).
    pub(super) tags: Arc<super::Tags>,
}

impl Contacts {
    pub(super) fn new(
        stores: &Stores,
        search: Arc<Search>,
        delivery: Delivery,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            contacts: stores.contacts.clone(),
            directory: stores.directory.clone(),
            dialogs: stores.dialogs.clone(),
            read_markers: stores.read_markers.clone(),
            connections: stores.connections.clone(),
            search,
            delivery,
            tags: Arc::new(super::Tags::new(stores, clock.clone())),
            clock,
        }
    }

    /// The contact of this id, or, for one merged into another, the contact it went into
    /// (followed through at most `MAX_MERGE_HOPS` merges): a merged contact's id keeps resolving.
    pub(crate) async fn resolve(
        &self,
        workspace: &WorkspaceId,
        id: &ContactId,
    ) -> AppResult<Option<Contact>> {
        let mut id = id.clone();
        for _ in 0..=MAX_MERGE_HOPS {
            match self.contacts.get_contact(workspace, &id).await? {
                Some(Contact {
                    merged_into: Some(into),
                    ..
                }) => id = into,
                found => return Ok(found),
            }
        }
        Err(StoreError::Unavailable(format!(
            "contact {id} is merged more than {MAX_MERGE_HOPS} times over"
        ))
        .into())
    }

    /// The contact a visitor's new dialog belongs to, as stored (whether it is blocked, its tags):
    /// their contact (the one theirs was merged into, if it was: the visitor record follows), or
    /// the one their first dialog makes now. One read of the contact for a visitor who has one.
    pub(crate) async fn contact_for_dialog(
        &self,
        visitor: &Visitor,
    ) -> AppResult<(Visitor, Option<Contact>)> {
        if let Some(id) = &visitor.contact
            && let Some(contact) = self.resolve(&visitor.workspace, id).await?
        {
            let visitor = self
                .set_visitor_contact(visitor.clone(), contact.id.clone())
                .await?;
            return Ok((visitor, Some(contact)));
        }
        self.visitor_with_contact(visitor).await
    }

    /// The visitor with the contact their first dialog makes now (`ContactId::of_visitor`, so a
    /// retried first message finds the same one), as stored. The visitor record is written once,
    /// when it gains the contact.
    async fn visitor_with_contact(
        &self,
        visitor: &Visitor,
    ) -> AppResult<(Visitor, Option<Contact>)> {
        let ws = &visitor.workspace;
        let id = ContactId::of_visitor(&visitor.id);
        let contact = match self.resolve(ws, &id).await? {
            Some(contact) => Some(contact),
            None => {
                self.create_contact(id.clone(), visitor, None).await?;
                self.resolve(ws, &id).await?
            }
        };
        let with = Visitor {
            contact: Some(contact.as_ref().map_or(id, |c| c.id.clone())),
            ..visitor.clone()
        };
        self.directory.put_visitor(&with).await?;
        Ok((with, contact))
    }

    /// Creates a contact from what the visitor said of themselves (and a verified site user):
    /// an e-mail or phone another contact holds becomes a claim. Creating one that exists (a race
    /// of the same first message) is no error.
    async fn create_contact(
        &self,
        id: ContactId,
        visitor: &Visitor,
        user: Option<SiteUser>,
    ) -> AppResult<()> {
        let ws = &visitor.workspace;
        for attempt in 0..MAX_ATTEMPTS {
            let mut contact = Contact::new(id.clone(), ws.clone(), self.clock.now());
            contact.name = visitor.name.clone();
            contact.users.extend(user.clone());
            if let Some(email) = &visitor.email {
                let key = ContactKey::of_email(email);
                match self.contacts.contact_by_key(ws, &key).await? {
                    Some(owner) => contact.claim(&key, email.as_str(), &owner),
                    None => contact.email = Some(email.clone()),
                }
            }
            if let Some(phone) = &visitor.phone {
                let key = ContactKey::of_phone(phone);
                match self.contacts.contact_by_key(ws, &key).await? {
                    Some(owner) => contact.claim(&key, phone.as_str(), &owner),
                    None => contact.phone = Some(phone.clone()),
                }
            }
            contact.version = 1;
            match self.contacts.put_contact(&contact, None).await {
                Ok(()) | Err(StoreError::Conflict) => return Ok(()),
                // The site user is another contact's by now: the caller joins that one.
                Err(StoreError::AlreadyExists)
                    if match &user {
                        Some(u) => {
                            let key = ContactKey::User(u.site.clone(), u.user_id.clone());
                            self.contacts.contact_by_key(ws, &key).await?.is_some()
                        }
                        None => false,
                    } =>
                {
                    return Ok(());
                }
                // An e-mail or phone was taken meanwhile: read the keys again and claim instead.
                Err(StoreError::AlreadyExists) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// Checks a site user id and its hash before anything is stored: a bad one is refused with
    /// `identity_refused`.
    pub(crate) fn check_identity(&self, site: &Site, identity: &Identity) -> AppResult<SiteUser> {
        if !valid_user_id(&identity.user_id) {
            return Err(DomainError::IdentityRefused(
                "user_id must be 1 to 128 characters, none of them control characters".into(),
            )
            .into());
        }
        let Some(secret) = &site.identity_secret else {
            return Err(DomainError::IdentityRefused(
                "this site verifies no identities: an admin makes its identity secret first".into(),
            )
            .into());
        };
        if !identity_verified(secret, &identity.user_id, &identity.user_hash) {
            return Err(DomainError::IdentityRefused(
                "user_hash is not the HMAC-SHA256 of user_id under the site's identity secret"
                    .into(),
            )
            .into());
        }
        Ok(SiteUser {
            site: site.key.clone(),
            user_id: identity.user_id.clone(),
        })
    }

    /// Joins the visitor to the contact of a verified site user: the contact that holds the user
    /// already, else the visitor's own contact (made now if need be) unless it is another user's
    /// of the site, else a new one. Two devices verifying at once end with one contact: the key is
    /// claimed conditionally and the loser joins the winner.
    pub(crate) async fn join_verified(
        &self,
        visitor: Visitor,
        user: SiteUser,
    ) -> AppResult<Visitor> {
        let ws = visitor.workspace.clone();
        let key = ContactKey::User(user.site.clone(), user.user_id.clone());
        for attempt in 0..MAX_ATTEMPTS {
            if let Some(owner) = self.contacts.contact_by_key(&ws, &key).await? {
                return self.set_visitor_contact(visitor, owner).await;
            }
            // The visitor's contact: theirs, or the one their first dialog made (or is making).
            let own_id = visitor
                .contact
                .clone()
                .unwrap_or_else(|| ContactId::of_visitor(&visitor.id));
            let own = self.contacts.get_contact(&ws, &own_id).await?;
            let outcome = match own {
                Some(mut contact) if !contact.users.iter().any(|u| u.site == user.site) => {
                    let previous = contact.clone();
                    contact.users.push(user.clone());
                    contact.version += 1;
                    let id = contact.id.clone();
                    self.contacts
                        .put_contact(&contact, Some(&previous))
                        .await
                        .map(|()| id)
                }
                Some(_) => {
                    // The visitor's contact is another user of the site: this one is a new person.
                    let id = ContactId::generate();
                    self.create_contact(id.clone(), &visitor, Some(user.clone()))
                        .await?;
                    Ok(id)
                }
                None => {
                    let id = ContactId::of_visitor(&visitor.id);
                    self.create_contact(id.clone(), &visitor, Some(user.clone()))
                        .await?;
                    Ok(id)
                }
            };
            match outcome {
                Ok(_) | Err(StoreError::AlreadyExists) | Err(StoreError::Conflict) => {
                    // Whoever holds the key now is the user's contact (a lost race joins the winner).
                    if let Some(owner) = self.contacts.contact_by_key(&ws, &key).await? {
                        return self.set_visitor_contact(visitor, owner).await;
                    }
                    backoff(attempt).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    pub(super) async fn set_visitor_contact(
        &self,
        visitor: Visitor,
        id: ContactId,
    ) -> AppResult<Visitor> {
        if visitor.contact.as_ref() == Some(&id) {
            return Ok(visitor);
        }
        let with = Visitor {
            contact: Some(id),
            ..visitor
        };
        self.directory.put_visitor(&with).await?;
        Ok(with)
    }

    /// The contact and the dialogs of theirs the operator may see. An operator may read a contact
    /// when they may see one of its dialogs, or see colleagues' dialogs at all.
    /// A merged contact's id reads as the contact it went into.
    pub(super) async fn readable(
        &self,
        op: &Operator,
        id: &ContactId,
    ) -> AppResult<(Contact, Vec<Dialog>)> {
        let contact = self
            .resolve(&op.workspace, id)
            .await?
            .ok_or(DomainError::ContactNotFound)?;
        let ids = self
            .contacts
            .contact_dialogs(&op.workspace, &contact.id)
            .await?;
        let mut dialogs = super::dialogs_seen_by(&*self.dialogs, op, &ids).await?;
        dialogs.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let colleagues = op.can(Right::SeeColleaguesDialogs) || op.can(Right::ReassignDialogs);
        if dialogs.is_empty() && !colleagues {
            return Err(DomainError::Forbidden(
                "you may see none of this contact's dialogs, and your groups do not let you see colleagues' dialogs",
            )
            .into());
        }
        Ok((contact, dialogs))
    }

    pub async fn card(&self, op: &Operator, id: &ContactId) -> AppResult<ContactCard> {
        let (contact, dialogs) = self.readable(op, id).await?;
        self.card_of(op, contact, dialogs).await
    }

    pub(super) async fn card_of(
        &self,
        op: &Operator,
        contact: Contact,
        dialogs: Vec<Dialog>,
    ) -> AppResult<ContactCard> {
        let ids: Vec<_> = dialogs.iter().map(|d| d.id.clone()).collect();
        let (markers, sites, workspace) = futures_util::future::try_join3(
            self.read_markers.read_markers(&op.workspace, &op.id, &ids),
            self.directory.list_sites(&op.workspace),
            self.directory.get_workspace(&op.workspace),
        )
        .await?;
        let channels = channels_of(&dialogs, &sites);
        let dialogs = dialogs
            .iter()
            .map(|d| DialogView {
                unread: Some(ReadMarker::unread(
                    markers.iter().find(|m| m.dialog == d.id),
                    d,
                )),
                ..dialog_view(d)
            })
            .collect();
        let offers = self.offers(&contact).await?;
        Ok(ContactCard {
            contact: ContactView::from(&contact),
            dialogs,
            channels,
            fields: workspace.map(|w| w.contact_fields).unwrap_or_default(),
            offers,
        })
    }

    /// An operator who may read the contact edits it. An e-mail or phone another contact holds
    /// is refused with `contact_key_taken` (a merge unites two contacts, not an edit); a renamed
    /// contact's dialogs take the new name; every operator who may see one of its dialogs hears
    /// `contact.updated`.
    pub async fn edit(
        &self,
        op: &Operator,
        id: &ContactId,
        edit: ContactEdit,
    ) -> AppResult<ContactCard> {
        let defined = self
            .directory
            .get_workspace(&op.workspace)
            .await?
            .map(|w| w.contact_fields)
            .unwrap_or_default();
        let name = edit
            .name
            .map(|n| super::session::name_field(Some(n)))
            .transpose()?;
        let email = edit
            .email
            .map(|e| {
                let e = e.trim().to_owned();
                if e.is_empty() {
                    return Ok(None);
                }
                Email::parse(&e)
                    .filter(|_| e.chars().count() <= crate::domain::MAX_EMAIL_CHARS)
                    .map(Some)
                    .ok_or_else(|| {
                        AppError::InvalidEmail(
                            "email must be an address like someone@example.com".into(),
                        )
                    })
            })
            .transpose()?;
        let phone = edit
            .phone
            .map(|p| {
                let p = p.trim().to_owned();
                if p.is_empty() {
                    return Ok(None);
                }
                Phone::parse(&p).filter(|_| p.chars().count() <= 100).map(Some).ok_or_else(|| {
                    AppError::InvalidPhone(format!(
                        "phone must be digits, spaces and +-() with at least {MIN_PHONE_DIGITS} digits (at most 100 characters)"
                    ))
                })
            })
            .transpose()?;
        if let Some(notes) = &edit.notes
            && notes.chars().count() > MAX_NOTES_CHARS
        {
            return Err(AppError::Invalid(format!(
                "notes may have at most {MAX_NOTES_CHARS} characters"
            )));
        }
        let fields = edit
            .fields
            .map(|f| check_field_values(f, &defined))
            .transpose()?;
        for attempt in 0..MAX_ATTEMPTS {
            let (previous, dialogs) = self.readable(op, id).await?;
            let mut contact = previous.clone();
            if let Some(name) = &name {
                contact.name = name.clone();
            }
            if let Some(email) = &email {
                contact.email = email.clone();
            }
            if let Some(phone) = &phone {
                contact.phone = phone.clone();
            }
            if let Some(notes) = &edit.notes {
                contact.notes = notes.trim().to_owned();
            }
            if let Some(fields) = &fields {
                contact.fields = fields.clone();
            }
            if contact == previous {
                return self.card_of(op, contact, dialogs).await;
            }
            contact.version += 1;
            match self.contacts.put_contact(&contact, Some(&previous)).await {
                Ok(()) => {
                    let dialogs = self.rename_dialogs(&contact, dialogs).await?;
                    if contact.name != previous.name || contact.keys() != previous.keys() {
                        let ids: Vec<_> = dialogs.iter().map(|d| d.id.clone()).collect();
                        self.search.index_contact(&contact, &ids).await;
                    }
                    self.tell(&contact, &dialogs).await?;
                    return self.card_of(op, contact, dialogs).await;
                }
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(StoreError::AlreadyExists) => {
                    return Err(self.taken(&contact).await?.into());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// Which of the contact's keys another contact holds, as the refusal says it.
    async fn taken(&self, contact: &Contact) -> AppResult<DomainError> {
        for key in contact.keys() {
            let owner = self
                .contacts
                .contact_by_key(&contact.workspace, &key)
                .await?;
            if owner.is_some_and(|o| o != contact.id) {
                let what = match key {
                    ContactKey::Email(_) => "this email",
                    ContactKey::Phone(_) => "this phone",
                    ContactKey::User(..) => "this site user",
                };
                return Ok(DomainError::ContactKeyTaken(format!(
                    "another contact has {what}; merge the two contacts instead"
                )));
            }
        }
        Ok(DomainError::Conflict)
    }

    /// The contact's dialogs take its name (the sidebar shows it); each is written on its version.
    async fn rename_dialogs(
        &self,
        contact: &Contact,
        dialogs: Vec<Dialog>,
    ) -> AppResult<Vec<Dialog>> {
        let name = contact.display_name();
        self.copy_onto_dialogs(
            dialogs,
            |d| d.visitor_name == name,
            |d| d.visitor_name = name.clone(),
        )
        .await
    }

    /// Writes onto each dialog what the contact says (`apply`), on the dialog's version, unless it
    /// already says it (`done`); a lost race reads the dialog again. A copy moves no charge: no
    /// load changes. Returns them all, as stored now.
    pub(super) async fn copy_onto_dialogs(
        &self,
        dialogs: Vec<Dialog>,
        done: impl Fn(&Dialog) -> bool,
        apply: impl Fn(&mut Dialog),
    ) -> AppResult<Vec<Dialog>> {
        let mut written = Vec::with_capacity(dialogs.len());
        for mut dialog in dialogs {
            for attempt in 0..MAX_ATTEMPTS {
                if done(&dialog) {
                    break;
                }
                let mut next = dialog.clone();
                apply(&mut next);
                next.version += 1;
                match self.dialogs.commit(&next, &[], &Default::default()).await {
                    Ok(()) => {
                        dialog = next;
                        break;
                    }
                    Err(StoreError::Conflict) => {
                        backoff(attempt).await;
                        dialog = self
                            .dialogs
                            .get_dialog(&dialog.workspace, &dialog.id)
                            .await?
                            .ok_or(DomainError::DialogNotFound)?;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            if !done(&dialog) {
                return Err(DomainError::Conflict.into());
            }
            written.push(dialog);
        }
        Ok(written)
    }

    /// `contact.updated` to every operator connection that may see one of the contact's dialogs
    /// (or, for a contact with none yet, that may see colleagues' dialogs).
    pub(super) async fn tell(&self, contact: &Contact, dialogs: &[Dialog]) -> AppResult<()> {
        let operators = self
            .connections
            .operator_connections(&contact.workspace)
            .await?;
        let event = ServerEvent::ContactUpdated {
            contact: ContactView::from(contact),
        };
        let posts = super::fanout::contact(dialogs, &operators, &event);
        self.delivery.deliver(&posts).await;
        Ok(())
    }

    /// Unpins a dialog from a contact (seed 002): the dialog keeps its history but moves to a new
    /// contact of its own, anonymous (no name, no keys), made for it; the contact stays, and its
    /// card no longer lists the dialog, nor counts its channel or activity (the card reckons
    /// those from the dialogs it lists). The dialog takes the new contact's name. The visitor
    /// record keeps its contact: a person's browser stays theirs, only this conversation leaves.
    ///
    /// Any operator who may see the dialog may unpin it. A dialog that is not the contact's (an
    /// unpin done already, by anyone) is answered as it is, nothing changed. Written on the
    /// dialog's version: a message committed meanwhile makes the unpin read the dialog again, and
    /// a message after it is committed to the dialog as unpinned. Operators who may see the
    /// dialog hear `dialog.updated` with its new `contact_id`; those who may see it or another
    /// dialog of the contact hear `contact.updated`.
    pub async fn unpin(
        &self,
        op: &Operator,
        contact_id: &ContactId,
        dialog_id: &DialogId,
    ) -> AppResult<Unpinned> {
        let contact = self
            .resolve(&op.workspace, contact_id)
            .await?
            .ok_or(DomainError::ContactNotFound)?;
        let contact_id = &contact.id;
        for attempt in 0..MAX_ATTEMPTS {
            let dialog = super::dialog_for(&*self.dialogs, op, dialog_id).await?;
            if dialog.contact.as_ref() != Some(contact_id) {
                return Ok(Unpinned {
                    dialog: dialog_view(&dialog),
                });
            }
            let mut fresh = Contact::new(
                ContactId::generate(),
                op.workspace.clone(),
                self.clock.now(),
            );
            fresh.version = 1;
            let mut next = dialog.clone();
            next.contact = Some(fresh.id.clone());
            next.visitor_name = fresh.display_name();
            // The contact's tags stay with the contact: the dialog leaves their counts.
            next.tags = Vec::new();
            next.version += 1;
            match self
                .contacts
                .move_dialog(&next, contact_id, Some(&fresh))
                .await
            {
                Ok(()) => {
                    let lost = super::tags::lost(&dialog.tags);
                    self.tags.moved_after(&op.workspace, &lost).await;
                    self.tell_unpinned(&contact, &next).await?;
                    return Ok(Unpinned {
                        dialog: dialog_view(&next),
                    });
                }
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// `dialog.updated` (no event, no ring) to those who may see the unpinned dialog, and
    /// `contact.updated` for the contact it left to those who may see it or another of its dialogs.
    async fn tell_unpinned(&self, contact: &Contact, dialog: &Dialog) -> AppResult<()> {
        let ws = &contact.workspace;
        let ids = self.contacts.contact_dialogs(ws, &contact.id).await?;
        let (operators, mut dialogs) = futures_util::future::try_join(
            self.connections.operator_connections(ws),
            self.dialogs.get_dialogs(ws, &ids),
        )
        .await?;
        let updated = ServerEvent::DialogUpdated {
            dialog: dialog_view(dialog),
            ring: false,
            event: None,
        };
        let mut posts = super::fanout::contact(std::slice::from_ref(dialog), &operators, &updated);
        dialogs.push(dialog.clone());
        let event = ServerEvent::ContactUpdated {
            contact: ContactView::from(contact),
        };
        posts.extend(super::fanout::contact(&dialogs, &operators, &event));
        self.delivery.deliver(&posts).await;
        Ok(())
    }

    pub async fn fields(&self, op: &Operator) -> AppResult<ContactFields> {
        let fields = self
            .directory
            .get_workspace(&op.workspace)
            .await?
            .map(|w| w.contact_fields)
            .unwrap_or_default();
        Ok(ContactFields { fields })
    }

    /// Admins define the workspace's custom contact fields (at most `MAX_CONTACT_FIELDS`).
    /// Values of a field taken away stay on contacts until they are next edited.
    pub async fn set_fields(
        &self,
        admin: &Operator,
        set: ContactFields,
    ) -> AppResult<ContactFields> {
        if !admin.is_admin() {
            return Err(DomainError::Forbidden("only admins may define contact fields").into());
        }
        let fields: Vec<FieldDefinition> = set
            .fields
            .into_iter()
            .map(|f| FieldDefinition {
                key: f.key.trim().to_owned(),
                label: f.label.trim().to_owned(),
            })
            .collect();
        check_field_definitions(&fields)?;
        let mut workspace = self
            .directory
            .get_workspace(&admin.workspace)
            .await?
            .ok_or_else(|| StoreError::Unavailable("the workspace is gone".into()))?;
        workspace.contact_fields = fields.clone();
        self.directory.put_workspace(&workspace).await?;
        Ok(ContactFields { fields })
    }

    /// The visitor's contact as it is now (through its merges), if they have one: one read. A
    /// first dialog starts with its block and tags; a visitor with no dialog yet learns of a block.
    pub(crate) async fn contact_of(&self, visitor: &Visitor) -> AppResult<Option<Contact>> {
        match &visitor.contact {
            Some(id) => self.resolve(&visitor.workspace, id).await,
            None => Ok(None),
        }
    }

    /// Blocks the contact (`blocked`) or lifts the block. Any operator who may read the contact
    /// may (as for an edit); who blocked and when is kept on the contact. Every dialog of the
    /// contact, seen by the caller or not, takes the flag (`Dialog::blocked`), so that the
    /// message path refuses at no extra read; operators who may see one hear `contact.updated`
    /// (consoles copy its `blocked` onto the contact's dialogs). Blocking a blocked contact (or unblocking one that is not) changes
    /// nothing.
    pub async fn block(
        &self,
        op: &Operator,
        id: &ContactId,
        blocked: bool,
    ) -> AppResult<ContactCard> {
        for attempt in 0..MAX_ATTEMPTS {
            let (previous, seen) = self.readable(op, id).await?;
            if previous.blocked.is_some() == blocked {
                // Dialogs flagged by an earlier attempt that failed midway catch up.
                let all = self.flag_dialogs(&previous).await?;
                let seen = keep_seen(all, &seen);
                return self.card_of(op, previous, seen).await;
            }
            let mut contact = previous.clone();
            contact.blocked = blocked.then(|| ContactBlock {
                by: op.id.clone(),
                at: self.clock.now(),
            });
            contact.version += 1;
            match self.contacts.put_contact(&contact, Some(&previous)).await {
                Ok(()) => {
                    let all = self.flag_dialogs(&contact).await?;
                    self.tell(&contact, &all).await?;
                    let seen = keep_seen(all, &seen);
                    return self.card_of(op, contact, seen).await;
                }
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// Every dialog of the contact takes its blocked flag; each is written on its version (only
    /// those whose flag differs). Returns them all, as stored now.
    async fn flag_dialogs(&self, contact: &Contact) -> AppResult<Vec<Dialog>> {
        let blocked = contact.blocked.is_some();
        let ids = self
            .contacts
            .contact_dialogs(&contact.workspace, &contact.id)
            .await?;
        let dialogs = self.dialogs.get_dialogs(&contact.workspace, &ids).await?;
        self.copy_onto_dialogs(dialogs, |d| d.blocked == blocked, |d| d.blocked = blocked)
            .await
    }

    /// For tests: the contact of a key.
    pub async fn contact_by_key(
        &self,
        workspace: &WorkspaceId,
        key: &ContactKey,
    ) -> AppResult<Option<ContactId>> {
        Ok(self.contacts.contact_by_key(workspace, key).await?)
    }
}

/// The dialogs of `all` that are among `seen` (as `all` has them), newest first.
pub(super) fn keep_seen(all: Vec<Dialog>, seen: &[Dialog]) -> Vec<Dialog> {
    let mut kept: Vec<Dialog> = all
        .into_iter()
        .filter(|d| seen.iter().any(|s| s.id == d.id))
        .collect();
    kept.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    kept
}

/// The channels of the dialogs (for now, the web widget of each site), in the order they were
/// last used; the one of the latest activity is active.
fn channels_of(dialogs: &[Dialog], sites: &[Site]) -> Vec<ChannelView> {
    let mut by_activity: Vec<&Dialog> = dialogs.iter().collect();
    by_activity.sort_by_key(|d| std::cmp::Reverse(d.last_activity));
    let mut seen: Vec<&SiteKey> = Vec::new();
    let mut channels = Vec::new();
    for d in by_activity {
        if seen.contains(&&d.site) {
            continue;
        }
        seen.push(&d.site);
        let name = sites
            .iter()
            .find(|s| s.key == d.site)
            .map_or_else(|| d.site.to_string(), |s| s.name.clone());
        channels.push(ChannelView {
            site: d.site.clone(),
            kind: ChannelKind::Web,
            name,
            active: channels.is_empty(),
        });
    }
    channels
}
