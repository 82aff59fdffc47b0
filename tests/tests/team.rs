//! An operator's lifecycle through the running local gateway: signing out on the server (one
//! session, or all), a display name and a password of one's own; admins deactivating and
//! reactivating operators (their sessions, tickets and sockets end, their dialogs go back to the
//! queue), changing roles and resetting passwords; the last admin kept. Then operators' emails,
//! unique per workspace, and signing in where an address is in several. The console's side is
//! tested in Chromium (`web/e2e/console-team.e2e.ts`).

use parlor_core::domain::{Connection, Peer};
use parlor_core::ids::{ConnectionId, OperatorId, WorkspaceId};
use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{Closed, Operator, TestApp, Ws, frame, start_dialog, unique};

const PASSWORD: &str = "password-123";

/// A new operator of the demo workspace, signed in, and their email.
async fn add(app: &TestApp, admin: &str, name: &str, role: &str) -> (Operator, String) {
    let email = format!("{}@example.com", unique(&name.to_lowercase()));
    let body = json!({ "email": email, "name": name, "password": PASSWORD, "role": role });
    let (status, added) = app
        .request("POST", "/api/operators", Some(admin), Some(body))
        .await;
    assert_eq!(status, 201, "{added}");
    let token = app.login(&email, PASSWORD).await;
    let op = Operator {
        id: added["id"].as_str().unwrap().to_owned(),
        name: name.to_owned(),
        token,
    };
    (op, email)
}

async fn status_of(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.request(method, path, Some(token), body).await
}

/// The error code of a refused request, with its status.
async fn refused(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, String) {
    let (status, v) = app.request(method, path, token, body).await;
    (
        status,
        v["error"]["code"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn login_status(app: &TestApp, body: Value) -> (u16, Value) {
    app.request("POST", "/api/login", None, Some(body)).await
}

async fn ws_with_ticket(app: &TestApp, ticket: &str) -> Result<Ws, Closed> {
    Ws::connect(&format!("{}?v=1&ticket={ticket}", app.running.ws_url())).await
}

fn refused_upgrade(result: Result<Ws, Closed>) -> u16 {
    match result {
        Err(Closed::Refused(status)) => status,
        Err(other) => panic!("the socket failed otherwise: {other:?}"),
        Ok(_) => panic!("the socket opened"),
    }
}

#[tokio::test]
async fn signing_out_ends_that_session_its_tickets_and_its_sockets_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (anna, email) = add(&app, &admin, "Anna", "operator").await;
    let laptop = anna.token.clone();
    let phone = app.login(&email, PASSWORD).await;
    let mut on_laptop = app.connect_operator(&anna).await;
    let mut on_phone = app
        .connect_operator(&Operator {
            token: phone.clone(),
            id: anna.id.clone(),
            name: anna.name.clone(),
        })
        .await;
    let waiting_ticket = app.ticket(&laptop).await;

    let (status, body) = app
        .request("POST", "/api/me/sign-out", Some(&laptop), None)
        .await;
    assert_eq!(status, 204, "{body}");

    for (method, path) in [
        ("GET", "/api/me"),
        ("POST", "/api/tickets"),
        ("GET", "/api/dialogs"),
    ] {
        let (status, code) = refused(&app, method, path, Some(&laptop), None).await;
        assert_eq!(
            (status, code.as_str()),
            (401, "unauthorized"),
            "{method} {path}"
        );
    }
    assert_eq!(
        on_laptop.closed().await,
        1000,
        "the session's socket is closed"
    );
    assert_eq!(
        refused_upgrade(ws_with_ticket(&app, &waiting_ticket).await),
        401,
        "a ticket issued to the session before it ended"
    );
    // Signing out twice is refused like any call with an ended session.
    let (status, _) = refused(&app, "POST", "/api/me/sign-out", Some(&laptop), None).await;
    assert_eq!(status, 401);

    assert_eq!(
        app.get("/api/me", &phone).await["id"],
        anna.id,
        "the other session goes on"
    );
    on_phone.ping().await.expect("its socket stays open");
    let again = app.login(&email, PASSWORD).await;
    app.get("/api/me", &again).await;
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_and_closes_every_socket() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (anna, email) = add(&app, &admin, "Anna", "operator").await;
    let phone = app.login(&email, PASSWORD).await;
    let mut one = app.connect_operator(&anna).await;
    let mut two = app
        .connect_operator(&Operator {
            token: phone.clone(),
            id: anna.id.clone(),
            name: anna.name.clone(),
        })
        .await;
    let mut admins = app
        .connect_operator(&Operator {
            token: admin.clone(),
            id: app.running.admin.id.to_string(),
            name: "Admin".into(),
        })
        .await;

    let (status, _) = app
        .request("POST", "/api/me/sign-out-everywhere", Some(&phone), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(one.closed().await, 1000);
    assert_eq!(two.closed().await, 1000);
    for token in [&anna.token, &phone] {
        let (status, code) = refused(&app, "POST", "/api/tickets", Some(token), None).await;
        assert_eq!((status, code.as_str()), (401, "unauthorized"));
    }
    admins.ping().await.expect("nobody else's socket closes");
    app.get("/api/me", &admin).await;
    let fresh = app.login(&email, PASSWORD).await;
    app.get("/api/me", &fresh).await;
    let (status, _) = app
        .request("POST", "/api/me/sign-out-everywhere", None, None)
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_operator_changes_their_own_name_and_every_console_hears_of_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (anna, _) = add(&app, &admin, "Anna", "operator").await;
    let (boris, _) = add(&app, &admin, "Boris", "operator").await;
    let mut b = app.connect_operator(&boris).await;

    let (status, renamed) = app
        .request(
            "PATCH",
            "/api/me",
            Some(&anna.token),
            Some(json!({ "name": "  Anna K.  " })),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "Anna K.");
    let told = b.event("operator.updated").await;
    assert_eq!(told["operator"]["id"], anna.id);
    assert_eq!(told["operator"]["name"], "Anna K.");
    assert_eq!(told["operator"]["active"], true);
    assert_eq!(app.get("/api/me", &anna.token).await["name"], "Anna K.");

    for (name, words) in [("   ", "empty"), (&*"x".repeat(101), "too long")] {
        let (status, v) = app
            .request(
                "PATCH",
                "/api/me",
                Some(&anna.token),
                Some(json!({ "name": name })),
            )
            .await;
        refused_saying(status, &v, (400, "invalid_request"), words);
    }
    let (status, _) = refused(&app, "PATCH", "/api/me", None, Some(json!({ "name": "X" }))).await;
    assert_eq!(status, 401);
    assert_eq!(
        app.get("/api/me", &anna.token).await["name"],
        "Anna K.",
        "unchanged"
    );
    // A new dialog joined now carries the new name.
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hi").await;
    let joined = a.ok(frame::join(&dialog)).await;
    assert_eq!(joined["dialog"]["assignee"]["name"], "Anna K.");
}

#[tokio::test]
async fn an_operator_changes_their_own_password_and_their_sessions_end() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (anna, email) = add(&app, &admin, "Anna", "operator").await;
    let other = app.login(&email, PASSWORD).await;
    let mut socket = app.connect_operator(&anna).await;

    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    for (body, status, code) in [
        (
            change("wrong-one-123", "a longer horse, stapled"),
            400,
            "wrong_password",
        ),
        (change(PASSWORD, "password"), 400, "invalid_request"),
        (change(PASSWORD, &email), 400, "invalid_request"),
    ] {
        assert_eq!(
            refused(
                &app,
                "POST",
                "/api/me/password",
                Some(&anna.token),
                Some(body.clone())
            )
            .await,
            (status, code.to_owned()),
            "{body}"
        );
    }
    app.get("/api/me", &other).await;
    socket.ping().await.expect("a refused change ends nothing");
    app.login(&email, PASSWORD).await;

    let (status, renewed) = app
        .request(
            "POST",
            "/api/me/password",
            Some(&anna.token),
            Some(change(PASSWORD, "a longer horse, stapled")),
        )
        .await;
    assert_eq!(status, 200, "{renewed}");
    let token = renewed["token"].as_str().expect("a new session").to_owned();
    assert_eq!(renewed["operator"]["id"], anna.id);
    app.get("/api/me", &token).await;
    for old in [&anna.token, &other] {
        assert_eq!(
            refused(&app, "GET", "/api/me", Some(old), None).await.0,
            401
        );
    }
    assert_eq!(socket.closed().await, 1000);
    let (status, _) = login_status(&app, json!({ "email": email, "password": PASSWORD })).await;
    assert_eq!(status, 401, "the old password is gone");
    app.login(&email, "a longer horse, stapled").await;
}

/// Anna in charge of two dialogs (one open with nobody else, one closed), and connected to a
/// third that Boris is in charge of; the admin and Boris watch.
#[tokio::test]
async fn a_deactivated_operator_is_signed_out_everywhere_and_their_dialogs_go_back_to_the_queue() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let admin_op = Operator {
        token: admin.clone(),
        id: app.running.admin.id.to_string(),
        name: "Admin".into(),
    };
    let (anna, email) = add(&app, &admin, "Anna", "operator").await;
    let (boris, _) = add(&app, &admin, "Boris", "operator").await;
    let mut a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let mut boss = app.connect_operator(&admin_op).await;

    let mut vera = app.visitor("Vera").await;
    let open = start_dialog(&mut vera, "Where is my order?").await;
    a.ok(frame::join(&open)).await;
    a.ok(frame::send(Some(&open), "a1", "Looking into it"))
        .await;
    let mut olga = app.visitor("Olga").await;
    let closed = start_dialog(&mut olga, "Thanks, solved").await;
    a.ok(frame::join(&closed)).await;
    a.ok(frame::close(&closed)).await;
    let mut pavel = app.visitor("Pavel").await;
    let borises = start_dialog(&mut pavel, "Hello").await;
    b.ok(frame::join(&borises)).await;
    a.ok(frame::join(&borises)).await;
    let waiting_ticket = app.ticket(&anna.token).await;
    boss.drain().await;
    b.drain().await;

    let (status, view) = app
        .request(
            "POST",
            &format!("/api/operators/{}/deactivate", anna.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["active"], false);

    // Everything of Anna's ends.
    assert_eq!(a.closed().await, 1000, "her socket is closed");
    assert_eq!(
        refused(&app, "GET", "/api/me", Some(&anna.token), None)
            .await
            .0,
        401
    );
    assert_eq!(
        refused(&app, "POST", "/api/tickets", Some(&anna.token), None)
            .await
            .0,
        401
    );
    assert_eq!(
        refused_upgrade(ws_with_ticket(&app, &waiting_ticket).await),
        401
    );
    let (status, answer) =
        login_status(&app, json!({ "email": email, "password": PASSWORD })).await;
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deactivated"),
        "{answer}"
    );
    // A frame that raced the close, from a socket record of hers, is refused.
    let raced = ConnectionId::parse(&unique("raced")).unwrap();
    let now = app.running.app.now();
    app.running
        .stores
        .connections
        .put_connection(&Connection {
            id: raced.clone(),
            workspace: app.running.admin.workspace.clone(),
            peer: Peer::Operator {
                id: OperatorId::parse(&anna.id).unwrap(),
                role: parlor_core::domain::Role::Operator,
                status: parlor_core::domain::OperatorStatus::Online,
                rights: Default::default(),
                session: None,
            },
            connected_at: now,
            seen_at: None,
            expires_at: now + 60_000,
        })
        .await
        .unwrap();
    let caller = app.running.app.sessions.caller_of(&raced).await;
    assert!(
        matches!(caller, Err(parlor_core::app::AppError::Unauthorized(_))),
        "{caller:?}"
    );

    // Her open dialog is back in the queue, ringing; the event is in its timeline.
    let told = boss.event("operator.updated").await;
    assert_eq!(
        (told["operator"]["id"].as_str(), &told["operator"]["active"]),
        (Some(anna.id.as_str()), &json!(false))
    );
    let update = boss
        .next_where(|e| e["type"] == "dialog.updated" && e["dialog"]["id"] == open.as_str())
        .await;
    assert_eq!(update["dialog"].get("assignee"), None, "{update}");
    assert_eq!(update["dialog"]["participants"], json!([]));
    assert_eq!(update["dialog"]["needs_answer"], true);
    assert_eq!(update["event"]["event"]["event"], "handed_back");
    assert_eq!(update["event"]["event"]["name"], "Anna");
    assert_eq!(update["event"]["event"]["by_name"], "Admin");
    assert_eq!(
        b.next_where(|e| e["type"] == "dialog.updated" && e["dialog"]["id"] == open.as_str())
            .await["ring"],
        true,
        "it rings again for Boris, who is online"
    );
    let history = app.history(&boris, &open, "").await;
    let newest = history["messages"][0].clone();
    assert_eq!(newest["event"]["event"], "handed_back", "{newest}");
    assert!(
        vera.ws
            .drain()
            .await
            .iter()
            .all(|e| e["message"]["event"]["event"] != "handed_back"),
        "the visitor is not told"
    );
    let closed_now = app.get(&format!("/api/dialogs/{closed}"), &admin).await;
    assert_eq!(
        (closed_now["status"].as_str(), closed_now.get("assignee")),
        (Some("closed"), None)
    );
    let still_boris = app.get(&format!("/api/dialogs/{borises}"), &admin).await;
    assert_eq!(
        still_boris["assignee"]["id"], boris.id,
        "Boris's dialog stays his"
    );

    // Listed as deactivated; no transfers to her.
    let listed = app.get("/api/operators", &admin).await;
    let her = listed["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == anna.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(her["active"], false);
    b.ok(frame::join(&open)).await;
    b.refused(
        frame::transfer(&open, &anna.id, None),
        "operator_deactivated",
    )
    .await;

    // Reactivated: she signs in again; what ended stays ended.
    let (status, view) = app
        .request(
            "POST",
            &format!("/api/operators/{}/reactivate", anna.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!((status, &view["active"]), (200, &json!(true)), "{view}");
    assert_eq!(
        boss.event("operator.updated").await["operator"]["active"],
        true
    );
    assert_eq!(
        refused(&app, "GET", "/api/me", Some(&anna.token), None)
            .await
            .0,
        401
    );
    let back = app.login(&email, PASSWORD).await;
    app.get("/api/me", &back).await;
    b.ok(frame::transfer(&open, &anna.id, None)).await;
}

#[tokio::test]
async fn only_admins_change_operators_and_only_their_own_workspaces() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (anna, email) = add(&app, &admin, "Anna", "operator").await;
    let (boris, _) = add(&app, &admin, "Boris", "operator").await;
    let elsewhere_email = format!("{}@elsewhere.test", unique("boss"));
    app.running
        .app
        .sessions
        .bootstrap(&elsewhere_email, PASSWORD, vec![])
        .await
        .unwrap();
    let other_admin = app.login(&elsewhere_email, PASSWORD).await;
    let visitor = app.visitor_session(Some("Vera")).await;
    let visitor_token = visitor["token"].as_str().unwrap().to_owned();

    let changes = |id: &str| {
        [
            ("POST", format!("/api/operators/{id}/deactivate"), None),
            ("POST", format!("/api/operators/{id}/reactivate"), None),
            (
                "PUT",
                format!("/api/operators/{id}/role"),
                Some(json!({ "role": "admin" })),
            ),
            (
                "PUT",
                format!("/api/operators/{id}/password"),
                Some(json!({ "password": "a new one, told in person" })),
            ),
        ]
    };
    let before = app.get("/api/operators", &admin).await;
    for (method, path, body) in changes(&anna.id) {
        assert_eq!(
            refused(&app, method, &path, Some(&boris.token), body.clone()).await,
            (403, "forbidden".into()),
            "{path}"
        );
        assert_eq!(
            refused(&app, method, &path, Some(&other_admin), body.clone()).await,
            (404, "operator_not_found".into()),
            "another workspace's admin: {path}"
        );
        assert_eq!(
            refused(&app, method, &path, None, body.clone()).await.0,
            401,
            "{path}"
        );
        assert_eq!(
            refused(&app, method, &path, Some(&visitor_token), body.clone())
                .await
                .0,
            401,
            "a visitor: {path}"
        );
    }
    for (method, path, body) in changes(&OperatorId::generate().to_string()) {
        assert_eq!(
            refused(&app, method, &path, Some(&admin), body).await,
            (404, "operator_not_found".into()),
            "{path}"
        );
    }
    for (method, path, body) in changes("not%20an%20id") {
        assert_eq!(
            refused(&app, method, &path, Some(&admin), body).await,
            (400, "invalid_request".into()),
            "{path}"
        );
    }
    let bad_role = refused(
        &app,
        "PUT",
        &format!("/api/operators/{}/role", anna.id),
        Some(&admin),
        Some(json!({ "role": "owner" })),
    )
    .await;
    assert_eq!(bad_role, (400, "invalid_request".into()));
    assert_eq!(
        app.get("/api/operators", &admin).await,
        before,
        "nothing changed"
    );
    app.login(&email, PASSWORD).await;
    // The same changes from the admin are taken.
    for (method, path, body) in changes(&anna.id) {
        let (status, v) = status_of(&app, method, &path, &admin, body).await;
        assert_eq!(status, 200, "{path}: {v}");
    }
}

#[tokio::test]
async fn a_role_change_applies_at_once_even_on_an_open_socket() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (anna, _) = add(&app, &admin, "Anna", "operator").await;
    let (boris, _) = add(&app, &admin, "Boris", "operator").await;
    let mut a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    assert_eq!(
        refused(&app, "GET", "/api/sites", Some(&anna.token), None)
            .await
            .0,
        403
    );

    // A dialog transferred away from Anna is gone for her, as for any operator.
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hi").await;
    a.ok(frame::join(&dialog)).await;
    a.ok(frame::transfer(&dialog, &boris.id, None)).await;
    b.drain().await;

    let (status, view) = app
        .request(
            "PUT",
            &format!("/api/operators/{}/role", anna.id),
            Some(&admin),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(
        (status, view["role"].as_str()),
        (200, Some("admin")),
        "{view}"
    );
    assert_eq!(
        a.event("operator.updated").await["operator"]["role"],
        "admin",
        "she hears of it herself"
    );
    assert_eq!(
        b.event("operator.updated").await["operator"]["role"],
        "admin"
    );
    app.get("/api/sites", &anna.token).await;
    // Her open socket now hears of the dialog as an admin does.
    b.ok(frame::send(Some(&dialog), "b1", "Hello from Boris"))
        .await;
    let heard = a.event("message.created").await;
    assert_eq!(heard["message"]["text"], "Hello from Boris");

    let (status, _) = app
        .request(
            "PUT",
            &format!("/api/operators/{}/role", anna.id),
            Some(&admin),
            Some(json!({ "role": "operator" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        refused(&app, "GET", "/api/sites", Some(&anna.token), None)
            .await
            .0,
        403
    );
    a.drain().await;
    b.ok(frame::send(Some(&dialog), "b2", "Again")).await;
    a.assert_no("message.created").await;
}

#[tokio::test]
async fn the_charge_of_a_dialog_never_passes_to_a_deactivated_operator_who_was_only_connected_to_it()
 {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (anna, _) = add(&app, &admin, "Anna", "operator").await;
    let (dee, _) = add(&app, &admin, "Dee", "operator").await;
    let (carl, _) = add(&app, &admin, "Carl", "operator").await;
    let mut a = app.connect_operator(&anna).await;
    let mut d = app.connect_operator(&dee).await;
    let mut c = app.connect_operator(&carl).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "Hello?").await;
    a.ok(frame::join(&dialog)).await;
    d.ok(frame::join(&dialog)).await;
    // Dee was connected to Anna's dialog, not in charge of it: deactivating her leaves it as it is.
    let (status, _) = app
        .request(
            "POST",
            &format!("/api/operators/{}/deactivate", dee.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(d.closed().await, 1000);
    let before = app.get(&format!("/api/dialogs/{dialog}"), &admin).await;
    assert_eq!(before["assignee"]["id"], anna.id.as_str(), "{before}");
    c.drain().await;

    // Anna leaves: the charge would pass to Dee, who is handed back instead; nobody is left, so
    // the dialog waits in the queue and rings again.
    a.ok(frame::leave(&dialog)).await;
    let after = app.get(&format!("/api/dialogs/{dialog}"), &admin).await;
    assert_eq!(after.get("assignee"), None, "{after}");
    assert_eq!(after["participants"], json!([]), "{after}");
    assert_eq!(after["needs_answer"], true, "{after}");
    let history = app.history(&carl, &dialog, "").await;
    let newest = &history["messages"][0];
    assert_eq!(newest["event"]["event"], "handed_back", "{newest}");
    assert_eq!(newest["event"]["name"], "Dee");
    assert_eq!(newest["event"]["by_name"], "Anna");
    let rang = c
        .next_where(|e| {
            e["type"] == "dialog.updated"
                && e["dialog"]["id"] == dialog.as_str()
                && e["event"]["event"]["event"] == "handed_back"
        })
        .await;
    assert_eq!(rang["ring"], true, "it rings again for Carl, who is online");
    // Carl takes it as any queued dialog.
    c.ok(frame::join(&dialog)).await;
    let taken = app.get(&format!("/api/dialogs/{dialog}"), &admin).await;
    assert_eq!(taken["assignee"]["id"], carl.id.as_str());
}

#[tokio::test]
async fn the_last_active_admin_can_be_neither_demoted_nor_deactivated() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me = app.running.admin.id.to_string();
    let before = app.get("/api/operators", &admin).await;
    for (method, path, body) in [
        (
            "PUT",
            format!("/api/operators/{me}/role"),
            Some(json!({ "role": "operator" })),
        ),
        ("POST", format!("/api/operators/{me}/deactivate"), None),
    ] {
        let (status, v) = app.request(method, &path, Some(&admin), body).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (409, Some("last_admin")),
            "{path}: {v}"
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("active admin"),
            "{v}"
        );
    }
    assert_eq!(
        app.get("/api/operators", &admin).await,
        before,
        "nothing changed"
    );
    app.get("/api/sites", &admin).await;

    // With a second admin, the first may step down; then the second is the last.
    let (bea, _) = add(&app, &admin, "Bea", "admin").await;
    let (status, v) = app
        .request(
            "PUT",
            &format!("/api/operators/{me}/role"),
            Some(&admin),
            Some(json!({ "role": "operator" })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        refused(&app, "GET", "/api/sites", Some(&admin), None)
            .await
            .0,
        403
    );
    assert_eq!(
        refused(
            &app,
            "POST",
            &format!("/api/operators/{}/deactivate", bea.id),
            Some(&bea.token),
            None
        )
        .await,
        (409, "last_admin".into())
    );
    // A deactivated admin does not count as one.
    let (carl, _) = add(&app, &bea.token, "Carl", "admin").await;
    let (status, _) = app
        .request(
            "POST",
            &format!("/api/operators/{}/deactivate", carl.id),
            Some(&bea.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        refused(
            &app,
            "PUT",
            &format!("/api/operators/{}/role", bea.id),
            Some(&bea.token),
            Some(json!({ "role": "operator" }))
        )
        .await,
        (409, "last_admin".into())
    );
}

#[tokio::test]
async fn an_admin_resets_a_password_and_that_operators_sessions_end() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (anna, email) = add(&app, &admin, "Anna", "operator").await;
    let mut a = app.connect_operator(&anna).await;
    let path = format!("/api/operators/{}/password", anna.id);

    for (password, words) in [("password", "guesser"), ("short", "at least 8")] {
        let (status, v) = app
            .request(
                "PUT",
                &path,
                Some(&admin),
                Some(json!({ "password": password })),
            )
            .await;
        refused_saying(status, &v, (400, "invalid_request"), words);
    }
    a.ping().await.expect("a refused reset ends nothing");
    app.get("/api/me", &anna.token).await;
    let mine = format!("/api/operators/{}/password", app.running.admin.id);
    assert_eq!(
        refused(
            &app,
            "PUT",
            &mine,
            Some(&admin),
            Some(json!({ "password": "a new one, told in person" }))
        )
        .await,
        (403, "forbidden".into()),
        "an admin's own password takes the current one"
    );

    let (status, view) = app
        .request(
            "PUT",
            &path,
            Some(&admin),
            Some(json!({ "password": "a new one, told in person" })),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["id"], anna.id);
    assert!(view.get("password_hash").is_none() && !view.to_string().contains("argon2"));
    assert_eq!(a.closed().await, 1000);
    assert_eq!(
        refused(&app, "GET", "/api/me", Some(&anna.token), None)
            .await
            .0,
        401
    );
    let (status, _) = login_status(&app, json!({ "email": email, "password": PASSWORD })).await;
    assert_eq!(status, 401);
    app.login(&email, "a new one, told in person").await;
    app.login(
        app.running.admin.email.as_str(),
        app.running.admin_password.as_deref().unwrap(),
    )
    .await;
}

#[tokio::test]
async fn an_address_may_be_an_operator_in_several_workspaces_and_reveals_nothing_across_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let shared = format!("{}@shared.example", unique("sam"));
    let (elsewhere_site, elsewhere_admin, created) = app
        .running
        .app
        .sessions
        .bootstrap(&shared, PASSWORD, vec![])
        .await
        .unwrap();
    assert!(created);
    let elsewhere: WorkspaceId = elsewhere_admin.workspace.clone();
    let _ = elsewhere_site;

    // Taken elsewhere: no obstacle here, and the answer is an ordinary one.
    let body = json!({ "email": shared.to_uppercase(), "name": "Sam", "password": "another-pass-456", "role": "operator" });
    let (status, sam) = app
        .request("POST", "/api/operators", Some(&admin), Some(body.clone()))
        .await;
    assert_eq!(status, 201, "{sam}");
    // Twice in one workspace: refused, and nothing is added.
    let before = app.get("/api/operators", &admin).await;
    let (status, again) = app
        .request("POST", "/api/operators", Some(&admin), Some(body))
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (400, Some("invalid_request")),
        "{again}"
    );
    assert!(!again.to_string().contains(elsewhere.as_str()));
    assert_eq!(app.get("/api/operators", &admin).await, before);

    // Each password signs in to its own workspace.
    let (status, here) = login_status(
        &app,
        json!({ "email": shared, "password": "another-pass-456" }),
    )
    .await;
    assert_eq!(status, 200, "{here}");
    assert_eq!(here["operator"]["id"], sam["id"]);
    let (status, there) =
        login_status(&app, json!({ "email": shared, "password": PASSWORD })).await;
    assert_eq!(status, 200, "{there}");
    assert_eq!(there["operator"]["id"], elsewhere_admin.id.as_str());
    let (status, wrong) = login_status(
        &app,
        json!({ "email": shared, "password": "nope-nope-nope" }),
    )
    .await;
    assert_eq!(
        (status, wrong["error"].get("workspaces")),
        (401, None),
        "{wrong}"
    );

    // The same password in both: the person chooses.
    let (status, _) = app
        .request(
            "PUT",
            &format!("/api/operators/{}/password", sam["id"].as_str().unwrap()),
            Some(&admin),
            Some(json!({ "password": PASSWORD })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, choose) =
        login_status(&app, json!({ "email": shared, "password": PASSWORD })).await;
    assert_eq!(
        (status, choose["error"]["code"].as_str()),
        (409, Some("choose_workspace")),
        "{choose}"
    );
    let mut offered: Vec<(String, String)> = choose["error"]["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["id"].as_str().unwrap().to_owned(),
                w["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    offered.sort();
    let mut expected = vec![
        (
            app.running.admin.workspace.to_string(),
            "Demo workspace".to_owned(),
        ),
        (elsewhere.to_string(), "Demo workspace".to_owned()),
    ];
    expected.sort();
    assert_eq!(offered, expected);
    for (ws, id) in [
        (app.running.admin.workspace.to_string(), sam["id"].clone()),
        (elsewhere.to_string(), json!(elsewhere_admin.id)),
    ] {
        let (status, chosen) = login_status(
            &app,
            json!({ "email": shared, "password": PASSWORD, "workspace": ws }),
        )
        .await;
        assert_eq!(status, 200, "{chosen}");
        assert_eq!(chosen["operator"]["id"], id);
    }
    let (status, _) = login_status(
        &app,
        json!({ "email": shared, "password": PASSWORD, "workspace": WorkspaceId::generate() }),
    )
    .await;
    assert_eq!(status, 401, "a workspace without the address");
    let (status, _) = login_status(
        &app,
        json!({ "email": shared, "password": PASSWORD, "workspace": "not an id!" }),
    )
    .await;
    assert_eq!(status, 400);

    // A deactivated one is no choice: the other signs in directly.
    let (status, _) = app
        .request(
            "POST",
            &format!("/api/operators/{}/deactivate", sam["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, direct) =
        login_status(&app, json!({ "email": shared, "password": PASSWORD })).await;
    assert_eq!(status, 200, "{direct}");
    assert_eq!(direct["operator"]["id"], elsewhere_admin.id.as_str());
    // The first run's bootstrap still finds its admin.
    let (_, found, created) = app
        .running
        .app
        .sessions
        .bootstrap(&shared, PASSWORD, vec![])
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(found.id, elsewhere_admin.id);
}

/// Every endpoint an operator's session opens refuses an ended session alike: one signed out, and
/// one of an admin since deactivated (so no admin-only endpoint answers 403 before it checks).
#[tokio::test]
async fn an_ended_session_is_refused_by_every_endpoint_of_the_api() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (bea, bea_email) = add(&app, &admin, "Bea", "admin").await;
    let signed_out = app.login(&bea_email, PASSWORD).await;
    let (status, _) = app
        .request("POST", "/api/me/sign-out", Some(&signed_out), None)
        .await;
    assert_eq!(status, 204);
    let (carl, _) = add(&app, &admin, "Carl", "admin").await;
    let (status, _) = app
        .request(
            "POST",
            &format!("/api/operators/{}/deactivate", carl.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hi").await;
    let site = app.running.site.key.to_string();
    let endpoints: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/api/me".into(), None),
        ("PATCH", "/api/me".into(), Some(json!({ "name": "X" }))),
        (
            "POST",
            "/api/me/status".into(),
            Some(json!({ "status": "away" })),
        ),
        (
            "POST",
            "/api/me/password".into(),
            Some(
                json!({ "current_password": PASSWORD, "new_password": "a longer horse, stapled" }),
            ),
        ),
        ("POST", "/api/me/sign-out".into(), None),
        ("POST", "/api/me/sign-out-everywhere".into(), None),
        ("POST", "/api/tickets".into(), None),
        ("GET", "/api/operators".into(), None),
        (
            "POST",
            "/api/operators".into(),
            Some(
                json!({ "email": "x@example.com", "name": "X", "password": "a longer horse, stapled" }),
            ),
        ),
        (
            "POST",
            format!("/api/operators/{}/deactivate", bea.id),
            None,
        ),
        (
            "POST",
            format!("/api/operators/{}/reactivate", bea.id),
            None,
        ),
        (
            "PUT",
            format!("/api/operators/{}/role", bea.id),
            Some(json!({ "role": "operator" })),
        ),
        (
            "PUT",
            format!("/api/operators/{}/password", bea.id),
            Some(json!({ "password": "a longer horse, stapled" })),
        ),
        ("GET", "/api/dialogs".into(), None),
        ("GET", format!("/api/dialogs/{dialog}"), None),
        ("GET", format!("/api/dialogs/{dialog}/messages"), None),
        ("GET", format!("/api/dialogs/{dialog}/visitor"), None),
        ("GET", format!("/api/dialogs/{dialog}/attachments"), None),
        (
            "GET",
            format!("/api/dialogs/{dialog}/messages/1/attachments"),
            None,
        ),
        ("GET", "/api/search?q=hi".into(), None),
        ("GET", "/api/quick-replies".into(), None),
        (
            "POST",
            "/api/quick-replies".into(),
            Some(json!({ "title": "t", "text": "x" })),
        ),
        ("DELETE", "/api/quick-replies/qr_x".into(), None),
        ("GET", "/api/sites".into(), None),
        (
            "PUT",
            format!("/api/sites/{site}"),
            Some(json!({ "color": "#111111" })),
        ),
        (
            "POST",
            "/api/uploads".into(),
            Some(json!({ "name": "a.png", "content_type": "image/png", "size": 10 })),
        ),
        ("GET", "/api/attachments/limits".into(), None),
        (
            "PUT",
            "/api/attachments/limits".into(),
            Some(json!({ "image_max_bytes": 1_048_576, "file_max_bytes": 1_048_576 })),
        ),
        ("GET", "/api/push".into(), None),
        (
            "POST",
            "/api/push/subscriptions".into(),
            Some(
                json!({ "endpoint": "https://push.example/x", "keys": { "p256dh": "x", "auth": "y" } }),
            ),
        ),
        (
            "DELETE",
            "/api/push/subscriptions?endpoint=https%3A%2F%2Fpush.example%2Fx".into(),
            None,
        ),
        (
            "PUT",
            "/api/push/choices".into(),
            Some(json!({ "new_dialogs": false, "transfers": false, "messages": false })),
        ),
    ];
    let before = app.get("/api/operators", &admin).await;
    for (who, token) in [("signed out", &signed_out), ("deactivated", &carl.token)] {
        for (method, path, body) in &endpoints {
            let (status, v) = app.request(method, path, Some(token), body.clone()).await;
            assert_eq!(
                (status, v["error"]["code"].as_str()),
                (401, Some("unauthorized")),
                "{who}: {method} {path}: {v}"
            );
        }
    }
    assert_eq!(
        app.get("/api/operators", &admin).await,
        before,
        "nothing changed"
    );
    app.get("/api/me", &bea.token).await;
}

/// The answer was refused with `want` (status and code), and its message says `words`.
#[track_caller]
fn refused_saying(status: u16, v: &parlor_e2e::serde_json::Value, want: (u16, &str), words: &str) {
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (want.0, Some(want.1)),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(words)),
        "{v}"
    );
}
