//! `TagStore`: the workspace's tags, their names unique per workspace (`UNIQUE (workspace,
//! name_key)`), and each tag's counter of dialogs in a row of its own.

use super::SqliteStore;
use super::errors::{is_unique_violation, unavailable};
use super::row::{body_by_id, from_json, to_json};
use crate::domain::Tag;
use crate::ids::{TagId, WorkspaceId};
use crate::ports::{StoreError, StoreResult, TagCount, TagStore};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl TagStore for SqliteStore {
    async fn put_tag(&self, tag: &Tag, _previous: Option<&Tag>) -> StoreResult<()> {
        let tag = tag.clone();
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            let (ws, id) = (tag.workspace.to_string(), tag.id.to_string());
            let version = tag.version as i64;
            let (key, body) = (tag.name_key(), to_json(&tag));
            let stored: Option<i64> = tx
                .query_row(
                    "SELECT version FROM tags WHERE workspace = ?1 AND id = ?2",
                    params![ws, id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            let expected = (tag.version > 1).then_some(version - 1);
            if stored != expected {
                return Err(StoreError::Conflict);
            }
            // The name's uniqueness is the table's: the row's own old name goes with the update.
            let written = if tag.version == 1 {
                tx.execute(
                    "INSERT INTO tags (workspace, id, name_key, version, body) VALUES (?1, ?2, ?3, 1, ?4)",
                    params![ws, id, key, body],
                )
            } else {
                tx.execute(
                    "UPDATE tags SET name_key = ?3, version = ?4, body = ?5 WHERE workspace = ?1 AND id = ?2",
                    params![ws, id, key, version, body],
                )
            };
            match written {
                Err(e) if is_unique_violation(&e) => return Err(StoreError::AlreadyExists),
                other => other.map_err(unavailable)?,
            };
            if tag.version == 1 {
                tx.execute(
                    "INSERT INTO tag_counts (workspace, tag, dialogs) VALUES (?1, ?2, 0)",
                    params![ws, id],
                )
                .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn get_tag(&self, workspace: &WorkspaceId, id: &TagId) -> StoreResult<Option<Tag>> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| body_by_id(db, "tags", &ws, &id)).await
    }

    async fn list_tags(&self, workspace: &WorkspaceId) -> StoreResult<Vec<TagCount>> {
        let ws = workspace.to_string();
        self.with(move |db| {
            let mut stmt = db
                .prepare_cached(
                    "SELECT t.body, IFNULL(c.dialogs, 0) FROM tags t
                     LEFT JOIN tag_counts c ON c.workspace = t.workspace AND c.tag = t.id
                     WHERE t.workspace = ?1",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([ws], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(unavailable)?;
            rows.map(|r| {
                let (body, dialogs) = r.map_err(unavailable)?;
                Ok(TagCount {
                    tag: from_json(body)?,
                    dialogs,
                })
            })
            .collect()
        })
        .await
    }

    async fn delete_tag(&self, workspace: &WorkspaceId, tag: &Tag) -> StoreResult<bool> {
        let (ws, id) = (workspace.to_string(), tag.id.to_string());
        let version = tag.version as i64;
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            let deleted = tx
                .execute(
                    "DELETE FROM tags WHERE workspace = ?1 AND id = ?2 AND version = ?3",
                    params![ws, id, version],
                )
                .map_err(unavailable)?;
            if deleted == 0 {
                // Gone already, or written meanwhile.
                let there: Option<i64> = tx
                    .query_row(
                        "SELECT version FROM tags WHERE workspace = ?1 AND id = ?2",
                        params![ws, id],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(unavailable)?;
                return match there {
                    Some(_) => Err(StoreError::Conflict),
                    None => Ok(false),
                };
            }
            tx.execute(
                "DELETE FROM tag_counts WHERE workspace = ?1 AND tag = ?2",
                params![ws, id],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(true)
        })
        .await
    }

    async fn add_tag_counts(
        &self,
        workspace: &WorkspaceId,
        moves: &[(TagId, i64)],
    ) -> StoreResult<()> {
        let ws = workspace.to_string();
        let moves: Vec<(String, i64)> = moves
            .iter()
            .filter(|(_, by)| *by != 0)
            .map(|(id, by)| (id.to_string(), *by))
            .collect();
        if moves.is_empty() {
            return Ok(());
        }
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            for (id, by) in &moves {
                tx.execute(
                    "UPDATE tag_counts SET dialogs = dialogs + ?3 WHERE workspace = ?1 AND tag = ?2",
                    params![ws, id, by],
                )
                .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }
}
