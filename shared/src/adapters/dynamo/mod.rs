//! DynamoDB store: every store port on one on-demand table (single-table design).
//!
//! Key formats, the index, what each call reads and writes and what it costs are in
//! `docs/data-model.md`; keep the two in step. No call scans: every list is a Query on the table,
//! on its overloaded index `GSI1`, or on `GSI2` (the dialogs an operator is in charge of).
//!
//! Domain structs are stored as native attributes (maps and lists for the nested parts), mapped
//! through `serde_json::Value`, so the item is readable in the console and every field can be named
//! in a condition. Base-table reads are strongly consistent: what a use-case reads feeds its next
//! conditional write, and the embedded store never returns stale data either.
//!
//! - `keys`: every key format (PK, SK, GSI1); `item`: domain structs ⇄ items; `errors`: SDK errors
//!   and lost conditions → `StoreError`; `batch`: BatchGetItem and BatchWriteItem with retries.
//! - One file per port: `directory`, `dialogs`, `contacts`, `receipts`, `read_markers`, `connections`,
//!   `tickets`, `quick_replies`, `search`, `push_subscriptions`, `upload_marks`, `limits`, `reports`.

mod batch;
mod connections;
mod console_watches;
mod contacts;
mod dialogs;
mod directory;
mod errors;
mod groups;
mod item;
mod keys;
mod limits;
mod loads;
mod push_subscriptions;
mod quick_replies;
mod read_markers;
mod receipts;
mod reports;
mod search;
mod tags;
mod tickets;
mod upload_marks;

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
    TransactWriteItem,
};
use serde::de::DeserializeOwned;

use crate::domain::Millis;
use crate::ports::{Clock, StoreError, StoreResult, SystemClock};
use errors::{invalid_request, unavailable};
use item::{Item, TTL, key_of, parse_item, s};
use keys::{GSI1, GSI1PK, GSI1SK, GSI2, GSI2PK, GSI2SK, PK, SK};

pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Creates the table with its index and TTL and waits until it is usable; a table that is
    /// already there is left as it is (a restart with `PARLOR_CREATE_TABLE`). In AWS the SAM
    /// template creates it; this is for tests and local runs against DynamoDB Local.
    pub async fn create_table(&self) -> StoreResult<()> {
        let string_attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
        };
        let gsi1 = GlobalSecondaryIndex::builder()
            .index_name(GSI1)
            .key_schema(key(GSI1PK, KeyType::Hash).map_err(invalid_request)?)
            .key_schema(key(GSI1SK, KeyType::Range).map_err(invalid_request)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(invalid_request)?;
        let gsi2 = GlobalSecondaryIndex::builder()
            .index_name(GSI2)
            .key_schema(key(GSI2PK, KeyType::Hash).map_err(invalid_request)?)
            .key_schema(key(GSI2SK, KeyType::Range).map_err(invalid_request)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::KeysOnly)
                    .build(),
            )
            .build()
            .map_err(invalid_request)?;
        let definitions = [PK, SK, GSI1PK, GSI1SK, GSI2PK, GSI2SK]
            .map(string_attr)
            .into_iter()
            .collect::<Result<Vec<_>, _>>();
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(definitions.map_err(invalid_request)?))
            .key_schema(key(PK, KeyType::Hash).map_err(invalid_request)?)
            .key_schema(key(SK, KeyType::Range).map_err(invalid_request)?)
            .global_secondary_indexes(gsi1)
            .global_secondary_indexes(gsi2)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) =>
            {
                return Ok(());
            }
            Err(e) => return Err(unavailable(e)),
        }
        self.wait_until_active().await?;
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(TTL)
            .build()
            .map_err(invalid_request)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn wait_until_active(&self) -> StoreResult<()> {
        for _ in 0..600 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(unavailable)?;
            let active = described.table().is_some_and(|table| {
                table.table_status() == Some(&TableStatus::Active)
                    && table
                        .global_secondary_indexes()
                        .iter()
                        .all(|i| i.index_status() == Some(&IndexStatus::Active))
            });
            if active {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::Unavailable(format!(
            "table {} did not become active within a minute",
            self.table
        )))
    }

    async fn get(&self, key: keys::Key) -> StoreResult<Option<Item>> {
        let got = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_of(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(got.item)
    }

    async fn get_parsed<T: DeserializeOwned>(&self, key: keys::Key) -> StoreResult<Option<T>> {
        self.get(key).await?.map(parse_item).transpose()
    }

    async fn put(&self, item: Item) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    fn query(&self) -> QueryFluentBuilder {
        self.client.query().table_name(&self.table)
    }

    /// A base-table query of one partition, strongly consistent.
    /// Sends a transaction: `Ok(Ok(()))` when it was written, `Ok(Err(lost))` with the guards
    /// whose conditions failed (a lost race; nothing was written), `Err` when the store failed.
    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        guards: &[errors::Guard],
    ) -> StoreResult<Result<(), Vec<errors::Guard>>> {
        let sent = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(Ok(())),
            Err(e) => errors::lost_guards(e, guards).map(Err),
        }
    }

    fn query_partition(&self, pk: String) -> QueryFluentBuilder {
        self.query()
            .consistent_read(true)
            .expression_attribute_values(":pk", s(pk))
    }

    /// A GSI1 query of one index partition (GSIs are only eventually consistent).
    fn query_gsi1(&self, pk: String) -> QueryFluentBuilder {
        self.query()
            .index_name(GSI1)
            .expression_attribute_names("#gpk", GSI1PK)
            .expression_attribute_values(":gpk", s(pk))
    }

    /// The `GSI2SK` keys of a due partition of `GSI2` (`{due}#…`, keys only) due by `now`, the
    /// earliest first, at most `limit`: one Query, O(what it returns).
    async fn due_keys(
        &self,
        partition: &str,
        now: Millis,
        limit: usize,
    ) -> StoreResult<Vec<String>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query = self
            .query()
            .index_name(keys::GSI2)
            .key_condition_expression("#gpk = :gpk AND #gsk <= :upto")
            .expression_attribute_names("#gpk", keys::GSI2PK)
            .expression_attribute_names("#gsk", keys::GSI2SK)
            .expression_attribute_values(":gpk", s(partition))
            // Every key of a later due time sorts after this one (`~` follows the id characters).
            .expression_attribute_values(":upto", s(format!("{}#~", keys::sortable_due(now))));
        self.collect(query, Some(limit))
            .await?
            .iter()
            .map(|item| item::str_attr(item, keys::GSI2SK).map(str::to_owned))
            .collect()
    }

    /// Follows the query's pages until `limit` items (all of them, without a limit) are read: one
    /// response holds at most 1 MB.
    async fn collect(
        &self,
        query: QueryFluentBuilder,
        limit: Option<usize>,
    ) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let remaining = limit.map(|l| i32::try_from(l - items.len()).unwrap_or(i32::MAX));
            let page = query
                .clone()
                .set_exclusive_start_key(start)
                .set_limit(remaining)
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            let wants_more = limit.is_none_or(|l| items.len() < l);
            match page.last_evaluated_key {
                Some(next) if wants_more => start = Some(next),
                _ => return Ok(items),
            }
        }
    }
}

fn now() -> Millis {
    SystemClock.now()
}
