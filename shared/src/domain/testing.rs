//! People for the unit tests of the domain and of what is built on it: an operator and a visitor
//! of one workspace and site.

use super::{Connection, Operator, OperatorStatus, Peer, Role, Visitor, VisitorSource};
use crate::ids::{ConnectionId, OperatorId, SiteKey, VisitorId, WorkspaceId};

pub(crate) fn operator(name: &str, role: Role, status: OperatorStatus) -> Operator {
    Operator {
        id: OperatorId::generate(),
        workspace: WorkspaceId::from_trusted("ws_1"),
        email: super::Email::operator(&format!("{name}@example.com")).expect("an address"),
        name: name.into(),
        role,
        status,
        password_hash: String::new(),
        groups: Vec::new(),
        rights: Default::default(),
        active: true,
        sessions_ended_at: 0,
        signed_out: Vec::new(),
        version: 0,
    }
}

/// Vera, of site `site_1`, before her first message.
pub(crate) fn visitor() -> Visitor {
    Visitor {
        id: VisitorId::generate(),
        workspace: WorkspaceId::from_trusted("ws_1"),
        site: SiteKey::from_trusted("site_1"),
        name: Some("Vera".into()),
        email: None,
        phone: None,
        dialog: None,
        source: VisitorSource::default(),
        created_at: 0,
        current_page: None,
        contact: None,
    }
}

/// The visitor's dialog after their first message ("hi", at 2), taken by nobody yet.
pub(crate) fn waiting_dialog(visitor: &Visitor) -> super::Dialog {
    let mut dialog = super::Dialog::start(visitor, 1);
    dialog
        .visitor_message(
            visitor,
            crate::ids::ClientMessageId::parse("c1").unwrap(),
            "hi",
            None,
            2,
        )
        .unwrap();
    dialog
}

/// A socket of `op`'s (`{name}-{tab}`), carrying their role, status and rights as a stored one does.
pub(crate) fn operator_tab(op: &Operator, tab: &str) -> Connection {
    Connection {
        id: ConnectionId::from_trusted(format!("{}-{tab}", op.name)),
        workspace: op.workspace.clone(),
        peer: Peer::Operator {
            id: op.id.clone(),
            role: op.role,
            status: op.status,
            rights: op.rights.clone(),
            session: None,
        },
        connected_at: 0,
        seen_at: None,
        expires_at: 0,
    }
}
