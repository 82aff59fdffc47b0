//! `TicketStore`: one-time tickets, taken by `DELETE … RETURNING`.

use super::SqliteStore;
use super::errors::unavailable;
use super::row::{from_json, to_json};
use crate::domain::Ticket;
use crate::ports::{StoreResult, TicketStore};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl TicketStore for SqliteStore {
    async fn put_ticket(&self, ticket: &Ticket) -> StoreResult<()> {
        let (id, exp, body) = (ticket.id.clone(), ticket.expires_at, to_json(ticket));
        self.with(move |db| {
            db.execute(
                "INSERT INTO tickets (id, expires_at, body) VALUES (?1, ?2, ?3)",
                params![id, exp, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn take_ticket(&self, id: &str) -> StoreResult<Option<Ticket>> {
        let (id, now) = (id.to_owned(), self.now());
        self.with(move |db| {
            // DELETE … RETURNING takes it at most once, however many try at the same time.
            let raw: Option<(String, i64)> = db
                .query_row(
                    "DELETE FROM tickets WHERE id = ?1 RETURNING body, expires_at",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(unavailable)?;
            db.execute("DELETE FROM tickets WHERE expires_at <= ?1", [now])
                .map_err(unavailable)?;
            match raw {
                Some((body, exp)) if exp > now => Ok(Some(from_json(body)?)),
                _ => Ok(None),
            }
        })
        .await
    }
}
