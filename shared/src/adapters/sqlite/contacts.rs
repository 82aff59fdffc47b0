//! `ContactStore`: contacts, their keys (unique per workspace by the primary key) and the list of
//! each contact's dialogs, which a dialog's first commit writes and an unpin moves.

use super::SqliteStore;
use super::errors::{is_unique_violation, unavailable};
use super::row::{body_by_id, to_json};
use crate::domain::{Contact, ContactKey, Dialog};
use crate::ids::{ContactId, DialogId, WorkspaceId};
use crate::ports::{ContactStore, StoreError, StoreResult};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl ContactStore for SqliteStore {
    async fn put_contact(&self, contact: &Contact, previous: Option<&Contact>) -> StoreResult<()> {
        let contact = contact.clone();
        let released: Vec<String> = previous
            .map(|p| p.keys())
            .unwrap_or_default()
            .into_iter()
            .filter(|k| !contact.keys().contains(k))
            .map(|k| k.as_string())
            .collect();
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            let (ws, id) = (contact.workspace.to_string(), contact.id.to_string());
            let version = contact.version as i64;
            let body = to_json(&contact);
            if contact.version == 1 {
                let inserted = tx.execute(
                    "INSERT INTO contacts (workspace, id, version, body) VALUES (?1, ?2, 1, ?3)",
                    params![ws, id, body],
                );
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict),
                    other => other.map_err(unavailable)?,
                };
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
            }
            for key in &released {
                tx.execute(
                    "DELETE FROM contact_keys WHERE workspace = ?1 AND key = ?2 AND contact = ?3",
                    params![ws, key, id],
                )
                .map_err(unavailable)?;
            }
            for key in contact.keys() {
                let held = tx
                    .execute(
                        "INSERT INTO contact_keys (workspace, key, contact) VALUES (?1, ?2, ?3)
                         ON CONFLICT (workspace, key) DO UPDATE SET contact = contact WHERE contact = ?3",
                        params![ws, key.as_string(), id],
                    )
                    .map_err(unavailable)?;
                if held == 0 {
                    return Err(StoreError::AlreadyExists);
                }
            }
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

    async fn unpin_dialog(
        &self,
        dialog: &Dialog,
        from: &ContactId,
        fresh: &Contact,
    ) -> StoreResult<()> {
        if dialog.version < 2 || fresh.version != 1 || !fresh.keys().is_empty() {
            return Err(StoreError::Unavailable(
                "an unpin writes a stored dialog and a new contact without keys".into(),
            ));
        }
        let (dialog, from, fresh) = (dialog.clone(), from.to_string(), fresh.clone());
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
            let created = tx.execute(
                "INSERT INTO contacts (workspace, id, version, body) VALUES (?1, ?2, 1, ?3)",
                params![ws, fresh.id.to_string(), to_json(&fresh)],
            );
            match created {
                Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict),
                other => other.map_err(unavailable)?,
            };
            tx.execute(
                "DELETE FROM contact_dialogs WHERE workspace = ?1 AND contact = ?2 AND dialog = ?3",
                params![ws, from, id],
            )
            .map_err(unavailable)?;
            tx.execute(
                "INSERT OR IGNORE INTO contact_dialogs (workspace, contact, dialog, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![ws, fresh.id.to_string(), id, dialog.created_at],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn delete_contact(&self, contact: &Contact) -> StoreResult<()> {
        let (ws, id) = (contact.workspace.to_string(), contact.id.to_string());
        let version = contact.version as i64;
        let held: Vec<String> = contact.keys().iter().map(ContactKey::as_string).collect();
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            let stored: Option<i64> = tx
                .query_row(
                    "SELECT version FROM contacts WHERE workspace = ?1 AND id = ?2",
                    params![ws, id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            match stored {
                Some(v) if v != version => return Err(StoreError::Conflict),
                _ => {}
            }
            for key in &held {
                tx.execute(
                    "DELETE FROM contact_keys WHERE workspace = ?1 AND key = ?2 AND contact = ?3",
                    params![ws, key, id],
                )
                .map_err(unavailable)?;
            }
            tx.execute(
                "DELETE FROM contact_dialogs WHERE workspace = ?1 AND contact = ?2",
                params![ws, id],
            )
            .map_err(unavailable)?;
            tx.execute(
                "DELETE FROM contacts WHERE workspace = ?1 AND id = ?2",
                params![ws, id],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }
}
