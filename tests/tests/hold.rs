//! Hold (seed 004) and the workspace's chat handling settings, end to end through the local
//! gateway with real WebSocket clients: an operator puts a dialog on hold and the visitor sees it,
//! writing or resuming ends it, refusals keep the connection; the settings are read by every
//! operator, changed only with `manage_settings`, held to their ranges and pushed to every console.

use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{TestApp, frame, unique};

fn system_event(e: &Value) -> &str {
    e["event"]["event"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_operator_holds_a_dialog_the_visitor_sees_it_and_writing_resumes() {
    let app = TestApp::spawn().await;
    let mut j = app.joined("Where is my parcel?").await;
    let boris = app.operator("Boris").await;
    let mut b = app.connect_operator(&boris).await;

    let held = j.a.ok(frame::hold(&j.dialog)).await;
    assert_eq!(held["message"]["event"]["event"], "held");
    let held_since = held["dialog"]["held_since"]
        .as_i64()
        .expect("held_since is set");

    let seen = j
        .vera
        .ws
        .next_where(|e| e["type"] == "message.created" && system_event(&e["message"]) == "held")
        .await;
    assert_eq!(seen["message"]["text"], "Anna put the dialog on hold");
    let told = b
        .next_where(|e| e["type"] == "dialog.updated" && system_event(&e["event"]) == "held")
        .await;
    assert_eq!(told["dialog"]["held_since"], held_since);

    // Refusals are typed, and each socket stays up.
    j.a.refused(frame::hold(&j.dialog), "already_on_hold").await;
    b.refused(frame::hold(&j.dialog), "not_connected").await;
    b.refused(frame::resume(&j.dialog), "not_connected").await;
    j.vera.ws.refused(frame::hold(&j.dialog), "forbidden").await;
    j.a.refused(
        json!({ "action": "assign", "op": "hold", "dialog_id": "<script>" }),
        "invalid_request",
    )
    .await;

    let resumed = j.a.ok(frame::resume(&j.dialog)).await;
    let event = &resumed["message"]["event"];
    assert_eq!(event["event"], "resumed");
    assert!(event["held_ms"].as_i64().unwrap() >= 0);
    assert_eq!(event["held_ms"], event["total_held_ms"]);
    assert!(resumed["dialog"].get("held_since").is_none());
    let seen = j
        .vera
        .ws
        .next_where(|e| e["type"] == "message.created" && system_event(&e["message"]) == "resumed")
        .await;
    assert_eq!(seen["message"]["text"], "Anna took the dialog off hold");
    j.a.refused(frame::resume(&j.dialog), "not_on_hold").await;

    // Writing to the visitor ends a hold: the resumed event comes before the message.
    j.a.ok(frame::hold(&j.dialog)).await;
    j.a.ok(frame::send(
        Some(&j.dialog),
        &unique("c"),
        "Found it: it ships today.",
    ))
    .await;
    let first = j
        .vera
        .ws
        .next_where(|e| {
            e["type"] == "message.created"
                && (system_event(&e["message"]) == "resumed" || e["message"]["kind"] == "operator")
        })
        .await;
    assert_eq!(system_event(&first["message"]), "resumed");
    let next = j
        .vera
        .ws
        .next_where(|e| e["type"] == "message.created" && e["message"]["kind"] != "system")
        .await;
    assert_eq!(next["message"]["text"], "Found it: it ships today.");
    let dialog = app
        .get(&format!("/api/dialogs/{}", j.dialog), &j.anna.token)
        .await;
    assert!(dialog.get("held_since").is_none(), "{dialog}");

    // Closing a held dialog ends the hold.
    j.a.ok(frame::hold(&j.dialog)).await;
    let closed = j.a.ok(frame::close(&j.dialog)).await;
    assert!(closed["dialog"].get("held_since").is_none());
    j.a.refused(frame::hold(&j.dialog), "already_closed").await;

    // The visitor's history keeps the events.
    let history = app.visitor_history(&j.vera.token, "?after=0").await;
    let events: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(system_event)
        .filter(|e| !e.is_empty())
        .collect();
    assert_eq!(
        events,
        [
            "joined", "held", "resumed", "held", "resumed", "held", "closed"
        ]
    );
}

fn handling(limit: Option<u32>) -> Value {
    json!({
        "reply_time_limit_secs": limit,
        "distribution": true,
        "max_active_chats": 3,
        "held_counts_against_limit": true,
        "hand_back_after_secs": 600,
    })
}

#[tokio::test]
async fn chat_handling_is_read_by_operators_changed_with_the_right_and_pushed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;

    let defaults = app.get("/api/workspace/handling", &anna.token).await;
    assert_eq!(
        defaults,
        json!({ "distribution": false, "max_active_chats": 5, "held_counts_against_limit": false, "hand_back_after_secs": 300 })
    );

    // Anna's groups do not let her manage settings.
    let (status, refused) = app
        .request(
            "PUT",
            "/api/workspace/handling",
            Some(&anna.token),
            Some(handling(Some(300))),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );

    for (field, value, words) in [
        (
            "reply_time_limit_secs",
            json!(59),
            "reply_time_limit_secs is 59; it must be from 60 to 604800",
        ),
        (
            "reply_time_limit_secs",
            json!(604801),
            "reply_time_limit_secs is 604801",
        ),
        (
            "max_active_chats",
            json!(0),
            "max_active_chats is 0; it must be from 1 to 100",
        ),
        ("max_active_chats", json!(101), "max_active_chats is 101"),
        (
            "hand_back_after_secs",
            json!(29),
            "hand_back_after_secs is 29; it must be from 30 to 86400",
        ),
        (
            "hand_back_after_secs",
            json!(86401),
            "hand_back_after_secs is 86401",
        ),
        ("max_active_chats", json!("three"), "max_active_chats"),
    ] {
        let mut body = handling(Some(300));
        body[field] = value.clone();
        let (status, v) = app
            .request("PUT", "/api/workspace/handling", Some(&admin), Some(body))
            .await;
        assert_eq!(status, 400, "{field} = {value}: {v}");
        assert_eq!(v["error"]["code"], "invalid_request");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{message}");
    }
    assert_eq!(
        app.get("/api/workspace/handling", &anna.token).await,
        defaults,
        "nothing refused was stored"
    );
    a.assert_no("workspace.handling").await;

    let (status, stored) = app
        .request(
            "PUT",
            "/api/workspace/handling",
            Some(&admin),
            Some(handling(Some(300))),
        )
        .await;
    assert_eq!((status, &stored), (200, &handling(Some(300))));
    let pushed = a.event("workspace.handling").await;
    assert_eq!(pushed["handling"], handling(Some(300)));
    assert_eq!(
        app.get("/api/workspace/handling", &anna.token).await,
        handling(Some(300))
    );

    // Leaving the limit out removes it.
    let mut without = handling(None);
    without
        .as_object_mut()
        .unwrap()
        .remove("reply_time_limit_secs");
    let (status, stored) = app
        .request(
            "PUT",
            "/api/workspace/handling",
            Some(&admin),
            Some(without.clone()),
        )
        .await;
    assert_eq!((status, &stored), (200, &without));
    assert_eq!(a.event("workspace.handling").await["handling"], without);
}
