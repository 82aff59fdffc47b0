//! The embedded store: SQLite in a data folder, so a local run survives a restart. The same ports
//! and the same race semantics as DynamoDB: versions and uniqueness are enforced by the database
//! inside one transaction, never by reading first.

use crate::domain::{
    normalize_email, Connection, Dialog, DialogStatus, IndexEntry, Message, Operator, OperatorStatus, Peer, QuickReply,
    ReadMarker, Receipt, Receipts, SearchField, Side, Site, Ticket, Visitor, Workspace,
};
use crate::ids::{ClientMessageId, ConnectionId, DialogId, OperatorId, SiteKey, VisitorId, WorkspaceId};
use crate::ids::QuickReplyId;
use crate::ports::*;
use async_trait::async_trait;
use rusqlite::{params, Connection as Db, ErrorCode, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;
use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc};
use tokio::sync::oneshot;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS workspaces (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sites (key TEXT PRIMARY KEY, workspace TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sites_by_workspace ON sites (workspace);
CREATE TABLE IF NOT EXISTS operators (
    workspace TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id));
CREATE TABLE IF NOT EXISTS visitors (
    workspace TEXT NOT NULL, id TEXT NOT NULL, dialog TEXT, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id));
CREATE TABLE IF NOT EXISTS dialogs (
    workspace TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, last_activity INTEGER NOT NULL,
    version INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id));
CREATE INDEX IF NOT EXISTS dialogs_by_activity ON dialogs (workspace, status, last_activity DESC, id DESC);
CREATE TABLE IF NOT EXISTS messages (
    workspace TEXT NOT NULL, dialog TEXT NOT NULL, seq INTEGER NOT NULL, client_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, dialog, seq),
    UNIQUE (workspace, dialog, client_id));
CREATE TABLE IF NOT EXISTS receipts (
    workspace TEXT NOT NULL, dialog TEXT NOT NULL, side TEXT NOT NULL, receipt TEXT NOT NULL,
    up_to INTEGER NOT NULL,
    PRIMARY KEY (workspace, dialog, side, receipt));
CREATE TABLE IF NOT EXISTS read_markers (
    workspace TEXT NOT NULL, operator TEXT NOT NULL, dialog TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (workspace, operator, dialog));
CREATE TABLE IF NOT EXISTS connections (
    id TEXT PRIMARY KEY, workspace TEXT NOT NULL, kind TEXT NOT NULL, peer TEXT NOT NULL,
    expires_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS connections_by_peer ON connections (workspace, kind, peer);
CREATE TABLE IF NOT EXISTS tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quick_replies (
    workspace TEXT NOT NULL, operator TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, operator, id));
CREATE TABLE IF NOT EXISTS search_terms (
    workspace TEXT NOT NULL, term TEXT NOT NULL, dialog TEXT NOT NULL, field TEXT NOT NULL,
    seq INTEGER, at INTEGER NOT NULL,
    PRIMARY KEY (workspace, term, dialog, field));
"#;

/// One store call, run on the thread that owns the connection.
type Job = Box<dyn FnOnce(&mut Db) + Send>;

/// SQLite runs one statement at a time on a connection, so one thread owns it and the calls queue
/// to it: a burst of calls waits in the queue, not in as many blocked threads.
#[derive(Clone)]
pub struct SqliteStore {
    jobs: mpsc::Sender<Job>,
    clock: Arc<dyn Clock>,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("stored types serialize")
}

fn from_json<T: DeserializeOwned>(raw: String) -> StoreResult<T> {
    serde_json::from_str(&raw).map_err(|e| StoreError::Unavailable(format!("a stored row does not parse: {e}")))
}

fn side_key(side: Side) -> &'static str {
    match side {
        Side::Visitor => "visitor",
        Side::Operators => "operators",
    }
}

fn receipt_key(receipt: Receipt) -> &'static str {
    match receipt {
        Receipt::Delivered => "delivered",
        Receipt::Read => "read",
    }
}

impl SqliteStore {
    /// Opens (or creates) `parlor.db` in `folder`.
    pub fn open(folder: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(folder).map_err(|e| unavailable(format!("cannot create {}: {e}", folder.display())))?;
        let db = Db::open(folder.join("parlor.db")).map_err(unavailable)?;
        // WAL with synchronous=NORMAL survives a killed process (not a power cut) without a sync per write.
        db.pragma_update(None, "journal_mode", "WAL").map_err(unavailable)?;
        db.pragma_update(None, "synchronous", "NORMAL").map_err(unavailable)?;
        Self::init(db)
    }

    /// A store that lives as long as the process: for tests.
    pub fn in_memory() -> StoreResult<Self> {
        Self::init(Db::open_in_memory().map_err(unavailable)?)
    }

    fn init(db: Db) -> StoreResult<Self> {
        db.busy_timeout(std::time::Duration::from_secs(5)).map_err(unavailable)?;
        db.execute_batch(SCHEMA).map_err(unavailable)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("parlor-sqlite".into())
            .spawn(move || {
                let mut db = db;
                // Ends, closing the database, when the last clone of the store is dropped.
                for job in queue {
                    // A call that panics fails alone (its caller gets `Unavailable`); the thread goes on.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut db)));
                }
            })
            .map_err(unavailable)?;
        Ok(Self { jobs, clock: Arc::new(SystemClock) })
    }

    /// Runs `f` on the connection's thread and waits for its answer without blocking the runtime.
    async fn with<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> StoreResult<T> + Send + 'static,
    {
        let (done, answer) = oneshot::channel();
        let job: Job = Box::new(move |db| {
            let _ = done.send(f(db));
        });
        self.jobs.send(job).map_err(|_| unavailable("the SQLite thread has stopped"))?;
        answer.await.map_err(|_| unavailable("the SQLite call panicked"))?
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }
}

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn put_workspace(&self, workspace: &Workspace) -> StoreResult<()> {
        let (id, body) = (workspace.id.to_string(), to_json(workspace));
        self.with(move |db| {
            db.execute("INSERT OR REPLACE INTO workspaces (id, body) VALUES (?1, ?2)", params![id, body])
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn get_workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        let id = id.to_string();
        self.with(move |db| {
            let raw: Option<String> = db
                .query_row("SELECT body FROM workspaces WHERE id = ?1", [id], |r| r.get(0))
                .optional()
                .map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn put_site(&self, site: &Site) -> StoreResult<()> {
        let (key, ws, body) = (site.key.to_string(), site.workspace.to_string(), to_json(site));
        self.with(move |db| {
            // A key belongs to one workspace for good: another workspace cannot take it over.
            let written = db
                .execute(
                    "INSERT INTO sites (key, workspace, body) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET body = excluded.body WHERE sites.workspace = excluded.workspace",
                    params![key, ws, body],
                )
                .map_err(unavailable)?;
            if written == 0 { Err(StoreError::AlreadyExists) } else { Ok(()) }
        })
        .await
    }

    async fn get_site(&self, key: &SiteKey) -> StoreResult<Option<Site>> {
        let key = key.to_string();
        self.with(move |db| {
            let raw: Option<String> =
                db.query_row("SELECT body FROM sites WHERE key = ?1", [key], |r| r.get(0)).optional().map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn list_sites(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Site>> {
        let ws = workspace.to_string();
        self.with(move |db| query_bodies(db, "SELECT body FROM sites WHERE workspace = ?1 ORDER BY key", params![ws])).await
    }

    async fn create_operator(&self, operator: &Operator) -> StoreResult<()> {
        let (ws, id, email, body) =
            (operator.workspace.to_string(), operator.id.to_string(), normalize_email(&operator.email), to_json(operator));
        self.with(move |db| {
            match db.execute(
                "INSERT INTO operators (workspace, id, email, body) VALUES (?1, ?2, ?3, ?4)",
                params![ws, id, email, body],
            ) {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists),
                Err(e) => Err(unavailable(e)),
            }
        })
        .await
    }

    async fn get_operator(&self, workspace: &WorkspaceId, id: &OperatorId) -> StoreResult<Option<Operator>> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| {
            let raw: Option<String> = db
                .query_row("SELECT body FROM operators WHERE workspace = ?1 AND id = ?2", [ws, id], |r| r.get(0))
                .optional()
                .map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn find_operator_by_email(&self, email: &str) -> StoreResult<Option<Operator>> {
        let email = normalize_email(email);
        self.with(move |db| {
            let raw: Option<String> = db
                .query_row("SELECT body FROM operators WHERE email = ?1", [email], |r| r.get(0))
                .optional()
                .map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn list_operators(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Operator>> {
        let ws = workspace.to_string();
        self.with(move |db| query_bodies(db, "SELECT body FROM operators WHERE workspace = ?1 ORDER BY id", params![ws]))
            .await
    }

    async fn set_operator_status(&self, workspace: &WorkspaceId, id: &OperatorId, status: OperatorStatus) -> StoreResult<()> {
        let (ws, id, status) = (workspace.to_string(), id.to_string(), status.as_str());
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            tx.execute(
                "UPDATE operators SET body = json_set(body, '$.status', ?3) WHERE workspace = ?1 AND id = ?2",
                params![ws, id, status],
            )
            .map_err(unavailable)?;
            tx.execute(
                "UPDATE connections SET body = json_set(body, '$.peer.status', ?3)
                 WHERE workspace = ?1 AND kind = 'operator' AND peer = ?2",
                params![ws, id, status],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn put_visitor(&self, visitor: &Visitor) -> StoreResult<()> {
        let (ws, id, body) = (visitor.workspace.to_string(), visitor.id.to_string(), to_json(visitor));
        self.with(move |db| {
            // The dialog link belongs to `commit`: an upsert never touches it.
            db.execute(
                "INSERT INTO visitors (workspace, id, dialog, body) VALUES (?1, ?2, NULL, ?3)
                 ON CONFLICT (workspace, id) DO UPDATE SET body = excluded.body",
                params![ws, id, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn get_visitor(&self, workspace: &WorkspaceId, id: &VisitorId) -> StoreResult<Option<Visitor>> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| {
            let row: Option<(Option<String>, String)> = db
                .query_row("SELECT dialog, body FROM visitors WHERE workspace = ?1 AND id = ?2", [ws, id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .map_err(unavailable)?;
            row.map(|(dialog, body)| {
                let mut visitor: Visitor = from_json(body)?;
                visitor.dialog = dialog.map(DialogId::from_trusted);
                Ok(visitor)
            })
            .transpose()
        })
        .await
    }
}

fn query_bodies<T: DeserializeOwned>(db: &Db, sql: &str, args: impl rusqlite::Params) -> StoreResult<Vec<T>> {
    let mut stmt = db.prepare_cached(sql).map_err(unavailable)?;
    let rows = stmt.query_map(args, |r| r.get::<_, String>(0)).map_err(unavailable)?;
    rows.map(|r| r.map_err(unavailable).and_then(from_json)).collect()
}

#[async_trait]
impl DialogStore for SqliteStore {
    async fn get_dialog(&self, workspace: &WorkspaceId, id: &DialogId) -> StoreResult<Option<Dialog>> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| {
            let raw: Option<String> = db
                .query_row("SELECT body FROM dialogs WHERE workspace = ?1 AND id = ?2", [ws, id], |r| r.get(0))
                .optional()
                .map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn get_dialogs(&self, workspace: &WorkspaceId, ids: &[DialogId]) -> StoreResult<Vec<Dialog>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ws = workspace.to_string();
        let ids = to_json(&ids.iter().map(|d| d.as_str()).collect::<Vec<_>>());
        self.with(move |db| {
            query_bodies(db, "SELECT body FROM dialogs WHERE workspace = ?1 AND id IN (SELECT value FROM json_each(?2))", params![ws, ids])
        })
        .await
    }

    async fn commit(&self, dialog: &Dialog, messages: &[Message]) -> StoreResult<()> {
        let dialog = dialog.clone();
        let messages = messages.to_vec();
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            let (ws, id) = (dialog.workspace.to_string(), dialog.id.to_string());
            let body = to_json(&dialog);
            let version = dialog.version as i64;
            if dialog.version == 1 {
                let inserted = tx.execute(
                    "INSERT INTO dialogs (workspace, id, status, last_activity, version, body) VALUES (?1, ?2, ?3, ?4, 1, ?5)",
                    params![ws, id, dialog.status.as_str(), dialog.last_activity, body],
                );
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict),
                    other => other.map_err(unavailable)?,
                };
                let linked = tx
                    .execute(
                        "UPDATE visitors SET dialog = ?3 WHERE workspace = ?1 AND id = ?2 AND dialog IS NULL",
                        params![ws, dialog.visitor.to_string(), id],
                    )
                    .map_err(unavailable)?;
                if linked == 0 {
                    return Err(StoreError::Conflict);
                }
            } else {
                let updated = tx
                    .execute(
                        "UPDATE dialogs SET status = ?3, last_activity = ?4, version = ?5, body = ?6
                         WHERE workspace = ?1 AND id = ?2 AND version = ?7",
                        params![ws, id, dialog.status.as_str(), dialog.last_activity, version, body, version - 1],
                    )
                    .map_err(unavailable)?;
                if updated == 0 {
                    return Err(StoreError::Conflict);
                }
            }
            for m in &messages {
                let inserted = tx.execute(
                    "INSERT INTO messages (workspace, dialog, seq, client_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![ws, id, m.seq as i64, m.client_id.as_str(), to_json(m)],
                );
                match inserted {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::DuplicateMessage),
                    Err(e) => return Err(unavailable(e)),
                }
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn find_message_by_client_id(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        client_id: &ClientMessageId,
    ) -> StoreResult<Option<Message>> {
        let (ws, dialog, cid) = (workspace.to_string(), dialog.to_string(), client_id.to_string());
        self.with(move |db| {
            let raw: Option<String> = db
                .query_row(
                    "SELECT body FROM messages WHERE workspace = ?1 AND dialog = ?2 AND client_id = ?3",
                    [ws, dialog, cid],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn messages_before(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        before: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        let (ws, dialog) = (workspace.to_string(), dialog.to_string());
        let before = before.map_or(i64::MAX, |b| b as i64);
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM messages WHERE workspace = ?1 AND dialog = ?2 AND seq < ?3 ORDER BY seq DESC LIMIT ?4",
                params![ws, dialog, before, limit as i64],
            )
        })
        .await
    }

    async fn messages_after(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        let (ws, dialog) = (workspace.to_string(), dialog.to_string());
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM messages WHERE workspace = ?1 AND dialog = ?2 AND seq > ?3 ORDER BY seq ASC LIMIT ?4",
                params![ws, dialog, after as i64, limit as i64],
            )
        })
        .await
    }

    async fn list_dialogs(
        &self,
        workspace: &WorkspaceId,
        status: DialogStatus,
        after: Option<&DialogCursor>,
        limit: usize,
    ) -> StoreResult<Vec<Dialog>> {
        let ws = workspace.to_string();
        let (at, id) = after.map_or((i64::MAX, String::new()), |c| (c.last_activity, c.id.to_string()));
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM dialogs WHERE workspace = ?1 AND status = ?2
                   AND (last_activity < ?3 OR (last_activity = ?3 AND (?4 = '' OR id < ?4)))
                 ORDER BY last_activity DESC, id DESC LIMIT ?5",
                params![ws, status.as_str(), at, id, limit as i64],
            )
        })
        .await
    }
}

#[async_trait]
impl ReceiptStore for SqliteStore {
    async fn get_receipts(&self, workspace: &WorkspaceId, dialog: &DialogId) -> StoreResult<Receipts> {
        let (ws, dialog) = (workspace.to_string(), dialog.to_string());
        self.with(move |db| {
            let mut stmt = db
                .prepare_cached("SELECT side, receipt, up_to FROM receipts WHERE workspace = ?1 AND dialog = ?2")
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([ws, dialog], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))
                .map_err(unavailable)?;
            let mut receipts = Receipts::default();
            for row in rows {
                let (side, receipt, up_to) = row.map_err(unavailable)?;
                let side = if side == "visitor" { Side::Visitor } else { Side::Operators };
                let receipt = if receipt == "read" { Receipt::Read } else { Receipt::Delivered };
                receipts.set(side, receipt, up_to as u64);
            }
            Ok(receipts)
        })
        .await
    }

    async fn advance_receipt(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        side: Side,
        receipt: Receipt,
        up_to: u64,
    ) -> StoreResult<bool> {
        if up_to == 0 {
            return Ok(false); // every watermark starts at 0
        }
        let (ws, dialog) = (workspace.to_string(), dialog.to_string());
        self.with(move |db| {
            let changed = db
                .execute(
                    "INSERT INTO receipts (workspace, dialog, side, receipt, up_to) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (workspace, dialog, side, receipt) DO UPDATE SET up_to = excluded.up_to
                     WHERE excluded.up_to > receipts.up_to",
                    params![ws, dialog, side_key(side), receipt_key(receipt), up_to as i64],
                )
                .map_err(unavailable)?;
            Ok(changed > 0)
        })
        .await
    }
}

#[async_trait]
impl ReadMarkerStore for SqliteStore {
    async fn put_read_marker(&self, marker: &ReadMarker) -> StoreResult<()> {
        let (ws, op, dialog, body) =
            (marker.workspace.to_string(), marker.operator.to_string(), marker.dialog.to_string(), to_json(marker));
        self.with(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO read_markers (workspace, operator, dialog, body) VALUES (?1, ?2, ?3, ?4)",
                params![ws, op, dialog, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn read_markers(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        dialogs: &[DialogId],
    ) -> StoreResult<Vec<ReadMarker>> {
        if dialogs.is_empty() {
            return Ok(Vec::new());
        }
        let (ws, op) = (workspace.to_string(), operator.to_string());
        let ids = to_json(&dialogs.iter().map(|d| d.as_str()).collect::<Vec<_>>());
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM read_markers WHERE workspace = ?1 AND operator = ?2
                   AND dialog IN (SELECT value FROM json_each(?3))",
                params![ws, op, ids],
            )
        })
        .await
    }
}

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
        let (id, ws, exp, body) =
            (connection.id.to_string(), connection.workspace.to_string(), connection.expires_at, to_json(connection));
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
                .query_row("SELECT body FROM connections WHERE id = ?1 AND expires_at > ?2", params![id, now], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn delete_connection(&self, id: &ConnectionId) -> StoreResult<()> {
        let id = id.to_string();
        self.with(move |db| {
            db.execute("DELETE FROM connections WHERE id = ?1", [id]).map_err(unavailable)?;
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

    async fn visitor_connections(&self, workspace: &WorkspaceId, visitor: &VisitorId) -> StoreResult<Vec<Connection>> {
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

#[async_trait]
impl TicketStore for SqliteStore {
    async fn put_ticket(&self, ticket: &Ticket) -> StoreResult<()> {
        let (id, exp, body) = (ticket.id.clone(), ticket.expires_at, to_json(ticket));
        self.with(move |db| {
            db.execute("INSERT INTO tickets (id, expires_at, body) VALUES (?1, ?2, ?3)", params![id, exp, body])
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
                .query_row("DELETE FROM tickets WHERE id = ?1 RETURNING body, expires_at", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .map_err(unavailable)?;
            db.execute("DELETE FROM tickets WHERE expires_at <= ?1", [now]).map_err(unavailable)?;
            match raw {
                Some((body, exp)) if exp > now => Ok(Some(from_json(body)?)),
                _ => Ok(None),
            }
        })
        .await
    }
}

#[async_trait]
impl QuickReplyStore for SqliteStore {
    async fn put_quick_reply(&self, reply: &QuickReply) -> StoreResult<()> {
        let (ws, op, id, at, body) =
            (reply.workspace.to_string(), reply.operator.to_string(), reply.id.to_string(), reply.created_at, to_json(reply));
        self.with(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO quick_replies (workspace, operator, id, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![ws, op, id, at, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn list_quick_replies(&self, workspace: &WorkspaceId, operator: &OperatorId) -> StoreResult<Vec<QuickReply>> {
        let (ws, op) = (workspace.to_string(), operator.to_string());
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM quick_replies WHERE workspace = ?1 AND operator = ?2 ORDER BY created_at, id",
                params![ws, op],
            )
        })
        .await
    }

    async fn delete_quick_reply(&self, workspace: &WorkspaceId, operator: &OperatorId, id: &QuickReplyId) -> StoreResult<()> {
        let (ws, op, id) = (workspace.to_string(), operator.to_string(), id.to_string());
        self.with(move |db| {
            db.execute("DELETE FROM quick_replies WHERE workspace = ?1 AND operator = ?2 AND id = ?3", params![ws, op, id])
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl SearchIndex for SqliteStore {
    async fn index_terms(&self, workspace: &WorkspaceId, entries: &[IndexEntry]) -> StoreResult<()> {
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

    async fn find_terms(&self, workspace: &WorkspaceId, prefix: &str, limit: usize) -> StoreResult<Vec<IndexEntry>> {
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
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?, r.get(4)?))
                })
                .map_err(unavailable)?;
            let mut entries = Vec::new();
            for row in found {
                let (term, dialog, field, seq, at) = row.map_err(unavailable)?;
                let field = SearchField::parse(&field).ok_or_else(|| unavailable(format!("unknown search field {field}")))?;
                entries.push(IndexEntry { term, dialog: DialogId::from_trusted(dialog), field, seq, at });
            }
            Ok(entries)
        })
        .await
    }
}
