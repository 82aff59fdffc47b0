//! Presence against a running gateway with real sockets: colleagues see a console open and close,
//! an operator without a console for longer than the workspace allows has their dialogs handed
//! back (so the visitor's next message rings again), and one back in time keeps them.

use parlor_e2e::{TestApp, frame, hand_back_after};
use serde_json::{Value, json};

async fn presence_listed(app: &TestApp, token: &str, id: &str) -> Value {
    let list = app.get("/api/operators", token).await;
    let me = list["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .cloned()
        .unwrap();
    me["presence"].clone()
}

#[tokio::test]
async fn colleagues_see_a_console_open_and_close() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let boris = app.operator("Boris").await;
    let mut b = app.connect_operator(&boris).await;
    assert_eq!(
        presence_listed(&app, &boris.token, &anna.id).await,
        "no_console",
        "online by status, but no console yet"
    );

    let a = app.connect_operator(&anna).await;
    let seen = b
        .next_where(|e| e["type"] == "operator.status" && e["operator_id"] == anna.id)
        .await;
    assert_eq!(seen["presence"], "online");
    assert_eq!(seen["status"], "online");
    assert_eq!(
        presence_listed(&app, &boris.token, &anna.id).await,
        "online"
    );

    // A second console of hers changes nothing colleagues see.
    let a2 = app.connect_operator(&anna).await;
    a2.close().await;
    a.close().await;
    let gone = b
        .next_where(|e| e["type"] == "operator.status" && e["operator_id"] == anna.id)
        .await;
    assert_eq!(gone["presence"], "no_console", "{gone}");
    assert_eq!(gone["status"], "online", "her status is still hers");
    assert_eq!(
        presence_listed(&app, &boris.token, &anna.id).await,
        "no_console"
    );
}

#[tokio::test]
async fn a_status_change_carries_the_presence_it_makes() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let boris = app.operator("Boris").await;
    let _a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let me = app.set_status(&anna.token, "away").await;
    assert_eq!(me["presence"], "away");
    let seen = b
        .next_where(|e| e["type"] == "operator.status" && e["operator_id"] == anna.id)
        .await;
    assert_eq!(
        (&seen["status"], &seen["presence"]),
        (&json!("away"), &json!("away"))
    );
}

#[tokio::test]
async fn a_ping_records_that_the_console_is_still_there() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let connections = &app.running.stores.connections;
    let ws = &app.running.admin.workspace;
    let anna_id = parlor_core::ids::OperatorId::parse(&anna.id).unwrap();
    let before = connections
        .connections_of_operator(ws, &anna_id)
        .await
        .unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].seen_at, None);
    a.ok(json!({ "action": "message", "op": "ping" })).await;
    let after = connections
        .connections_of_operator(ws, &anna_id)
        .await
        .unwrap();
    assert!(
        after[0]
            .seen_at
            .is_some_and(|at| at >= before[0].connected_at)
    );
}

#[tokio::test]
async fn an_operator_without_a_console_has_their_dialogs_handed_back() {
    let app = TestApp::spawn().await;
    hand_back_after(&app, 1).await;
    let joined = app.joined("hello?").await;
    let (mut a, mut vera, dialog) = (joined.a, joined.vera, joined.dialog);
    a.ok(frame::send(Some(&dialog), "o1", "Hi, I am Anna"))
        .await;
    a.close().await;
    let boris = app.operator("Boris").await;
    let mut b = app.connect_operator(&boris).await;

    let handed = b
        .next_where(|e| {
            e["type"] == "dialog.updated" && e["event"]["event"]["event"] == "went_offline"
        })
        .await;
    assert_eq!(handed["event"]["text"], "Anna left: offline");
    assert!(handed["dialog"].get("assignee").is_none(), "{handed}");
    assert_eq!(handed["dialog"]["participants"], json!([]));
    assert_eq!(handed["ring"], false, "nobody waits: quiet");
    let row = app
        .get(&format!("/api/dialogs/{dialog}"), &boris.token)
        .await;
    assert!(row.get("assignee").is_none(), "stored: {row}");

    vera.ws.ok(frame::send(None, "v2", "anyone there?")).await;
    let rang = b
        .next_where(|e| e["type"] == "message.created" && e["message"]["text"] == "anyone there?")
        .await;
    assert_eq!(rang["ring"], true, "the visitor's next message rings again");
    assert_eq!(rang["dialog"]["needs_answer"], true);
}

#[tokio::test]
async fn a_console_back_within_the_grace_keeps_the_dialogs() {
    let app = TestApp::spawn().await;
    hand_back_after(&app, 2).await;
    let joined = app.joined("hello?").await;
    let (anna, dialog) = (joined.anna, joined.dialog);
    joined.a.close().await;
    let back = app.connect_operator(&anna).await;
    // Past the grace, and sweeps every 200 ms: the watch moved ahead with the new console.
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    let row = app
        .get(&format!("/api/dialogs/{dialog}"), &anna.token)
        .await;
    assert_eq!(row["assignee"]["id"], anna.id, "still hers: {row}");

    // Whereas a sweep that finds her gone hands it back.
    back.close().await;
    // The grace and a sweep, with room for a loaded machine.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let row = app
            .get(&format!("/api/dialogs/{dialog}"), &anna.token)
            .await;
        if row.get("assignee").is_none() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not handed back within 30 s: {row}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_widget_learns_whether_anybody_is_available() {
    let app = TestApp::spawn().await;
    let path = format!("/api/sites/{}/availability", app.running.site.key);
    let available = || async {
        let (status, v) = app.request("GET", &path, None, None).await;
        assert_eq!(status, 200, "{v}");
        v["available"].as_bool().unwrap()
    };
    assert!(!available().await, "no console open");
    let anna = app.operator("Anna").await;
    let a = app.connect_operator(&anna).await;
    assert!(available().await);
    app.set_status(&anna.token, "away").await;
    assert!(!available().await, "away is not available");
    a.close().await;
    let (status, _) = app
        .request("GET", "/api/sites/site_nope/availability", None, None)
        .await;
    assert_eq!(status, 401, "an unknown site key, as for the site itself");
}
