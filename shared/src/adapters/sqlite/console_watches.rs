//! `ConsoleWatchStore`: one row per watched operator, found by its due time through an index.

use super::SqliteStore;
use super::errors::unavailable;
use crate::domain::Millis;
use crate::ids::{OperatorId, WorkspaceId};
use crate::ports::{ConsoleWatch, ConsoleWatchStore, StoreResult};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

fn watch_of(workspace: String, operator: String, due_at: Millis) -> ConsoleWatch {
    ConsoleWatch {
        workspace: WorkspaceId::from_trusted(workspace),
        operator: OperatorId::from_trusted(operator),
        due_at,
    }
}

#[async_trait]
impl ConsoleWatchStore for SqliteStore {
    async fn watch_console(&self, watch: &ConsoleWatch) -> StoreResult<()> {
        let (ws, op, due) = (
            watch.workspace.to_string(),
            watch.operator.to_string(),
            watch.due_at,
        );
        self.with(move |db| {
            db.execute(
                "INSERT INTO console_watches (workspace, operator, due_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (workspace, operator) DO UPDATE SET due_at = excluded.due_at",
                params![ws, op, due],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn console_watch(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Option<ConsoleWatch>> {
        let (ws, op) = (workspace.to_string(), operator.to_string());
        self.with(move |db| {
            let due: Option<Millis> = db
                .query_row(
                    "SELECT due_at FROM console_watches WHERE workspace = ?1 AND operator = ?2",
                    params![ws, op],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            Ok(due.map(|due| watch_of(ws, op, due)))
        })
        .await
    }

    async fn unwatch_console(&self, watch: &ConsoleWatch) -> StoreResult<bool> {
        let (ws, op, due) = (
            watch.workspace.to_string(),
            watch.operator.to_string(),
            watch.due_at,
        );
        self.with(move |db| {
            let deleted = db
                .execute(
                    "DELETE FROM console_watches WHERE workspace = ?1 AND operator = ?2 AND due_at = ?3",
                    params![ws, op, due],
                )
                .map_err(unavailable)?;
            Ok(deleted > 0)
        })
        .await
    }

    async fn consoles_due(&self, now: Millis, limit: usize) -> StoreResult<Vec<ConsoleWatch>> {
        self.with(move |db| {
            let mut stmt = db
                .prepare(
                    "SELECT workspace, operator, due_at FROM console_watches
                     WHERE due_at <= ?1 ORDER BY due_at LIMIT ?2",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map(params![now, limit as i64], |r| {
                    Ok(watch_of(r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(unavailable)?;
            rows.collect::<Result<_, _>>().map_err(unavailable)
        })
        .await
    }
}
