//! `SearchIndex`: one row per term, dialog and field; a prefix is a range of the primary key.

use super::SqliteStore;
use super::errors::unavailable;
use crate::domain::{IndexEntry, SearchField};
use crate::ids::{DialogId, WorkspaceId};
use crate::ports::{SearchIndex, StoreResult};
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl SearchIndex for SqliteStore {
    async fn index_terms(
        &self,
        workspace: &WorkspaceId,
        entries: &[IndexEntry],
    ) -> StoreResult<()> {
        let ws = workspace.to_string();
        let entries = entries.to_vec();
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            {
                let mut put = tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO search_terms (workspace, term, dialog, field, seq, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )
                    .map_err(unavailable)?;
                for e in &entries {
                    put.execute(params![ws, e.term, e.dialog.as_str(), e.field.as_str(), e.seq, e.at]).map_err(unavailable)?;
                }
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn find_terms(
        &self,
        workspace: &WorkspaceId,
        prefix: &str,
        limit: usize,
    ) -> StoreResult<Vec<IndexEntry>> {
        let ws = workspace.to_string();
        // Every term that starts with `prefix` sorts between it and it followed by the last code point.
        let (from, to) = (prefix.to_owned(), format!("{prefix}\u{10FFFF}"));
        let limit = limit as i64;
        self.with(move |db| {
            let mut rows = db
                .prepare_cached(
                    "SELECT term, dialog, field, seq, at FROM search_terms
                       WHERE workspace = ?1 AND term >= ?2 AND term < ?3 LIMIT ?4",
                )
                .map_err(unavailable)?;
            let found = rows
                .query_map(params![ws, from, to, limit], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get(3)?,
                        r.get(4)?,
                    ))
                })
                .map_err(unavailable)?;
            let mut entries = Vec::new();
            for row in found {
                let (term, dialog, field, seq, at) = row.map_err(unavailable)?;
                let field = SearchField::parse(&field)
                    .ok_or_else(|| unavailable(format!("unknown search field {field}")))?;
                entries.push(IndexEntry {
                    term,
                    dialog: DialogId::from_trusted(dialog),
                    field,
                    seq,
                    at,
                });
            }
            Ok(entries)
        })
        .await
    }
}
