//! `ContactStore`: contacts, their keys (unique per workspace by the primary key) and the list of
//! each contact's dialogs, which a dialog's first commit writes and an unpin or a merge moves; the
//! words of contacts' names, to find them by.

use super::SqliteStore;
use super::errors::{is_unique_violation, unavailable};
use super::row::{body_by_id, to_json};
use crate::domain::{Contact, ContactKey, Dialog, Lookup};
use crate::ids::{ContactId, DialogId, WorkspaceId};
use crate::ports::{ContactStore, StoreError, StoreResult, check_merge, moved_to};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, params};

#[async_trait]
impl ContactStore for SqliteStore {
    async fn put_contact(&self, contact: &Contact, previous: Option<&Contact>) -> StoreResult<()> {
        let (contact, previous) = (contact.clone(), previous.cloned());
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            write_contact(&tx, &contact)?;
            let before = previous.as_ref();
            release_keys(
                &tx,
                &contact,
                before.map(Contact::keys).unwrap_or_default(),
                &contact.id,
            )?;
            hold_keys(&tx, &contact, None)?;
            index_lookups(&tx, &contact, before)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn get_contact(
        &self,
        workspace: &WorkspaceId,
        id: &ContactId,
    ) -> StoreResult<Option<Contact>> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| body_by_id(db, "contacts", &ws, &id))
            .await
    }

    async fn contact_by_key(
        &self,
        workspace: &WorkspaceId,
        key: &ContactKey,
    ) -> StoreResult<Option<ContactId>> {
        let (ws, key) = (workspace.to_string(), key.as_string());
        self.with(move |db| {
            let owner: Option<String> = db
                .query_row(
                    "SELECT contact FROM contact_keys WHERE workspace = ?1 AND key = ?2",
                    [ws, key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            Ok(owner.map(ContactId::from_trusted))
        })
        .await
    }

    async fn contact_dialogs(
        &self,
        workspace: &WorkspaceId,
        contact: &ContactId,
    ) -> StoreResult<Vec<DialogId>> {
        let (ws, contact) = (workspace.to_string(), contact.to_string());
        self.with(move |db| {
            let mut stmt = db
                .prepare_cached(
                    "SELECT dialog FROM contact_dialogs WHERE workspace = ?1 AND contact = ?2 ORDER BY created_at DESC, dialog DESC",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([ws, contact], |r| r.get::<_, String>(0))
                .map_err(unavailable)?;
            rows.map(|r| r.map(DialogId::from_trusted).map_err(unavailable))
                .collect()
        })
        .await
    }

    async fn move_dialog(
        &self,
        dialog: &Dialog,
        from: &ContactId,
        fresh: Option<&Contact>,
    ) -> StoreResult<()> {
        let to = moved_to(dialog, from, fresh)?;
        let (dialog, from, fresh) = (dialog.clone(), from.to_string(), fresh.cloned());
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            let (ws, id) = (dialog.workspace.to_string(), dialog.id.to_string());
            let version = dialog.version as i64;
            // Only the record changes: its status, activity and assignee columns stay as they are.
            let updated = tx
                .execute(
                    "UPDATE dialogs SET version = ?3, body = ?4 WHERE workspace = ?1 AND id = ?2 AND version = ?5",
                    params![ws, id, version, to_json(&dialog), version - 1],
                )
                .map_err(unavailable)?;
            if updated == 0 {
                return Err(StoreError::Conflict);
            }
            if let Some(fresh) = &fresh {
                write_contact(&tx, fresh)?;
            }
            tx.execute(
                "DELETE FROM contact_dialogs WHERE workspace = ?1 AND contact = ?2 AND dialog = ?3",
                params![ws, from, id],
            )
            .map_err(unavailable)?;
            tx.execute(
                "INSERT OR IGNORE INTO contact_dialogs (workspace, contact, dialog, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![ws, to.to_string(), id, dialog.created_at],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn merge_contacts(
        &self,
        united: &Contact,
        into: &Contact,
        alias: &Contact,
        from: &Contact,
    ) -> StoreResult<()> {
        check_merge(united, into, alias, from)?;
        let (united, into, alias, from) =
            (united.clone(), into.clone(), alias.clone(), from.clone());
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            write_contact(&tx, &united)?;
            write_contact(&tx, &alias)?;
            release_keys(&tx, &united, from.keys(), &from.id)?;
            release_keys(&tx, &united, into.keys(), &into.id)?;
            hold_keys(&tx, &united, Some(&from.id))?;
            index_lookups(&tx, &united, Some(&into))?;
            index_lookups(&tx, &alias, Some(&from))?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn claimants(
        &self,
        workspace: &WorkspaceId,
        key: &ContactKey,
    ) -> StoreResult<Vec<ContactId>> {
        let (ws, key) = (workspace.to_string(), key.as_string());
        self.with(move |db| {
            let mut stmt = db
                .prepare_cached(
                    "SELECT contact FROM contact_claims WHERE workspace = ?1 AND key = ?2",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([ws, key], |r| r.get::<_, String>(0))
                .map_err(unavailable)?;
            rows.map(|r| r.map(ContactId::from_trusted).map_err(unavailable))
                .collect()
        })
        .await
    }

    async fn find_contacts(
        &self,
        workspace: &WorkspaceId,
        prefix: &str,
        limit: usize,
    ) -> StoreResult<Vec<ContactId>> {
        let (ws, prefix) = (workspace.to_string(), prefix.to_owned());
        self.with(move |db| {
            let mut stmt = db
                .prepare_cached(
                    "SELECT contact FROM contact_names WHERE workspace = ?1 AND word >= ?2 AND substr(word, 1, length(?2)) = ?2
                     ORDER BY word, contact LIMIT ?3",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map(params![ws, prefix, limit as i64], |r| r.get::<_, String>(0))
                .map_err(unavailable)?;
            rows.map(|r| r.map(ContactId::from_trusted).map_err(unavailable))
                .collect()
        })
        .await
    }
}

/// Writes the contact on its version: inserted at version 1, else updated from the one before
/// (`Conflict` when the stored one is not there).
fn write_contact(tx: &Transaction<'_>, contact: &Contact) -> StoreResult<()> {
    let (ws, id) = (contact.workspace.to_string(), contact.id.to_string());
    let version = contact.version as i64;
    let body = to_json(contact);
    if contact.version == 1 {
        let inserted = tx.execute(
            "INSERT INTO contacts (workspace, id, version, body) VALUES (?1, ?2, 1, ?3)",
            params![ws, id, body],
        );
        match inserted {
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict),
            other => other.map(drop).map_err(unavailable),
        }
    } else {
        let updated = tx
            .execute(
                "UPDATE contacts SET version = ?3, body = ?4 WHERE workspace = ?1 AND id = ?2 AND version = ?5",
                params![ws, id, version, body, version - 1],
            )
            .map_err(unavailable)?;
        if updated == 0 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }
}

/// Lets go of the keys of `before` (held by `owner`) that `contact` does not hold.
fn release_keys(
    tx: &Transaction<'_>,
    contact: &Contact,
    before: Vec<ContactKey>,
    owner: &ContactId,
) -> StoreResult<()> {
    let held = contact.keys();
    for key in before.iter().filter(|k| !held.contains(k)) {
        tx.execute(
            "DELETE FROM contact_keys WHERE workspace = ?1 AND key = ?2 AND contact = ?3",
            params![
                contact.workspace.to_string(),
                key.as_string(),
                owner.to_string()
            ],
        )
        .map_err(unavailable)?;
    }
    Ok(())
}

/// Holds each of the contact's keys for it, unless a contact other than it (and `also`, the
/// contact a merge takes them from) holds it: `AlreadyExists`.
fn hold_keys(tx: &Transaction<'_>, contact: &Contact, also: Option<&ContactId>) -> StoreResult<()> {
    let (ws, id) = (contact.workspace.to_string(), contact.id.to_string());
    let also = also.map_or_else(|| id.clone(), ToString::to_string);
    for key in contact.keys() {
        let held = tx
            .execute(
                "INSERT INTO contact_keys (workspace, key, contact) VALUES (?1, ?2, ?3)
                 ON CONFLICT (workspace, key) DO UPDATE SET contact = ?3 WHERE contact IN (?3, ?4)",
                params![ws, key.as_string(), id, also],
            )
            .map_err(unavailable)?;
        if held == 0 {
            return Err(StoreError::AlreadyExists);
        }
    }
    Ok(())
}

/// The statements that delete and insert a lookup's row, and its value.
fn statements(lookup: &Lookup) -> (&'static str, &'static str, &str) {
    match lookup {
        Lookup::Word(w) => (
            "DELETE FROM contact_names WHERE workspace = ?1 AND word = ?2 AND contact = ?3",
            "INSERT OR IGNORE INTO contact_names (workspace, word, contact) VALUES (?1, ?2, ?3)",
            w,
        ),
        Lookup::Claim(k) => (
            "DELETE FROM contact_claims WHERE workspace = ?1 AND key = ?2 AND contact = ?3",
            "INSERT OR IGNORE INTO contact_claims (workspace, key, contact) VALUES (?1, ?2, ?3)",
            k,
        ),
    }
}

/// The indexes follow the contact (`Contact::lookups`): the rows it no longer has go, its new
/// ones come.
fn index_lookups(
    tx: &Transaction<'_>,
    contact: &Contact,
    before: Option<&Contact>,
) -> StoreResult<()> {
    let (ws, id) = (contact.workspace.to_string(), contact.id.to_string());
    let now = contact.lookups();
    let was = before.map(Contact::lookups).unwrap_or_default();
    for lookup in was.iter().filter(|l| !now.contains(l)) {
        let (sql, _, value) = statements(lookup);
        tx.execute(sql, params![ws, value, id])
            .map_err(unavailable)?;
    }
    for lookup in now.iter().filter(|l| !was.contains(l)) {
        let (_, sql, value) = statements(lookup);
        tx.execute(sql, params![ws, value, id])
            .map_err(unavailable)?;
    }
    Ok(())
}
