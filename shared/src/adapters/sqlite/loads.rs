//! `LoadStore`: a row per operator (`operator_loads`: available, last given a dialog) and a row
//! per open dialog in their charge (`charges`), moved inside the dialog commit's transaction; the
//! one writer SQLite allows makes the cap's count and the insert one step.

use super::SqliteStore;
use super::errors::unavailable;
use super::row::{from_json, to_json};
use crate::domain::{Load, LoadMove, Millis, QueuePace};
use crate::ids::{DialogId, OperatorId, WorkspaceId};
use crate::ports::{LoadStore, StoreError, StoreResult};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, params};

/// Moves the dialog `id` between loads as `load` says, in the commit's transaction: `NoRoom` when
/// an assignment's operator is unavailable or at the cap.
pub(super) fn move_load(
    tx: &Transaction,
    ws: &str,
    id: &str,
    load: &LoadMove,
    now: Millis,
) -> StoreResult<()> {
    if let Some(from) = &load.from {
        tx.execute(
            "DELETE FROM charges WHERE workspace = ?1 AND operator = ?2 AND dialog = ?3",
            params![ws, from.operator.as_str(), id],
        )
        .map_err(unavailable)?;
    }
    let Some(to) = &load.to else {
        return Ok(());
    };
    let op = to.operator.as_str();
    if let Some(cap) = load.cap {
        let available: bool = tx
            .query_row(
                "SELECT available FROM operator_loads WHERE workspace = ?1 AND operator = ?2",
                params![ws, op],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)?
            .unwrap_or(false);
        let counted: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM charges WHERE workspace = ?1 AND operator = ?2 AND (?3 OR held = 0)",
                params![ws, op, cap.held_counts],
                |r| r.get(0),
            )
            .map_err(unavailable)?;
        if !available || counted >= i64::from(cap.max) {
            return Err(StoreError::NoRoom);
        }
    }
    tx.execute(
        "INSERT INTO charges (workspace, operator, dialog, held) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (workspace, operator, dialog) DO UPDATE SET held = excluded.held",
        params![ws, op, id, to.held],
    )
    .map_err(unavailable)?;
    if load.gives() == Some(&to.operator) {
        set_on_load(tx, ws, op, Column::LastAssignedAt, now)?;
    }
    Ok(())
}

/// The columns of `operator_loads` written one at a time.
enum Column {
    Available,
    LastAssignedAt,
}

/// Sets one column of an operator's `operator_loads` row, creating the row if need be.
fn set_on_load(
    db: &rusqlite::Connection,
    ws: &str,
    op: &str,
    column: Column,
    value: i64,
) -> StoreResult<()> {
    let column = match column {
        Column::Available => "available",
        Column::LastAssignedAt => "last_assigned_at",
    };
    db.execute(
        &format!(
            "INSERT INTO operator_loads (workspace, operator, {column}) VALUES (?1, ?2, ?3)
             ON CONFLICT (workspace, operator) DO UPDATE SET {column} = excluded.{column}"
        ),
        params![ws, op, value],
    )
    .map_err(unavailable)?;
    Ok(())
}

/// The loads of `ws`'s operators named in `operator_loads` or `charges` (`only`: of one).
fn loads_of(db: &rusqlite::Connection, ws: &str, only: Option<&str>) -> StoreResult<Vec<Load>> {
    let mut loads: Vec<Load> = Vec::new();
    let entry = |loads: &mut Vec<Load>, op: String| -> usize {
        match loads.iter().position(|l| l.operator.as_str() == op) {
            Some(i) => i,
            None => {
                loads.push(Load::none(OperatorId::from_trusted(op)));
                loads.len() - 1
            }
        }
    };
    let mut marks = db
        .prepare_cached(
            "SELECT operator, available, last_assigned_at FROM operator_loads
             WHERE workspace = ?1 AND (?2 IS NULL OR operator = ?2)",
        )
        .map_err(unavailable)?;
    let rows = marks
        .query_map(params![ws, only], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?, r.get(2)?))
        })
        .map_err(unavailable)?;
    for row in rows {
        let (op, available, last) = row.map_err(unavailable)?;
        let i = entry(&mut loads, op);
        loads[i].available = available;
        loads[i].last_assigned_at = last;
    }
    let mut charges = db
        .prepare_cached(
            "SELECT operator, dialog, held FROM charges
             WHERE workspace = ?1 AND (?2 IS NULL OR operator = ?2) ORDER BY dialog",
        )
        .map_err(unavailable)?;
    let rows = charges
        .query_map(params![ws, only], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })
        .map_err(unavailable)?;
    for row in rows {
        let (op, dialog, held) = row.map_err(unavailable)?;
        let i = entry(&mut loads, op);
        let dialog = DialogId::from_trusted(dialog);
        if !held {
            loads[i].active.push(dialog.clone());
        }
        loads[i].all.push(dialog);
    }
    Ok(loads)
}

#[async_trait]
impl LoadStore for SqliteStore {
    async fn loads(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Load>> {
        let ws = workspace.to_string();
        self.with(move |db| loads_of(db, &ws, None)).await
    }

    async fn load(&self, workspace: &WorkspaceId, operator: &OperatorId) -> StoreResult<Load> {
        let (ws, op) = (workspace.to_string(), operator.clone());
        self.with(move |db| {
            Ok(loads_of(db, &ws, Some(op.as_str()))?
                .pop()
                .unwrap_or_else(|| Load::none(op)))
        })
        .await
    }

    async fn set_available(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        available: bool,
    ) -> StoreResult<()> {
        let (ws, op) = (workspace.to_string(), operator.to_string());
        self.with(move |db| set_on_load(db, &ws, &op, Column::Available, i64::from(available)))
            .await
    }

    async fn queue_pace(&self, workspace: &WorkspaceId) -> StoreResult<QueuePace> {
        let ws = workspace.to_string();
        self.with(move |db| {
            let body: Option<String> = db
                .query_row(
                    "SELECT body FROM queue_paces WHERE workspace = ?1",
                    [ws],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            Ok(body.map(from_json).transpose()?.unwrap_or_default())
        })
        .await
    }

    async fn put_queue_pace(&self, workspace: &WorkspaceId, pace: &QueuePace) -> StoreResult<()> {
        let (ws, body) = (workspace.to_string(), to_json(pace));
        self.with(move |db| {
            db.execute(
                "INSERT INTO queue_paces (workspace, body) VALUES (?1, ?2)
                 ON CONFLICT (workspace) DO UPDATE SET body = excluded.body",
                params![ws, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}
