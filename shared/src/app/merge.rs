//! Merging contacts (seed 001, "Unite"): an operator finds a contact by name, sees two side by
//! side, and pulls the one on the right into the one on the left. When a visitor gave an e-mail or
//! phone another contact holds (a claim), the card offers that merge by itself.
//!
//! A merge is two steps, each safe to repeat:
//! 1. `ContactStore::merge_contacts` writes both contacts at once on their versions: the survivor
//!    takes the other's keys, notes, fields, users and claims (`unite`), and the other stays as an
//!    alias naming it (`merged_into`). Two merges of one pair at once: one wins, the other reads
//!    the alias and finishes the same merge. From then on no new dialog joins the alias (a
//!    dialog's first commit refuses it, and the visitor's next dialog resolves to the survivor).
//! 2. Each dialog of the alias moves to the survivor (`move_dialog`, on the dialog's version: a
//!    message committed meanwhile makes the move read the dialog again, and one after it lands on
//!    the moved dialog). Repeating the merge finishes an interrupted one.

use serde::{Deserialize, Serialize};

use super::contacts::{ContactCard, Contacts};
use super::{AppError, AppResult, MAX_ATTEMPTS, backoff, dialog_view};
use crate::domain::{
    Contact, ContactKey, Dialog, DomainError, Email, Operator, Phone, Right, name_prefix,
    name_words, unite,
};
use crate::ids::{ContactId, DialogId};
use crate::ports::StoreError;
use crate::protocol::{ContactView, ServerEvent};

/// The most contacts a name search returns.
pub const MAX_CONTACT_MATCHES: usize = 20;
/// The longest name search accepted.
pub const MAX_CONTACT_QUERY_CHARS: usize = 100;

/// `POST /api/contacts/{id}/merge`: the contact to pull into `{id}` (the one on the right).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct MergeRequest {
    pub contact_id: ContactId,
}

/// `GET /api/contacts?q=`: contacts whose name has words starting with every word of the query,
/// or the contact holding the e-mail or phone the query is.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ContactMatches {
    pub contacts: Vec<ContactView>,
}

/// A merge the card offers by itself: another contact holds an e-mail or phone a visitor of this
/// one gave, or a visitor of another contact gave one this one holds.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct MergeOffer {
    /// The other contact.
    pub contact: ContactView,
    /// The one of the two that holds the e-mail or phone: the left side of the offered merge,
    /// which the other is pulled into.
    pub into_id: ContactId,
    /// `email` or `phone`.
    pub field: String,
    /// As the visitor wrote it.
    pub value: String,
}

impl Contacts {
    /// Pulls `from` into `into` (seed 001: the right into the left) and answers with the united
    /// contact's card. Any operator who may read both may. Merging a contact into itself is
    /// refused; a merge done already (by anyone, either way round) finishes and answers the same.
    pub async fn merge(
        &self,
        op: &Operator,
        into_id: &ContactId,
        from_id: &ContactId,
    ) -> AppResult<ContactCard> {
        if into_id == from_id {
            return Err(AppError::Invalid(
                "a contact cannot be merged into itself".into(),
            ));
        }
        for attempt in 0..MAX_ATTEMPTS {
            let ((into, _), (from, _)) = futures_util::future::try_join(
                self.readable(op, into_id),
                self.readable(op, from_id),
            )
            .await?;
            if into.id == from.id {
                // Merged already (either way round): what an interrupted merge left to move
                // moves now.
                let alias = if &into.id == into_id {
                    from_id
                } else {
                    into_id
                };
                self.move_dialogs(&into, alias).await?;
                return self.after_merge(op, into, alias).await;
            }
            let (united, alias) = unite(&into, &from);
            match self
                .contacts
                .merge_contacts(&united, &into, &alias, &from)
                .await
            {
                Ok(()) => {
                    self.move_dialogs(&united, &from.id).await?;
                    return self.after_merge(op, united, &from.id).await;
                }
                Err(StoreError::Conflict | StoreError::AlreadyExists) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// Moves every dialog of `alias` to `united`, each taking the united contact's name and block
    /// on its version (re-read and retried when a message was committed meanwhile); their tags
    /// follow in `after_merge`.
    async fn move_dialogs(&self, united: &Contact, alias: &ContactId) -> AppResult<()> {
        let ws = &united.workspace;
        if alias == &united.id {
            return Ok(());
        }
        let ids = self.contacts.contact_dialogs(ws, alias).await?;
        for dialog in self.dialogs.get_dialogs(ws, &ids).await? {
            self.move_dialog(united, alias, dialog).await?;
        }
        Ok(())
    }

    /// Moves one dialog of `alias` to `united`; one deleted meanwhile has nothing to move.
    async fn move_dialog(
        &self,
        united: &Contact,
        alias: &ContactId,
        mut dialog: Dialog,
    ) -> AppResult<()> {
        for attempt in 0..MAX_ATTEMPTS {
            let mut next = dialog.clone();
            next.contact = Some(united.id.clone());
            next.visitor_name = united.display_name();
            next.blocked = united.blocked.is_some();
            next.version += 1;
            // A dialog whose `contact` already names the survivor still has its link moved.
            match self.contacts.move_dialog(&next, alias, None).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => {
                    backoff(attempt).await;
                    match self
                        .dialogs
                        .get_dialog(&dialog.workspace, &dialog.id)
                        .await?
                    {
                        Some(again) => dialog = again,
                        None => return Ok(()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// After a merge: every dialog of the survivor takes its tags (the counts move), name and
    /// block, and is found by its name, e-mails and phones; operators hear `dialog.updated` for
    /// each of them (their `contact_id`, name and tags as they are now) and `contact.merged`.
    /// Answers with the survivor's card.
    async fn after_merge(
        &self,
        op: &Operator,
        united: Contact,
        alias: &ContactId,
    ) -> AppResult<ContactCard> {
        let ws = &united.workspace;
        // Every dialog takes the united tags, and the counts move by what each copy changed.
        let (dialogs, _) = self.retag_dialogs(&united).await?;
        let ids: Vec<DialogId> = dialogs.iter().map(|d| d.id.clone()).collect();
        let name = united.display_name();
        let blocked = united.blocked.is_some();
        let dialogs = self
            .copy_onto_dialogs(
                dialogs,
                |d| d.visitor_name == name && d.blocked == blocked,
                |d| {
                    d.visitor_name = name.clone();
                    d.blocked = blocked;
                },
            )
            .await?;
        self.search.index_contact(&united, &ids).await;
        let operators = self.connections.operator_connections(ws).await?;
        let mut posts = Vec::new();
        for dialog in &dialogs {
            let updated = ServerEvent::DialogUpdated {
                dialog: dialog_view(dialog),
                ring: false,
                event: None,
            };
            posts.extend(super::fanout::contact(
                std::slice::from_ref(dialog),
                &operators,
                &updated,
            ));
        }
        let merged = ServerEvent::ContactMerged {
            merged_id: alias.clone(),
            contact: ContactView::from(&united),
        };
        posts.extend(super::fanout::contact(&dialogs, &operators, &merged));
        self.delivery.deliver(&posts).await;
        let seen = dialogs
            .into_iter()
            .filter(|d| d.check_access(op).is_ok())
            .collect();
        self.card_of(op, united, seen).await
    }

    /// The merges the card offers, once per other contact: for each claim of the contact (an
    /// e-mail or phone a visitor of theirs gave that another contact holds), the holder, to pull
    /// this one into; and for each e-mail and phone the contact holds, the contacts that claim
    /// it, to pull into this one. Each as it is now (through its merges). One read per claim, one
    /// Query per e-mail and phone held, one read per claimant.
    pub(super) async fn offers(&self, contact: &Contact) -> AppResult<Vec<MergeOffer>> {
        let ws = &contact.workspace;
        let mut found: Vec<(ContactId, String, bool)> = contact
            .claims
            .iter()
            .map(|c| (c.owner.clone(), c.value.clone(), true))
            .collect();
        let held = contact
            .email
            .iter()
            .chain(&contact.other_emails)
            .map(|e| (ContactKey::of_email(e), e.to_string()))
            .chain(
                contact
                    .phone
                    .iter()
                    .chain(&contact.other_phones)
                    .map(|p| (ContactKey::of_phone(p), p.to_string())),
            );
        for (key, value) in held {
            for claimant in self.contacts.claimants(ws, &key).await? {
                found.push((claimant, value.clone(), false));
            }
        }
        let mut offers: Vec<MergeOffer> = Vec::new();
        for (id, value, theirs) in found {
            let Some(other) = self.resolve(ws, &id).await? else {
                continue;
            };
            if other.id == contact.id || offers.iter().any(|o| o.contact.id == other.id) {
                continue;
            }
            let field = if Email::parse(&value).is_some() {
                "email"
            } else {
                "phone"
            };
            offers.push(MergeOffer {
                into_id: if theirs {
                    other.id.clone()
                } else {
                    contact.id.clone()
                },
                contact: ContactView::from(&other),
                field: field.to_owned(),
                value,
            });
        }
        Ok(offers)
    }

    /// Finds contacts (seed 001: "by First/Last Name"): an e-mail or phone finds the contact that
    /// holds it; otherwise each word of the query must start a word of the name. At most
    /// `MAX_CONTACT_MATCHES`, of the contacts the operator may read (those with a dialog they may
    /// see, or any when they may see colleagues' dialogs).
    pub async fn find(&self, op: &Operator, query: &str) -> AppResult<ContactMatches> {
        if query.chars().count() > MAX_CONTACT_QUERY_CHARS {
            return Err(AppError::Invalid(format!(
                "a contact search is at most {MAX_CONTACT_QUERY_CHARS} characters"
            )));
        }
        let ws = &op.workspace;
        let key = Email::parse(query)
            .map(|e| ContactKey::of_email(&e))
            .or_else(|| Phone::parse(query).map(|p| ContactKey::of_phone(&p)));
        let by_key = key.is_some();
        let ids: Vec<ContactId> = match (key, name_prefix(query)) {
            (Some(key), _) => self
                .contacts
                .contact_by_key(ws, &key)
                .await?
                .into_iter()
                .collect(),
            (None, Some(prefix)) => {
                self.contacts
                    .find_contacts(ws, &prefix, MAX_CONTACT_MATCHES * 2)
                    .await?
            }
            (None, None) => Vec::new(),
        };
        let wanted = name_words(query);
        let colleagues = op.can(Right::SeeColleaguesDialogs) || op.can(Right::ReassignDialogs);
        let mut found: Vec<ContactView> = Vec::new();
        for id in ids {
            if found.len() == MAX_CONTACT_MATCHES {
                break;
            }
            let Some(contact) = self.resolve(ws, &id).await? else {
                continue;
            };
            let words = contact.name_words();
            let named = wanted
                .iter()
                .all(|w| words.iter().any(|have| have.starts_with(w.as_str())));
            if found.iter().any(|c| c.id == contact.id) || !(by_key || named) {
                continue;
            }
            if !colleagues && !self.sees_a_dialog_of(op, &contact.id).await? {
                continue;
            }
            found.push(ContactView::from(&contact));
        }
        Ok(ContactMatches { contacts: found })
    }

    async fn sees_a_dialog_of(&self, op: &Operator, id: &ContactId) -> AppResult<bool> {
        let ids: Vec<DialogId> = self.contacts.contact_dialogs(&op.workspace, id).await?;
        Ok(!super::dialogs_seen_by(&*self.dialogs, op, &ids)
            .await?
            .is_empty())
    }
}
