//! `DialogStore`: a dialog, its messages and their client-id claims, all in the dialog's partition;
//! a commit is one transaction whose cancellation maps back to a named error.

use std::collections::HashSet;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};

use super::DynamoStore;
use super::errors::{Guard, commit_refusal, condition_held, invalid_request};
use super::item::{
    ENTITY, item_of, key_of, n, parse_items, s, str_attr, u64_attr, with_gsi1, with_gsi2,
};
use super::keys::{self, GSI1SK, GSI2SK};
use crate::adapters::record::MessageRecord;
use crate::domain::{Dialog, DialogStatus, IndexEntry, LoadMove, Message, Millis, SearchField};
use crate::ids::{ClientMessageId, DialogId, OperatorId, WorkspaceId};
use crate::ports::{DialogCursor, DialogStore, DueDialog, StoreError, StoreResult};

impl DynamoStore {
    async fn messages(&self, query: QueryFluentBuilder, limit: usize) -> StoreResult<Vec<Message>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let records: Vec<MessageRecord> = parse_items(self.collect(query, Some(limit)).await?)?;
        Ok(records.into_iter().map(Message::from).collect())
    }

    pub(super) fn dialog_put(&self, dialog: &Dialog) -> StoreResult<Put> {
        let key = keys::dialog(&dialog.workspace, &dialog.id);
        let listed = (
            keys::dialogs_by_status(&dialog.workspace, dialog.status),
            keys::activity(dialog.last_activity, &dialog.id),
        );
        let mut item = with_gsi1(item_of("dialog", key, dialog)?, listed);
        if let Some(since) = dialog.queued_since {
            item = with_gsi2(
                item,
                (
                    keys::queue(&dialog.workspace),
                    keys::queued(since, &dialog.id),
                ),
            );
        } else if let Some(assignee) = &dialog.assignee {
            item = with_gsi2(
                item,
                (
                    keys::dialogs_in_charge(&dialog.workspace, &assignee.id),
                    keys::dialog_in_charge(&dialog.id),
                ),
            );
        }
        let put = Put::builder().table_name(&self.table).set_item(Some(item));
        let put = if dialog.version == 1 {
            put.condition_expression("attribute_not_exists(PK)")
        } else {
            put.condition_expression("#version = :expected")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":expected", n(dialog.version - 1))
        };
        put.build().map_err(invalid_request)
    }

    fn visitor_link(&self, dialog: &Dialog) -> StoreResult<Update> {
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::visitor(
                &dialog.workspace,
                &dialog.visitor,
            ))))
            .update_expression("SET #dialog = :dialog")
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(#dialog)")
            .expression_attribute_names("#dialog", "dialog")
            .expression_attribute_values(":dialog", s(dialog.id.as_str()))
            .build()
            .map_err(invalid_request)
    }

    fn message_puts(&self, dialog: &Dialog, message: &Message) -> StoreResult<[Put; 2]> {
        let (ws, id) = (&dialog.workspace, &dialog.id);
        let stored = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item_of(
                "message",
                keys::message(ws, id, message.seq),
                &MessageRecord::from(message),
            )?))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(invalid_request)?;
        let mut claim = key_of(keys::client_id(ws, id, message.client_id.as_str()));
        claim.insert(ENTITY.to_owned(), s("client_id"));
        claim.insert("seq".to_owned(), n(message.seq));
        let claimed = Put::builder()
            .table_name(&self.table)
            .set_item(Some(claim))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(invalid_request)?;
        Ok([stored, claimed])
    }

    /// A closed dialog's mark in the due index (`GSI2`'s `RETENTION`), written with every commit of
    /// a dialog closed under retention; a reopened dialog's stays until the sweep finds it stale.
    fn retention_mark(&self, dialog: &Dialog, due_at: Millis) -> StoreResult<Put> {
        let (ws, id) = (&dialog.workspace, &dialog.id);
        let mut mark = with_gsi2(
            key_of(keys::retention_mark(ws, id)),
            (
                keys::DIALOGS_DUE.to_owned(),
                keys::dialog_due(due_at, ws, id),
            ),
        );
        mark.insert(ENTITY.to_owned(), s("retention_mark"));
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(mark))
            .build()
            .map_err(invalid_request)
    }

    /// The transaction items of a commit, each with what it guards.
    fn commit_items(
        &self,
        dialog: &Dialog,
        messages: &[Message],
        load: &LoadMove,
    ) -> StoreResult<(Vec<TransactWriteItem>, Vec<Guard>)> {
        let mut items = vec![
            TransactWriteItem::builder()
                .put(self.dialog_put(dialog)?)
                .build(),
        ];
        let mut guards = vec![Guard::Dialog];
        if dialog.version == 1 {
            items.push(
                TransactWriteItem::builder()
                    .update(self.visitor_link(dialog)?)
                    .build(),
            );
            guards.push(Guard::Visitor);
            if let Some(contact) = &dialog.contact {
                let key =
                    keys::contact_dialog(&dialog.workspace, contact, dialog.created_at, &dialog.id);
                let mut link = key_of(key);
                link.insert(ENTITY.to_owned(), s("contact_dialog"));
                link.insert("dialog".to_owned(), s(dialog.id.as_str()));
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(link))
                    .build()
                    .map_err(invalid_request)?;
                items.push(TransactWriteItem::builder().put(put).build());
                // Written with the dialog: a lost race on it is the dialog's.
                guards.push(Guard::Dialog);
                // A contact merged into another takes no new dialog: its survivor does.
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_of(keys::contact(&dialog.workspace, contact))))
                    .condition_expression("attribute_not_exists(merged_into)")
                    .build()
                    .map_err(invalid_request)?;
                items.push(TransactWriteItem::builder().condition_check(check).build());
                guards.push(Guard::Contact);
            }
        }
        if let (DialogStatus::Closed, Some(due_at)) = (dialog.status, dialog.delete_at) {
            items.push(
                TransactWriteItem::builder()
                    .put(self.retention_mark(dialog, due_at)?)
                    .build(),
            );
            guards.push(Guard::Retention);
        }
        for message in messages {
            let [stored, claimed] = self.message_puts(dialog, message)?;
            items.push(TransactWriteItem::builder().put(stored).build());
            items.push(TransactWriteItem::builder().put(claimed).build());
            guards.extend([Guard::Message, Guard::ClientId]);
        }
        // The assignment's own event says when it happened.
        let at = messages
            .last()
            .map_or(dialog.last_activity, |m| m.created_at);
        for (update, capped) in self.load_updates(dialog, load, at)? {
            items.push(TransactWriteItem::builder().update(update).build());
            guards.push(if capped { Guard::Room } else { Guard::Load });
        }
        Ok((items, guards))
    }
}

#[async_trait]
impl DialogStore for DynamoStore {
    async fn get_dialog(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
    ) -> StoreResult<Option<Dialog>> {
        self.get_parsed(keys::dialog(workspace, id)).await
    }

    async fn get_dialogs(
        &self,
        workspace: &WorkspaceId,
        ids: &[DialogId],
    ) -> StoreResult<Vec<Dialog>> {
        let mut unique = HashSet::new();
        // BatchGetItem rejects a request that names one key twice.
        let keys = ids
            .iter()
            .filter(|id| unique.insert(*id))
            .map(|id| key_of(keys::dialog(workspace, id)))
            .collect();
        parse_items(self.batch_get(keys).await?)
    }

    async fn commit(
        &self,
        dialog: &Dialog,
        messages: &[Message],
        load: &LoadMove,
    ) -> StoreResult<()> {
        if dialog.version == 0 {
            return Err(StoreError::Unavailable(
                "a dialog is committed with version 1 or more".into(),
            ));
        }
        // DynamoDB refuses a transaction that names one item twice; for a client id that is a duplicate.
        let mut seen = HashSet::new();
        if !messages.iter().all(|m| seen.insert(m.client_id.as_str())) {
            return Err(StoreError::DuplicateMessage);
        }
        let (items, guards) = self.commit_items(dialog, messages, load)?;
        self.transact(items, &guards)
            .await?
            .map_err(|lost| commit_refusal(&lost))
    }

    async fn find_message_by_client_id(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        client_id: &ClientMessageId,
    ) -> StoreResult<Option<Message>> {
        let Some(claim) = self
            .get(keys::client_id(workspace, dialog, client_id.as_str()))
            .await?
        else {
            return Ok(None);
        };
        let key = keys::message(workspace, dialog, u64_attr(&claim, "seq"));
        let record: Option<MessageRecord> = self.get_parsed(key).await?;
        Ok(record.map(Message::from))
    }

    async fn messages_before(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        before: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        let last = match before {
            Some(0) => return Ok(Vec::new()),
            Some(before) => before - 1,
            None => u64::MAX,
        };
        let query = self
            .query_partition(keys::dialog_partition(workspace, dialog))
            .key_condition_expression("PK = :pk AND SK BETWEEN :first AND :last")
            .expression_attribute_values(":first", s(keys::message_sk(0)))
            .expression_attribute_values(":last", s(keys::message_sk(last)))
            .scan_index_forward(false);
        self.messages(query, limit).await
    }

    async fn messages_after(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        let Some(first) = after.checked_add(1) else {
            return Ok(Vec::new());
        };
        let query = self
            .query_partition(keys::dialog_partition(workspace, dialog))
            .key_condition_expression("PK = :pk AND SK BETWEEN :first AND :last")
            .expression_attribute_values(":first", s(keys::message_sk(first)))
            .expression_attribute_values(":last", s(keys::message_sk(u64::MAX)))
            .scan_index_forward(true);
        self.messages(query, limit).await
    }

    async fn list_dialogs(
        &self,
        workspace: &WorkspaceId,
        status: DialogStatus,
        after: Option<&DialogCursor>,
        limit: usize,
    ) -> StoreResult<Vec<Dialog>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query = self
            .query_gsi1(keys::dialogs_by_status(workspace, status))
            .scan_index_forward(false);
        let query = match after {
            None => query.key_condition_expression("#gpk = :gpk"),
            // Descending, so "after the cursor" is "sorts before it".
            Some(cursor) => query
                .key_condition_expression("#gpk = :gpk AND #gsk < :cursor")
                .expression_attribute_names("#gsk", GSI1SK)
                .expression_attribute_values(
                    ":cursor",
                    s(keys::activity(cursor.last_activity, &cursor.id)),
                ),
        };
        parse_items(self.collect(query, Some(limit)).await?)
    }

    async fn delete_dialog(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
        version: Option<u64>,
    ) -> StoreResult<Option<Dialog>> {
        let dialog: Option<Dialog> = self.get_parsed(keys::dialog(workspace, id)).await?;
        if let Some(found) = &dialog {
            if version.is_some_and(|v| v != found.version) {
                return Err(StoreError::Conflict);
            }
            // First, so that a commit racing the delete fails its version's condition; with a
            // version, only as it was read.
            let delete = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key_of(keys::dialog(workspace, id))));
            let delete = match version {
                Some(v) => delete
                    .condition_expression("#version = :expected")
                    .expression_attribute_names("#version", "version")
                    .expression_attribute_values(":expected", n(v)),
                None => delete,
            };
            if !condition_held(delete.send().await)? {
                return Err(StoreError::Conflict);
            }
        } else if version.is_some() {
            return Err(StoreError::Conflict);
        }
        // Whatever is left in the partition: messages, client-id claims, receipts, read markers
        // and the pointers to the dialog's search terms (each of which goes too).
        let query = self
            .query_partition(keys::dialog_partition(workspace, id))
            .key_condition_expression("PK = :pk")
            .projection_expression("PK, SK, #term, #field")
            .expression_attribute_names("#term", "term")
            .expression_attribute_names("#field", "field");
        let mut doomed = Vec::new();
        for item in self.collect(query, None).await? {
            let sk = str_attr(&item, keys::SK)?;
            if sk.starts_with(keys::DIALOG_TERM_PREFIX) {
                let field = str_attr(&item, "field")?;
                let entry = IndexEntry {
                    term: str_attr(&item, "term")?.to_owned(),
                    dialog: id.clone(),
                    field: SearchField::parse(field).ok_or_else(|| {
                        StoreError::Unavailable(format!("unknown search field {field}"))
                    })?,
                    seq: None,
                    at: 0,
                };
                doomed.push(key_of(keys::search_term(workspace, &entry)));
            }
            doomed.push(key_of((
                str_attr(&item, keys::PK)?.to_owned(),
                sk.to_owned(),
            )));
        }
        self.batch_delete(doomed).await?;
        if let Some(dialog) = &dialog {
            // The visitor's link, unless it already names another dialog.
            let unlinked = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key_of(keys::visitor(workspace, &dialog.visitor))))
                .update_expression("REMOVE #dialog")
                .condition_expression("#dialog = :dialog")
                .expression_attribute_names("#dialog", "dialog")
                .expression_attribute_values(":dialog", s(id.as_str()))
                .send()
                .await;
            condition_held(unlinked)?;
            // Out of its operator's load (queued, it was in the queue by its own item's keys).
            if let Some(charge) = dialog.charge() {
                self.drop_from_load(workspace, &charge.operator, id).await?;
            }
            // Off its contact's card.
            if let Some(contact) = &dialog.contact {
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key_of(keys::contact_dialog(
                        workspace,
                        contact,
                        dialog.created_at,
                        id,
                    ))))
                    .send()
                    .await
                    .map_err(super::errors::unavailable)?;
            }
        }
        Ok(dialog)
    }

    async fn dialogs_due(&self, now: Millis, limit: usize) -> StoreResult<Vec<DueDialog>> {
        self.due_keys(keys::DIALOGS_DUE, now, limit)
            .await?
            .iter()
            .map(|key| {
                let (due_at, workspace, dialog) = keys::parse_dialog_due(key).ok_or_else(|| {
                    StoreError::Unavailable(format!("a retention mark's key is malformed: {key}"))
                })?;
                Ok(DueDialog {
                    workspace,
                    dialog,
                    due_at,
                })
            })
            .collect()
    }

    async fn forget_due(&self, due: &DueDialog) -> StoreResult<()> {
        let forgotten = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::retention_mark(
                &due.workspace,
                &due.dialog,
            ))))
            .condition_expression("#gsk = :due")
            .expression_attribute_names("#gsk", GSI2SK)
            .expression_attribute_values(
                ":due",
                s(keys::dialog_due(due.due_at, &due.workspace, &due.dialog)),
            )
            .send()
            .await;
        // A mark that moved (closed again, due later) stays.
        condition_held(forgotten).map(|_| ())
    }

    async fn dialogs_in_charge(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Vec<DialogId>> {
        let query = self
            .query()
            .index_name(keys::GSI2)
            .key_condition_expression("#gpk = :gpk")
            .expression_attribute_names("#gpk", keys::GSI2PK)
            .expression_attribute_values(":gpk", s(keys::dialogs_in_charge(workspace, operator)));
        self.collect(query, None)
            .await?
            .iter()
            .map(|item| str_attr(item, GSI2SK).map(DialogId::from_trusted))
            .collect()
    }

    /// One Query of GSI2's queue partition: O(what it returns).
    async fn queued_dialogs(
        &self,
        workspace: &WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<DialogId>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query = self
            .query()
            .index_name(keys::GSI2)
            .key_condition_expression("#gpk = :gpk")
            .expression_attribute_names("#gpk", keys::GSI2PK)
            .expression_attribute_values(":gpk", s(keys::queue(workspace)));
        self.collect(query, Some(limit))
            .await?
            .iter()
            .map(|item| {
                let key = str_attr(item, GSI2SK)?;
                keys::parse_queued(key).ok_or_else(|| {
                    StoreError::Unavailable(format!("a queue key is malformed: {key}"))
                })
            })
            .collect()
    }
}
