//! `TagStore`: a workspace's tags in a partition of their own (`keys::tags_partition`): each
//! definition, its counter beside it, and one item per name claimed with a condition in the same
//! transaction as the definition. Counts move with `ADD`, each on the condition that the counter
//! exists, so a deleted tag's is not made again.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::DynamoStore;
use super::errors::{Guard, condition_held, invalid_request, record_or_unique};
use super::item::{ENTITY, Item, item_of, key_of, n, parse_item, s, str_attr};
use super::keys;
use crate::domain::Tag;
use crate::ids::{TagId, WorkspaceId};
use crate::ports::{StoreError, StoreResult, TagCount, TagStore};

const OWNER: &str = "tag";
const DIALOGS: &str = "dialogs";

impl DynamoStore {
    fn tag_name_claim(&self, tag: &Tag) -> StoreResult<TransactWriteItem> {
        let mut item = key_of(keys::tag_name(&tag.workspace, &tag.name_key()));
        item.insert(ENTITY.to_owned(), s("tag_name"));
        item.insert(OWNER.to_owned(), s(tag.id.as_str()));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR #owner = :me")
            .expression_attribute_names("#owner", OWNER)
            .expression_attribute_values(":me", s(tag.id.as_str()))
            .build()
            .map_err(invalid_request)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn tag_name_release(&self, tag: &Tag) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::tag_name(
                &tag.workspace,
                &tag.name_key(),
            ))))
            .condition_expression("attribute_not_exists(PK) OR #owner = :me")
            .expression_attribute_names("#owner", OWNER)
            .expression_attribute_values(":me", s(tag.id.as_str()))
            .build()
            .map_err(invalid_request)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}

#[async_trait]
impl TagStore for DynamoStore {
    async fn put_tag(&self, tag: &Tag, previous: Option<&Tag>) -> StoreResult<()> {
        let ws = &tag.workspace;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item_of("tag", keys::tag(ws, &tag.id), tag)?));
        let put = if tag.version == 1 {
            put.condition_expression("attribute_not_exists(PK)")
        } else {
            put.condition_expression("#version = :expected")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":expected", n(tag.version - 1))
        };
        let mut items = vec![
            TransactWriteItem::builder()
                .put(put.build().map_err(invalid_request)?)
                .build(),
            self.tag_name_claim(tag)?,
        ];
        let mut guards = vec![Guard::Tag, Guard::Unique];
        if tag.version == 1 {
            let mut counter = key_of(keys::tag_count(ws, &tag.id));
            counter.insert(ENTITY.to_owned(), s("tag_count"));
            counter.insert(DIALOGS.to_owned(), n(0));
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(counter))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(invalid_request)?;
            items.push(TransactWriteItem::builder().put(put).build());
            guards.push(Guard::Tag);
        }
        if let Some(previous) = previous.filter(|p| p.name_key() != tag.name_key()) {
            items.push(self.tag_name_release(previous)?);
            guards.push(Guard::Tag);
        }
        self.transact(items, &guards)
            .await?
            .map_err(|lost| record_or_unique(&lost, Guard::Tag))
    }

    async fn get_tag(&self, workspace: &WorkspaceId, id: &TagId) -> StoreResult<Option<Tag>> {
        self.get_parsed(keys::tag(workspace, id)).await
    }

    async fn list_tags(&self, workspace: &WorkspaceId) -> StoreResult<Vec<TagCount>> {
        let query = self
            .query_partition(keys::tags_partition(workspace))
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(keys::TAG_PREFIX));
        let items = self.collect(query, None).await?;
        let (counters, definitions): (Vec<Item>, Vec<Item>) = items.into_iter().partition(|i| {
            str_attr(i, keys::SK).is_ok_and(|sk| sk.ends_with(keys::TAG_COUNT_SUFFIX))
        });
        definitions
            .into_iter()
            .map(|item| {
                let tag: Tag = parse_item(item)?;
                let (_, sk) = keys::tag_count(workspace, &tag.id);
                let dialogs = counters
                    .iter()
                    .find(|c| str_attr(c, keys::SK).is_ok_and(|k| k == sk))
                    .map_or(0, |c| signed(c, DIALOGS));
                Ok(TagCount { tag, dialogs })
            })
            .collect()
    }

    async fn delete_tag(&self, workspace: &WorkspaceId, tag: &Tag) -> StoreResult<bool> {
        let definition = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::tag(workspace, &tag.id))))
            .condition_expression("#version = :version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":version", n(tag.version))
            .build()
            .map_err(invalid_request)?;
        let counter = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::tag_count(workspace, &tag.id))))
            .build()
            .map_err(invalid_request)?;
        let items = vec![
            TransactWriteItem::builder().delete(definition).build(),
            TransactWriteItem::builder().delete(counter).build(),
            self.tag_name_release(tag)?,
        ];
        let guards = [Guard::Tag, Guard::Tag, Guard::Tag];
        if self.transact(items, &guards).await?.is_ok() {
            return Ok(true);
        }
        // Gone already, or written meanwhile (its name may be another now).
        match self.get_tag(workspace, &tag.id).await? {
            None => Ok(false),
            Some(_) => Err(StoreError::Conflict),
        }
    }

    async fn add_tag_counts(
        &self,
        workspace: &WorkspaceId,
        moves: &[(TagId, i64)],
    ) -> StoreResult<()> {
        for (id, by) in moves.iter().filter(|(_, by)| *by != 0) {
            let added = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key_of(keys::tag_count(workspace, id))))
                .update_expression("ADD #dialogs :by")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_names("#dialogs", DIALOGS)
                .expression_attribute_values(":by", n(*by))
                .send()
                .await;
            // A tag deleted meanwhile has no counter to move.
            condition_held(added)?;
        }
        Ok(())
    }
}

/// A number attribute that may be negative (a count taken below zero by a move that outran
/// its opposite); absent or unreadable is 0.
fn signed(item: &Item, name: &str) -> i64 {
    match item.get(name) {
        Some(aws_sdk_dynamodb::types::AttributeValue::N(raw)) => raw.parse().unwrap_or(0),
        _ => 0,
    }
}
