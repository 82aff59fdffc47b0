//! The authorisation matrix, end to end: every HTTP endpoint of the API's router and every
//! WebSocket op, each against every kind of caller, on one scene built once on a running local
//! gateway. Every cell states what its caller gets (allowed with a status, or refused with a status
//! and an error code; for a frame, an ack or an error code) and is asserted, and so is, for every
//! cell:
//! - no leak: neither the answer nor any frame a caller's socket receives meanwhile holds anything
//!   of the scene that caller may not read (another workspace's, another visitor's, a dialog they
//!   may not see, whispers, another operator's own things);
//! - a refused request changes nothing: what is stored is the same before and after it.
//!
//! To extend it: an endpoint is one line of `endpoints()`, a WebSocket op one line of `ops()`; a
//! kind of caller is one entry of `Who` and `CALLERS`, made with its token in `build`, and its
//! answers in `Policy::expect`, `WsPolicy::expect` and `may_read`. The test fails when the router has a
//! route, docs/protocol.md an endpoint or the protocol an op that the matrix does not list.
//!
//! The widget's frame page (`/widget/frame.html`) is not the API router's: it takes no token and
//! answers every caller alike (`tests/tests/origins.rs`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use parlor_core::adapters::webpush::VapidKey;
use parlor_core::auth::{Claims, Signer};
use parlor_core::ids::{DialogId, OperatorId, VisitorId, WorkspaceId};
use parlor_core::protocol::Route;
use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::storage::{png, send_files, upload};
use parlor_e2e::{Closed, Operator, TestApp, Visitor, Ws, frame, start_dialog, unique};
use std::collections::BTreeSet;

/// The kinds of caller. The scene: the admin's workspace, where Anna is in charge of the visitor
/// Vera's dialog (Boris had it and transferred it to her) and Olek's and Dmitri's dialogs wait in the queue;
/// "Everyone" holds no right there, and Carl gets seeing colleagues' dialogs from a group; Dee was
/// deactivated, and Dora is who the admin endpoints change; another workspace has its admin and
/// the visitor Wanda's dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// No `Authorization` (no credentials on the socket).
    Nobody,
    /// Vera, the dialog's visitor.
    DialogsVisitor,
    /// Olek, a visitor of the same site with a dialog of his own.
    OtherVisitor,
    /// Wanda, a visitor of the other workspace's site.
    OtherSitesVisitor,
    /// Carl, an operator of the workspace who may see colleagues' dialogs (through a group).
    Operator,
    /// Boris, who transferred the dialog to Anna.
    TransferredAway,
    /// Nina, an operator whose groups do not let her see colleagues' dialogs.
    WithoutColleagues,
    /// The other workspace's admin.
    OtherAdmin,
    /// A token past its expiry, signed with the server's key: the admin's session, Vera's token.
    Expired(Token),
    /// A token signed with another key, for the admin or Vera.
    Forged(Token),
    /// A real token (Carl's session, Olek's) whose claims were changed to the admin's or Vera's.
    Tampered(Token),
    /// The admin's or Vera's claims with no signature.
    Unsigned(Token),
    /// Dee, an operator of the workspace an admin deactivated, with the session she held before:
    /// her socket was closed, and she reads nothing.
    Deactivated,
    /// A session of Carl's he signed out (`POST /api/me/sign-out`): its socket was closed.
    SignedOut,
    /// The workspace's admin: last, so that what they may change is changed after every other
    /// caller was refused it.
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Session,
    Visitor,
}

const CALLERS: [Who; 19] = [
    Who::Nobody,
    Who::DialogsVisitor,
    Who::OtherVisitor,
    Who::OtherSitesVisitor,
    Who::Operator,
    Who::TransferredAway,
    Who::WithoutColleagues,
    Who::OtherAdmin,
    Who::Expired(Token::Session),
    Who::Expired(Token::Visitor),
    Who::Forged(Token::Session),
    Who::Forged(Token::Visitor),
    Who::Tampered(Token::Session),
    Who::Tampered(Token::Visitor),
    Who::Unsigned(Token::Session),
    Who::Unsigned(Token::Visitor),
    Who::Deactivated,
    Who::SignedOut,
    Who::Admin,
];

impl Who {
    /// Holds a valid operator session (of either workspace).
    fn is_operator(self) -> bool {
        matches!(
            self,
            Who::Operator
                | Who::TransferredAway
                | Who::WithoutColleagues
                | Who::OtherAdmin
                | Who::Admin
        )
    }

    /// Holds a valid visitor token (of either workspace).
    fn is_visitor(self) -> bool {
        matches!(
            self,
            Who::DialogsVisitor | Who::OtherVisitor | Who::OtherSitesVisitor
        )
    }

    /// A deactivated operator's socket and a signed-out session's were closed (`build`), and no
    /// new one opens.
    fn has_socket(self) -> bool {
        self.is_operator() || self.is_visitor()
    }

    /// For bodies that must differ from caller to caller (a new operator's email).
    fn slug(self) -> String {
        format!("{self:?}")
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            .trim_end_matches('-')
            .to_owned()
    }
}

/// What a cell answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Done, answered with this status.
    Allowed(u16),
    /// Answered with this status, and nothing stored changes (it was not the caller's to change).
    Unchanged(u16),
    /// Refused with this status and error code; nothing stored changes.
    Refused(u16, &'static str),
}

use Outcome::{Allowed, Refused, Unchanged};

const UNAUTHORIZED: Outcome = Refused(401, "unauthorized");
const FORBIDDEN: Outcome = Refused(403, "forbidden");

/// Who an endpoint answers how.
#[derive(Debug, Clone, Copy)]
enum Policy {
    /// Every caller gets this, whatever token it sends (the endpoint takes none).
    Same(Outcome),
    /// Any valid token, an operator's session or a visitor's, each for their own workspace.
    SignedIn(u16),
    /// Any operator, for what is their own or their workspace's (the other admin: theirs).
    Operator(u16),
    /// Any operator gets this (a refusal of what they sent, which changes nothing).
    Operators(Outcome),
    /// Any operator, answered with this, and nothing changes: the item is Anna's.
    AnnasOwn(u16),
    /// The admin (no group of the workspace may manage settings); `other_admin` is what the other
    /// workspace's admin gets.
    Admin { ok: u16, other_admin: Outcome },
    /// Any operator of the admin's workspace; `other_admin` is what the other workspace's admin
    /// gets.
    Colleagues { ok: u16, other_admin: Outcome },
    /// Operators who may see Vera's dialog.
    Dialog(u16),
    /// Operators who may see Vera's contact: one of its dialogs (hers), or colleagues' dialogs.
    Contact(u16),
    /// A visitor, for their own.
    Visitor(u16),
    /// A visitor, for a message of their own dialog: the seq of Vera's file is a message in hers
    /// only.
    VisitorsFile,
}

impl Policy {
    fn expect(self, who: Who) -> Outcome {
        match self {
            Policy::Same(outcome) => outcome,
            Policy::SignedIn(ok) if who.is_operator() || who.is_visitor() => Allowed(ok),
            Policy::Operator(ok) if who.is_operator() => Allowed(ok),
            Policy::Operators(outcome) if who.is_operator() => outcome,
            Policy::AnnasOwn(ok) if who.is_operator() => Unchanged(ok),
            Policy::Admin { ok, .. } if who == Who::Admin => Allowed(ok),
            Policy::Admin { other_admin, .. } if who == Who::OtherAdmin => other_admin,
            Policy::Admin { .. } if who.is_operator() => FORBIDDEN,
            Policy::Colleagues { other_admin, .. } if who == Who::OtherAdmin => other_admin,
            Policy::Colleagues { ok, .. } if who.is_operator() => Allowed(ok),
            Policy::Dialog(ok) if matches!(who, Who::Operator | Who::Admin) => Allowed(ok),
            Policy::Dialog(_) if matches!(who, Who::TransferredAway | Who::WithoutColleagues) => {
                FORBIDDEN
            }
            Policy::Dialog(_) if who == Who::OtherAdmin => Refused(404, "dialog_not_found"),
            Policy::Contact(ok) if matches!(who, Who::Operator | Who::Admin) => Allowed(ok),
            Policy::Contact(_) if matches!(who, Who::TransferredAway | Who::WithoutColleagues) => {
                FORBIDDEN
            }
            Policy::Contact(_) if who == Who::OtherAdmin => Refused(404, "contact_not_found"),
            Policy::Visitor(ok) if who.is_visitor() => Allowed(ok),
            Policy::VisitorsFile if who == Who::DialogsVisitor => Allowed(200),
            Policy::VisitorsFile if who.is_visitor() => Refused(400, "invalid_request"),
            // No token, a bad one, one of the wrong kind, a deactivated operator's session or a
            // signed-out one.
            _ => UNAUTHORIZED,
        }
    }
}

/// One HTTP endpoint. `path` and `body` may name the scene's things in braces (`Scene::fill`).
struct Endpoint {
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    policy: Policy,
    ends: Ends,
}

/// Which sessions an allowed call ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    Nothing,
    /// The one it is sent with: the caller signs in again for the cell, and that session ends.
    ANewSession,
    /// Every session of the caller's, and their socket closes: the last cells, after the
    /// WebSocket ops.
    EverySession,
}

fn http(
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    policy: Policy,
) -> Endpoint {
    Endpoint {
        method,
        path,
        body,
        policy,
        ends: Ends::Nothing,
    }
}

/// An endpoint that signs its caller out.
fn sign_out(path: &'static str, ends: Ends, policy: Policy) -> Endpoint {
    Endpoint {
        ends,
        ..http("POST", path, None, policy)
    }
}

/// Every endpoint of the router, in the order the table runs them: one line each.
#[rustfmt::skip]
fn endpoints() -> Vec<Endpoint> {
    use Policy::*;
    let group_not_found = Refused(404, "group_not_found");
    let operator_not_found = Refused(404, "operator_not_found");
    let tag_not_found = Refused(404, "tag_not_found");
    vec![
        http("GET", "/api/health", None, Same(Allowed(200))),
        // A wrong password fails whatever token comes with it.
        http("POST", "/api/login", Some(r#"{"email": "{anna_email}", "password": "not-her-password"}"#), Same(UNAUTHORIZED)),
        http("POST", "/api/tickets", None, Operator(200)),
        http("GET", "/api/me", None, Operator(200)),
        http("POST", "/api/me/status", Some(r#"{"status": "away"}"#), Operator(200)),
        http("GET", "/api/operators", None, Operator(200)),
        http("POST", "/api/operators", Some(r#"{"email": "new-{who}@example.com", "name": "New", "password": "a-long-new-passphrase", "role": "operator"}"#), Admin { ok: 201, other_admin: Allowed(201) }),
        http("PUT", "/api/operators/{carl}/groups", Some(r#"{"groups": ["{team}", "{spare}"]}"#), Admin { ok: 200, other_admin: group_not_found }),
        http("GET", "/api/groups", None, Admin { ok: 200, other_admin: Allowed(200) }),
        http("POST", "/api/groups", Some(r#"{"name": "Group of {who}", "rights": ["reassign_dialogs"]}"#), Admin { ok: 201, other_admin: Allowed(201) }),
        http("PATCH", "/api/groups/{team}", Some(r#"{"name": "Renamed by {who}"}"#), Admin { ok: 200, other_admin: group_not_found }),
        http("DELETE", "/api/groups/{spare}", None, Admin { ok: 204, other_admin: group_not_found }),
        http("GET", "/api/dialogs", None, Operator(200)),
        http("GET", "/api/dialogs/{dialog}", None, Dialog(200)),
        http("GET", "/api/dialogs/{dialog}/messages", None, Dialog(200)),
        http("GET", "/api/dialogs/{dialog}/visitor", None, Dialog(200)),
        http("GET", "/api/dialogs/{dialog}/attachments", None, Dialog(200)),
        http("GET", "/api/dialogs/{dialog}/messages/{file_seq}/attachments", None, Dialog(200)),
        http("GET", "/api/search?q=parcel", None, Operator(200)),
        // Dmitri's dialog, which only the admin may delete; the other admin's request deletes
        // nothing of another workspace.
        http("POST", "/api/dialogs/delete", Some(r#"{"dialog_ids": ["{doomed}"]}"#), Admin { ok: 200, other_admin: Unchanged(200) }),
        http("GET", "/api/contacts/{contact}", None, Contact(200)),
        http("PUT", "/api/contacts/{contact}", Some(r#"{"notes": "Noted by {who}"}"#), Contact(200)),
        // Vera's dialog leaves her card for one of its own at the first allowed call; later ones
        // find it unpinned and change nothing.
        http("DELETE", "/api/contacts/{contact}/dialogs/{dialog}", None, Contact(200)),
        // Blocked, then unblocked: Vera's contact ends as it began.
        http("POST", "/api/contacts/{contact}/block", None, Contact(200)),
        http("DELETE", "/api/contacts/{contact}/block", None, Contact(200)),
        http("PUT", "/api/contacts/{contact}/tags", Some(r#"{"tags": [{"tag": "{tag}", "pinned": true}]}"#), Contact(200)),
        http("GET", "/api/tags", None, Operator(200)),
        http("POST", "/api/tags", Some(r##"{"name": "Tag of {who}", "colour": "#123456"}"##), Admin { ok: 201, other_admin: Allowed(201) }),
        http("PUT", "/api/tags/{tag}", Some(r#"{"name": "Tag renamed by {who}"}"#), Admin { ok: 200, other_admin: tag_not_found }),
        http("DELETE", "/api/tags/{spare_tag}", None, Admin { ok: 204, other_admin: tag_not_found }),
        http("GET", "/api/contacts?q=vera", None, Operator(200)),
        // Mira's contact is pulled into Vera's at the first allowed call; later ones find it
        // merged and change nothing.
        http("POST", "/api/contacts/{contact}/merge", Some(r#"{"contact_id": "{mira_contact}"}"#), Contact(200)),
        // Exporting and erasing a contact take the right to delete dialogs (the admin's alone
        // here); the other admin's workspace has no such contact. Dmitri's contact is erased.
        http("POST", "/api/contacts/{contact}/export", None, Admin { ok: 200, other_admin: Refused(404, "contact_not_found") }),
        http("DELETE", "/api/contacts/{doomed_contact}", None, Admin { ok: 200, other_admin: Refused(404, "contact_not_found") }),
        http("GET", "/api/contact-fields", None, Operator(200)),
        http("PUT", "/api/contact-fields", Some(r#"{"fields": [{"key": "plan", "label": "Plan of {who}"}]}"#), Admin { ok: 200, other_admin: Allowed(200) }),
        http("GET", "/api/channels", None, Operator(200)),
        http("GET", "/api/sites/{site}/identity-secret", None, Admin { ok: 200, other_admin: FORBIDDEN }),
        http("POST", "/api/sites/{site}/identity-secret", None, Admin { ok: 200, other_admin: FORBIDDEN }),
        http("GET", "/api/reports?from=2026-01-01&to=2026-01-31", None, Admin { ok: 200, other_admin: Allowed(200) }),
        http("GET", "/api/reports.csv?from=2026-01-01&to=2026-01-31", None, Admin { ok: 200, other_admin: Allowed(200) }),
        http("GET", "/api/reports/live", None, Admin { ok: 200, other_admin: Allowed(200) }),
        http("GET", "/api/reports/operators/{anna}/today", None, Colleagues { ok: 200, other_admin: operator_not_found }),
        http("POST", "/api/visitor/session", Some(r#"{"site_key": "{site}", "name": "Newcomer"}"#), Same(Allowed(200))),
        http("GET", "/api/visitor/messages", None, Visitor(200)),
        http("POST", "/api/visitor/page", Some(r#"{"url": "{page}", "title": "Orders"}"#), Visitor(200)),
        http("GET", "/api/visitor/queue", None, Visitor(200)),
        http("GET", "/api/visitor/messages/{file_seq}/attachments", None, VisitorsFile),
        http("GET", "/api/sites", None, Admin { ok: 200, other_admin: Allowed(200) }),
        http("GET", "/api/sites/{site}", None, Same(Allowed(200))),
        http("GET", "/api/sites/{site}/availability", None, Same(Allowed(200))),
        http("PUT", "/api/sites/{site}", Some(r##"{"color": "#123456", "position": "left", "greeting": "Hello from {who}", "show_operator_names": true}"##), Admin { ok: 200, other_admin: FORBIDDEN }),
        http("GET", "/api/quick-replies", None, Operator(200)),
        http("POST", "/api/quick-replies", Some(r#"{"title": "Hello", "text": "Hello from {who}"}"#), Operator(201)),
        http("DELETE", "/api/quick-replies/{reply}", None, AnnasOwn(204)),
        http("GET", "/api/push", None, Operator(200)),
        http("POST", "/api/push/subscriptions", Some(r#"{"endpoint": "http://127.0.0.1:9/push/{who}", "keys": {"p256dh": "{p256dh}", "auth": "{auth}"}}"#), Operator(201)),
        http("DELETE", "/api/push/subscriptions?endpoint={endpoint}", None, AnnasOwn(204)),
        http("PUT", "/api/push/choices", Some(r#"{"new_dialogs": true, "transfers": true, "messages": true}"#), Operator(200)),
        http("POST", "/api/uploads", Some(r#"{"name": "note.txt", "size": 12, "content_type": "text/plain"}"#), SignedIn(201)),
        http("GET", "/api/attachments/limits", None, SignedIn(200)),
        http("PUT", "/api/attachments/limits", Some(r#"{"image_max_bytes": 5000000, "file_max_bytes": 6000000}"#), Admin { ok: 200, other_admin: Allowed(200) }),
        http("GET", "/api/workspace/handling", None, Operator(200)),
        http("PUT", "/api/workspace/handling", Some(r#"{"reply_time_limit_secs": 600, "distribution": false, "max_active_chats": 5, "held_counts_against_limit": false, "hand_back_after_secs": 300}"#), Admin { ok: 200, other_admin: Allowed(200) }),
        http("PATCH", "/api/me", Some(r#"{"name": "Renamed {who}"}"#), Operator(200)),
        // A wrong current password: refused, whoever asks.
        http("POST", "/api/me/password", Some(r#"{"current_password": "not-the-password", "new_password": "a-long-new-passphrase"}"#), Operators(Refused(400, "wrong_password"))),
        // Dora, no caller, is deactivated and reactivated, kept an operator and given a password.
        http("POST", "/api/operators/{dora}/deactivate", None, Admin { ok: 200, other_admin: operator_not_found }),
        http("POST", "/api/operators/{dora}/reactivate", None, Admin { ok: 200, other_admin: operator_not_found }),
        http("PUT", "/api/operators/{dora}/role", Some(r#"{"role": "operator"}"#), Admin { ok: 200, other_admin: operator_not_found }),
        http("PUT", "/api/operators/{dora}/password", Some(r#"{"password": "a-new-one-told-in-person"}"#), Admin { ok: 200, other_admin: operator_not_found }),
        sign_out("/api/me/sign-out", Ends::ANewSession, Operator(204)),
        sign_out("/api/me/sign-out-everywhere", Ends::EverySession, Operator(204)),
    ]
}

/// What a frame answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WsOutcome {
    Ack,
    Error(&'static str),
}

/// Who a WebSocket op is acked for. Every frame names Vera's dialog.
#[derive(Debug, Clone, Copy)]
enum WsPolicy {
    /// Every caller with a socket.
    Anyone,
    /// Operators who may see the dialog, and Vera where `visitor` (an op visitors have too).
    Dialog { visitor: bool },
    /// Transferring it while Anna is in charge: only who may reassign dialogs (the admin).
    Reassign,
}

impl WsPolicy {
    fn expect(self, who: Who) -> WsOutcome {
        match (self, who) {
            (WsPolicy::Anyone, _) => WsOutcome::Ack,
            (WsPolicy::Dialog { visitor: true }, Who::DialogsVisitor) => WsOutcome::Ack,
            (WsPolicy::Dialog { .. }, Who::Operator) => WsOutcome::Ack,
            (WsPolicy::Dialog { .. } | WsPolicy::Reassign, Who::Admin) => WsOutcome::Ack,
            (_, Who::OtherAdmin) => WsOutcome::Error("dialog_not_found"),
            // Never sent: their sockets were closed, and none opens (`has_socket`).
            (_, Who::Deactivated | Who::SignedOut) => WsOutcome::Error("unauthorized"),
            _ => WsOutcome::Error("forbidden"),
        }
    }
}

/// One WebSocket op.
struct Op {
    frame: fn(&Scene) -> Value,
    policy: WsPolicy,
}

/// Every op of the protocol, in the order each caller sends them: an operator who may joins
/// before sending and leaves before closing, and the admin's transfer (to Carl) comes after
/// everyone else was refused theirs.
#[rustfmt::skip]
fn ops() -> Vec<Op> {
    use WsPolicy::*;
    let op = |frame: fn(&Scene) -> Value, policy| Op { frame, policy };
    vec![
        op(|_| json!({ "action": "message", "op": "ping" }), Anyone),
        op(|s| frame::typing(Some(&s.dialog), true), Dialog { visitor: true }),
        op(|s| frame::read(Some(&s.dialog), 1), Dialog { visitor: true }),
        op(|s| frame::mark_unread(&s.dialog), Dialog { visitor: false }),
        op(|s| frame::join(&s.dialog), Dialog { visitor: false }),
        op(|s| frame::send(Some(&s.dialog), &unique("c"), &s.dialog_text), Dialog { visitor: true }),
        op(|s| frame::whisper(&s.dialog, &unique("c"), &s.whisper), Dialog { visitor: false }),
        op(|s| frame::hold(&s.dialog), Dialog { visitor: false }),
        op(|s| frame::resume(&s.dialog), Dialog { visitor: false }),
        op(|s| frame::leave(&s.dialog), Dialog { visitor: false }),
        op(|s| frame::transfer(&s.dialog, &s.carl.to_string(), Some("for you")), Reassign),
        op(|s| frame::close(&s.dialog), Dialog { visitor: false }),
        op(|s| frame::reopen(&s.dialog), Dialog { visitor: false }),
    ]
}

/// What of the scene a caller may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Secret {
    /// Vera's dialog: its id, Vera's id, name, email, page, texts and file.
    Dialog,
    /// The whispers in it.
    Whisper,
    /// Olek's dialog, in the queue, which every operator of the workspace sees.
    QueuedDialog,
    /// The other workspace's dialog and visitor.
    OtherWorkspacesDialog,
    /// The team: its operators' emails, and the ids of the groups Carl belongs to (or will).
    Team,
    /// The other workspace's admin's email.
    OtherWorkspacesTeam,
    /// What only admins see: the groups' names.
    Groups,
    /// Anna's own: her quick reply and her browser's push endpoint. No caller is Anna.
    AnnasOwn,
}

/// A deactivated operator and a signed-out session read nothing: no arm names them.
fn may_read(who: Who, secret: Secret) -> bool {
    use Who::*;
    match secret {
        Secret::Dialog => matches!(who, DialogsVisitor | Operator | Admin),
        Secret::Whisper => matches!(who, Operator | Admin),
        Secret::QueuedDialog => matches!(
            who,
            OtherVisitor | Operator | TransferredAway | WithoutColleagues | Admin
        ),
        Secret::OtherWorkspacesDialog => matches!(who, OtherSitesVisitor | OtherAdmin),
        Secret::Team => matches!(who, Operator | TransferredAway | WithoutColleagues | Admin),
        Secret::OtherWorkspacesTeam => who == OtherAdmin,
        Secret::Groups => who == Admin,
        Secret::AnnasOwn => false,
    }
}

/// The scene, built once.
struct Scene {
    a: WorkspaceId,
    b: WorkspaceId,
    /// Vera's dialog, Olek's, Wanda's.
    dialog: String,
    olek_dialog: String,
    wanda_dialog: String,
    /// Dmitri's dialog, in the queue: the one the admin deletes.
    doomed_dialog: String,
    anna: OperatorId,
    boris: OperatorId,
    carl: OperatorId,
    nina: OperatorId,
    admin: OperatorId,
    other_admin: OperatorId,
    /// The deactivated caller, and the operator the admin endpoints change.
    dee: OperatorId,
    dora: OperatorId,
    vera: VisitorId,
    olek: VisitorId,
    wanda: VisitorId,
    /// A text of Vera's and a whisper, also sent in the frames of the matrix.
    dialog_text: String,
    whisper: String,
    /// The pages each visitor reports.
    pages: Vec<(Who, String)>,
    /// Every caller's bearer token.
    tokens: Vec<(Who, String)>,
    /// The email and password of every operator caller, to sign in again.
    logins: Vec<(Who, String, String)>,
    /// What `Scene::fill` puts for `{name}`.
    names: Vec<(&'static str, String)>,
    secrets: Vec<(String, Secret)>,
}

impl Scene {
    fn token(&self, who: Who) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, t)| t.as_str())
    }

    /// A new session of the operator caller `who`.
    async fn sign_in_again(&self, app: &TestApp, who: Who) -> String {
        let (_, email, password) = self
            .logins
            .iter()
            .find(|(w, _, _)| *w == who)
            .expect("every operator caller can sign in");
        app.login(email, password).await
    }

    /// `template` with the scene's things for their names in braces, and `{who}` and `{page}`
    /// for the caller's own.
    fn fill(&self, template: &str, who: Who) -> String {
        let mut out = template.replace("{who}", &who.slug());
        let page = self.pages.iter().find(|(w, _)| *w == who).map_or_else(
            || format!("https://shop.example/{}", who.slug()),
            |(_, p)| p.clone(),
        );
        out = out.replace("{page}", &page);
        for (name, value) in &self.names {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }

    /// Fails if `answer` holds anything `who` may not read that was not in the request itself.
    fn assert_no_leak(&self, who: Who, cell: &str, asked: &str, answer: &str) {
        for (secret, kind) in &self.secrets {
            if !may_read(who, *kind) && !asked.contains(secret.as_str()) {
                assert!(
                    !answer.contains(secret.as_str()),
                    "{cell}: {who:?} got {kind:?} ({secret}), which is not theirs to read: {answer}"
                );
            }
        }
    }
}

/// What is stored, item by item.
#[derive(Default)]
struct Stored(Vec<(String, String)>);

impl Stored {
    fn add<T: std::fmt::Debug, E: std::fmt::Debug>(&mut self, item: String, read: Result<T, E>) {
        let value = read.unwrap_or_else(|e| panic!("{item} is not read: {e:?}"));
        self.0.push((item, format!("{value:?}")));
    }
}

/// Everything stored that the scene is made of, read straight from the store.
async fn stored(app: &TestApp, s: &Scene) -> Stored {
    let st = &app.running.stores;
    let mut items = Stored::default();
    for ws in [&s.a, &s.b] {
        let d = &st.directory;
        items.add(format!("workspace {ws}"), d.get_workspace(ws).await);
        items.add(format!("sites of {ws}"), d.list_sites(ws).await);
        items.add(format!("operators of {ws}"), d.list_operators(ws).await);
        items.add(format!("groups of {ws}"), st.groups.list_groups(ws).await);
        // When a socket was last heard from is the harness's own pings, not what a request did.
        let sockets = st.connections.operator_connections(ws).await.map(|all| {
            all.into_iter()
                .map(|c| parlor_core::domain::Connection { seen_at: None, ..c })
                .collect::<Vec<_>>()
        });
        items.add(format!("operator sockets of {ws}"), sockets);
    }
    let dialogs = [
        (&s.a, &s.dialog),
        (&s.a, &s.olek_dialog),
        (&s.b, &s.wanda_dialog),
        (&s.a, &s.doomed_dialog),
    ];
    let ids: Vec<DialogId> = dialogs
        .iter()
        .map(|(_, d)| DialogId::parse(d).unwrap())
        .collect();
    for ((ws, _), id) in dialogs.iter().zip(&ids) {
        let d = &st.dialogs;
        items.add(format!("dialog {id}"), d.get_dialog(ws, id).await);
        items.add(
            format!("messages of {id}"),
            d.messages_after(ws, id, 0, 1000).await,
        );
        items.add(
            format!("receipts of {id}"),
            st.receipts.get_receipts(ws, id).await,
        );
    }
    let operators = [
        (&s.a, &s.anna),
        (&s.a, &s.boris),
        (&s.a, &s.carl),
        (&s.a, &s.nina),
        (&s.a, &s.admin),
        (&s.a, &s.dee),
        (&s.a, &s.dora),
        (&s.b, &s.other_admin),
    ];
    for (ws, op) in operators {
        let marks = st.read_markers.read_markers(ws, op, &ids).await;
        items.add(format!("read marks of {op}"), marks);
        let replies = st.quick_replies.list_quick_replies(ws, op).await;
        items.add(format!("quick replies of {op}"), replies);
        let push = st.push_subscriptions.push_subscriber(ws, op).await;
        items.add(format!("push of {op}"), push);
    }
    for (ws, v) in [(&s.a, &s.vera), (&s.a, &s.olek), (&s.b, &s.wanda)] {
        items.add(
            format!("visitor {v}"),
            st.directory.get_visitor(ws, v).await,
        );
        let contact = parlor_core::ids::ContactId::of_visitor(v);
        items.add(
            format!("contact {contact}"),
            st.contacts.get_contact(ws, &contact).await,
        );
        let sockets = st.connections.visitor_connections(ws, v).await;
        items.add(format!("sockets of {v}"), sockets);
    }
    items
}

fn assert_unchanged(before: &Stored, after: &Stored, cell: &str) {
    let changed: Vec<&str> = before
        .0
        .iter()
        .zip(&after.0)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.0.as_str())
        .collect();
    assert!(
        changed.is_empty(),
        "{cell} changed what is stored: {changed:?}"
    );
}

/// `{id}`, `{key}`, `{dialog}`... all read `{}`, and the query goes.
fn route_shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let mut out = String::new();
    let mut in_name = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_name = true;
                out.push_str("{}");
            }
            '}' => in_name = false,
            _ if in_name => {}
            c => out.push(c),
        }
    }
    out
}

/// Every `METHOD /path` of the API's router, as its modules' `routes()` declare them.
fn routes_in_code() -> BTreeSet<String> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src/entrypoints/http");
    let mut found = BTreeSet::new();
    for file in std::fs::read_dir(&dir).expect("the HTTP entrypoints are there") {
        let source = std::fs::read_to_string(file.unwrap().path()).unwrap();
        let mut rest = source.as_str();
        while let Some(at) = rest.find(".route(") {
            let call = &rest[at + ".route(".len()..];
            let mut depth = 1;
            let end = call
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| i)
                .expect("a route call ends");
            let args = &call[..end];
            rest = &call[end..];
            // A path that is no literal is the frame page's, which the API router does not serve.
            let Some(path) = args
                .trim_start()
                .strip_prefix('"')
                .and_then(|p| p.split('"').next())
            else {
                continue;
            };
            for method in ["get", "post", "put", "patch", "delete"] {
                let call = format!("{method}(");
                let named = args.match_indices(&call).any(|(i, _)| {
                    !args[..i]
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if named {
                    found.insert(format!("{} {}", method.to_uppercase(), route_shape(path)));
                }
            }
        }
    }
    found
}

/// Every endpoint of docs/protocol.md's HTTP API table.
fn routes_in_docs() -> BTreeSet<String> {
    let doc = include_str!("../../docs/protocol.md");
    let table = doc
        .split("\n## HTTP API\n")
        .nth(1)
        .expect("protocol.md has an HTTP API section")
        .split("\n### ")
        .next()
        .unwrap();
    table
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .map(|cell| {
            let endpoint = cell.split('`').next().unwrap();
            let (method, path) = endpoint.split_once(' ').expect("METHOD /path");
            format!("{method} {}", route_shape(path))
        })
        .collect()
}

/// A token's claims changed, its signature kept.
fn tampered(token: &str, field: &str, value: &str) -> String {
    let (payload, signature) = token.split_once('.').expect("a signed token");
    let mut claims: Value = serde_json_from(&B64.decode(payload).unwrap());
    claims[field] = json!(value);
    format!("{}.{signature}", B64.encode(claims.to_string()))
}

fn serde_json_from(bytes: &[u8]) -> Value {
    parlor_e2e::serde_json::from_slice(bytes).expect("claims are JSON")
}

fn unsigned(claims: &Claims) -> String {
    format!(
        "{}.",
        B64.encode(parlor_e2e::serde_json::to_vec(claims).unwrap())
    )
}

/// `action.op`.
fn op_name(frame: &Value) -> String {
    let name = |field: &str| frame[field].as_str().unwrap_or_default().to_owned();
    format!("{}.{}", name("action"), name("op"))
}

/// `POST` as `token`, which must create: the answer's `id`.
async fn create(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let (status, v) = app.request("POST", path, Some(token), Some(body)).await;
    assert_eq!(status, 201, "POST {path}: {v}");
    v["id"].as_str().unwrap_or_default().to_owned()
}

async fn ok(app: &TestApp, method: &str, path: &str, token: &str, body: Value) -> Value {
    let (status, v) = app.request(method, path, Some(token), Some(body)).await;
    assert_eq!(status, 200, "{method} {path}: {v}");
    v
}

/// The callers' sockets, and Anna's.
struct Sockets {
    callers: Vec<(Who, Ws)>,
    anna: Ws,
}

impl Sockets {
    fn of(&mut self, who: Who) -> &mut Ws {
        let found = self.callers.iter_mut().find(|(w, _)| *w == who);
        &mut found.expect("every caller with a token has a socket").1
    }

    /// Takes `who`'s socket, which the server closes, and checks what came on it before.
    async fn closed(&mut self, s: &Scene, who: Who, cell: &str) {
        let at = self.callers.iter().position(|(w, _)| *w == who);
        let (_, mut ws) = self.callers.remove(at.expect("the caller has a socket"));
        assert_eq!(
            ws.closed().await,
            1000,
            "{cell}: the socket of {who:?} is closed"
        );
        for event in ws.take_pending() {
            let cell = format!("{cell}, an event on the socket of {who:?}");
            s.assert_no_leak(who, &cell, "", &event.to_string());
        }
    }

    /// Reads every frame the callers' sockets received and checks that none holds what its caller
    /// may not read; a dialog's id alone comes in `dialog.removed` to those who stop seeing it.
    /// Anna's socket is only read, to keep up: she is no caller.
    async fn assert_no_leak(&mut self, s: &Scene, after: &str) {
        self.anna.drain().await;
        for (who, ws) in self.callers.iter_mut() {
            for event in ws.drain().await {
                let cell = format!("{after}, an event on the socket of {who:?}");
                if event["type"] == "dialog.removed" {
                    let fields = event.as_object().map(|o| o.len());
                    assert_eq!(fields, Some(2), "{cell}: {event}");
                    continue;
                }
                s.assert_no_leak(*who, &cell, "", &event.to_string());
            }
        }
    }
}

/// The scene (see `Who`), and every caller's socket, opened last: every frame they receive is
/// one the matrix caused.
async fn build(app: &TestApp) -> (Scene, Sockets) {
    let admin_token = app.admin_token().await;
    let group = json!({ "rights": [] });
    ok(
        app,
        "PATCH",
        "/api/groups/grp_everyone",
        &admin_token,
        group,
    )
    .await;
    let (team_name, spare_name) = (unique("team-"), unique("spare-"));
    let group = json!({ "name": team_name, "rights": ["see_colleagues_dialogs"] });
    let team = create(app, &admin_token, "/api/groups", group).await;
    let group = json!({ "name": spare_name, "rights": [] });
    let spare = create(app, &admin_token, "/api/groups", group).await;
    let (tag_name, spare_tag_name) = (unique("tag-"), unique("spare-tag-"));
    let body = json!({ "name": tag_name, "colour": "#aa0000" });
    let tag = create(app, &admin_token, "/api/tags", body).await;
    let body = json!({ "name": spare_tag_name, "colour": "#00aa00" });
    let spare_tag = create(app, &admin_token, "/api/tags", body).await;
    let anna = app.operator_by(&admin_token, "Anna", "operator").await;
    let boris = app.operator_by(&admin_token, "Boris", "operator").await;
    let carl = app.operator_by(&admin_token, "Carl", "operator").await;
    let nina = app.operator_by(&admin_token, "Nina", "operator").await;
    let path = format!("/api/operators/{}/groups", carl.id);
    ok(app, "PUT", &path, &admin_token, json!({ "groups": [team] })).await;
    // Dora, whom the admin endpoints change; Dee, deactivated with a session, a socket and a
    // ticket of hers.
    let dora = app.operator_by(&admin_token, "Dora", "operator").await;
    let dee = app.operator_by(&admin_token, "Dee", "operator").await;
    let mut dee_ws = app.connect_operator(&dee).await;
    let dee_ticket = app.ticket(&dee.token).await;
    let path = format!("/api/operators/{}/deactivate", dee.id);
    let (status, v) = app.request("POST", &path, Some(&admin_token), None).await;
    assert_eq!(status, 200, "Dee is deactivated: {v}");
    assert_eq!(dee_ws.closed().await, 1000, "Dee's socket is closed");
    let team_emails: Vec<String> = app.get("/api/operators", &admin_token).await["operators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["email"].as_str().unwrap().to_owned())
        .collect();
    let email = |name: &str| team_emails.iter().find(|e| e.starts_with(name)).unwrap();
    let anna_email = email("anna");
    // A session of Carl's he signs out, with a socket and a ticket of its own.
    let carls_other = Operator {
        id: carl.id.clone(),
        name: carl.name.clone(),
        token: app.login(email("carl"), "password-123").await,
    };
    let mut carls_other_ws = app.connect_operator(&carls_other).await;
    let carls_other_ticket = app.ticket(&carls_other.token).await;
    let (status, v) = app
        .request("POST", "/api/me/sign-out", Some(&carls_other.token), None)
        .await;
    assert_eq!(status, 204, "Carl signs a session out: {v}");
    assert_eq!(carls_other_ws.closed().await, 1000, "its socket is closed");
    for (whose, ticket) in [
        ("Dee's", dee_ticket),
        ("the signed-out", carls_other_ticket),
    ] {
        let url = format!("{}?v=1&ticket={ticket}", app.running.ws_url());
        let refused = Ws::connect(&url).await.err();
        let refused = matches!(refused, Some(Closed::Refused(401)));
        assert!(refused, "{whose} ticket, issued before, opens no socket");
    }
    let mut anna_ws = app.connect_operator(&anna).await;
    let mut boris_ws = app.connect_operator(&boris).await;

    // Vera's dialog: Boris had it and handed it to Anna; a file of Vera's, a whisper of Anna's.
    let (vera_name, vera_email) = (unique("vera-"), format!("{}@example.com", unique("vera-")));
    let profile = json!({ "name": vera_name, "email": vera_email });
    let mut vera = app.visitor_with(profile).await;
    let dialog_text = unique("parcel-text-");
    let dialog = start_dialog(&mut vera, &format!("My parcel is late {dialog_text}")).await;
    let vera_page = format!("https://shop.example/{}", unique("vera-page-"));
    let page = json!({ "url": vera_page });
    ok(app, "POST", "/api/visitor/page", &vera.token, page).await;
    boris_ws.ok(frame::join(&dialog)).await;
    boris_ws
        .ok(frame::transfer(&dialog, &anna.id, Some("yours")))
        .await;
    let file_name = format!("{}.png", unique("scan-"));
    let file = upload(app, &vera.token, &file_name, &png(4, 4), "image/png").await;
    let sent = vera.ws.ok(send_files(Some(&dialog), "", &[&file])).await;
    let file_seq = sent["message"]["seq"].as_u64().unwrap();
    let attachment = sent["message"]["attachments"][0]["id"].as_str().unwrap();
    let whisper = unique("whisper-");
    anna_ws
        .ok(frame::whisper(&dialog, &unique("c"), &whisper))
        .await;

    // Olek's dialog waits in the queue.
    let (olek_name, olek_text) = (unique("olek-"), unique("olek-text-"));
    let mut olek = app.visitor_with(json!({ "name": olek_name })).await;
    let olek_dialog = start_dialog(&mut olek, &format!("Where is my parcel {olek_text}")).await;
    let olek_page = format!("https://shop.example/{}", unique("olek-page-"));
    // Dmitri's dialog waits too, until the admin deletes it.
    let mut dmitri = app.visitor("Dmitri").await;
    let doomed_dialog = start_dialog(&mut dmitri, "Please forget me").await;
    // Mira's contact waits to be merged into Vera's; Anna answers her, so her dialog is no
    // longer in the queue everyone sees.
    let mut mira = app.visitor("Mira").await;
    let mira_dialog = start_dialog(&mut mira, "It is me, Vera, on my phone").await;
    anna_ws.ok(frame::join(&mira_dialog)).await;

    // Another workspace, its admin, and Wanda's dialog on its site.
    let other_email = format!("{}@elsewhere.test", unique("boss-"));
    let (other_site, other_admin, _) = app
        .running
        .app
        .sessions
        .bootstrap(&other_email, "another-workspace-pw", vec![])
        .await
        .unwrap();
    let other_admin = Operator {
        id: other_admin.id.to_string(),
        name: "Boss".into(),
        token: app.login(&other_email, "another-workspace-pw").await,
    };
    let (wanda_name, wanda_text) = (unique("wanda-"), unique("wanda-text-"));
    let session = json!({ "site_key": other_site.key, "name": wanda_name });
    let (status, session) = app
        .request("POST", "/api/visitor/session", None, Some(session))
        .await;
    assert_eq!(status, 200, "Wanda's session: {session}");
    let wanda_token = session["token"].as_str().unwrap().to_owned();
    let mut wanda = Visitor {
        id: session["visitor_id"].as_str().unwrap().to_owned(),
        ws: app.connect_visitor(&wanda_token).await,
        token: wanda_token,
    };
    let wanda_dialog = start_dialog(&mut wanda, &format!("parcel {wanda_text}")).await;
    let wanda_page = format!("https://elsewhere.example/{}", unique("wanda-page-"));

    // Anna's own: a quick reply, a browser subscribed to pushes.
    let reply_text = unique("reply-");
    let reply = json!({ "title": "Greeting", "text": reply_text });
    let reply = create(app, &anna.token, "/api/quick-replies", reply).await;
    let browser = VapidKey::generate().public_key();
    let auth = B64.encode(&unique("auth")[..16]);
    let endpoint = format!("http://127.0.0.1:9/push/{}", unique("anna-"));
    let keys = json!({ "p256dh": browser, "auth": auth });
    let subscription = json!({ "endpoint": endpoint, "keys": keys });
    create(app, &anna.token, "/api/push/subscriptions", subscription).await;

    // The bad tokens: the admin's session and Vera's token, expired, forged and unsigned; Carl's
    // and Olek's with the admin's and Vera's ids in their claims.
    let signer = &app.running.app.sessions.signer;
    let (now, later) = (app.running.app.now(), app.running.app.now() + 3_600_000);
    let a = app.running.admin.workspace.clone();
    let admins = |expires_at| Claims::Session {
        workspace: a.clone(),
        operator: app.running.admin.id.clone(),
        session: unique("ses_"),
        issued_at: expires_at - 8 * 3_600_000,
        expires_at,
    };
    let veras = |expires_at| Claims::Visitor {
        workspace: a.clone(),
        site: app.running.site.key.clone(),
        visitor: VisitorId::parse(&vera.id).unwrap(),
        expires_at,
    };
    let another_key = Signer::new(vec![9u8; 32]).unwrap();
    let admin_id = app.running.admin.id.to_string();

    let secrets = [
        (&dialog, Secret::Dialog),
        (&vera.id, Secret::Dialog),
        (&vera_name, Secret::Dialog),
        (&vera_email, Secret::Dialog),
        (&dialog_text, Secret::Dialog),
        (&vera_page, Secret::Dialog),
        (&file_name, Secret::Dialog),
        (&attachment.to_owned(), Secret::Dialog),
        (&whisper, Secret::Whisper),
        (&olek_dialog, Secret::QueuedDialog),
        (&olek.id, Secret::QueuedDialog),
        (&olek_name, Secret::QueuedDialog),
        (&olek_text, Secret::QueuedDialog),
        (&olek_page, Secret::QueuedDialog),
        (&doomed_dialog, Secret::QueuedDialog),
        (&wanda_dialog, Secret::OtherWorkspacesDialog),
        (&wanda.id, Secret::OtherWorkspacesDialog),
        (&wanda_name, Secret::OtherWorkspacesDialog),
        (&wanda_text, Secret::OtherWorkspacesDialog),
        (&wanda_page, Secret::OtherWorkspacesDialog),
        (&team, Secret::Team),
        (&other_email, Secret::OtherWorkspacesTeam),
        (&team_name, Secret::Groups),
        (&spare_name, Secret::Groups),
        (&spare, Secret::Team),
        (&tag_name, Secret::Team),
        (&spare_tag_name, Secret::Team),
        (&reply_text, Secret::AnnasOwn),
        (&endpoint, Secret::AnnasOwn),
    ]
    .into_iter()
    .chain(team_emails.iter().map(|e| (e, Secret::Team)))
    .map(|(secret, kind)| (secret.clone(), kind))
    .collect();
    let scene = Scene {
        a: a.clone(),
        b: other_site.workspace.clone(),
        anna: OperatorId::parse(&anna.id).unwrap(),
        boris: OperatorId::parse(&boris.id).unwrap(),
        carl: OperatorId::parse(&carl.id).unwrap(),
        nina: OperatorId::parse(&nina.id).unwrap(),
        admin: app.running.admin.id.clone(),
        other_admin: OperatorId::parse(&other_admin.id).unwrap(),
        dee: OperatorId::parse(&dee.id).unwrap(),
        dora: OperatorId::parse(&dora.id).unwrap(),
        vera: VisitorId::parse(&vera.id).unwrap(),
        olek: VisitorId::parse(&olek.id).unwrap(),
        wanda: VisitorId::parse(&wanda.id).unwrap(),
        pages: vec![
            (Who::DialogsVisitor, vera_page.clone()),
            (Who::OtherVisitor, olek_page.clone()),
            (Who::OtherSitesVisitor, wanda_page.clone()),
        ],
        tokens: vec![
            (Who::DialogsVisitor, vera.token.clone()),
            (Who::OtherVisitor, olek.token.clone()),
            (Who::OtherSitesVisitor, wanda.token.clone()),
            (Who::Operator, carl.token.clone()),
            (Who::TransferredAway, boris.token.clone()),
            (Who::WithoutColleagues, nina.token.clone()),
            (Who::OtherAdmin, other_admin.token.clone()),
            (Who::Expired(Token::Session), signer.sign(&admins(now - 1))),
            (Who::Expired(Token::Visitor), signer.sign(&veras(now - 1))),
            (
                Who::Forged(Token::Session),
                another_key.sign(&admins(later)),
            ),
            (Who::Forged(Token::Visitor), another_key.sign(&veras(later))),
            (
                Who::Tampered(Token::Session),
                tampered(&carl.token, "operator", &admin_id),
            ),
            (
                Who::Tampered(Token::Visitor),
                tampered(&olek.token, "visitor", &vera.id),
            ),
            (Who::Unsigned(Token::Session), unsigned(&admins(later))),
            (Who::Unsigned(Token::Visitor), unsigned(&veras(later))),
            (Who::Deactivated, dee.token.clone()),
            (Who::SignedOut, carls_other.token.clone()),
            (Who::Admin, admin_token.clone()),
        ],
        logins: [
            (Who::Operator, email("carl"), "password-123"),
            (Who::TransferredAway, email("boris"), "password-123"),
            (Who::WithoutColleagues, email("nina"), "password-123"),
            (Who::OtherAdmin, &other_email, "another-workspace-pw"),
            (
                Who::Admin,
                &app.running.admin.email.as_str().to_owned(),
                app.running.admin_password.as_deref().unwrap(),
            ),
        ]
        .into_iter()
        .map(|(who, email, password)| (who, email.clone(), password.to_owned()))
        .collect(),
        names: vec![
            ("dialog", dialog.clone()),
            ("doomed", doomed_dialog.clone()),
            (
                "contact",
                parlor_core::ids::ContactId::of_visitor(&VisitorId::parse(&vera.id).unwrap())
                    .to_string(),
            ),
            (
                "mira_contact",
                parlor_core::ids::ContactId::of_visitor(&VisitorId::parse(&mira.id).unwrap())
                    .to_string(),
            ),
            (
                "doomed_contact",
                parlor_core::ids::ContactId::of_visitor(&VisitorId::parse(&dmitri.id).unwrap())
                    .to_string(),
            ),
            ("file_seq", file_seq.to_string()),
            ("team", team.clone()),
            ("spare", spare.clone()),
            ("tag", tag.clone()),
            ("spare_tag", spare_tag.clone()),
            ("carl", carl.id.clone()),
            ("anna", anna.id.clone()),
            ("dora", dora.id.clone()),
            ("site", app.running.site.key.to_string()),
            ("reply", reply),
            ("endpoint", endpoint.replace(':', "%3A").replace('/', "%2F")),
            ("p256dh", browser),
            ("auth", auth),
            ("anna_email", anna_email.clone()),
        ],
        dialog,
        olek_dialog,
        wanda_dialog,
        doomed_dialog,
        dialog_text,
        whisper,
        secrets,
    };

    let admin = Operator {
        id: admin_id,
        name: "Admin".into(),
        token: admin_token,
    };
    let mut sockets = Sockets {
        callers: vec![
            (Who::DialogsVisitor, vera.ws),
            (Who::OtherVisitor, olek.ws),
            (Who::OtherSitesVisitor, wanda.ws),
            (Who::Operator, app.connect_operator(&carl).await),
            (Who::TransferredAway, boris_ws),
            (Who::WithoutColleagues, app.connect_operator(&nina).await),
            (Who::OtherAdmin, app.connect_operator(&other_admin).await),
            (Who::Admin, app.connect_operator(&admin).await),
        ],
        anna: anna_ws,
    };
    for (_, ws) in sockets.callers.iter_mut() {
        ws.drain().await;
    }
    sockets.anna.drain().await;
    (scene, sockets)
}

/// A cell refused (or answered without effect) is checked against what was stored before it:
/// the last refused cell's reading serves as long as no allowed cell ran since.
async fn before(
    app: &TestApp,
    s: &Scene,
    changes: bool,
    known: &mut Option<Stored>,
) -> Option<Stored> {
    match known.take() {
        _ if changes => None,
        Some(known) => Some(known),
        None => Some(stored(app, s).await),
    }
}

/// Each endpoint against each caller.
async fn http_matrix(app: &TestApp, s: &Scene, sockets: &mut Sockets, endpoints: &[Endpoint]) {
    let mut known = None;
    for endpoint in endpoints {
        for who in CALLERS {
            let path = s.fill(endpoint.path, who);
            let body = endpoint.body.map(|b| s.fill(b, who)).unwrap_or_default();
            let cell = format!("{} {} as {who:?}", endpoint.method, endpoint.path);
            let expected = endpoint.policy.expect(who);
            let allowed = matches!(expected, Allowed(_));
            let fresh = match endpoint.ends {
                Ends::ANewSession if allowed => Some(s.sign_in_again(app, who).await),
                _ => None,
            };
            let token = fresh.as_deref().or(s.token(who));
            let before = before(app, s, allowed, &mut known).await;
            let json_body = (!body.is_empty())
                .then(|| parlor_e2e::serde_json::from_str(&body).expect("the bodies are JSON"));
            let (status, answer) = app.request(endpoint.method, &path, token, json_body).await;
            let code = answer["error"]["code"].as_str();
            match expected {
                Allowed(want) | Unchanged(want) => assert_eq!(status, want, "{cell}: {answer}"),
                Refused(want, c) => assert_eq!((status, code), (want, Some(c)), "{cell}: {answer}"),
            }
            s.assert_no_leak(who, &cell, &format!("{path} {body}"), &answer.to_string());
            if let Some(before) = before {
                let after = stored(app, s).await;
                assert_unchanged(&before, &after, &cell);
                known = Some(after);
            }
            if allowed {
                signed_out(app, s, sockets, endpoint.ends, who, token, &cell).await;
            }
        }
        let after = format!("after {} {}", endpoint.method, endpoint.path);
        sockets.assert_no_leak(s, &after).await;
    }
}

/// After an allowed cell that ends sessions: the token it was sent with is refused from then on;
/// the caller's own is not, unless every session of theirs ended, and then their socket closed.
async fn signed_out(
    app: &TestApp,
    s: &Scene,
    sockets: &mut Sockets,
    ends: Ends,
    who: Who,
    sent: Option<&str>,
    cell: &str,
) {
    let answers = |token| async move { app.request("GET", "/api/me", token, None).await.0 };
    match ends {
        Ends::Nothing => {}
        Ends::ANewSession => {
            assert_eq!(answers(sent).await, 401, "{cell}: the session is over");
            let own = answers(s.token(who)).await;
            assert_eq!(own, 200, "{cell}: the caller's other session goes on");
        }
        Ends::EverySession => {
            assert_eq!(answers(sent).await, 401, "{cell}: the session is over");
            sockets.closed(s, who, cell).await;
        }
    }
}

/// A caller with no valid token opens no socket, so sends no frame; the others send each op.
async fn ws_matrix(app: &TestApp, s: &Scene, sockets: &mut Sockets) {
    let ws_url = app.running.ws_url();
    for who in CALLERS.into_iter().filter(|w| !w.has_socket()) {
        let before = stored(app, s).await;
        let urls = match s.token(who) {
            None => vec![format!("{ws_url}?v=1")],
            Some(token) => vec![
                format!("{ws_url}?v=1&ticket={token}"),
                format!("{ws_url}?v=1&visitor_token={token}"),
            ],
        };
        for url in urls {
            match Ws::connect(&url).await {
                Err(Closed::Refused(status)) => assert_eq!(status, 401, "{who:?} opens {url}"),
                Err(other) => panic!("{who:?} opens {url}: {other:?}"),
                Ok(_) => panic!("{who:?} opened a socket: {url}"),
            }
        }
        let cell = format!("the socket of {who:?}");
        assert_unchanged(&before, &stored(app, s).await, &cell);
    }
    for who in CALLERS.into_iter().filter(|w| w.has_socket()) {
        let mut known = None;
        for op in ops() {
            let frame = (op.frame)(s);
            let cell = format!("{} as {who:?}", op_name(&frame));
            let expected = op.policy.expect(who);
            let before = before(app, s, expected == WsOutcome::Ack, &mut known).await;
            let reply = sockets.of(who).request(frame.clone()).await;
            let answer = (reply["type"].as_str(), reply["code"].as_str());
            match expected {
                WsOutcome::Ack => assert_eq!(answer.0, Some("ack"), "{cell}: {reply}"),
                WsOutcome::Error(code) => {
                    assert_eq!(answer, (Some("error"), Some(code)), "{cell}: {reply}")
                }
            }
            s.assert_no_leak(who, &cell, &frame.to_string(), &reply.to_string());
            if let Some(before) = before {
                let after = stored(app, s).await;
                assert_unchanged(&before, &after, &cell);
                known = Some(after);
            }
        }
        sockets
            .assert_no_leak(s, &format!("after the ops of {who:?}"))
            .await;
    }
}

#[tokio::test]
async fn no_caller_reaches_what_is_not_theirs_and_a_refused_request_changes_nothing() {
    let listed: BTreeSet<String> = endpoints()
        .iter()
        .map(|e| format!("{} {}", e.method, route_shape(e.path)))
        .collect();
    let routes = routes_in_code();
    assert_eq!(
        listed, routes,
        "the matrix lists every route of the API's router"
    );
    let documented = routes_in_docs();
    assert_eq!(
        listed, documented,
        "the matrix lists every endpoint of docs/protocol.md"
    );

    // Every caller signs in with Anna's email and a wrong password, and asks for a visitor
    // session from one address: what no person does, and the limits would answer before the
    // authorisation does (`tests/tests/limits.rs` holds those).
    let app = TestApp::spawn_with_limits("off").await;
    let (scene, mut sockets) = build(&app).await;
    let sent: BTreeSet<String> = ops()
        .iter()
        .map(|op| op_name(&(op.frame)(&scene)))
        .collect();
    for route in Route::ALL {
        for op in route.ops().unwrap_or_default() {
            let op = format!("{}.{op}", route.key());
            assert!(sent.contains(&op), "the matrix sends no {op}");
        }
    }

    // Signing out everywhere ends the sessions and sockets the WebSocket ops are sent on: last.
    let (last, first): (Vec<_>, Vec<_>) = endpoints()
        .into_iter()
        .partition(|e| e.ends == Ends::EverySession);
    http_matrix(&app, &scene, &mut sockets, &first).await;
    ws_matrix(&app, &scene, &mut sockets).await;
    http_matrix(&app, &scene, &mut sockets, &last).await;
}
