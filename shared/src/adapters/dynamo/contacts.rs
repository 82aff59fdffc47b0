//! `ContactStore`: a contact and its dialog links in the contact's partition; each key in an item
//! of its own, claimed with a condition in the same transaction as the contact. Unpinning a
//! dialog moves its link from one contact's partition to a fresh contact's, with the dialog.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::DynamoStore;
use super::errors::{Guard, condition_held, invalid_request, lost_guards};
use super::item::{ENTITY, item_of, key_of, n, s, str_attr};
use super::keys;
use crate::domain::{Contact, ContactKey, Dialog};
use crate::ids::{ContactId, DialogId, WorkspaceId};
use crate::ports::{ContactStore, StoreError, StoreResult};

const OWNER: &str = "contact";

#[async_trait]
impl ContactStore for DynamoStore {
    async fn put_contact(&self, contact: &Contact, previous: Option<&Contact>) -> StoreResult<()> {
        let ws = &contact.workspace;
        let held = contact.keys();
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item_of(
                "contact",
                keys::contact(ws, &contact.id),
                contact,
            )?));
        let put = if contact.version == 1 {
            put.condition_expression("attribute_not_exists(PK)")
        } else {
            put.condition_expression("#version = :expected")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":expected", n(contact.version - 1))
        };
        let mut items = vec![
            TransactWriteItem::builder()
                .put(put.build().map_err(invalid_request)?)
                .build(),
        ];
        let mut guards = vec![Guard::Contact];
        for key in &held {
            let mut item = key_of(keys::contact_key(ws, &key.as_string()));
            item.insert(ENTITY.to_owned(), s("contact_key"));
            item.insert(OWNER.to_owned(), s(contact.id.as_str()));
            let claim = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK) OR #owner = :me")
                .expression_attribute_names("#owner", OWNER)
                .expression_attribute_values(":me", s(contact.id.as_str()))
                .build()
                .map_err(invalid_request)?;
            items.push(TransactWriteItem::builder().put(claim).build());
            guards.push(Guard::Unique);
        }
        let released = previous
            .map(Contact::keys)
            .unwrap_or_default()
            .into_iter()
            .filter(|k| !held.contains(k));
        for key in released {
            let release = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key_of(keys::contact_key(ws, &key.as_string()))))
                .condition_expression("attribute_not_exists(PK) OR #owner = :me")
                .expression_attribute_names("#owner", OWNER)
                .expression_attribute_values(":me", s(contact.id.as_str()))
                .build()
                .map_err(invalid_request)?;
            items.push(TransactWriteItem::builder().delete(release).build());
            guards.push(Guard::Contact);
        }
        let sent = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) => {
                let lost = lost_guards(e, &guards)?;
                // The contact's own version outranks a key: the caller reads it again first.
                if lost.contains(&Guard::Contact) {
                    Err(StoreError::Conflict)
                } else {
                    Err(StoreError::AlreadyExists)
                }
            }
        }
    }

    async fn get_contact(
        &self,
        workspace: &WorkspaceId,
        id: &ContactId,
    ) -> StoreResult<Option<Contact>> {
        self.get_parsed(keys::contact(workspace, id)).await
    }

    async fn contact_by_key(
        &self,
        workspace: &WorkspaceId,
        key: &ContactKey,
    ) -> StoreResult<Option<ContactId>> {
        let item = self
            .get(keys::contact_key(workspace, &key.as_string()))
            .await?;
        item.map(|i| str_attr(&i, OWNER).map(ContactId::from_trusted))
            .transpose()
    }

    async fn contact_dialogs(
        &self,
        workspace: &WorkspaceId,
        contact: &ContactId,
    ) -> StoreResult<Vec<DialogId>> {
        let query = self
            .query_partition(keys::contact_partition(workspace, contact))
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(keys::CONTACT_DIALOG_PREFIX))
            .scan_index_forward(false);
        self.collect(query, None)
            .await?
            .iter()
            .map(|i| str_attr(i, "dialog").map(DialogId::from_trusted))
            .collect()
    }

    async fn unpin_dialog(
        &self,
        dialog: &Dialog,
        from: &ContactId,
        fresh: &Contact,
    ) -> StoreResult<()> {
        let ws = &dialog.workspace;
        if dialog.version < 2 || fresh.version != 1 || !fresh.keys().is_empty() {
            return Err(StoreError::Unavailable(
                "an unpin writes a stored dialog and a new contact without keys".into(),
            ));
        }
        let created = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item_of(
                "contact",
                keys::contact(ws, &fresh.id),
                fresh,
            )?))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(invalid_request)?;
        let unlinked = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::contact_dialog(
                ws,
                from,
                dialog.created_at,
                &dialog.id,
            ))))
            .build()
            .map_err(invalid_request)?;
        let mut link = key_of(keys::contact_dialog(
            ws,
            &fresh.id,
            dialog.created_at,
            &dialog.id,
        ));
        link.insert(ENTITY.to_owned(), s("contact_dialog"));
        link.insert("dialog".to_owned(), s(dialog.id.as_str()));
        let linked = Put::builder()
            .table_name(&self.table)
            .set_item(Some(link))
            .build()
            .map_err(invalid_request)?;
        let items = vec![
            TransactWriteItem::builder()
                .put(self.dialog_put(dialog)?)
                .build(),
            TransactWriteItem::builder().put(created).build(),
            TransactWriteItem::builder().delete(unlinked).build(),
            TransactWriteItem::builder().put(linked).build(),
        ];
        // The links are written with the dialog: a lost race on them is the dialog's.
        let guards = [Guard::Dialog, Guard::Contact, Guard::Dialog, Guard::Dialog];
        let sent = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) => lost_guards(e, &guards).and(Err(StoreError::Conflict)),
        }
    }

    /// Each key it holds (a conditional DeleteItem: another contact's stays), its dialog links (a
    /// Query of its partition, then BatchWriteItem), then its record on its version.
    async fn delete_contact(&self, contact: &Contact) -> StoreResult<()> {
        let ws = &contact.workspace;
        for key in contact.keys() {
            let released = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key_of(keys::contact_key(ws, &key.as_string()))))
                .condition_expression("#owner = :me")
                .expression_attribute_names("#owner", OWNER)
                .expression_attribute_values(":me", s(contact.id.as_str()))
                .send()
                .await;
            condition_held(released)?;
        }
        let query = self
            .query_partition(keys::contact_partition(ws, &contact.id))
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(keys::CONTACT_DIALOG_PREFIX))
            .projection_expression("PK, SK");
        let links = self.collect(query, None).await?;
        self.batch_delete(links).await?;
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::contact(ws, &contact.id))))
            .condition_expression("attribute_not_exists(PK) OR #version = :version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":version", n(contact.version))
            .send()
            .await;
        match condition_held(deleted)? {
            true => Ok(()),
            false => Err(StoreError::Conflict),
        }
    }
}
