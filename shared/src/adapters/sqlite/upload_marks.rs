//! `UploadMarkStore`: one row per upload put in a message, taken by `INSERT … ON CONFLICT DO
//! NOTHING`; expired rows are deleted as new ones are written.

use super::SqliteStore;
use super::errors::unavailable;
use crate::domain::UploadMark;
use crate::ports::{Marked, StoreResult, UploadMarkStore};
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl UploadMarkStore for SqliteStore {
    async fn mark_upload(&self, mark: &UploadMark) -> StoreResult<Marked> {
        let (mark, now) = (mark.clone(), self.now());
        self.with(move |db| {
            // Through the expiry index: each expired row is deleted once.
            db.execute("DELETE FROM upload_marks WHERE expires_at <= ?1", [now])
                .map_err(unavailable)?;
            let added = db
                .execute(
                    "INSERT INTO upload_marks (workspace, attachment, message, expires_at) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    params![
                        mark.workspace.as_str(),
                        mark.attachment.as_str(),
                        mark.message,
                        mark.expires_at
                    ],
                )
                .map_err(unavailable)?;
            if added == 1 {
                return Ok(Marked::New);
            }
            // The connection's one thread runs this call alone: the row read is the one that won.
            let holder: String = db
                .query_row(
                    "SELECT message FROM upload_marks WHERE workspace = ?1 AND attachment = ?2",
                    params![mark.workspace.as_str(), mark.attachment.as_str()],
                    |r| r.get(0),
                )
                .map_err(unavailable)?;
            Ok(if holder == mark.message {
                Marked::Again
            } else {
                Marked::Taken
            })
        })
        .await
    }

    async fn unmark_upload(&self, mark: &UploadMark) -> StoreResult<()> {
        let mark = mark.clone();
        self.with(move |db| {
            db.execute(
                "DELETE FROM upload_marks WHERE workspace = ?1 AND attachment = ?2 AND message = ?3",
                params![
                    mark.workspace.as_str(),
                    mark.attachment.as_str(),
                    mark.message
                ],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}
