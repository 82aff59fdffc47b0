//! Quick search over a workspace's dialogs by the visitor's name, email or phone, or by the words
//! of any message (seed 001). The index is written after each commit, best effort: a message is
//! stored and delivered whether or not its words were indexed.

use super::{AppError, AppResult, Stores, dialog_view, message_at};
use crate::domain::{
    Contact, Dialog, Email, IndexEntry, MAX_QUERY_CHARS, Message, MessageKind, Millis, Operator,
    Phone, ReadMarker, SearchField, Visitor, email_terms, message_terms, phone_terms, query_terms,
    words,
};
use crate::ids::{DialogId, WorkspaceId};
use crate::ports::{Clock, DialogStore, ReadMarkerStore, SearchIndex};
use crate::protocol::{DialogView, MessageView};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// The most dialogs one search returns.
pub const MAX_SEARCH_HITS: usize = 20;
/// Index entries read per query word: one Query page each.
const ENTRIES_PER_TERM: usize = 300;
/// Dialogs read to pick the hits from (one BatchGetItem), the most recently matched first.
const CANDIDATES: usize = 60;

/// A dialog that matched, with where, and the newest message that matched when words did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct SearchHit {
    pub dialog: DialogView,
    pub found_in: Vec<SearchField>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageView>,
}

/// Open and closed dialogs alike, the latest activity first.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
}

/// What one dialog matched: for each query term, where; and the newest matching message.
#[derive(Default)]
struct Candidate {
    terms_matched: BTreeSet<usize>,
    found_in: BTreeSet<SearchField>,
    message_seq: Option<u64>,
    at: Millis,
}

/// Finding dialogs by the visitor's name, email, phone and the words of messages.
/// Who a dialog is found by: a visitor's or a contact's name, e-mail and phone.
#[derive(Default)]
struct Person<'a> {
    name: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
}

impl Person<'_> {
    fn entries(&self, dialog: &DialogId, now: Millis) -> Vec<IndexEntry> {
        let fields = [
            (SearchField::Name, self.name.map(words)),
            (SearchField::Email, self.email.map(email_terms)),
            (SearchField::Phone, self.phone.map(phone_terms)),
        ];
        fields
            .into_iter()
            .flat_map(|(field, terms)| {
                terms
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |term| IndexEntry {
                        term,
                        dialog: dialog.clone(),
                        field,
                        seq: None,
                        at: now,
                    })
            })
            .collect()
    }
}

pub struct Search {
    index: Arc<dyn SearchIndex>,
    dialogs: Arc<dyn DialogStore>,
    read_markers: Arc<dyn ReadMarkerStore>,
    clock: Arc<dyn Clock>,
}

impl Search {
    pub(super) fn new(stores: &Stores, clock: Arc<dyn Clock>) -> Self {
        Self {
            index: stores.search.clone(),
            dialogs: stores.dialogs.clone(),
            read_markers: stores.read_markers.clone(),
            clock,
        }
    }

    /// Indexes the words of the messages a commit added (system events are not searched). A word
    /// in several of them is written once, for the newest.
    pub(crate) async fn index_messages(&self, dialog: &Dialog, messages: &[Message]) {
        let mut newest: HashMap<String, &Message> = HashMap::new();
        for m in messages.iter().filter(|m| m.kind() != MessageKind::System) {
            for term in message_terms(&m.text) {
                newest.insert(term, m);
            }
        }
        let entries: Vec<IndexEntry> = newest
            .into_iter()
            .map(|(term, m)| IndexEntry {
                term,
                dialog: dialog.id.clone(),
                field: SearchField::Message,
                seq: Some(m.seq),
                at: m.created_at,
            })
            .collect();
        self.write_index(&dialog.workspace, &dialog.id, &entries)
            .await;
    }

    /// Indexes what the visitor said about themself, once they have a dialog to be found by.
    pub(crate) async fn index_visitor(&self, visitor: &Visitor) {
        let Some(dialog) = &visitor.dialog else {
            return;
        };
        let person = Person {
            name: visitor.name.as_deref(),
            email: visitor.email.as_ref().map(Email::as_str),
            phone: visitor.phone.as_ref().map(Phone::as_str),
        };
        let entries = person.entries(dialog, self.clock.now());
        self.write_index(&visitor.workspace, dialog, &entries).await;
    }

    /// Indexes a contact's name, e-mails and phones on each of these dialogs of theirs (a merge
    /// brings dialogs to a contact, an edit renames one): their dialogs are found by what the
    /// contact is now. Terms of what it was stay (the index only grows).
    pub(crate) async fn index_contact(&self, contact: &Contact, dialogs: &[DialogId]) {
        let emails = contact.email.iter().chain(&contact.other_emails);
        let phones = contact.phone.iter().chain(&contact.other_phones);
        let mut people = vec![Person {
            name: contact.name.as_deref(),
            ..Person::default()
        }];
        people.extend(emails.map(|e| Person {
            email: Some(e.as_str()),
            ..Person::default()
        }));
        people.extend(phones.map(|p| Person {
            phone: Some(p.as_str()),
            ..Person::default()
        }));
        let now = self.clock.now();
        for dialog in dialogs {
            let entries: Vec<IndexEntry> =
                people.iter().flat_map(|p| p.entries(dialog, now)).collect();
            self.write_index(&contact.workspace, dialog, &entries).await;
        }
    }

    /// Failing to index is logged, not returned: what was indexed is already stored.
    async fn write_index(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        entries: &[IndexEntry],
    ) {
        if entries.is_empty() {
            return;
        }
        if let Err(e) = self.index.index_terms(workspace, entries).await {
            tracing::warn!(dialog_id = %dialog, error = %e, "not indexed for search");
        }
    }

    /// The dialogs this operator may see that match every word of `query`, each word as the start
    /// of a word of the visitor's name, email, phone or a message.
    pub async fn search(&self, op: &Operator, query: &str) -> AppResult<SearchResults> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::Invalid(format!(
                "a search is at most {MAX_QUERY_CHARS} characters"
            )));
        }
        let terms = query_terms(query);
        if terms.is_empty() {
            return Ok(SearchResults { hits: Vec::new() });
        }
        let found = futures_util::future::try_join_all(
            terms
                .iter()
                .map(|t| self.index.find_terms(&op.workspace, t, ENTRIES_PER_TERM)),
        )
        .await?;
        let mut candidates: HashMap<DialogId, Candidate> = HashMap::new();
        for (i, entries) in found.into_iter().enumerate() {
            for e in entries {
                let c = candidates.entry(e.dialog).or_default();
                c.terms_matched.insert(i);
                c.found_in.insert(e.field);
                c.at = c.at.max(e.at);
                if e.field == SearchField::Message {
                    c.message_seq = c.message_seq.max(e.seq);
                }
            }
        }
        let mut matched: Vec<(DialogId, Candidate)> = candidates
            .into_iter()
            .filter(|(_, c)| c.terms_matched.len() == terms.len())
            .collect();
        matched.sort_by(|a, b| b.1.at.cmp(&a.1.at).then_with(|| a.0.cmp(&b.0)));
        matched.truncate(CANDIDATES);

        let ids: Vec<DialogId> = matched.iter().map(|(id, _)| id.clone()).collect();
        let mut dialogs = super::dialogs_seen_by(&*self.dialogs, op, &ids).await?;
        dialogs.sort_by(|a, b| {
            b.last_activity
                .cmp(&a.last_activity)
                .then_with(|| a.id.cmp(&b.id))
        });
        dialogs.truncate(MAX_SEARCH_HITS);

        let shown: Vec<DialogId> = dialogs.iter().map(|d| d.id.clone()).collect();
        let markers = self
            .read_markers
            .read_markers(&op.workspace, &op.id, &shown)
            .await?;
        let mut by_id: HashMap<DialogId, Candidate> = matched.into_iter().collect();
        let hits = futures_util::future::try_join_all(dialogs.iter().map(|d| {
            let candidate = by_id.remove(&d.id).unwrap_or_default();
            let unread = ReadMarker::unread(markers.iter().find(|m| m.dialog == d.id), d);
            async move {
                let message = match candidate.message_seq {
                    Some(seq) => message_at(&*self.dialogs, &d.workspace, &d.id, seq).await?,
                    None => None,
                };
                Ok::<_, AppError>(SearchHit {
                    dialog: DialogView {
                        unread: Some(unread),
                        ..dialog_view(d)
                    },
                    found_in: candidate.found_in.into_iter().collect(),
                    message: message.map(MessageView::bare),
                })
            }
        }))
        .await?;
        Ok(SearchResults { hits })
    }
}
