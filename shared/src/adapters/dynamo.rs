//! DynamoDB store: every store port on one on-demand table (single-table design).
//!
//! Key formats, the index, what each call reads and writes and what it costs are in
//! `docs/data-model.md`; keep the two in step. No call scans: every list is a Query on the table or
//! on its one overloaded index, `GSI1`.
//!
//! Domain structs are stored as native attributes (maps and lists for the nested parts), mapped
//! through `serde_json::Value`, so the item is readable in the console and every field can be named
//! in a condition. Base-table reads are strongly consistent: what a use-case reads feeds its next
//! conditional write, and the embedded store never returns stale data either.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, CancellationReason, GlobalSecondaryIndex, IndexStatus,
    KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType, Put, PutRequest, ReturnValue,
    ScalarAttributeType, TableStatus, TimeToLiveSpecification, TransactWriteItem, Update, WriteRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::{
    Connection, Dialog, DialogStatus, IndexEntry, Message, Millis, Operator, OperatorStatus, Peer, QuickReply, ReadMarker,
    Receipt, Receipts, Side, Site, Ticket, Visitor, Workspace,
};
use crate::ids::{ClientMessageId, ConnectionId, DialogId, OperatorId, SiteKey, VisitorId, WorkspaceId};
use crate::ids::QuickReplyId;
use crate::ports::{
    Clock, ConnectionStore, DialogCursor, DialogStore, DirectoryStore, ReadMarkerStore, ReceiptStore, StoreError,
    StoreResult, SystemClock, TicketStore,
};
use crate::ports::{QuickReplyStore, SearchIndex};

type Item = HashMap<String, AttributeValue>;

/// Attribute names of the keys, the index and TTL.
const PK: &str = "PK";
const SK: &str = "SK";
const GSI1: &str = "GSI1";
const GSI1PK: &str = "GSI1PK";
const GSI1SK: &str = "GSI1SK";
/// Epoch seconds, as DynamoDB's TTL wants them; the domain's `expires_at` stays in milliseconds.
const TTL: &str = "expires_at_s";
/// What an item is, for people reading the table; no query depends on it.
const ENTITY: &str = "entity";

/// BatchGetItem takes at most 100 keys.
const BATCH_GET_MAX: usize = 100;
/// BatchWriteItem takes at most 25 items.
const BATCH_WRITE_MAX: usize = 25;

/// Every key the store writes. Ids never contain `#` (see `ids.rs`), so `#` separates parts safely.
/// Workspace-scoped data always carries the workspace id; only the lookups that start from a lone
/// global key (connection, site, login email, ticket) do not.
mod keys {
    use crate::domain::{DialogStatus, Millis};
    use crate::ids::{ConnectionId, DialogId, OperatorId, SiteKey, VisitorId, WorkspaceId};

    pub type Key = (String, String);

    pub fn workspace(ws: &WorkspaceId) -> Key {
        (format!("WS#{ws}"), "WORKSPACE".into())
    }

    /// Operators live in their workspace's partition, so listing them is one Query.
    pub fn operator(ws: &WorkspaceId, op: &OperatorId) -> Key {
        (format!("WS#{ws}"), format!("{OPERATOR_PREFIX}{op}"))
    }

    pub const OPERATOR_PREFIX: &str = "OP#";

    /// Login knows only the email; emails compare case-insensitively, as the embedded store does.
    pub fn email(email: &str) -> Key {
        (format!("EMAIL#{}", crate::domain::normalize_email(email)), "EMAIL".into())
    }

    pub fn site(key: &SiteKey) -> Key {
        (format!("SITE#{key}"), "SITE".into())
    }

    /// GSI1: a workspace's sites.
    pub fn sites_of(ws: &WorkspaceId) -> String {
        format!("WS#{ws}#SITES")
    }

    pub fn site_in_workspace(key: &SiteKey) -> String {
        format!("SITE#{key}")
    }

    pub fn visitor(ws: &WorkspaceId, visitor: &VisitorId) -> Key {
        (format!("WS#{ws}#VIS#{visitor}"), "VISITOR".into())
    }

    /// One partition per dialog holds the dialog, its messages, their client ids, its receipts and
    /// the operators' read markers.
    pub fn dialog_partition(ws: &WorkspaceId, dialog: &DialogId) -> String {
        format!("WS#{ws}#DLG#{dialog}")
    }

    pub fn dialog(ws: &WorkspaceId, dialog: &DialogId) -> Key {
        (dialog_partition(ws, dialog), "DIALOG".into())
    }

    pub const MESSAGE_PREFIX: &str = "MSG#";

    /// Zero-padded to u64's 20 digits so that the string order is the numeric order.
    pub fn message_sk(seq: u64) -> String {
        format!("{MESSAGE_PREFIX}{seq:020}")
    }

    pub fn message(ws: &WorkspaceId, dialog: &DialogId, seq: u64) -> Key {
        (dialog_partition(ws, dialog), message_sk(seq))
    }

    pub fn client_id(ws: &WorkspaceId, dialog: &DialogId, client_id: &str) -> Key {
        (dialog_partition(ws, dialog), format!("CID#{client_id}"))
    }

    pub fn receipts(ws: &WorkspaceId, dialog: &DialogId) -> Key {
        (dialog_partition(ws, dialog), "RECEIPTS".into())
    }

    pub fn read_marker(ws: &WorkspaceId, dialog: &DialogId, op: &OperatorId) -> Key {
        (dialog_partition(ws, dialog), format!("READ#{op}"))
    }

    /// GSI1: a workspace's dialogs in one status, sorted by last activity, ties broken by id.
    pub fn dialogs_by_status(ws: &WorkspaceId, status: DialogStatus) -> String {
        format!("WS#{ws}#DLGS#{}", status.as_str())
    }

    pub fn activity(last_activity: Millis, dialog: &DialogId) -> String {
        format!("{}#{dialog}", sortable_millis(last_activity))
    }

    /// Flipping the sign bit maps i64 order onto u64 order, so even a negative time sorts right.
    fn sortable_millis(at: Millis) -> String {
        format!("{:020}", (at as u64) ^ (1 << 63))
    }

    pub fn connection(id: &ConnectionId) -> Key {
        (format!("CONN#{id}"), "CONN".into())
    }

    /// GSI1: a workspace's operator connections, grouped by operator.
    pub fn operator_connections(ws: &WorkspaceId) -> String {
        format!("WS#{ws}#OPCONN")
    }

    pub fn operator_connection_prefix(op: &OperatorId) -> String {
        format!("OP#{op}#")
    }

    pub fn operator_connection_sk(op: &OperatorId, id: &ConnectionId) -> String {
        format!("{}CONN#{id}", operator_connection_prefix(op))
    }

    /// GSI1: one visitor's connections (a visitor may have several tabs open).
    pub fn visitor_connections(ws: &WorkspaceId, visitor: &VisitorId) -> String {
        format!("WS#{ws}#VIS#{visitor}#CONN")
    }

    pub fn visitor_connection_sk(id: &ConnectionId) -> String {
        format!("CONN#{id}")
    }

    pub fn ticket(id: &str) -> Key {
        (format!("TICKET#{id}"), "TICKET".into())
    }
}

// ---------------------------------------------------------------------------------------------
// Items: domain structs ⇄ attribute maps.

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key_of((pk, sk): keys::Key) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

/// `value`'s fields as attributes, under `key`. Absent options become absent attributes.
fn item_of<T: Serialize>(entity: &str, key: keys::Key, value: &T) -> StoreResult<Item> {
    let mut item =
        fields_of(value)?.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, to_attr(v))).collect::<Item>();
    item.extend(key_of(key));
    item.insert(ENTITY.to_owned(), s(entity));
    Ok(item)
}

fn with_gsi1(mut item: Item, (pk, sk): keys::Key) -> Item {
    item.insert(GSI1PK.to_owned(), s(pk));
    item.insert(GSI1SK.to_owned(), s(sk));
    item
}

fn with_ttl(mut item: Item, expires_at: Millis) -> Item {
    // Rounded up: TTL must never delete a record before it expires.
    item.insert(TTL.to_owned(), n((expires_at + 999).div_euclid(1000)));
    item
}

fn fields_of<T: Serialize>(value: &T) -> StoreResult<serde_json::Map<String, Value>> {
    match serde_json::to_value(value) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(other) => Err(StoreError::Unavailable(format!("cannot store {other} as an item"))),
        Err(e) => Err(StoreError::Unavailable(format!("cannot store the item: {e}"))),
    }
}

/// Key and bookkeeping attributes are ignored on the way back: the domain structs do not deny
/// unknown fields.
fn parse_item<T: DeserializeOwned>(item: Item) -> StoreResult<T> {
    let fields = item.into_iter().map(|(k, v)| (k, from_attr(v))).collect();
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| StoreError::Unavailable(format!("a stored item does not parse: {e}")))
}

fn parse_items<T: DeserializeOwned>(items: Vec<Item>) -> StoreResult<Vec<T>> {
    items.into_iter().map(parse_item).collect()
}

fn to_attr(value: Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Number(num) => AttributeValue::N(num.to_string()),
        Value::String(text) => AttributeValue::S(text),
        Value::Array(values) => AttributeValue::L(values.into_iter().map(to_attr).collect()),
        Value::Object(fields) => AttributeValue::M(fields.into_iter().map(|(k, v)| (k, to_attr(v))).collect()),
    }
}

fn from_attr(attr: AttributeValue) -> Value {
    match attr {
        AttributeValue::S(text) => Value::String(text),
        AttributeValue::N(num) => number(&num),
        AttributeValue::Bool(b) => Value::Bool(b),
        AttributeValue::L(values) => Value::Array(values.into_iter().map(from_attr).collect()),
        AttributeValue::M(fields) => Value::Object(fields.into_iter().map(|(k, v)| (k, from_attr(v))).collect()),
        // Sets and binaries are never written by this store.
        _ => Value::Null,
    }
}

fn number(raw: &str) -> Value {
    raw.parse::<u64>()
        .map(Value::from)
        .or_else(|_| raw.parse::<i64>().map(Value::from))
        .ok()
        .or_else(|| raw.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number))
        .unwrap_or_else(|| Value::String(raw.to_owned()))
}

fn u64_attr(item: &Item, name: &str) -> u64 {
    match item.get(name) {
        Some(AttributeValue::N(num)) => num.parse().unwrap_or(0),
        _ => 0,
    }
}

fn str_attr<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text),
        _ => Err(StoreError::Unavailable(format!("a stored item lacks {name}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Failures: the store's refusals become named errors here, and only here.

/// How a single-item write failed: its condition did not hold, or the store failed.
enum Failure {
    Condition,
    Store(StoreError),
}

fn failure<E>(e: SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if e.code() == Some("ConditionalCheckFailedException") {
        Failure::Condition
    } else {
        Failure::Store(unavailable(e))
    }
}

/// Runs a conditional single-item write; `Ok(false)` when its condition did not hold.
fn condition_held<O, E>(result: Result<O, SdkError<E, HttpResponse>>) -> StoreResult<bool>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result.map_err(failure) {
        Ok(_) => Ok(true),
        Err(Failure::Condition) => Ok(false),
        Err(Failure::Store(e)) => Err(e),
    }
}

fn unavailable<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(e).to_string())
}

fn invalid_request(e: BuildError) -> StoreError {
    StoreError::Unavailable(format!("a request to DynamoDB is incomplete: {e}"))
}

/// What an item of a transaction guards, so that a cancellation maps back to a named error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Guard {
    /// The dialog's version (or its absence, on creation).
    Dialog,
    /// The visitor exists and has no dialog yet.
    Visitor,
    /// A message's `seq` is free: holds whenever the dialog's version does.
    Message,
    /// A message's client id is new in the dialog.
    ClientId,
    /// A unique key (an operator's id or email) is free.
    Unique,
}

/// The guards that lost when a transaction was cancelled; any other failure is the store's.
/// `TransactionConflict` (another transaction held the item) is a lost race like a failed condition.
fn lost_guards(e: SdkError<TransactWriteItemsError, HttpResponse>, guards: &[Guard]) -> Result<Vec<Guard>, StoreError> {
    let Some(TransactWriteItemsError::TransactionCanceledException(cancel)) = e.as_service_error() else {
        return Err(unavailable(e));
    };
    let reasons = cancel.cancellation_reasons();
    let lost: Vec<Guard> = guards
        .iter()
        .zip(reasons)
        .filter(|(_, r)| matches!(r.code(), Some("ConditionalCheckFailed" | "TransactionConflict")))
        .map(|(g, _)| *g)
        .collect();
    if lost.is_empty() { Err(cancelled(reasons)) } else { Ok(lost) }
}

fn cancelled(reasons: &[CancellationReason]) -> StoreError {
    let why: Vec<String> = reasons
        .iter()
        .filter(|r| r.code() != Some("None"))
        .map(|r| format!("{}: {}", r.code().unwrap_or("?"), r.message().unwrap_or("")))
        .collect();
    StoreError::Unavailable(format!("the transaction was cancelled: {}", why.join("; ")))
}

/// Maps a cancelled commit to a named error. A lost race on the dialog, the visitor or a message
/// outranks a duplicate client id: the caller re-reads the dialog and retries, and the retry reports
/// the duplicate against the current dialog (or finds that the race's winner stored that very
/// message). Only when nothing but client ids failed is the commit a duplicate.
fn commit_refusal(lost: &[Guard]) -> StoreError {
    if lost.iter().all(|g| *g == Guard::ClientId) { StoreError::DuplicateMessage } else { StoreError::Conflict }
}

// ---------------------------------------------------------------------------------------------
// The store.

pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// Creates the table with its index and TTL and waits until it is usable; a table that is
    /// already there is left as it is (a restart with `PARLOR_CREATE_TABLE`). In AWS the SAM
    /// template creates it; this is for tests and local runs against DynamoDB Local.
    pub async fn create_table(&self) -> StoreResult<()> {
        let string_attr = |name: &str| {
            AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build()
        };
        let key = |name: &str, kind: KeyType| KeySchemaElement::builder().attribute_name(name).key_type(kind).build();
        let gsi1 = GlobalSecondaryIndex::builder()
            .index_name(GSI1)
            .key_schema(key(GSI1PK, KeyType::Hash).map_err(invalid_request)?)
            .key_schema(key(GSI1SK, KeyType::Range).map_err(invalid_request)?)
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .map_err(invalid_request)?;
        let definitions = [PK, SK, GSI1PK, GSI1SK].map(string_attr).into_iter().collect::<Result<Vec<_>, _>>();
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(definitions.map_err(invalid_request)?))
            .key_schema(key(PK, KeyType::Hash).map_err(invalid_request)?)
            .key_schema(key(SK, KeyType::Range).map_err(invalid_request)?)
            .global_secondary_indexes(gsi1)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => return Ok(()),
            Err(e) => return Err(unavailable(e)),
        }
        self.wait_until_active().await?;
        let ttl =
            TimeToLiveSpecification::builder().enabled(true).attribute_name(TTL).build().map_err(invalid_request)?;
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
            let described = self.client.describe_table().table_name(&self.table).send().await.map_err(unavailable)?;
            let active = described.table().is_some_and(|table| {
                table.table_status() == Some(&TableStatus::Active)
                    && table.global_secondary_indexes().iter().all(|i| i.index_status() == Some(&IndexStatus::Active))
            });
            if active {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::Unavailable(format!("table {} did not become active within a minute", self.table)))
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
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(unavailable)?;
        Ok(())
    }

    fn query(&self) -> QueryFluentBuilder {
        self.client.query().table_name(&self.table)
    }

    /// A base-table query of one partition, strongly consistent.
    fn query_partition(&self, pk: String) -> QueryFluentBuilder {
        self.query().consistent_read(true).expression_attribute_values(":pk", s(pk))
    }

    /// A GSI1 query of one index partition (GSIs are only eventually consistent).
    fn query_gsi1(&self, pk: String) -> QueryFluentBuilder {
        self.query()
            .index_name(GSI1)
            .expression_attribute_names("#gpk", GSI1PK)
            .expression_attribute_values(":gpk", s(pk))
    }

    /// Follows the query's pages until `limit` items (all of them, without a limit) are read: one
    /// response holds at most 1 MB.
    async fn collect(&self, query: QueryFluentBuilder, limit: Option<usize>) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let remaining = limit.map(|l| i32::try_from(l - items.len()).unwrap_or(i32::MAX));
            let page =
                query.clone().set_exclusive_start_key(start).set_limit(remaining).send().await.map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            let wants_more = limit.is_none_or(|l| items.len() < l);
            match page.last_evaluated_key {
                Some(next) if wants_more => start = Some(next),
                _ => return Ok(items),
            }
        }
    }

    async fn messages(&self, query: QueryFluentBuilder, limit: usize) -> StoreResult<Vec<Message>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        parse_items(self.collect(query, Some(limit)).await?)
    }

    async fn connections(&self, query: QueryFluentBuilder) -> StoreResult<Vec<Connection>> {
        // TTL deletes lazily (typically within days), so expired records are filtered here.
        let live = query
            .filter_expression("#expires > :now")
            .expression_attribute_names("#expires", "expires_at")
            .expression_attribute_values(":now", n(now()));
        parse_items(self.collect(live, None).await?)
    }

    fn dialog_put(&self, dialog: &Dialog) -> StoreResult<Put> {
        let key = keys::dialog(&dialog.workspace, &dialog.id);
        let listed = (
            keys::dialogs_by_status(&dialog.workspace, dialog.status),
            keys::activity(dialog.last_activity, &dialog.id),
        );
        let put =
            Put::builder().table_name(&self.table).set_item(Some(with_gsi1(item_of("dialog", key, dialog)?, listed)));
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
            .set_key(Some(key_of(keys::visitor(&dialog.workspace, &dialog.visitor))))
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
            .set_item(Some(item_of("message", keys::message(ws, id, message.seq), message)?))
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

    /// The transaction items of a commit, each with what it guards.
    fn commit_items(&self, dialog: &Dialog, messages: &[Message]) -> StoreResult<(Vec<TransactWriteItem>, Vec<Guard>)> {
        let mut items = vec![TransactWriteItem::builder().put(self.dialog_put(dialog)?).build()];
        let mut guards = vec![Guard::Dialog];
        if dialog.version == 1 {
            items.push(TransactWriteItem::builder().update(self.visitor_link(dialog)?).build());
            guards.push(Guard::Visitor);
        }
        for message in messages {
            let [stored, claimed] = self.message_puts(dialog, message)?;
            items.push(TransactWriteItem::builder().put(stored).build());
            items.push(TransactWriteItem::builder().put(claimed).build());
            guards.extend([Guard::Message, Guard::ClientId]);
        }
        Ok((items, guards))
    }

    async fn update_connection_status(&self, connection: &ConnectionId, status: OperatorStatus) -> StoreResult<()> {
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::connection(connection))))
            .update_expression("SET #peer.#status = :status")
            // A connection closed meanwhile stays closed rather than coming back as a fragment.
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#peer", "peer")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.as_str()))
            .send()
            .await;
        condition_held(updated).map(drop)
    }

    async fn batch_get(&self, keys: Vec<Item>) -> StoreResult<Vec<Item>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH_GET_MAX) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .consistent_read(true)
                    .build()
                    .map_err(invalid_request)?,
            );
            let mut backoff = Backoff::default();
            while let Some(request) = pending.take() {
                let got = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(unavailable)?;
                found.extend(got.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default());
                // Throttled keys come back unprocessed; they are asked for again after a pause.
                pending = got.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).filter(|k| !k.keys().is_empty());
                if pending.is_some() {
                    backoff.pause("BatchGetItem").await?;
                }
            }
        }
        Ok(found)
    }

    /// Puts items 25 to a request; throttled ones are put again after a pause.
    async fn batch_put(&self, items: Vec<Item>) -> StoreResult<()> {
        for chunk in items.chunks(BATCH_WRITE_MAX) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    let put = PutRequest::builder().set_item(Some(item.clone())).build().map_err(invalid_request)?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<StoreResult<_>>()?;
            let mut backoff = Backoff::default();
            while !pending.is_empty() {
                let done = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = done.unprocessed_items.and_then(|mut u| u.remove(&self.table)).unwrap_or_default();
                if !pending.is_empty() {
                    backoff.pause("BatchWriteItem").await?;
                }
            }
        }
        Ok(())
    }
}

/// The pause before asking again for what a batch call left unprocessed (throttled): doubling from
/// 40 ms up to 1 s; the call fails at the `BATCH_ATTEMPTS`th try (after about 3 s of pauses).
#[derive(Default)]
struct Backoff {
    attempts: u32,
}

const BATCH_ATTEMPTS: u32 = 8;

impl Backoff {
    async fn pause(&mut self, operation: &str) -> StoreResult<()> {
        self.attempts += 1;
        if self.attempts >= BATCH_ATTEMPTS {
            return Err(StoreError::Unavailable(format!("{operation} left items unprocessed {BATCH_ATTEMPTS} times")));
        }
        let wait = Duration::from_millis(20 << self.attempts.min(6)).min(Duration::from_secs(1));
        tokio::time::sleep(wait).await;
        Ok(())
    }
}

fn now() -> Millis {
    SystemClock.now()
}

fn receipt_attr(side: Side, receipt: Receipt) -> &'static str {
    match (side, receipt) {
        (Side::Visitor, Receipt::Delivered) => "visitor_delivered",
        (Side::Visitor, Receipt::Read) => "visitor_read",
        (Side::Operators, Receipt::Delivered) => "operators_delivered",
        (Side::Operators, Receipt::Read) => "operators_read",
    }
}

fn connection_gsi1(connection: &Connection) -> keys::Key {
    match &connection.peer {
        Peer::Operator { id, .. } => {
            (keys::operator_connections(&connection.workspace), keys::operator_connection_sk(id, &connection.id))
        }
        Peer::Visitor { id, .. } => {
            (keys::visitor_connections(&connection.workspace, id), keys::visitor_connection_sk(&connection.id))
        }
    }
}

#[async_trait]
impl DirectoryStore for DynamoStore {
    async fn put_workspace(&self, workspace: &Workspace) -> StoreResult<()> {
        self.put(item_of("workspace", keys::workspace(&workspace.id), workspace)?).await
    }

    async fn get_workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        self.get_parsed(keys::workspace(id)).await
    }

    async fn put_site(&self, site: &Site) -> StoreResult<()> {
        let item = with_gsi1(
            item_of("site", keys::site(&site.key), site)?,
            (keys::sites_of(&site.workspace), keys::site_in_workspace(&site.key)),
        );
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            // Site keys are global: a key never moves to another workspace.
            .condition_expression("attribute_not_exists(PK) OR #workspace = :workspace")
            .expression_attribute_names("#workspace", "workspace")
            .expression_attribute_values(":workspace", s(site.workspace.as_str()))
            .send()
            .await;
        if condition_held(put)? { Ok(()) } else { Err(StoreError::AlreadyExists) }
    }

    async fn get_site(&self, key: &SiteKey) -> StoreResult<Option<Site>> {
        self.get_parsed(keys::site(key)).await
    }

    async fn list_sites(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Site>> {
        let query = self.query_gsi1(keys::sites_of(workspace)).key_condition_expression("#gpk = :gpk");
        parse_items(self.collect(query, None).await?)
    }

    async fn create_operator(&self, operator: &Operator) -> StoreResult<()> {
        let new = |item: Item| {
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map(|put| TransactWriteItem::builder().put(put).build())
                .map_err(invalid_request)
        };
        let mut login = key_of(keys::email(&operator.email));
        login.insert(ENTITY.to_owned(), s("email"));
        login.insert("workspace".to_owned(), s(operator.workspace.as_str()));
        login.insert("operator".to_owned(), s(operator.id.as_str()));
        let stored = self
            .client
            .transact_write_items()
            .transact_items(new(item_of("operator", keys::operator(&operator.workspace, &operator.id), operator)?)?)
            .transact_items(new(login)?)
            .send()
            .await;
        match stored {
            Ok(_) => Ok(()),
            Err(e) => match lost_guards(e, &[Guard::Unique, Guard::Unique]) {
                Ok(_) => Err(StoreError::AlreadyExists),
                Err(e) => Err(e),
            },
        }
    }

    async fn get_operator(&self, workspace: &WorkspaceId, id: &OperatorId) -> StoreResult<Option<Operator>> {
        self.get_parsed(keys::operator(workspace, id)).await
    }

    async fn find_operator_by_email(&self, email: &str) -> StoreResult<Option<Operator>> {
        let Some(login) = self.get(keys::email(email)).await? else { return Ok(None) };
        let workspace = WorkspaceId::from_trusted(str_attr(&login, "workspace")?);
        let operator = OperatorId::from_trusted(str_attr(&login, "operator")?);
        self.get_operator(&workspace, &operator).await
    }

    async fn list_operators(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Operator>> {
        let (pk, _) = keys::workspace(workspace);
        let query = self
            .query_partition(pk)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(keys::OPERATOR_PREFIX));
        parse_items(self.collect(query, None).await?)
    }

    /// Updates the operator, then each of its connection records, which carry the status so that
    /// fanning out needs no reads. Not one transaction: a connection opened meanwhile carries the
    /// status its opener read, and the next status change corrects it.
    async fn set_operator_status(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
        status: OperatorStatus,
    ) -> StoreResult<()> {
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::operator(workspace, id))))
            .update_expression("SET #status = :status")
            // An unknown operator is left alone rather than created as a fragment.
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.as_str()))
            .send()
            .await;
        if !condition_held(updated)? {
            return Ok(());
        }
        let mine = self
            .query_gsi1(keys::operator_connections(workspace))
            .key_condition_expression("#gpk = :gpk AND begins_with(#gsk, :mine)")
            .expression_attribute_names("#gsk", GSI1SK)
            .expression_attribute_values(":mine", s(keys::operator_connection_prefix(id)));
        for item in self.collect(mine, None).await? {
            let connection = ConnectionId::from_trusted(str_attr(&item, "id")?);
            self.update_connection_status(&connection, status).await?;
        }
        Ok(())
    }

    /// An UpdateItem of every field but the dialog link: `commit` alone sets it, and a put must not
    /// race it away.
    async fn put_visitor(&self, visitor: &Visitor) -> StoreResult<()> {
        let mut sets = vec!["#entity = :entity".to_owned()];
        let mut removes = Vec::new();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::visitor(&visitor.workspace, &visitor.id))))
            .expression_attribute_names("#entity", ENTITY)
            .expression_attribute_values(":entity", s("visitor"));
        for (i, (field, value)) in fields_of(visitor)?.into_iter().filter(|(f, _)| f != "dialog").enumerate() {
            update = update.expression_attribute_names(format!("#f{i}"), field);
            if value.is_null() {
                removes.push(format!("#f{i}"));
            } else {
                sets.push(format!("#f{i} = :v{i}"));
                update = update.expression_attribute_values(format!(":v{i}"), to_attr(value));
            }
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        update.update_expression(expression).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn get_visitor(&self, workspace: &WorkspaceId, id: &VisitorId) -> StoreResult<Option<Visitor>> {
        self.get_parsed(keys::visitor(workspace, id)).await
    }
}

#[async_trait]
impl DialogStore for DynamoStore {
    async fn get_dialog(&self, workspace: &WorkspaceId, id: &DialogId) -> StoreResult<Option<Dialog>> {
        self.get_parsed(keys::dialog(workspace, id)).await
    }

    async fn get_dialogs(&self, workspace: &WorkspaceId, ids: &[DialogId]) -> StoreResult<Vec<Dialog>> {
        let mut unique = HashSet::new();
        // BatchGetItem rejects a request that names one key twice.
        let keys = ids.iter().filter(|id| unique.insert(*id)).map(|id| key_of(keys::dialog(workspace, id))).collect();
        parse_items(self.batch_get(keys).await?)
    }

    async fn commit(&self, dialog: &Dialog, messages: &[Message]) -> StoreResult<()> {
        if dialog.version == 0 {
            return Err(StoreError::Unavailable("a dialog is committed with version 1 or more".into()));
        }
        // DynamoDB refuses a transaction that names one item twice; for a client id that is a duplicate.
        let mut seen = HashSet::new();
        if !messages.iter().all(|m| seen.insert(m.client_id.as_str())) {
            return Err(StoreError::DuplicateMessage);
        }
        let (items, guards) = self.commit_items(dialog, messages)?;
        let sent = self.client.transact_write_items().set_transact_items(Some(items)).send().await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) => Err(lost_guards(e, &guards).map_or_else(|e| e, |lost| commit_refusal(&lost))),
        }
    }

    async fn find_message_by_client_id(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        client_id: &ClientMessageId,
    ) -> StoreResult<Option<Message>> {
        let Some(claim) = self.get(keys::client_id(workspace, dialog, client_id.as_str())).await? else {
            return Ok(None);
        };
        self.get_parsed(keys::message(workspace, dialog, u64_attr(&claim, "seq"))).await
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
        let Some(first) = after.checked_add(1) else { return Ok(Vec::new()) };
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
        let query = self.query_gsi1(keys::dialogs_by_status(workspace, status)).scan_index_forward(false);
        let query = match after {
            None => query.key_condition_expression("#gpk = :gpk"),
            // Descending, so "after the cursor" is "sorts before it".
            Some(cursor) => query
                .key_condition_expression("#gpk = :gpk AND #gsk < :cursor")
                .expression_attribute_names("#gsk", GSI1SK)
                .expression_attribute_values(":cursor", s(keys::activity(cursor.last_activity, &cursor.id))),
        };
        parse_items(self.collect(query, Some(limit)).await?)
    }
}

#[async_trait]
impl ReceiptStore for DynamoStore {
    async fn get_receipts(&self, workspace: &WorkspaceId, dialog: &DialogId) -> StoreResult<Receipts> {
        let Some(item) = self.get(keys::receipts(workspace, dialog)).await? else { return Ok(Receipts::default()) };
        let mut receipts = Receipts::default();
        for side in [Side::Visitor, Side::Operators] {
            for receipt in [Receipt::Delivered, Receipt::Read] {
                receipts.set(side, receipt, u64_attr(&item, receipt_attr(side, receipt)));
            }
        }
        Ok(receipts)
    }

    async fn advance_receipt(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        side: Side,
        receipt: Receipt,
        up_to: u64,
    ) -> StoreResult<bool> {
        // Every watermark starts at 0: moving it to 0 moves nothing.
        if up_to == 0 {
            return Ok(false);
        }
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::receipts(workspace, dialog))))
            .update_expression("SET #f = :v, #entity = :entity")
            .condition_expression("attribute_not_exists(#f) OR #f < :v")
            .expression_attribute_names("#f", receipt_attr(side, receipt))
            .expression_attribute_names("#entity", ENTITY)
            .expression_attribute_values(":v", n(up_to))
            .expression_attribute_values(":entity", s("receipts"))
            .send()
            .await;
        condition_held(updated)
    }
}

#[async_trait]
impl ReadMarkerStore for DynamoStore {
    async fn put_read_marker(&self, marker: &ReadMarker) -> StoreResult<()> {
        let key = keys::read_marker(&marker.workspace, &marker.dialog, &marker.operator);
        self.put(item_of("read_marker", key, marker)?).await
    }

    async fn read_markers(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        dialogs: &[DialogId],
    ) -> StoreResult<Vec<ReadMarker>> {
        // BatchGetItem rejects a request that names one key twice.
        let mut unique = HashSet::new();
        let wanted: Vec<&DialogId> = dialogs.iter().filter(|d| unique.insert(*d)).collect();
        let keys = wanted.iter().map(|d| key_of(keys::read_marker(workspace, d, operator))).collect();
        let found: Vec<ReadMarker> = parse_items(self.batch_get(keys).await?)?;
        // BatchGetItem answers in no particular order; the caller's order is kept.
        let mut by_dialog: HashMap<DialogId, ReadMarker> = found.into_iter().map(|m| (m.dialog.clone(), m)).collect();
        Ok(wanted.into_iter().filter_map(|d| by_dialog.remove(d)).collect())
    }
}

#[async_trait]
impl ConnectionStore for DynamoStore {
    async fn put_connection(&self, connection: &Connection) -> StoreResult<()> {
        let item = item_of("connection", keys::connection(&connection.id), connection)?;
        self.put(with_ttl(with_gsi1(item, connection_gsi1(connection)), connection.expires_at)).await
    }

    /// An expired record that TTL has not deleted yet is absent, as it is in every query.
    async fn get_connection(&self, id: &ConnectionId) -> StoreResult<Option<Connection>> {
        let connection: Option<Connection> = self.get_parsed(keys::connection(id)).await?;
        Ok(connection.filter(|c| c.expires_at > now()))
    }

    async fn delete_connection(&self, id: &ConnectionId) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::connection(id))))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn operator_connections(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Connection>> {
        self.connections(self.query_gsi1(keys::operator_connections(workspace)).key_condition_expression("#gpk = :gpk"))
            .await
    }

    async fn visitor_connections(&self, workspace: &WorkspaceId, visitor: &VisitorId) -> StoreResult<Vec<Connection>> {
        self.connections(
            self.query_gsi1(keys::visitor_connections(workspace, visitor)).key_condition_expression("#gpk = :gpk"),
        )
        .await
    }
}

#[async_trait]
impl TicketStore for DynamoStore {
    async fn put_ticket(&self, ticket: &Ticket) -> StoreResult<()> {
        self.put(with_ttl(item_of("ticket", keys::ticket(&ticket.id), ticket)?, ticket.expires_at)).await
    }

    /// One DeleteItem returning the old item. The condition makes "once" explicit: DynamoDB Local
    /// hands the old item to every one of several concurrent unconditional deletes.
    async fn take_ticket(&self, id: &str) -> StoreResult<Option<Ticket>> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::ticket(id))))
            .condition_expression("attribute_exists(PK)")
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let attributes = match deleted.map_err(failure) {
            Ok(deleted) => deleted.attributes,
            Err(Failure::Condition) => None,
            Err(Failure::Store(e)) => return Err(e),
        };
        let ticket: Option<Ticket> = attributes.map(parse_item).transpose()?;
        Ok(ticket.filter(|t| t.expires_at > now()))
    }
}

/// An operator's quick replies share one partition: listing them is one Query.
fn quick_reply_key(ws: &WorkspaceId, op: &OperatorId, id: &QuickReplyId) -> keys::Key {
    (quick_replies_partition(ws, op), format!("{QUICK_REPLY_PREFIX}{id}"))
}

fn quick_replies_partition(ws: &WorkspaceId, op: &OperatorId) -> String {
    format!("WS#{ws}#OP#{op}#QR")
}

const QUICK_REPLY_PREFIX: &str = "QR#";

#[async_trait]
impl QuickReplyStore for DynamoStore {
    async fn put_quick_reply(&self, reply: &QuickReply) -> StoreResult<()> {
        let key = quick_reply_key(&reply.workspace, &reply.operator, &reply.id);
        self.put(item_of("quick_reply", key, reply)?).await
    }

    async fn list_quick_replies(&self, workspace: &WorkspaceId, operator: &OperatorId) -> StoreResult<Vec<QuickReply>> {
        let query = self
            .query_partition(quick_replies_partition(workspace, operator))
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(QUICK_REPLY_PREFIX));
        let mut replies: Vec<QuickReply> = parse_items(self.collect(query, None).await?)?;
        // Ids are random, so the sort key's order is not the creation order.
        replies.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        Ok(replies)
    }

    async fn delete_quick_reply(&self, workspace: &WorkspaceId, operator: &OperatorId, id: &QuickReplyId) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(quick_reply_key(workspace, operator, id))))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

/// Search terms are partitioned by their first two characters (a query has at least two), so a
/// search reads one partition per word and a workspace's index is spread over many partitions.
fn search_partition(ws: &WorkspaceId, term: &str) -> String {
    let head: String = term.chars().take(crate::domain::MIN_TERM_CHARS).collect();
    format!("WS#{ws}#TERM#{head}")
}

/// Terms hold no `#` (they are letters and digits, or an email or phone's own characters).
fn search_key(ws: &WorkspaceId, e: &IndexEntry) -> keys::Key {
    (search_partition(ws, &e.term), format!("{}#{}#{}", e.term, e.dialog, e.field.as_str()))
}

#[async_trait]
impl SearchIndex for DynamoStore {
    async fn index_terms(&self, workspace: &WorkspaceId, entries: &[IndexEntry]) -> StoreResult<()> {
        let items = entries.iter().map(|e| item_of("search_term", search_key(workspace, e), e)).collect::<StoreResult<_>>()?;
        self.batch_put(items).await
    }

    async fn find_terms(&self, workspace: &WorkspaceId, prefix: &str, limit: usize) -> StoreResult<Vec<IndexEntry>> {
        // Eventually consistent: an index written a moment ago may be missed, at half the cost.
        let query = self
            .query()
            .expression_attribute_values(":pk", s(search_partition(workspace, prefix)))
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(prefix));
        parse_items(self.collect(query, Some(limit)).await?)
    }
}
