//! `ReportStore`: one row per workspace, day, operator and counter, each addition an upsert that
//! adds to the row's value; a report reads a range of the primary key. Presence marks are one row
//! per operator, swapped on the condition that the stored one is the expected one.

use super::SqliteStore;
use super::errors::unavailable;
use crate::domain::{Day, Figures, Millis, Presence, PresenceMark};
use crate::ids::{OperatorId, WorkspaceId};
use crate::ports::{ReportRow, ReportStore, StoreError, StoreResult};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl ReportStore for SqliteStore {
    async fn add_figures(
        &self,
        workspace: &WorkspaceId,
        day: Day,
        operator: &OperatorId,
        figures: &Figures,
    ) -> StoreResult<()> {
        let (ws, day, op) = (workspace.to_string(), day.to_string(), operator.to_string());
        let figures = *figures;
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            for (name, value) in figures.counters() {
                if value == 0 {
                    continue;
                }
                tx.execute(
                    "INSERT INTO report_counters (workspace, day, operator, counter, value)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (workspace, day, operator, counter)
                     DO UPDATE SET value = value + excluded.value",
                    params![ws, day, op, name, i64::try_from(value).unwrap_or(i64::MAX)],
                )
                .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn report_rows(
        &self,
        workspace: &WorkspaceId,
        from: Day,
        to: Day,
    ) -> StoreResult<Vec<ReportRow>> {
        let (ws, from, to) = (workspace.to_string(), from.to_string(), to.to_string());
        self.with(move |db| {
            let mut stmt = db
                .prepare(
                    "SELECT day, operator, counter, value FROM report_counters
                     WHERE workspace = ?1 AND day BETWEEN ?2 AND ?3
                     ORDER BY day, operator",
                )
                .map_err(unavailable)?;
            let found = stmt
                .query_map(params![ws, from, to], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .map_err(unavailable)?;
            let mut rows: Vec<ReportRow> = Vec::new();
            for counter in found {
                let (day, op, name, value) = counter.map_err(unavailable)?;
                let day = Day::parse(&day)
                    .ok_or_else(|| StoreError::Unavailable(format!("a report day {day:?}")))?;
                let operator = OperatorId::from_trusted(op);
                let row = match rows.last_mut() {
                    Some(last) if last.day == day && last.operator == operator => last,
                    _ => {
                        rows.push(ReportRow {
                            day,
                            operator,
                            figures: Figures::default(),
                        });
                        rows.last_mut().expect("just pushed")
                    }
                };
                row.figures.add_counter(&name, value.max(0) as u64);
            }
            Ok(rows)
        })
        .await
    }

    async fn presence_mark(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Option<PresenceMark>> {
        let (ws, op) = (workspace.to_string(), operator.to_string());
        self.with(move |db| {
            let found: Option<(String, Millis)> = db
                .query_row(
                    "SELECT presence, since FROM presence_marks
                     WHERE workspace = ?1 AND operator = ?2",
                    params![ws, op],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(unavailable)?;
            found
                .map(|(presence, since)| {
                    let presence = Presence::parse(&presence).ok_or_else(|| {
                        StoreError::Unavailable(format!("a presence {presence:?}"))
                    })?;
                    Ok(PresenceMark { presence, since })
                })
                .transpose()
        })
        .await
    }

    async fn swap_presence_mark(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        expected: Option<&PresenceMark>,
        mark: &PresenceMark,
    ) -> StoreResult<()> {
        let (ws, op) = (workspace.to_string(), operator.to_string());
        let (expected, mark) = (expected.copied(), *mark);
        self.with(move |db| {
            let changed = match expected {
                None => db.execute(
                    "INSERT INTO presence_marks (workspace, operator, presence, since)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    params![ws, op, mark.presence.as_str(), mark.since],
                ),
                Some(old) => db.execute(
                    "UPDATE presence_marks SET presence = ?3, since = ?4
                     WHERE workspace = ?1 AND operator = ?2 AND presence = ?5 AND since = ?6",
                    params![
                        ws,
                        op,
                        mark.presence.as_str(),
                        mark.since,
                        old.presence.as_str(),
                        old.since
                    ],
                ),
            }
            .map_err(unavailable)?;
            if changed == 1 {
                Ok(())
            } else {
                Err(StoreError::Conflict)
            }
        })
        .await
    }
}
