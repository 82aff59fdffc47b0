//! Rows ⇄ records: a record is stored whole as JSON in its row's `body`.

use rusqlite::{Connection as Db, OptionalExtension};
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

/// The record with this `id` in `table` of the workspace, if there is one. `table` is one of the
/// schema's, named by the code, never by a caller.
pub fn body_by_id<T: DeserializeOwned>(
    db: &Db,
    table: &str,
    ws: &str,
    id: &str,
) -> StoreResult<Option<T>> {
    let sql = format!("SELECT body FROM {table} WHERE workspace = ?1 AND id = ?2");
    let raw: Option<String> = db
        .query_row(&sql, [ws, id], |r| r.get(0))
        .optional()
        .map_err(unavailable)?;
    raw.map(from_json).transpose()
}
