//! WebSocket connections: who holds one, and the one-time ticket that opens an operator's.

use crate::ids::{ConnectionId, OperatorId, SiteKey, VisitorId, WorkspaceId};
use serde::{Deserialize, Serialize};

use super::{Millis, OperatorStatus, Right, Role};

/// Who holds a WebSocket connection. Operator connections carry the operator's role, status and
/// rights so that fanning out needs no further reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Peer {
    Operator {
        id: OperatorId,
        role: Role,
        status: OperatorStatus,
        /// Connections stored before rights hold what "Everyone" held then.
        #[serde(default)]
        rights: super::Rights,
        /// The session whose ticket opened it: signing that session out closes it. Absent on
        /// connections opened before sessions had ids.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session: Option<String>,
    },
    Visitor {
        id: VisitorId,
        site: SiteKey,
    },
}

impl Peer {
    /// Whether an operator connection's holder may do what `right` allows.
    pub fn can(&self, right: Right) -> bool {
        match self {
            Peer::Operator { role, rights, .. } => *role == Role::Admin || rights.contains(right),
            Peer::Visitor { .. } => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub id: ConnectionId,
    pub workspace: WorkspaceId,
    pub peer: Peer,
    pub connected_at: Millis,
    /// The last frame its console sent to keep it open (`ping`); absent until the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_at: Option<Millis>,
    /// When the store may forget it (TTL): API Gateway cuts every connection at two hours.
    pub expires_at: Millis,
}

/// API Gateway cuts a connection that sends nothing for ten minutes, and consoles ping every four:
/// a connection not heard from for this long is gone even if its `$disconnect` never arrived.
pub const CONSOLE_SILENT_MS: Millis = 11 * 60 * 1000;

impl Connection {
    /// Whether it may still be open: heard from (opened or pinged) within `CONSOLE_SILENT_MS`.
    pub fn is_live(&self, now: Millis) -> bool {
        now - self.seen_at.unwrap_or(self.connected_at) < CONSOLE_SILENT_MS
    }

    /// The operator who holds it, if an operator does.
    pub fn operator(&self) -> Option<&OperatorId> {
        match &self.peer {
            Peer::Operator { id, .. } => Some(id),
            Peer::Visitor { .. } => None,
        }
    }
}

/// Whether `op` has a console open among `connections`, by `now`.
pub fn has_console(connections: &[Connection], op: &OperatorId, now: Millis) -> bool {
    connections
        .iter()
        .any(|c| c.operator() == Some(op) && c.is_live(now))
}

/// What colleagues see of `op`, whose status is `status`, among `connections` by `now`.
pub fn presence_among(
    status: OperatorStatus,
    op: &OperatorId,
    connections: &[Connection],
    now: Millis,
) -> super::Presence {
    super::Presence::of(status, has_console(connections, op, now))
}

/// A one-time ticket that opens an operator's WebSocket; valid for seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: String,
    pub workspace: WorkspaceId,
    pub operator: OperatorId,
    /// The session it was issued to (absent on tickets issued before sessions had ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    pub expires_at: Millis,
}
