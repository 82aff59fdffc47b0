//! `LimitStore`: one row per counter. A hit reads and writes its row in one transaction on the
//! connection's one thread, so concurrent hits each get a count of their own; rows of ended
//! windows are deleted as hits come (by an index on `ends_at`), as TTL deletes them in DynamoDB.

use super::SqliteStore;
use super::errors::unavailable;
use crate::domain::Millis;
use crate::ports::{LimitStore, StoreResult, Tally};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl LimitStore for SqliteStore {
    async fn hit(&self, key: &str, now: Millis, ends_at: Millis) -> StoreResult<Tally> {
        let key = key.to_owned();
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            tx.execute("DELETE FROM limit_counters WHERE ends_at <= ?1", [now])
                .map_err(unavailable)?;
            let running: Option<(i64, Millis, Millis)> = tx
                .query_row(
                    "SELECT count, last_at, ends_at FROM limit_counters WHERE key = ?1",
                    [&key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(unavailable)?;
            let tally = match running {
                Some((count, last_at, ends)) => Tally {
                    count: count.max(0) as u64 + 1,
                    previous_at: Some(last_at),
                    ends_at: ends,
                },
                None => Tally {
                    count: 1,
                    previous_at: None,
                    ends_at,
                },
            };
            tx.execute(
                "INSERT INTO limit_counters (key, count, last_at, ends_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET count = excluded.count,
                     last_at = excluded.last_at, ends_at = excluded.ends_at",
                params![key, tally.count as i64, now, tally.ends_at],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(tally)
        })
        .await
    }

    async fn tally(&self, key: &str, now: Millis) -> StoreResult<Option<Tally>> {
        let key = key.to_owned();
        self.with(move |db| {
            let found: Option<(i64, Millis, Millis)> = db
                .query_row(
                    "SELECT count, last_at, ends_at FROM limit_counters
                     WHERE key = ?1 AND ends_at > ?2",
                    params![key, now],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(unavailable)?;
            Ok(found.map(|(count, last_at, ends_at)| Tally {
                count: count.max(0) as u64,
                previous_at: Some(last_at),
                ends_at,
            }))
        })
        .await
    }

    async fn forget(&self, key: &str) -> StoreResult<()> {
        let key = key.to_owned();
        self.with(move |db| {
            db.execute("DELETE FROM limit_counters WHERE key = ?1", [key])
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}
