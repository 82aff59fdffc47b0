//! `ConnectionStore`: one row per WebSocket connection, found by its peer; expired rows are left out.

use super::SqliteStore;
use super::errors::unavailable;
use super::row::{from_json, query_bodies, to_json};
use crate::domain::{Connection, Millis, Peer};
use crate::ids::{ConnectionId, OperatorId, VisitorId, WorkspaceId};
use crate::ports::{ConnectionStore, StoreResult};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

fn peer_columns(peer: &Peer) -> (&'static str, String) {
    match peer {
        Peer::Operator { id, .. } => ("operator", id.to_string()),
        Peer::Visitor { id, .. } => ("visitor", id.to_string()),
    }
}

#[async_trait]
impl ConnectionStore for SqliteStore {
    async fn put_connection(&self, connection: &Connection) -> StoreResult<()> {
        let (kind, peer) = peer_columns(&connection.peer);
        let (id, ws, exp, body) = (
            connection.id.to_string(),
            connection.workspace.to_string(),
            connection.expires_at,
            to_json(connection),
        );
        self.with(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO connections (id, workspace, kind, peer, expires_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, ws, kind, peer, exp, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn get_connection(&self, id: &ConnectionId) -> StoreResult<Option<Connection>> {
        let (id, now) = (id.to_string(), self.now());
        self.with(move |db| {
            let raw: Option<String> = db
                .query_row(
                    "SELECT body FROM connections WHERE id = ?1 AND expires_at > ?2",
                    params![id, now],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn delete_connection(&self, id: &ConnectionId) -> StoreResult<()> {
        let id = id.to_string();
        self.with(move |db| {
            db.execute("DELETE FROM connections WHERE id = ?1", [id])
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn touch_connection(&self, id: &ConnectionId, at: Millis) -> StoreResult<()> {
        let id = id.to_string();
        self.with(move |db| {
            db.execute(
                "UPDATE connections SET body = json_set(body, '$.seen_at', ?2) WHERE id = ?1",
                params![id, at],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn operator_connections(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Connection>> {
        let (ws, now) = (workspace.to_string(), self.now());
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM connections WHERE workspace = ?1 AND kind = 'operator' AND expires_at > ?2",
                params![ws, now],
            )
        })
        .await
    }

    async fn connections_of_operator(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Vec<Connection>> {
        let (ws, op, now) = (workspace.to_string(), operator.to_string(), self.now());
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM connections WHERE workspace = ?1 AND kind = 'operator' AND peer = ?2 AND expires_at > ?3",
                params![ws, op, now],
            )
        })
        .await
    }

    async fn visitor_connections(
        &self,
        workspace: &WorkspaceId,
        visitor: &VisitorId,
    ) -> StoreResult<Vec<Connection>> {
        let (ws, visitor, now) = (workspace.to_string(), visitor.to_string(), self.now());
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM connections WHERE workspace = ?1 AND kind = 'visitor' AND peer = ?2 AND expires_at > ?3",
                params![ws, visitor, now],
            )
        })
        .await
    }
}
