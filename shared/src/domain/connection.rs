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
    /// When the store may forget it (TTL): API Gateway cuts every connection at two hours.
    pub expires_at: Millis,
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
