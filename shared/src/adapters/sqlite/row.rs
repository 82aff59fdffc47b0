//! Rows ⇄ records: a record is stored whole as JSON in its row's `body`.

use rusqlite::Connection as Db;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::errors::unavailable;
use crate::ports::{StoreError, StoreResult};

pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("stored types serialize")
}

pub fn from_json<T: DeserializeOwned>(raw: String) -> StoreResult<T> {
    serde_json::from_str(&raw)
        .map_err(|e| StoreError::Unavailable(format!("a stored row does not parse: {e}")))
}

pub fn query_bodies<T: DeserializeOwned>(
    db: &Db,
    sql: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<T>> {
    let mut stmt = db.prepare_cached(sql).map_err(unavailable)?;
    let rows = stmt
        .query_map(args, |r| r.get::<_, String>(0))
        .map_err(unavailable)?;
    rows.map(|r| r.map_err(unavailable).and_then(from_json))
        .collect()
}
