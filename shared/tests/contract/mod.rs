//! The store ports' contract: every check is an `async fn(Arc<dyn Store>)`, run against SQLite and
//! against DynamoDB Local by `store_contract.rs`. Races included: both stores must fail the same way.

use std::collections::HashSet;
use std::sync::Arc;

mod contacts;
mod deletes;
mod distribution;
mod limits;
mod merge;
pub use contacts::*;
pub use merge::*;
mod presence;
mod privacy;
pub use deletes::*;
pub use distribution::*;
pub use limits::*;
pub use privacy::*;
mod reports;
mod tags;
pub use presence::*;
pub use reports::*;
pub use tags::*;

use parlor_core::domain::{
    Connection, Dialog, DialogStatus, Email, Group, Message, Millis, Operator, OperatorStatus,
    Peer, ReadMarker, Receipt, Receipts, Right, Rights, Role, Side, SignedOut, Site, Ticket,
    UploadMark, Visitor, VisitorSource, Workspace,
};
use parlor_core::ids::{
    AttachmentId, ClientMessageId, ConnectionId, DialogId, GroupId, OperatorId, SiteKey, VisitorId,
    WorkspaceId,
};
use parlor_core::ports::{Clock, DialogCursor, Marked, Store, StoreError, SystemClock};

const T0: Millis = 1_700_000_000_000;

fn workspace() -> Workspace {
    Workspace {
        id: WorkspaceId::generate(),
        name: "Acme".into(),
        created_at: T0,
        attachment_limits: Default::default(),
        // Not the defaults, so the round trip shows the settings are kept.
        handling: parlor_core::domain::ChatHandling {
            reply_time_limit_secs: Some(300),
            held_counts_against_limit: true,
            ..Default::default()
        },
        contact_fields: vec![parlor_core::domain::FieldDefinition {
            key: "plan".into(),
            label: "Plan".into(),
        }],
    }
}

fn site(ws: &WorkspaceId) -> Site {
    Site {
        key: SiteKey::generate(),
        workspace: ws.clone(),
        name: "acme.example".into(),
        allowed_origins: vec!["https://acme.example".into()],
        settings: Default::default(),
        // Set, so the round trip shows it is kept.
        identity_secret: Some("pis_secret".into()),
    }
}

fn operator(ws: &WorkspaceId, email: &str) -> Operator {
    Operator {
        id: OperatorId::generate(),
        workspace: ws.clone(),
        email: Email::operator(email).expect("an operator email"),
        name: email.split('@').next().unwrap_or("op").into(),
        role: Role::Operator,
        status: OperatorStatus::Online,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        groups: Vec::new(),
        rights: Default::default(),
        active: true,
        sessions_ended_at: 0,
        signed_out: Vec::new(),
        version: 0,
    }
}

fn visitor(ws: &WorkspaceId) -> Visitor {
    Visitor {
        id: VisitorId::generate(),
        workspace: ws.clone(),
        site: SiteKey::generate(),
        name: Some("Vera".into()),
        email: None,
        phone: None,
        dialog: None,
        source: VisitorSource {
            referrer: Some("https://search.example/?q=chat".into()),
            landing_page: Some("https://acme.example/pricing".into()),
            utm: Some([("utm_source".to_owned(), "newsletter".to_owned())].into()),
        },
        created_at: T0,
        current_page: None,
        contact: None,
    }
}

fn unique_email(name: &str) -> String {
    format!("{name}.{}@example.com", parlor_core::ids::random_token(""))
}

fn cid(raw: &str) -> ClientMessageId {
    ClientMessageId::parse(raw).expect("a valid client id")
}

/// A stored visitor and the first commit of their dialog, not yet sent.
async fn new_visitor(store: &Arc<dyn Store>, ws: &WorkspaceId) -> Visitor {
    let v = visitor(ws);
    store.put_visitor(&v).await.expect("visitor stored");
    v
}

/// The dialog a visitor's first message creates, ready to commit at version 1.
fn first_message(v: &Visitor, client_id: &str, at: Millis) -> (Dialog, Vec<Message>) {
    let mut dialog = Dialog::start(v, at);
    let messages = next_message(&mut dialog, v, client_id, at);
    (dialog, messages)
}

/// Another visitor message, the dialog's version bumped as a use-case would.
fn next_message(dialog: &mut Dialog, v: &Visitor, client_id: &str, at: Millis) -> Vec<Message> {
    let messages = dialog
        .visitor_message(v, cid(client_id), format!("hello {client_id}"), None, at)
        .expect("valid");
    dialog.version += 1;
    messages
}

async fn stored_dialog(store: &Arc<dyn Store>, v: &Visitor, at: Millis) -> Dialog {
    let (dialog, messages) = first_message(v, "first", at);
    store
        .commit(&dialog, &messages, &Default::default())
        .await
        .expect("first commit");
    dialog
}

fn seqs(messages: &[Message]) -> Vec<u64> {
    messages.iter().map(|m| m.seq).collect()
}

fn ids(connections: &[Connection]) -> HashSet<String> {
    connections.iter().map(|c| c.id.to_string()).collect()
}

fn operator_connection(ws: &WorkspaceId, op: &OperatorId, expires_at: Millis) -> Connection {
    Connection {
        id: ConnectionId::from_trusted(parlor_core::ids::random_token("c")),
        workspace: ws.clone(),
        peer: Peer::Operator {
            id: op.clone(),
            role: Role::Operator,
            status: OperatorStatus::Online,
            rights: Default::default(),
            session: Some("ses_1".into()),
        },
        connected_at: T0,
        seen_at: None,
        expires_at,
    }
}

fn visitor_connection(ws: &WorkspaceId, v: &VisitorId, expires_at: Millis) -> Connection {
    Connection {
        id: ConnectionId::from_trusted(parlor_core::ids::random_token("c")),
        workspace: ws.clone(),
        peer: Peer::Visitor {
            id: v.clone(),
            site: SiteKey::generate(),
        },
        connected_at: T0,
        seen_at: None,
        expires_at,
    }
}

fn in_two_hours() -> Millis {
    SystemClock.now() + 2 * 60 * 60 * 1000
}

pub async fn workspace_site_and_operator_round_trip(store: Arc<dyn Store>) {
    let ws = workspace();
    store.put_workspace(&ws).await.unwrap();
    assert_eq!(store.get_workspace(&ws.id).await.unwrap(), Some(ws.clone()));
    assert_eq!(
        store.get_workspace(&WorkspaceId::generate()).await.unwrap(),
        None
    );

    let mut s = site(&ws.id);
    store.put_site(&s).await.unwrap();
    assert_eq!(store.get_site(&s.key).await.unwrap(), Some(s.clone()));
    s.allowed_origins.clear();
    store.put_site(&s).await.unwrap();
    assert_eq!(
        store.get_site(&s.key).await.unwrap(),
        Some(s.clone()),
        "a put replaces the site"
    );
    assert_eq!(store.get_site(&SiteKey::generate()).await.unwrap(), None);

    let op = operator(&ws.id, &unique_email("anna"));
    store.create_operator(&op).await.unwrap();
    assert_eq!(
        store.get_operator(&ws.id, &op.id).await.unwrap(),
        Some(op.clone())
    );
    assert_eq!(
        store
            .find_operators_by_email(op.email.as_str())
            .await
            .unwrap(),
        vec![op.clone()]
    );
    assert_eq!(
        store
            .find_operators_by_email(&op.email.as_str().to_uppercase())
            .await
            .unwrap(),
        vec![op.clone()],
        "emails compare case-insensitively"
    );
    assert_eq!(
        store
            .get_operator(&WorkspaceId::generate(), &op.id)
            .await
            .unwrap(),
        None,
        "another workspace"
    );
    assert_eq!(
        store
            .find_operators_by_email("nobody@example.com")
            .await
            .unwrap(),
        Vec::new()
    );

    store
        .set_operator_status(&ws.id, &op.id, OperatorStatus::Away)
        .await
        .unwrap();
    let away = store.get_operator(&ws.id, &op.id).await.unwrap().unwrap();
    assert_eq!(away.status, OperatorStatus::Away);
    store
        .set_operator_status(&ws.id, &OperatorId::generate(), OperatorStatus::Away)
        .await
        .unwrap();
    assert_eq!(
        store.list_operators(&ws.id).await.unwrap().len(),
        1,
        "an unknown operator is not created"
    );
}

pub async fn sites_are_listed_per_workspace(store: Arc<dyn Store>) {
    let (ws, other) = (WorkspaceId::generate(), WorkspaceId::generate());
    let mine = [site(&ws), site(&ws)];
    for s in mine.iter().chain([&site(&other)]) {
        store.put_site(s).await.unwrap();
    }
    let mut listed = store.list_sites(&ws).await.unwrap();
    listed.sort_by(|a, b| a.key.cmp(&b.key));
    let mut expected = mine.to_vec();
    expected.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(listed, expected);
    assert!(
        store
            .list_sites(&WorkspaceId::generate())
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn operators_are_listed_per_workspace(store: Arc<dyn Store>) {
    let (ws, other) = (WorkspaceId::generate(), WorkspaceId::generate());
    let mine = [
        operator(&ws, &unique_email("a")),
        operator(&ws, &unique_email("b")),
    ];
    for op in mine.iter().chain([&operator(&other, &unique_email("c"))]) {
        store.create_operator(op).await.unwrap();
    }
    let listed: HashSet<OperatorId> = store
        .list_operators(&ws)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(listed, mine.iter().map(|o| o.id.clone()).collect());
}

pub async fn operator_emails_are_unique_within_a_workspace(store: Arc<dyn Store>) {
    let email = unique_email("boris");
    let ws = WorkspaceId::generate();
    let first = operator(&ws, &email);
    store.create_operator(&first).await.unwrap();

    let same_email = operator(&ws, &email.to_uppercase());
    assert_eq!(
        store.create_operator(&same_email).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(
        store
            .get_operator(&same_email.workspace, &same_email.id)
            .await
            .unwrap(),
        None,
        "nothing written"
    );

    // The same address in another workspace is another operator.
    let elsewhere = operator(&WorkspaceId::generate(), &email.to_uppercase());
    store.create_operator(&elsewhere).await.unwrap();
    let mut found = store.find_operators_by_email(&email).await.unwrap();
    found.sort_by(|a, b| a.workspace.as_str().cmp(b.workspace.as_str()));
    let mut expected = vec![first.clone(), elsewhere.clone()];
    expected.sort_by(|a, b| a.workspace.as_str().cmp(b.workspace.as_str()));
    assert_eq!(found, expected);

    let same_id = Operator {
        email: Email::operator(&unique_email("other")).unwrap(),
        ..first.clone()
    };
    assert_eq!(
        store.create_operator(&same_id).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(
        store
            .find_operators_by_email(same_id.email.as_str())
            .await
            .unwrap(),
        Vec::new(),
        "nothing written"
    );
    assert_eq!(
        store
            .find_operators_by_email(&unique_email("nobody"))
            .await
            .unwrap(),
        Vec::new()
    );
}

/// An operator's record as a use-case changes it: the version bumped.
fn changed(op: &Operator, change: impl FnOnce(&mut Operator)) -> Operator {
    let mut next = op.clone();
    change(&mut next);
    next.version += 1;
    next
}

pub async fn an_operator_is_updated_on_its_version_and_keeps_its_status(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let anna = operator(&ws, &unique_email("anna"));
    store.create_operator(&anna).await.unwrap();
    let connection = operator_connection(&ws, &anna.id, in_two_hours());
    store.put_connection(&connection).await.unwrap();
    store
        .set_operator_status(&ws, &anna.id, OperatorStatus::Away)
        .await
        .unwrap();

    // Read before the status changed: the write leaves the stored status alone.
    let renamed = changed(&anna, |o| {
        o.name = "Anna K.".into();
        o.role = Role::Admin;
        o.active = false;
        o.sessions_ended_at = T0;
        o.signed_out = vec![SignedOut {
            session: "ses_1".into(),
            issued_at: T0 - 10,
            expires_at: T0 + 10,
        }];
    });
    store.update_operator(&renamed, None).await.unwrap();
    let stored = store.get_operator(&ws, &anna.id).await.unwrap().unwrap();
    assert_eq!(
        stored,
        Operator {
            status: OperatorStatus::Away,
            ..renamed.clone()
        }
    );
    let role = |c: Connection| match c.peer {
        Peer::Operator { role, .. } => role,
        Peer::Visitor { .. } => panic!("an operator connection"),
    };
    assert_eq!(
        role(store.get_connection(&connection.id).await.unwrap().unwrap()),
        Role::Admin,
        "the connection carries the new role"
    );
    assert_eq!(
        store
            .find_operators_by_email(anna.email.as_str())
            .await
            .unwrap(),
        vec![stored.clone()]
    );

    // A write on a version that moved on loses, and changes nothing.
    let stale = changed(&anna, |o| o.name = "Stale".into());
    assert_eq!(
        store.update_operator(&stale, None).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.get_operator(&ws, &anna.id).await.unwrap(),
        Some(stored.clone())
    );
    let unknown = changed(&operator(&ws, &unique_email("ghost")), |_| {});
    assert_eq!(
        store.update_operator(&unknown, None).await,
        Err(StoreError::Conflict),
        "an unknown operator is not created"
    );
    assert_eq!(store.get_operator(&ws, &unknown.id).await.unwrap(), None);
}

pub async fn two_admins_demoting_each_other_leave_one(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let admin = |name: &str| Operator {
        role: Role::Admin,
        ..operator(&ws, &unique_email(name))
    };
    let (ada, bob, carl) = (
        admin("ada"),
        admin("bob"),
        operator(&ws, &unique_email("carl")),
    );
    for op in [&ada, &bob, &carl] {
        store.create_operator(op).await.unwrap();
    }
    let demoted = |op: &Operator| changed(op, |o| o.role = Role::Operator);

    // Vouched for by someone who is no admin: refused, nothing written.
    assert_eq!(
        store.update_operator(&demoted(&ada), Some(&carl.id)).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store
            .update_operator(&demoted(&ada), Some(&OperatorId::generate()))
            .await,
        Err(StoreError::Conflict),
        "nor by nobody"
    );
    assert_eq!(
        store.get_operator(&ws, &ada.id).await.unwrap(),
        Some(ada.clone())
    );

    // Each demotes the other, vouched for by themselves, at once: never both.
    let (bob_demoted, ada_demoted) = (demoted(&bob), demoted(&ada));
    let (a, b) = tokio::join!(
        store.update_operator(&bob_demoted, Some(&ada.id)),
        store.update_operator(&ada_demoted, Some(&bob.id)),
    );
    assert!(!(a.is_ok() && b.is_ok()), "both demotions won");
    for refused in [&a, &b].into_iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(refused, &StoreError::Conflict);
    }
    let admins = || async {
        store
            .list_operators(&ws)
            .await
            .unwrap()
            .into_iter()
            .filter(|o| o.is_active_admin())
            .map(|o| o.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        admins().await.len(),
        2 - usize::from(a.is_ok() || b.is_ok())
    );
    // Decided one after the other (as a use-case retries): the first wins, the second loses.
    if a.is_err() && b.is_err() {
        store
            .update_operator(&demoted(&bob), Some(&ada.id))
            .await
            .unwrap();
    }
    let remaining = admins().await;
    assert_eq!(remaining.len(), 1);
    let (winner, loser) = if remaining[0] == ada.id {
        (&ada, &bob)
    } else {
        (&bob, &ada)
    };
    let stored_winner = store.get_operator(&ws, &winner.id).await.unwrap().unwrap();
    assert_eq!(
        store
            .update_operator(&demoted(&stored_winner), Some(&loser.id))
            .await,
        Err(StoreError::Conflict),
        "the last admin stays"
    );
    let remaining = winner;

    // A deactivated admin vouches for nobody.
    let stored_remaining = store
        .get_operator(&ws, &remaining.id)
        .await
        .unwrap()
        .unwrap();
    let deactivated = changed(&stored_remaining, |o| o.active = false);
    let stored_carl = store.get_operator(&ws, &carl.id).await.unwrap().unwrap();
    let promoted = changed(&stored_carl, |o| o.role = Role::Admin);
    store.update_operator(&promoted, None).await.unwrap();
    store
        .update_operator(&deactivated, Some(&carl.id))
        .await
        .unwrap();
    let demote_carl = changed(&promoted, |o| o.role = Role::Operator);
    assert_eq!(
        store
            .update_operator(&demote_carl, Some(&remaining.id))
            .await,
        Err(StoreError::Conflict)
    );
}

pub async fn dialogs_are_found_by_who_is_in_charge(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let anna = operator(&ws, &unique_email("anna"));
    let boris = operator(&ws, &unique_email("boris"));
    let elsewhere = Operator {
        id: anna.id.clone(),
        ..operator(&WorkspaceId::generate(), &unique_email("anna"))
    };
    let mut taken = Vec::new();
    for i in 0..3 {
        let v = new_visitor(&store, &ws).await;
        let mut d = stored_dialog(&store, &v, T0 + i).await;
        let added = d.join(&anna, T0 + 10 + i).unwrap();
        d.version += 1;
        store.commit(&d, &added, &Default::default()).await.unwrap();
        taken.push(d);
    }
    let waiting = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
    // Closed ones count too.
    let closed = &mut taken[2];
    let added = closed.close(&anna, T0 + 20).unwrap();
    closed.version += 1;
    store
        .commit(closed, &added, &Default::default())
        .await
        .unwrap();

    let in_charge = |op: Operator| {
        let store = store.clone();
        async move {
            let mut ids = store
                .dialogs_in_charge(&op.workspace, &op.id)
                .await
                .unwrap();
            ids.sort();
            ids
        }
    };
    let mut expected: Vec<DialogId> = taken.iter().map(|d| d.id.clone()).collect();
    expected.sort();
    assert_eq!(in_charge(anna.clone()).await, expected);
    assert!(!expected.contains(&waiting.id));
    assert!(in_charge(boris.clone()).await.is_empty());
    assert!(
        in_charge(elsewhere).await.is_empty(),
        "another workspace's operator of the same id has none"
    );

    // Transferred: the dialog moves to the new one in charge; left: it is nobody's.
    let moved = &mut taken[0];
    let added = moved.transfer(&anna, &boris, None, T0 + 30).unwrap();
    moved.version += 1;
    store
        .commit(moved, &added, &Default::default())
        .await
        .unwrap();
    let left = &mut taken[1];
    let added = left.leave(&anna, T0 + 31).unwrap();
    left.version += 1;
    store
        .commit(left, &added, &Default::default())
        .await
        .unwrap();
    assert_eq!(in_charge(anna).await, vec![taken[2].id.clone()]);
    assert_eq!(in_charge(boris).await, vec![taken[0].id.clone()]);
}

pub async fn an_operators_own_connections_are_found(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let (anna, boris) = (OperatorId::generate(), OperatorId::generate());
    let annas = [
        operator_connection(&ws, &anna, in_two_hours()),
        operator_connection(&ws, &anna, in_two_hours()),
    ];
    let others = [
        operator_connection(&ws, &boris, in_two_hours()),
        operator_connection(&WorkspaceId::generate(), &anna, in_two_hours()),
        operator_connection(&ws, &anna, T0),
    ];
    for c in annas.iter().chain(&others) {
        store.put_connection(c).await.unwrap();
    }
    let v = visitor_connection(&ws, &VisitorId::generate(), in_two_hours());
    store.put_connection(&v).await.unwrap();
    assert_eq!(
        ids(&store.connections_of_operator(&ws, &anna).await.unwrap()),
        ids(&annas),
        "live ones of this workspace only"
    );
    assert!(
        store
            .connections_of_operator(&ws, &OperatorId::generate())
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn visitor_round_trip(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let mut v = new_visitor(&store, &ws).await;
    assert_eq!(
        store.get_visitor(&ws, &v.id).await.unwrap(),
        Some(v.clone())
    );
    v.name = None;
    v.email = Email::parse("vera@example.com");
    store.put_visitor(&v).await.unwrap();
    assert_eq!(
        store.get_visitor(&ws, &v.id).await.unwrap(),
        Some(v.clone()),
        "a put replaces, clearing the name"
    );
    assert_eq!(
        store
            .get_visitor(&WorkspaceId::generate(), &v.id)
            .await
            .unwrap(),
        None
    );
}

pub async fn first_commit_creates_the_dialog_and_links_the_visitor(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let v = new_visitor(&store, &ws).await;
    let (dialog, messages) = first_message(&v, "m1", T0);
    store
        .commit(&dialog, &messages, &Default::default())
        .await
        .unwrap();

    assert_eq!(
        store.get_dialog(&ws, &dialog.id).await.unwrap(),
        Some(dialog.clone())
    );
    assert_eq!(
        store
            .get_dialog(&WorkspaceId::generate(), &dialog.id)
            .await
            .unwrap(),
        None,
        "another workspace"
    );
    let linked = store.get_visitor(&ws, &v.id).await.unwrap().unwrap();
    assert_eq!(linked.dialog, Some(dialog.id.clone()));
    assert_eq!(
        store.messages_after(&ws, &dialog.id, 0, 10).await.unwrap(),
        messages
    );
    let found = store
        .find_message_by_client_id(&ws, &dialog.id, &cid("m1"))
        .await
        .unwrap();
    assert_eq!(found.as_ref(), messages.first());
    assert_eq!(
        store
            .find_message_by_client_id(&ws, &dialog.id, &cid("m2"))
            .await
            .unwrap(),
        None
    );
}

pub async fn put_visitor_keeps_the_dialog_link(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let v = new_visitor(&store, &ws).await;
    let dialog = stored_dialog(&store, &v, T0).await;

    let renamed = Visitor {
        name: Some("Vera K.".into()),
        dialog: None,
        ..v.clone()
    };
    store.put_visitor(&renamed).await.unwrap();
    let stored = store.get_visitor(&ws, &v.id).await.unwrap().unwrap();
    assert_eq!(stored.name.as_deref(), Some("Vera K."));
    assert_eq!(stored.dialog, Some(dialog.id));
}

pub async fn second_dialog_for_a_visitor_conflicts(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let v = new_visitor(&store, &ws).await;
    let first = stored_dialog(&store, &v, T0).await;

    let (second, messages) = first_message(&v, "again", T0 + 1);
    assert_eq!(
        store.commit(&second, &messages, &Default::default()).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.get_dialog(&ws, &second.id).await.unwrap(),
        None,
        "nothing written"
    );
    assert!(
        store
            .messages_after(&ws, &second.id, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.get_visitor(&ws, &v.id).await.unwrap().unwrap().dialog,
        Some(first.id)
    );
}

pub async fn first_commit_needs_a_stored_visitor(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let v = visitor(&ws);
    let (dialog, messages) = first_message(&v, "m1", T0);
    assert_eq!(
        store.commit(&dialog, &messages, &Default::default()).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(store.get_dialog(&ws, &dialog.id).await.unwrap(), None);
    assert_eq!(
        store.get_visitor(&ws, &v.id).await.unwrap(),
        None,
        "no visitor fragment either"
    );
}

pub async fn stale_version_conflicts_and_writes_nothing(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let v = new_visitor(&store, &ws).await;
    let base = stored_dialog(&store, &v, T0).await;

    let mut winner = base.clone();
    let won = next_message(&mut winner, &v, "w", T0 + 1);
    store
        .commit(&winner, &won, &Default::default())
        .await
        .unwrap();

    let mut loser = base.clone();
    let lost = next_message(&mut loser, &v, "l", T0 + 2);
    assert_eq!(
        store.commit(&loser, &lost, &Default::default()).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(store.get_dialog(&ws, &base.id).await.unwrap(), Some(winner));
    assert_eq!(
        store
            .find_message_by_client_id(&ws, &base.id, &cid("l"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.messages_after(&ws, &base.id, 1, 10).await.unwrap(),
        won
    );

    let mut unknown = base.clone();
    unknown.id = DialogId::generate();
    let messages = next_message(&mut unknown, &v, "u", T0 + 3);
    assert_eq!(
        store.commit(&unknown, &messages, &Default::default()).await,
        Err(StoreError::Conflict),
        "an update needs a stored dialog"
    );
}

pub async fn duplicate_client_id_is_refused_and_writes_nothing(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let v = new_visitor(&store, &ws).await;
    let stored = stored_dialog(&store, &v, T0).await;

    let mut retry = stored.clone();
    let messages = next_message(&mut retry, &v, "first", T0 + 1);
    assert_eq!(
        store.commit(&retry, &messages, &Default::default()).await,
        Err(StoreError::DuplicateMessage)
    );
    assert_eq!(
        store.get_dialog(&ws, &stored.id).await.unwrap(),
        Some(stored.clone()),
        "dialog unchanged"
    );
    assert_eq!(
        seqs(&store.messages_after(&ws, &stored.id, 0, 10).await.unwrap()),
        vec![1]
    );

    let mut twice = stored.clone();
    let mut messages = next_message(&mut twice, &v, "x", T0 + 2);
    let mut copy = messages[0].clone();
    copy.seq += 1;
    messages.push(copy);
    assert_eq!(
        store.commit(&twice, &messages, &Default::default()).await,
        Err(StoreError::DuplicateMessage),
        "one client id twice"
    );
    assert_eq!(
        store
            .find_message_by_client_id(&ws, &stored.id, &cid("x"))
            .await
            .unwrap(),
        None
    );
}

/// Both a stale version and a duplicate client id: the race is reported, so the caller re-reads.
pub async fn stale_version_with_a_duplicate_client_id_is_a_conflict(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let v = new_visitor(&store, &ws).await;
    let base = stored_dialog(&store, &v, T0).await;
    let mut winner = base.clone();
    let won = next_message(&mut winner, &v, "same", T0 + 1);
    store
        .commit(&winner, &won, &Default::default())
        .await
        .unwrap();

    let mut stale = base.clone();
    let messages = next_message(&mut stale, &v, "same", T0 + 2);
    assert_eq!(
        store.commit(&stale, &messages, &Default::default()).await,
        Err(StoreError::Conflict)
    );
}

pub async fn messages_page_in_seq_order(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let v = new_visitor(&store, &ws).await;
    let mut dialog = stored_dialog(&store, &v, T0).await;
    for i in 2..=25 {
        let messages = next_message(&mut dialog, &v, &format!("m{i}"), T0 + i as Millis);
        store
            .commit(&dialog, &messages, &Default::default())
            .await
            .unwrap();
    }
    let id = &dialog.id;
    let before = |b: Option<u64>, n: usize| {
        let store = store.clone();
        let (ws, id) = (ws.clone(), id.clone());
        async move { seqs(&store.messages_before(&ws, &id, b, n).await.unwrap()) }
    };
    assert_eq!(before(None, 10).await, (16..=25).rev().collect::<Vec<_>>());
    assert_eq!(
        before(Some(16), 10).await,
        (6..=15).rev().collect::<Vec<_>>()
    );
    assert_eq!(before(Some(6), 10).await, (1..=5).rev().collect::<Vec<_>>());
    assert_eq!(before(Some(1), 10).await, Vec::<u64>::new());
    assert_eq!(before(None, 0).await, Vec::<u64>::new());

    let after = |a: u64, n: usize| {
        let store = store.clone();
        let (ws, id) = (ws.clone(), id.clone());
        async move { seqs(&store.messages_after(&ws, &id, a, n).await.unwrap()) }
    };
    assert_eq!(after(0, 10).await, (1..=10).collect::<Vec<_>>());
    assert_eq!(
        after(9, 3).await,
        vec![10, 11, 12],
        "numeric, not string, order"
    );
    assert_eq!(after(20, 10).await, (21..=25).collect::<Vec<_>>());
    assert_eq!(after(25, 10).await, Vec::<u64>::new());
    assert!(
        store
            .messages_after(&WorkspaceId::generate(), id, 0, 10)
            .await
            .unwrap()
            .is_empty(),
        "another workspace"
    );
}

pub async fn dialogs_list_latest_activity_first_with_a_cursor(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let mut expected = Vec::new();
    for i in 0..15 {
        let v = new_visitor(&store, &ws).await;
        // Groups of three share a last activity, so the id breaks ties.
        expected.push(stored_dialog(&store, &v, T0 + (i / 3) * 1000).await);
    }
    expected.sort_by(|a, b| (b.last_activity, &b.id).cmp(&(a.last_activity, &a.id)));

    let mut listed = Vec::new();
    let mut cursor: Option<DialogCursor> = None;
    let mut pages = Vec::new();
    loop {
        let page = store
            .list_dialogs(&ws, DialogStatus::Open, cursor.as_ref(), 4)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        pages.push(page.len());
        cursor = page.last().map(DialogCursor::of);
        listed.extend(page);
    }
    assert_eq!(pages, vec![4, 4, 4, 3]);
    let listed_ids: Vec<&DialogId> = listed.iter().map(|d| &d.id).collect();
    let expected_ids: Vec<&DialogId> = expected.iter().map(|d| &d.id).collect();
    assert_eq!(listed_ids, expected_ids);
    assert_eq!(listed, expected, "whole dialogs come back");

    // A cursor in the middle of a tie starts right after its dialog.
    let tie = DialogCursor::of(&expected[4]);
    let page = store
        .list_dialogs(&ws, DialogStatus::Open, Some(&tie), 2)
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|d| &d.id).collect::<Vec<_>>(),
        expected_ids[5..7].to_vec()
    );
    assert!(
        store
            .list_dialogs(&WorkspaceId::generate(), DialogStatus::Open, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn dialogs_are_listed_by_status(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let op = operator(&ws, &unique_email("closer"));
    let open = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
    let mut closed = stored_dialog(&store, &new_visitor(&store, &ws).await, T0 + 1).await;
    let events = closed.close(&op, T0 + 2).unwrap();
    closed.version += 1;
    store
        .commit(&closed, &events, &Default::default())
        .await
        .unwrap();

    let listed = |status| {
        let (store, ws) = (store.clone(), ws.clone());
        async move {
            let dialogs = store.list_dialogs(&ws, status, None, 10).await.unwrap();
            dialogs.into_iter().map(|d| d.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(DialogStatus::Open).await, vec![open.id]);
    assert_eq!(listed(DialogStatus::Closed).await, vec![closed.id]);
}

pub async fn receipts_only_move_forward(store: Arc<dyn Store>) {
    let (ws, dialog) = (WorkspaceId::generate(), DialogId::generate());
    assert_eq!(
        store.get_receipts(&ws, &dialog).await.unwrap(),
        Receipts::default()
    );
    let advance = |side, receipt, up_to| {
        let (store, ws, dialog) = (store.clone(), ws.clone(), dialog.clone());
        async move {
            store
                .advance_receipt(&ws, &dialog, side, receipt, up_to)
                .await
                .unwrap()
        }
    };
    assert!(
        !advance(Side::Visitor, Receipt::Read, 0).await,
        "every watermark starts at 0"
    );
    assert!(advance(Side::Visitor, Receipt::Read, 5).await);
    assert!(
        !advance(Side::Visitor, Receipt::Read, 3).await,
        "never back"
    );
    assert!(
        !advance(Side::Visitor, Receipt::Read, 5).await,
        "already there"
    );
    assert!(advance(Side::Visitor, Receipt::Read, 7).await);
    assert!(
        advance(Side::Operators, Receipt::Delivered, 2).await,
        "each watermark moves on its own"
    );
    let expected = Receipts {
        visitor_read: 7,
        operators_delivered: 2,
        ..Receipts::default()
    };
    assert_eq!(store.get_receipts(&ws, &dialog).await.unwrap(), expected);
    assert_eq!(
        store
            .get_receipts(&WorkspaceId::generate(), &dialog)
            .await
            .unwrap(),
        Receipts::default()
    );
}

pub async fn read_markers_are_per_operator(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let (me, other) = (OperatorId::generate(), OperatorId::generate());
    let dialogs: Vec<DialogId> = (0..3).map(|_| DialogId::generate()).collect();
    let marker = |op: &OperatorId, dialog: &DialogId, read| ReadMarker {
        workspace: ws.clone(),
        operator: op.clone(),
        dialog: dialog.clone(),
        visitor_messages_read: read,
        marked_unread: false,
    };
    store
        .put_read_marker(&marker(&me, &dialogs[0], 1))
        .await
        .unwrap();
    store
        .put_read_marker(&marker(&me, &dialogs[2], 4))
        .await
        .unwrap();
    store
        .put_read_marker(&marker(&other, &dialogs[1], 9))
        .await
        .unwrap();
    let replaced = ReadMarker {
        marked_unread: true,
        ..marker(&me, &dialogs[2], 6)
    };
    store.put_read_marker(&replaced).await.unwrap();

    let asked = [dialogs.clone(), vec![dialogs[0].clone()]].concat();
    let mut mine = store.read_markers(&ws, &me, &asked).await.unwrap();
    mine.sort_by_key(|m| m.visitor_messages_read);
    assert_eq!(mine, vec![marker(&me, &dialogs[0], 1), replaced]);
    assert!(
        store
            .read_markers(&WorkspaceId::generate(), &me, &dialogs)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.read_markers(&ws, &me, &[]).await.unwrap().is_empty());
}

pub async fn connections_by_workspace_and_visitor(store: Arc<dyn Store>) {
    let (ws, other) = (WorkspaceId::generate(), WorkspaceId::generate());
    let (anna, boris) = (OperatorId::generate(), OperatorId::generate());
    let (vera, vlad) = (VisitorId::generate(), VisitorId::generate());
    let ops = [
        operator_connection(&ws, &anna, in_two_hours()),
        operator_connection(&ws, &boris, in_two_hours()),
    ];
    let veras = [
        visitor_connection(&ws, &vera, in_two_hours()),
        visitor_connection(&ws, &vera, in_two_hours()),
    ];
    let others = [
        visitor_connection(&ws, &vlad, in_two_hours()),
        operator_connection(&other, &anna, in_two_hours()),
    ];
    for c in ops.iter().chain(&veras).chain(&others) {
        store.put_connection(c).await.unwrap();
    }

    assert_eq!(
        store.get_connection(&ops[0].id).await.unwrap(),
        Some(ops[0].clone())
    );
    assert_eq!(
        store.get_connection(&veras[1].id).await.unwrap(),
        Some(veras[1].clone())
    );
    assert_eq!(
        ids(&store.operator_connections(&ws).await.unwrap()),
        ids(&ops)
    );
    assert_eq!(
        ids(&store.visitor_connections(&ws, &vera).await.unwrap()),
        ids(&veras)
    );
    assert!(
        store
            .visitor_connections(&other, &vera)
            .await
            .unwrap()
            .is_empty(),
        "another workspace"
    );

    store.delete_connection(&ops[0].id).await.unwrap();
    store.delete_connection(&veras[0].id).await.unwrap();
    store
        .delete_connection(&ConnectionId::from_trusted("never-there"))
        .await
        .unwrap();
    assert_eq!(store.get_connection(&ops[0].id).await.unwrap(), None);
    assert_eq!(
        ids(&store.operator_connections(&ws).await.unwrap()),
        ids(&ops[1..])
    );
    assert_eq!(
        store.visitor_connections(&ws, &vera).await.unwrap(),
        vec![veras[1].clone()]
    );
}

pub async fn expired_connections_are_absent(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let (op, v) = (OperatorId::generate(), VisitorId::generate());
    let past = SystemClock.now() - 1000;
    let expired = [
        operator_connection(&ws, &op, past),
        visitor_connection(&ws, &v, past),
    ];
    let live = operator_connection(&ws, &op, in_two_hours());
    for c in expired.iter().chain([&live]) {
        store.put_connection(c).await.unwrap();
    }
    assert_eq!(store.get_connection(&expired[0].id).await.unwrap(), None);
    assert_eq!(store.operator_connections(&ws).await.unwrap(), vec![live]);
    assert!(store.visitor_connections(&ws, &v).await.unwrap().is_empty());
}

pub async fn ticket_is_taken_once(store: Arc<dyn Store>) {
    let ticket = Ticket {
        id: parlor_core::ids::random_token("tk_"),
        workspace: WorkspaceId::generate(),
        operator: OperatorId::generate(),
        session: Some("ses_1".into()),
        expires_at: SystemClock.now() + 30_000,
    };
    store.put_ticket(&ticket).await.unwrap();
    assert_eq!(
        store.take_ticket(&ticket.id).await.unwrap(),
        Some(ticket.clone())
    );
    assert_eq!(store.take_ticket(&ticket.id).await.unwrap(), None);
    assert_eq!(store.take_ticket("tk_unknown").await.unwrap(), None);

    let stale = Ticket {
        id: parlor_core::ids::random_token("tk_"),
        expires_at: SystemClock.now() - 1,
        ..ticket
    };
    store.put_ticket(&stale).await.unwrap();
    assert_eq!(
        store.take_ticket(&stale.id).await.unwrap(),
        None,
        "an expired ticket opens nothing"
    );
}

pub async fn concurrent_ticket_takes_get_it_once(store: Arc<dyn Store>) {
    let ticket = Ticket {
        id: parlor_core::ids::random_token("tk_"),
        workspace: WorkspaceId::generate(),
        operator: OperatorId::generate(),
        session: Some("ses_1".into()),
        expires_at: SystemClock.now() + 30_000,
    };
    store.put_ticket(&ticket).await.unwrap();
    let takes: Vec<_> = (0..10)
        .map(|_| {
            let (store, id) = (store.clone(), ticket.id.clone());
            tokio::spawn(async move { store.take_ticket(&id).await.unwrap() })
        })
        .collect();
    let mut taken = 0;
    for take in takes {
        taken += usize::from(take.await.unwrap().is_some());
    }
    assert_eq!(taken, 1);
}

pub async fn operator_status_reaches_their_connections(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let anna = operator(&ws, &unique_email("anna"));
    let boris = operator(&ws, &unique_email("boris"));
    store.create_operator(&anna).await.unwrap();
    store.create_operator(&boris).await.unwrap();
    let annas = [
        operator_connection(&ws, &anna.id, in_two_hours()),
        operator_connection(&ws, &anna.id, in_two_hours()),
    ];
    let boris_connection = operator_connection(&ws, &boris.id, in_two_hours());
    for c in annas.iter().chain([&boris_connection]) {
        store.put_connection(c).await.unwrap();
    }

    store
        .set_operator_status(&ws, &anna.id, OperatorStatus::Away)
        .await
        .unwrap();

    let status = |c: &Connection| match &c.peer {
        Peer::Operator { status, .. } => *status,
        Peer::Visitor { .. } => panic!("an operator connection"),
    };
    for c in store.operator_connections(&ws).await.unwrap() {
        let expected = if c.id == boris_connection.id {
            OperatorStatus::Online
        } else {
            OperatorStatus::Away
        };
        assert_eq!(status(&c), expected, "connection {}", c.id);
    }
    let stored = store.get_connection(&annas[0].id).await.unwrap().unwrap();
    assert_eq!(
        stored,
        Connection {
            peer: Peer::Operator {
                id: anna.id.clone(),
                role: Role::Operator,
                status: OperatorStatus::Away,
                rights: Default::default(),
                session: Some("ses_1".into()),
            },
            ..annas[0].clone()
        }
    );
    assert_eq!(
        store
            .get_operator(&ws, &anna.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        OperatorStatus::Away
    );
    assert_eq!(
        store
            .get_operator(&ws, &boris.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        OperatorStatus::Online
    );
}

pub async fn concurrent_commits_at_one_version_let_exactly_one_win(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let v = new_visitor(&store, &ws).await;
    let base = stored_dialog(&store, &v, T0).await;
    let commits: Vec<_> = (0..10)
        .map(|i| {
            let (store, v, mut dialog) = (store.clone(), v.clone(), base.clone());
            tokio::spawn(async move {
                let messages = next_message(&mut dialog, &v, &format!("racer-{i}"), T0 + 1);
                store
                    .commit(&dialog, &messages, &Default::default())
                    .await
                    .map(|()| dialog)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for commit in commits {
        match commit.await.unwrap() {
            Ok(dialog) => winners.push(dialog),
            Err(e) => assert_eq!(e, StoreError::Conflict),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one commit wins");
    assert_eq!(
        store.get_dialog(&ws, &base.id).await.unwrap().as_ref(),
        winners.first()
    );
    assert_eq!(
        seqs(&store.messages_after(&ws, &base.id, 0, 100).await.unwrap()),
        vec![1, 2]
    );
}

pub async fn a_site_key_never_moves_to_another_workspace(store: Arc<dyn Store>) {
    let site = Site {
        key: SiteKey::generate(),
        workspace: WorkspaceId::generate(),
        name: "a".into(),
        allowed_origins: vec![],
        settings: Default::default(),
        identity_secret: None,
    };
    store.put_site(&site).await.unwrap();
    let hijack = Site {
        workspace: WorkspaceId::generate(),
        ..site.clone()
    };
    assert_eq!(
        store.put_site(&hijack).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(store.get_site(&site.key).await.unwrap(), Some(site.clone()));
    assert!(
        store
            .list_sites(&hijack.workspace)
            .await
            .unwrap()
            .is_empty()
    );
    let renamed = Site {
        name: "b".into(),
        ..site.clone()
    };
    store
        .put_site(&renamed)
        .await
        .expect("its own workspace may update it");
    assert_eq!(store.get_site(&site.key).await.unwrap(), Some(renamed));
}

pub async fn quick_replies_are_each_operators_own(store: Arc<dyn Store>) {
    use parlor_core::domain::QuickReply;
    use parlor_core::ids::QuickReplyId;
    let (ws, other_ws) = (WorkspaceId::generate(), WorkspaceId::generate());
    let (anna, boris) = (OperatorId::generate(), OperatorId::generate());
    let reply = |ws: &WorkspaceId, op: &OperatorId, title: &str, at: i64| QuickReply {
        id: QuickReplyId::generate(),
        workspace: ws.clone(),
        operator: op.clone(),
        title: title.into(),
        text: format!("{title}, I'm %name%"),
        created_at: at,
    };
    let (second, first) = (
        reply(&ws, &anna, "second", 20),
        reply(&ws, &anna, "first", 10),
    );
    for r in [
        &second,
        &first,
        &reply(&ws, &boris, "boris", 5),
        &reply(&other_ws, &anna, "elsewhere", 1),
    ] {
        store.put_quick_reply(r).await.unwrap();
    }
    assert_eq!(
        store.list_quick_replies(&ws, &anna).await.unwrap(),
        vec![first.clone(), second.clone()],
        "oldest first"
    );

    store
        .delete_quick_reply(&ws, &boris, &first.id)
        .await
        .unwrap();
    assert_eq!(
        store.list_quick_replies(&ws, &anna).await.unwrap().len(),
        2,
        "another operator cannot delete it"
    );
    store
        .delete_quick_reply(&ws, &anna, &first.id)
        .await
        .unwrap();
    store
        .delete_quick_reply(&ws, &anna, &first.id)
        .await
        .unwrap();
    assert_eq!(
        store.list_quick_replies(&ws, &anna).await.unwrap(),
        vec![second]
    );
}

pub async fn a_site_keeps_its_widget_settings(store: Arc<dyn Store>) {
    use parlor_core::domain::{SiteSettings, WidgetPosition};
    let ws = WorkspaceId::generate();
    let mut site = site(&ws);
    store.put_site(&site).await.unwrap();
    assert_eq!(
        store.get_site(&site.key).await.unwrap().unwrap().settings,
        SiteSettings::default()
    );
    site.settings = SiteSettings {
        color: "#0a7d3b".into(),
        position: WidgetPosition::Left,
        greeting: "Привет! <b>Ask us</b>".into(),
        show_operator_names: false,
    };
    store.put_site(&site).await.unwrap();
    assert_eq!(store.get_site(&site.key).await.unwrap(), Some(site.clone()));
    assert_eq!(store.list_sites(&ws).await.unwrap(), vec![site]);
}

pub async fn a_visitor_keeps_the_page_it_has_open(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let mut v = visitor(&ws);
    store.put_visitor(&v).await.unwrap();
    assert_eq!(
        store
            .get_visitor(&ws, &v.id)
            .await
            .unwrap()
            .unwrap()
            .current_page,
        None
    );
    let page =
        parlor_core::domain::VisitedPage::parse("https://acme.example/cart?x=1", Some("Cart"), T0)
            .unwrap();
    v.current_page = Some(page.clone());
    store.put_visitor(&v).await.unwrap();
    assert_eq!(
        store
            .get_visitor(&ws, &v.id)
            .await
            .unwrap()
            .unwrap()
            .current_page,
        Some(page)
    );
}

pub async fn search_terms_are_found_by_their_start_within_the_workspace(store: Arc<dyn Store>) {
    use parlor_core::domain::IndexEntry;
    use parlor_core::domain::SearchField;
    let (ws, other_ws) = (WorkspaceId::generate(), WorkspaceId::generate());
    let (vera, ivan) = (DialogId::generate(), DialogId::generate());
    let entry = |term: &str, dialog: &DialogId, field, seq: Option<u64>, at: Millis| IndexEntry {
        term: term.into(),
        dialog: dialog.clone(),
        field,
        seq,
        at,
    };
    store
        .index_terms(
            &ws,
            &[
                entry("payment", &vera, SearchField::Message, Some(3), T0 + 3),
                entry("pay", &ivan, SearchField::Message, Some(1), T0 + 1),
                entry("paypal", &ivan, SearchField::Message, Some(2), T0 + 2),
                entry("vera.p@example.com", &vera, SearchField::Email, None, T0),
                entry("79123456789", &vera, SearchField::Phone, None, T0),
                entry("оплата", &vera, SearchField::Message, Some(4), T0 + 4),
                // A term that sorts right after every "pay…" one must stay out of a "pay" search.
                entry("paz", &ivan, SearchField::Name, None, T0),
            ],
        )
        .await
        .unwrap();
    store
        .index_terms(
            &other_ws,
            &[entry(
                "payment",
                &DialogId::generate(),
                SearchField::Message,
                Some(1),
                T0,
            )],
        )
        .await
        .unwrap();

    let found = |prefix: &'static str| {
        let store = store.clone();
        let ws = ws.clone();
        async move {
            let mut terms: Vec<(String, DialogId)> = store
                .find_terms(&ws, prefix, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|e| (e.term, e.dialog))
                .collect();
            terms.sort();
            terms
        }
    };
    assert_eq!(
        found("pay").await,
        vec![
            ("pay".into(), ivan.clone()),
            ("payment".into(), vera.clone()),
            ("paypal".into(), ivan.clone())
        ],
        "every term starting with the prefix, only this workspace's"
    );
    assert_eq!(found("payp").await, vec![("paypal".into(), ivan.clone())]);
    assert_eq!(
        found("vera.p@ex").await,
        vec![("vera.p@example.com".into(), vera.clone())]
    );
    assert_eq!(
        found("оп").await,
        vec![("оплата".into(), vera.clone())],
        "letters beyond ASCII"
    );
    assert!(found("refund").await.is_empty());
    assert_eq!(
        store.find_terms(&ws, "pa", 2).await.unwrap().len(),
        2,
        "the limit holds"
    );

    let stored = store.find_terms(&ws, "payment", 10).await.unwrap();
    assert_eq!(
        stored,
        vec![entry(
            "payment",
            &vera,
            SearchField::Message,
            Some(3),
            T0 + 3
        )],
        "every field round-trips"
    );
    // The same term, dialog and field again: it moves on, it is not doubled.
    store
        .index_terms(
            &ws,
            &[entry(
                "payment",
                &vera,
                SearchField::Message,
                Some(9),
                T0 + 9,
            )],
        )
        .await
        .unwrap();
    assert_eq!(
        store.find_terms(&ws, "payment", 10).await.unwrap(),
        vec![entry(
            "payment",
            &vera,
            SearchField::Message,
            Some(9),
            T0 + 9
        )]
    );
    // The same term in another field of the same dialog is another entry.
    store
        .index_terms(
            &ws,
            &[entry("payment", &vera, SearchField::Name, None, T0 + 10)],
        )
        .await
        .unwrap();
    assert_eq!(store.find_terms(&ws, "payment", 10).await.unwrap().len(), 2);
}

pub async fn many_search_terms_are_written_at_once(store: Arc<dyn Store>) {
    use parlor_core::domain::IndexEntry;
    use parlor_core::domain::SearchField;
    let ws = WorkspaceId::generate();
    let dialog = DialogId::generate();
    // More than one BatchWriteItem holds.
    let entries: Vec<IndexEntry> = (0..60)
        .map(|i| IndexEntry {
            term: format!("word{i:02}"),
            dialog: dialog.clone(),
            field: SearchField::Message,
            seq: Some(i),
            at: T0,
        })
        .collect();
    store.index_terms(&ws, &entries).await.unwrap();
    assert_eq!(store.find_terms(&ws, "word", 100).await.unwrap().len(), 60);
    assert_eq!(store.find_terms(&ws, "word5", 100).await.unwrap().len(), 10);
}

pub async fn dialogs_are_read_by_their_ids(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let mut ids = Vec::new();
    for i in 0..3 {
        let v = new_visitor(&store, &ws).await;
        let (dialog, messages) = first_message(&v, &format!("c{i}"), T0 + i);
        store
            .commit(&dialog, &messages, &Default::default())
            .await
            .unwrap();
        ids.push(dialog.id);
    }
    let mut asked = vec![
        ids[2].clone(),
        ids[0].clone(),
        DialogId::generate(),
        ids[2].clone(),
    ];
    let mut found: Vec<DialogId> = store
        .get_dialogs(&ws, &asked)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    found.sort();
    asked = vec![ids[0].clone(), ids[2].clone()];
    asked.sort();
    assert_eq!(found, asked, "the ones that exist, each once");
    assert!(
        store
            .get_dialogs(&WorkspaceId::generate(), &ids)
            .await
            .unwrap()
            .is_empty(),
        "not another workspace's"
    );
    assert!(store.get_dialogs(&ws, &[]).await.unwrap().is_empty());
}

fn push_subscription(
    ws: &WorkspaceId,
    op: &OperatorId,
    endpoint: &str,
    at: Millis,
) -> parlor_core::domain::PushSubscription {
    parlor_core::domain::PushSubscription {
        workspace: ws.clone(),
        operator: op.clone(),
        endpoint: endpoint.into(),
        p256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
            .into(),
        auth: "BTBZMqHH6r4Tts7J_aSIgg".into(),
        created_at: at,
    }
}

pub async fn push_subscriptions_are_each_operators_own_with_their_choices(store: Arc<dyn Store>) {
    use parlor_core::domain::PushChoices;
    let (ws, other_ws) = (WorkspaceId::generate(), WorkspaceId::generate());
    let (anna, boris, carl) = (
        OperatorId::generate(),
        OperatorId::generate(),
        OperatorId::generate(),
    );
    let endpoint = |n: &str| format!("https://push.example/send/{n}?{}", ids_token());
    let (laptop, phone) = (
        push_subscription(&ws, &anna, &endpoint("laptop"), T0 + 2),
        push_subscription(&ws, &anna, &endpoint("phone"), T0 + 1),
    );
    let boris_tab = push_subscription(&ws, &boris, &endpoint("boris"), T0);
    for s in [
        &laptop,
        &phone,
        &boris_tab,
        &push_subscription(&other_ws, &anna, &endpoint("elsewhere"), T0),
    ] {
        store.put_push_subscription(s).await.unwrap();
    }
    let mine = store.push_subscriber(&ws, &anna).await.unwrap();
    assert_eq!(mine.operator, anna);
    assert_eq!(mine.choices, PushChoices::default(), "all, until chosen");
    assert_eq!(mine.subscriptions, vec![phone.clone(), laptop.clone()]);

    let only_transfers = PushChoices {
        new_dialogs: false,
        transfers: true,
        messages: false,
    };
    store
        .put_push_choices(&ws, &anna, &only_transfers)
        .await
        .unwrap();
    // Carl chose but subscribed nowhere: he is no subscriber, but his choices are kept.
    store
        .put_push_choices(&ws, &carl, &only_transfers)
        .await
        .unwrap();
    let carls = store.push_subscriber(&ws, &carl).await.unwrap();
    assert_eq!(carls.choices, only_transfers);
    assert!(carls.subscriptions.is_empty());

    let mut all = store.push_subscribers(&ws).await.unwrap();
    all.sort_by(|a, b| a.operator.cmp(&b.operator));
    let mut expected = vec![
        (anna.clone(), only_transfers, 2),
        (boris.clone(), PushChoices::default(), 1),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        all.iter()
            .map(|s| (s.operator.clone(), s.choices, s.subscriptions.len()))
            .collect::<Vec<_>>(),
        expected,
        "the workspace's subscribers, each once"
    );

    // Boris cannot delete Anna's; Anna can, and again changes nothing.
    store
        .delete_push_subscription(&ws, &boris, &laptop.endpoint)
        .await
        .unwrap();
    assert_eq!(
        store
            .push_subscriber(&ws, &anna)
            .await
            .unwrap()
            .subscriptions
            .len(),
        2
    );
    for _ in 0..2 {
        store
            .delete_push_subscription(&ws, &anna, &laptop.endpoint)
            .await
            .unwrap();
    }
    let mine = store.push_subscriber(&ws, &anna).await.unwrap();
    assert_eq!(mine.subscriptions, vec![phone]);
    assert_eq!(
        mine.choices, only_transfers,
        "choices outlive subscriptions"
    );
}

pub async fn a_push_endpoint_belongs_to_the_last_operator_who_subscribed_it(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let (anna, boris) = (OperatorId::generate(), OperatorId::generate());
    let endpoint = format!("https://push.example/send/shared-{}", ids_token());
    store
        .put_push_subscription(&push_subscription(&ws, &anna, &endpoint, T0))
        .await
        .unwrap();
    // The same browser, later signed in as Boris, subscribes again.
    let his = push_subscription(&ws, &boris, &endpoint, T0 + 5);
    store.put_push_subscription(&his).await.unwrap();
    assert!(
        store
            .push_subscriber(&ws, &anna)
            .await
            .unwrap()
            .subscriptions
            .is_empty(),
        "Anna's pushes no longer reach Boris's browser"
    );
    assert_eq!(
        store
            .push_subscriber(&ws, &boris)
            .await
            .unwrap()
            .subscriptions,
        vec![his.clone()]
    );
    // Anna deleting "her" old subscription leaves Boris's alone.
    store
        .delete_push_subscription(&ws, &anna, &endpoint)
        .await
        .unwrap();
    assert_eq!(
        store
            .push_subscriber(&ws, &boris)
            .await
            .unwrap()
            .subscriptions,
        vec![his]
    );
}

fn upload_mark(ws: &WorkspaceId, attachment: &AttachmentId, message: &str) -> UploadMark {
    UploadMark {
        workspace: ws.clone(),
        attachment: attachment.clone(),
        message: message.to_owned(),
        expires_at: SystemClock.now() + 60_000,
    }
}

pub async fn an_upload_is_marked_for_one_message(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let upload = AttachmentId::generate();
    let first = upload_mark(&ws, &upload, "c-first");
    let second = upload_mark(&ws, &upload, "c-second");
    assert_eq!(store.mark_upload(&first).await.unwrap(), Marked::New);
    assert_eq!(
        store.mark_upload(&first).await.unwrap(),
        Marked::Again,
        "the same message again (a retried frame)"
    );
    assert_eq!(store.mark_upload(&second).await.unwrap(), Marked::Taken);
    // Another workspace's upload of the same id is another upload.
    let elsewhere = upload_mark(&WorkspaceId::generate(), &upload, "c-second");
    assert_eq!(store.mark_upload(&elsewhere).await.unwrap(), Marked::New);

    // Only the message that holds the mark frees it.
    store.unmark_upload(&second).await.unwrap();
    assert_eq!(store.mark_upload(&second).await.unwrap(), Marked::Taken);
    store.unmark_upload(&first).await.unwrap();
    assert_eq!(store.mark_upload(&second).await.unwrap(), Marked::New);
    assert_eq!(store.mark_upload(&first).await.unwrap(), Marked::Taken);
    // Freeing a mark that is not there changes nothing.
    store
        .unmark_upload(&upload_mark(&ws, &AttachmentId::generate(), "c-first"))
        .await
        .unwrap();

    // An expired mark is none: its token can no longer be put in any message.
    let stale_upload = AttachmentId::generate();
    let stale = UploadMark {
        expires_at: SystemClock.now() - 1,
        ..upload_mark(&ws, &stale_upload, "c-old")
    };
    assert_eq!(store.mark_upload(&stale).await.unwrap(), Marked::New);
    assert_eq!(
        store
            .mark_upload(&upload_mark(&ws, &stale_upload, "c-new"))
            .await
            .unwrap(),
        Marked::New
    );
    assert_eq!(
        store
            .mark_upload(&upload_mark(&ws, &stale_upload, "c-old"))
            .await
            .unwrap(),
        Marked::Taken
    );
}

pub async fn concurrent_marks_of_one_upload_let_one_message_have_it(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let upload = AttachmentId::generate();
    let marks: Vec<_> = (0..10)
        .map(|i| {
            let (store, mark) = (store.clone(), upload_mark(&ws, &upload, &format!("c-{i}")));
            tokio::spawn(async move { store.mark_upload(&mark).await.unwrap() })
        })
        .collect();
    let mut got = Vec::new();
    for mark in marks {
        got.push(mark.await.unwrap());
    }
    assert_eq!(
        got.iter().filter(|m| **m == Marked::New).count(),
        1,
        "{got:?}"
    );
    assert_eq!(
        got.iter().filter(|m| **m == Marked::Taken).count(),
        9,
        "{got:?}"
    );
}

fn ids_token() -> String {
    parlor_core::ids::random_token("")
}

pub async fn groups_are_per_workspace_and_membership_reaches_connections(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let elsewhere = WorkspaceId::generate();
    let group = |ws: &WorkspaceId, name: &str, at: Millis, rights: &[Right]| Group {
        id: GroupId::generate(),
        workspace: ws.clone(),
        name: name.into(),
        rights: Rights::of(rights.iter().copied()),
        created_at: at,
    };
    let supervisors = group(&ws, "Supervisors", T0 + 2, &[Right::ReassignDialogs]);
    let billing = group(&ws, "Billing", T0 + 1, &[Right::ViewReports]);
    let theirs = group(&elsewhere, "Theirs", T0, &[]);
    for g in [&supervisors, &billing, &theirs] {
        store.put_group(g).await.unwrap();
    }
    let names = |groups: Vec<Group>| groups.into_iter().map(|g| g.name).collect::<Vec<_>>();
    assert_eq!(
        names(store.list_groups(&ws).await.unwrap()),
        ["Billing", "Supervisors"],
        "by creation, this workspace's only"
    );
    let renamed = Group {
        name: "Leads".into(),
        ..supervisors.clone()
    };
    store.put_group(&renamed).await.unwrap();
    assert_eq!(
        store.list_groups(&ws).await.unwrap(),
        [billing.clone(), renamed]
    );

    let anna = operator(&ws, &unique_email("anna"));
    let boris = operator(&ws, &unique_email("boris"));
    store.create_operator(&anna).await.unwrap();
    store.create_operator(&boris).await.unwrap();
    let annas = operator_connection(&ws, &anna.id, in_two_hours());
    let boris_connection = operator_connection(&ws, &boris.id, in_two_hours());
    store.put_connection(&annas).await.unwrap();
    store.put_connection(&boris_connection).await.unwrap();
    let rights = Rights::of([Right::ReassignDialogs, Right::ViewReports]);
    store
        .set_operator_access(
            &ws,
            &anna.id,
            &[supervisors.id.clone(), billing.id.clone()],
            &rights,
        )
        .await
        .unwrap();
    let stored = store.get_operator(&ws, &anna.id).await.unwrap().unwrap();
    assert_eq!(
        stored,
        Operator {
            groups: vec![supervisors.id.clone(), billing.id.clone()],
            rights: rights.clone(),
            version: anna.version + 1,
            ..anna.clone()
        }
    );
    let rights_of = |c: Connection| match c.peer {
        Peer::Operator { rights, .. } => rights,
        Peer::Visitor { .. } => panic!("an operator connection"),
    };
    let connection = store.get_connection(&annas.id).await.unwrap().unwrap();
    assert_eq!(rights_of(connection), rights);
    let untouched = store
        .get_connection(&boris_connection.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rights_of(untouched), Rights::default());
    assert_eq!(
        store.get_operator(&ws, &boris.id).await.unwrap().unwrap(),
        boris
    );

    // Emptied again; an unknown operator is not created as a fragment.
    store
        .set_operator_access(&ws, &anna.id, &[], &Rights::none())
        .await
        .unwrap();
    let stored = store.get_operator(&ws, &anna.id).await.unwrap().unwrap();
    assert_eq!((stored.groups, stored.rights), (vec![], Rights::none()));
    let nobody = OperatorId::generate();
    store
        .set_operator_access(&ws, &nobody, &[], &Rights::none())
        .await
        .unwrap();
    assert_eq!(store.get_operator(&ws, &nobody).await.unwrap(), None);

    store.delete_group(&ws, &billing.id).await.unwrap();
    store.delete_group(&ws, &billing.id).await.unwrap();
    store.delete_group(&ws, &theirs.id).await.unwrap();
    assert_eq!(names(store.list_groups(&ws).await.unwrap()), ["Leads"]);
    assert_eq!(
        names(store.list_groups(&elsewhere).await.unwrap()),
        ["Theirs"],
        "a delete names its workspace"
    );
    assert_eq!(
        store.list_operators(&ws).await.unwrap().len(),
        2,
        "groups share the workspace's partition with its operators, apart"
    );
}
