//! Items: domain structs ⇄ attribute maps, through `serde_json::Value` (why natively: see `mod.rs`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::keys::{self, GSI1PK, GSI1SK, GSI2PK, GSI2SK, PK, SK};
use crate::domain::Millis;
use crate::ports::{StoreError, StoreResult};

pub type Item = HashMap<String, AttributeValue>;

/// Epoch seconds, as DynamoDB's TTL wants them; the domain's `expires_at` stays in milliseconds.
pub const TTL: &str = "expires_at_s";
/// What an item is, for people reading the table; no query depends on it.
pub const ENTITY: &str = "entity";

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn key_of((pk, sk): keys::Key) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

/// `value`'s fields as attributes, under `key`. Absent options become absent attributes.
pub fn item_of<T: Serialize>(entity: &str, key: keys::Key, value: &T) -> StoreResult<Item> {
    let mut item = fields_of(value)?
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k, to_attr(v)))
        .collect::<Item>();
    item.extend(key_of(key));
    item.insert(ENTITY.to_owned(), s(entity));
    Ok(item)
}

pub fn with_gsi1(mut item: Item, (pk, sk): keys::Key) -> Item {
    item.insert(GSI1PK.to_owned(), s(pk));
    item.insert(GSI1SK.to_owned(), s(sk));
    item
}

pub fn with_gsi2(mut item: Item, (pk, sk): keys::Key) -> Item {
    item.insert(GSI2PK.to_owned(), s(pk));
    item.insert(GSI2SK.to_owned(), s(sk));
    item
}

pub fn with_ttl(mut item: Item, expires_at: Millis) -> Item {
    // Rounded up: TTL must never delete a record before it expires.
    item.insert(TTL.to_owned(), n((expires_at + 999).div_euclid(1000)));
    item
}

pub fn fields_of<T: Serialize>(value: &T) -> StoreResult<serde_json::Map<String, Value>> {
    match serde_json::to_value(value) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(other) => Err(StoreError::Unavailable(format!(
            "cannot store {other} as an item"
        ))),
        Err(e) => Err(StoreError::Unavailable(format!(
            "cannot store the item: {e}"
        ))),
    }
}

/// Key and bookkeeping attributes are ignored on the way back: the domain structs do not deny
/// unknown fields.
pub fn parse_item<T: DeserializeOwned>(item: Item) -> StoreResult<T> {
    let fields = item.into_iter().map(|(k, v)| (k, from_attr(v))).collect();
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| StoreError::Unavailable(format!("a stored item does not parse: {e}")))
}

pub fn parse_items<T: DeserializeOwned>(items: Vec<Item>) -> StoreResult<Vec<T>> {
    items.into_iter().map(parse_item).collect()
}

pub fn to_attr(value: Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Number(num) => AttributeValue::N(num.to_string()),
        Value::String(text) => AttributeValue::S(text),
        Value::Array(values) => AttributeValue::L(values.into_iter().map(to_attr).collect()),
        Value::Object(fields) => {
            AttributeValue::M(fields.into_iter().map(|(k, v)| (k, to_attr(v))).collect())
        }
    }
}

pub fn from_attr(attr: AttributeValue) -> Value {
    match attr {
        AttributeValue::S(text) => Value::String(text),
        AttributeValue::N(num) => number(&num),
        AttributeValue::Bool(b) => Value::Bool(b),
        AttributeValue::L(values) => Value::Array(values.into_iter().map(from_attr).collect()),
        AttributeValue::M(fields) => {
            Value::Object(fields.into_iter().map(|(k, v)| (k, from_attr(v))).collect())
        }
        // Sets and binaries are never written by this store.
        _ => Value::Null,
    }
}

pub fn number(raw: &str) -> Value {
    raw.parse::<u64>()
        .map(Value::from)
        .or_else(|_| raw.parse::<i64>().map(Value::from))
        .ok()
        .or_else(|| {
            raw.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
        })
        .unwrap_or_else(|| Value::String(raw.to_owned()))
}

pub fn u64_attr(item: &Item, name: &str) -> u64 {
    match item.get(name) {
        Some(AttributeValue::N(num)) => num.parse().unwrap_or(0),
        _ => 0,
    }
}

pub fn str_attr<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text),
        _ => Err(StoreError::Unavailable(format!(
            "a stored item lacks {name}"
        ))),
    }
}
