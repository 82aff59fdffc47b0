//! `ContactStore`: a contact and its dialog links in the contact's partition; each key in an item
//! of its own, claimed with a condition in the same transaction as the contact, beside the contacts
//! that claim it; the words of its name in the workspace's name partition. Unpinning or merging moves a dialog's link from one
//! contact's partition to another's, with the dialog.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::DynamoStore;
use super::errors::{Guard, condition_held, invalid_request, record_or_unique};
use super::item::{ENTITY, item_of, key_of, n, s, str_attr};
use super::keys;
use crate::domain::{Contact, ContactKey, Dialog, Lookup};
use crate::ids::{ContactId, DialogId, WorkspaceId};
use crate::ports::{ContactStore, StoreError, StoreResult, check_merge, moved_to};

const OWNER: &str = "contact";

impl DynamoStore {
    /// The contact, written on its version: new at version 1, else over the one before.
    fn contact_put(&self, contact: &Contact) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item_of(
                "contact",
                keys::contact(&contact.workspace, &contact.id),
                contact,
            )?));
        let put = if contact.version == 1 {
            put.condition_expression("attribute_not_exists(PK)")
        } else {
            put.condition_expression("#version = :expected")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":expected", n(contact.version - 1))
        };
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(invalid_request)?)
            .build())
    }

    /// Holds a key for `contact`, unless a contact other than it and `also` holds it.
    fn key_hold(
        &self,
        contact: &Contact,
        key: &ContactKey,
        also: &ContactId,
    ) -> StoreResult<TransactWriteItem> {
        let mut item = key_of(keys::contact_key(&contact.workspace, &key.as_string()));
        item.insert(ENTITY.to_owned(), s("contact_key"));
        item.insert(OWNER.to_owned(), s(contact.id.as_str()));
        let claim = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR #owner = :me OR #owner = :also")
            .expression_attribute_names("#owner", OWNER)
            .expression_attribute_values(":me", s(contact.id.as_str()))
            .expression_attribute_values(":also", s(also.as_str()))
            .build()
            .map_err(invalid_request)?;
        Ok(TransactWriteItem::builder().put(claim).build())
    }

    /// Lets go of a key `owner` holds (no error when it holds it no more).
    fn key_release(
        &self,
        ws: &WorkspaceId,
        key: &ContactKey,
        owner: &ContactId,
    ) -> StoreResult<TransactWriteItem> {
        let release = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::contact_key(ws, &key.as_string()))))
            .condition_expression("attribute_not_exists(PK) OR #owner = :me")
            .expression_attribute_names("#owner", OWNER)
            .expression_attribute_values(":me", s(owner.as_str()))
            .build()
            .map_err(invalid_request)?;
        Ok(TransactWriteItem::builder().delete(release).build())
    }

    /// Where a lookup of the contact is kept.
    fn lookup_key(&self, contact: &Contact, lookup: &Lookup) -> keys::Key {
        let ws = &contact.workspace;
        match lookup {
            Lookup::Word(word) => keys::contact_name(ws, word, &contact.id),
            Lookup::Claim(claimed) => keys::contact_claim(ws, claimed, &contact.id),
        }
    }

    /// The indexes following the contact (`Contact::lookups`): a Delete per lookup it no longer
    /// has, a Put per new one.
    fn lookup_items(
        &self,
        contact: &Contact,
        before: Option<&Contact>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let now = contact.lookups();
        let was = before.map(Contact::lookups).unwrap_or_default();
        let key = |lookup: &Lookup| self.lookup_key(contact, lookup);
        let mut items = Vec::new();
        for lookup in was.iter().filter(|l| !now.contains(l)) {
            let gone = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key_of(key(lookup))))
                .build()
                .map_err(invalid_request)?;
            items.push(TransactWriteItem::builder().delete(gone).build());
        }
        for lookup in now.iter().filter(|l| !was.contains(l)) {
            let mut item = key_of(key(lookup));
            let entity = match lookup {
                Lookup::Word(_) => "contact_name",
                Lookup::Claim(_) => "contact_claim",
            };
            item.insert(ENTITY.to_owned(), s(entity));
            item.insert(OWNER.to_owned(), s(contact.id.as_str()));
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build()
                .map_err(invalid_request)?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        Ok(items)
    }

    /// Sends a contact transaction; a lost contact version is `Conflict`, a lost key
    /// `AlreadyExists`.
    async fn send_contact_items(
        &self,
        items: Vec<TransactWriteItem>,
        guards: &[Guard],
    ) -> StoreResult<()> {
        self.transact(items, guards)
            .await?
            .map_err(|lost| record_or_unique(&lost, Guard::Contact))
    }
}

#[async_trait]
impl ContactStore for DynamoStore {
    async fn put_contact(&self, contact: &Contact, previous: Option<&Contact>) -> StoreResult<()> {
        let ws = &contact.workspace;
        let held = contact.keys();
        let mut items = vec![self.contact_put(contact)?];
        let mut guards = vec![Guard::Contact];
        for key in &held {
            items.push(self.key_hold(contact, key, &contact.id)?);
            guards.push(Guard::Unique);
        }
        let released = previous
            .map(Contact::keys)
            .unwrap_or_default()
            .into_iter()
            .filter(|k| !held.contains(k));
        for key in released {
            items.push(self.key_release(ws, &key, &contact.id)?);
            guards.push(Guard::Contact);
        }
        // Unconditional: only a race on the same item fails one, and that is the contact's.
        let names = self.lookup_items(contact, previous)?;
        guards.extend(names.iter().map(|_| Guard::Contact));
        items.extend(names);
        self.send_contact_items(items, &guards).await
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

    async fn move_dialog(
        &self,
        dialog: &Dialog,
        from: &ContactId,
        fresh: Option<&Contact>,
    ) -> StoreResult<()> {
        let ws = &dialog.workspace;
        let to = moved_to(dialog, from, fresh)?;
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
        let mut link = key_of(keys::contact_dialog(ws, &to, dialog.created_at, &dialog.id));
        link.insert(ENTITY.to_owned(), s("contact_dialog"));
        link.insert("dialog".to_owned(), s(dialog.id.as_str()));
        let linked = Put::builder()
            .table_name(&self.table)
            .set_item(Some(link))
            .build()
            .map_err(invalid_request)?;
        let mut items = vec![
            TransactWriteItem::builder()
                .put(self.dialog_put(dialog)?)
                .build(),
            TransactWriteItem::builder().delete(unlinked).build(),
            TransactWriteItem::builder().put(linked).build(),
        ];
        // The links are written with the dialog: a lost race on them is the dialog's.
        let mut guards = vec![Guard::Dialog, Guard::Dialog, Guard::Dialog];
        if let Some(fresh) = fresh {
            items.push(self.contact_put(fresh)?);
            guards.push(Guard::Contact);
        }
        self.transact(items, &guards)
            .await?
            .map_err(|_| StoreError::Conflict)
    }

    async fn merge_contacts(
        &self,
        united: &Contact,
        into: &Contact,
        alias: &Contact,
        from: &Contact,
    ) -> StoreResult<()> {
        check_merge(united, into, alias, from)?;
        let ws = &united.workspace;
        let held = united.keys();
        let mut items = vec![self.contact_put(united)?, self.contact_put(alias)?];
        let mut guards = vec![Guard::Contact, Guard::Contact];
        for key in &held {
            items.push(self.key_hold(united, key, &from.id)?);
            guards.push(Guard::Unique);
        }
        for (before, owner) in [(into, &into.id), (from, &from.id)] {
            for key in before.keys().into_iter().filter(|k| !held.contains(k)) {
                items.push(self.key_release(ws, &key, owner)?);
                guards.push(Guard::Contact);
            }
        }
        for (contact, before) in [(united, into), (alias, from)] {
            let names = self.lookup_items(contact, Some(before))?;
            guards.extend(names.iter().map(|_| Guard::Contact));
            items.extend(names);
        }
        self.send_contact_items(items, &guards).await
    }

    async fn claimants(
        &self,
        workspace: &WorkspaceId,
        key: &ContactKey,
    ) -> StoreResult<Vec<ContactId>> {
        let (pk, _) = keys::contact_key(workspace, &key.as_string());
        let query = self
            .query_partition(pk)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(keys::CONTACT_CLAIM_PREFIX));
        self.collect(query, None)
            .await?
            .iter()
            .map(|i| str_attr(i, OWNER).map(ContactId::from_trusted))
            .collect()
    }

    async fn find_contacts(
        &self,
        workspace: &WorkspaceId,
        prefix: &str,
        limit: usize,
    ) -> StoreResult<Vec<ContactId>> {
        let query = self
            .query_partition(keys::contact_names(workspace))
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(prefix));
        self.collect(query, Some(limit))
            .await?
            .iter()
            .map(|i| str_attr(i, OWNER).map(ContactId::from_trusted))
            .collect()
    }

    /// Each key it holds (a conditional DeleteItem: another contact's stays), its dialog links (a
    /// Query of its partition) and its name words and claims (`Contact::lookups`) in
    /// BatchWriteItem, then its record on its version.
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
        let mut items = self.collect(query, None).await?;
        items.extend(
            contact
                .lookups()
                .iter()
                .map(|l| key_of(self.lookup_key(contact, l))),
        );
        self.batch_delete(items).await?;
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
