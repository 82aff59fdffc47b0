//! Automatic distribution and the queue (seed 001) through the local gateway, with real sockets:
//! a new dialog goes to the least busy available operator and rings for them, everyone full puts
//! it in the queue where the visitor is told their place, and a slot that frees (a close, a hold)
//! or an operator who becomes available takes the head. The race of twenty dialogs and ten
//! operators runs here on SQLite and in `gateway.rs` on DynamoDB.

use parlor_e2e::serde_json::Value;
use parlor_e2e::{TestApp, dialog_of, distribute, frame, start_dialog};

fn joined_by(e: &Value, op: &str) -> bool {
    e["type"] == "dialog.updated"
        && e["event"]["event"]["event"] == "joined"
        && e["event"]["event"]["operator"] == op
}

#[tokio::test]
async fn a_new_dialog_goes_to_the_least_busy_available_operator_and_rings_for_them() {
    let app = TestApp::spawn().await;
    distribute(&app, 2).await;
    let anna = app.operator("Anna").await;
    let boris = app.operator("Boris").await;
    let cleo = app.operator("Cleo").await;
    let mut a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let mut c = app.connect_operator(&cleo).await;
    app.set_status(&cleo.token, "away").await;

    let mut vera = app.visitor("Vera").await;
    let first = start_dialog(&mut vera, "hello").await;
    let d = dialog_of(&app, &first).await;
    let taker = d["assignee"]["id"].as_str().unwrap().to_owned();
    assert!(
        taker == anna.id || taker == boris.id,
        "never Cleo, who is away: {d}"
    );
    assert_eq!(d["participants"].as_array().unwrap().len(), 1);
    let (taker_ws, other_ws, other_id) = if taker == anna.id {
        (&mut a, &mut b, boris.id.clone())
    } else {
        (&mut b, &mut a, anna.id.clone())
    };
    let rung = taker_ws.next_where(|e| joined_by(e, &taker)).await;
    assert_eq!(rung["ring"], true, "being given a dialog rings");
    assert_eq!(rung["event"]["event"]["assigned"], true);
    assert_eq!(
        rung["event"]["text"],
        format!(
            "{} joined the dialog",
            d["assignee"]["name"].as_str().unwrap()
        )
    );
    let seen = vera
        .ws
        .next_where(|e| {
            e["type"] == "message.created" && e["message"]["event"]["event"] == "joined"
        })
        .await;
    assert_eq!(seen["message"]["event"]["operator"], taker.as_str());

    // The next one goes to the other: the least busy.
    let mut wanda = app.visitor("Wanda").await;
    let second = start_dialog(&mut wanda, "hi there").await;
    assert_eq!(
        dialog_of(&app, &second).await["assignee"]["id"],
        other_id.as_str()
    );
    let rung = other_ws.next_where(|e| joined_by(e, &other_id)).await;
    assert_eq!(rung["ring"], true);
    c.assert_no("never-for-cleo").await;
}

#[tokio::test]
async fn everyone_full_queues_the_dialog_and_a_freed_slot_takes_the_head() {
    let app = TestApp::spawn().await;
    distribute(&app, 1).await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let mut v1 = app.visitor("V1").await;
    let first = start_dialog(&mut v1, "one").await;
    assert_eq!(
        dialog_of(&app, &first).await["assignee"]["id"],
        anna.id.as_str()
    );

    let mut v2 = app.visitor("V2").await;
    let second = start_dialog(&mut v2, "two").await;
    let told = v2.ws.event("queue.position").await;
    assert_eq!(
        (told["dialog_id"].as_str(), told["position"].as_u64()),
        (Some(second.as_str()), Some(1))
    );
    assert!(
        told.get("estimated_wait_secs").is_none(),
        "no estimate before the queue moved: {told}"
    );
    let queued = a
        .next_where(|e| e["type"] == "dialog.updated" && e["event"]["event"]["event"] == "queued")
        .await;
    assert_eq!(queued["dialog"]["id"], second.as_str());
    assert!(queued["dialog"]["queued_since"].is_i64());
    assert_eq!(
        queued["event"]["text"],
        "Everyone is busy: the dialog waits in the queue"
    );
    let mut v3 = app.visitor("V3").await;
    let third = start_dialog(&mut v3, "three").await;
    assert_eq!(v3.ws.event("queue.position").await["position"], 2);
    let asked = app.get("/api/visitor/queue", &v3.token).await;
    assert_eq!(
        (asked["dialog_id"].as_str(), asked["position"].as_u64()),
        (Some(third.as_str()), Some(2))
    );
    assert_eq!(
        app.get("/api/visitor/queue", &v1.token).await,
        parlor_e2e::serde_json::json!({}),
        "not queued"
    );

    // Anna closes the first: the head of the queue is hers, the one behind moves up.
    a.ok(frame::close(&first)).await;
    let d = dialog_of(&app, &second).await;
    assert_eq!(d["assignee"]["id"], anna.id.as_str());
    assert!(d.get("queued_since").is_none());
    let rung = a
        .next_where(|e| joined_by(e, &anna.id) && e["dialog"]["id"] == second.as_str())
        .await;
    assert_eq!(rung["ring"], true);
    v2.ws
        .next_where(|e| {
            e["type"] == "message.created" && e["message"]["event"]["event"] == "joined"
        })
        .await;
    let moved = v3.ws.event("queue.position").await;
    assert_eq!(moved["position"], 1);
    assert!(
        moved["estimated_wait_secs"]
            .as_i64()
            .is_some_and(|s| s >= 0),
        "the queue moved once: {moved}"
    );

    // Holding frees her slot (held dialogs do not count by default): the third is hers too.
    a.ok(frame::hold(&second)).await;
    assert_eq!(
        dialog_of(&app, &third).await["assignee"]["id"],
        anna.id.as_str()
    );

    // The reports count both as queued, credited to Anna, with how long they waited.
    let today = parlor_core::domain::Day::of(app.running.app.now()).to_string();
    let admin = app.admin_token().await;
    let report = app
        .get(&format!("/api/reports?from={today}&to={today}"), &admin)
        .await;
    let hers = report["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == anna.id.as_str())
        .unwrap();
    assert_eq!(hers["total"]["queued"], 2, "{report}");
    assert!(hers["total"]["queue_ms"].as_u64().is_some());
    assert_eq!(report["team"]["total"]["queued"], 2);
}

#[tokio::test]
async fn an_operator_who_becomes_available_takes_the_queue() {
    let app = TestApp::spawn().await;
    distribute(&app, 3).await;
    let anna = app.operator("Anna").await;
    app.set_status(&anna.token, "away").await;
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "is anyone in?").await;
    assert_eq!(vera.ws.event("queue.position").await["position"], 1);
    assert!(dialog_of(&app, &dialog).await["queued_since"].is_i64());

    app.set_status(&anna.token, "online").await;
    let rung = a.next_where(|e| joined_by(e, &anna.id)).await;
    assert_eq!(rung["dialog"]["id"], dialog.as_str());
    assert_eq!(rung["ring"], true);
    assert_eq!(
        dialog_of(&app, &dialog).await["assignee"]["id"],
        anna.id.as_str()
    );
}

#[tokio::test]
async fn twenty_dialogs_meet_ten_operators_at_once() {
    parlor_e2e::twenty_dialogs_meet_ten_operators_at_once(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn without_distribution_a_new_dialog_rings_for_everyone_and_nobody_is_given_it() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hello").await;
    let created = a.event("dialog.created").await;
    assert_eq!(created["ring"], true);
    let d = dialog_of(&app, &dialog).await;
    assert!(d.get("assignee").is_none_or(Value::is_null), "{d}");
    assert!(d.get("queued_since").is_none());
}

#[tokio::test]
async fn an_operator_going_offline_while_being_assigned_loses_nothing() {
    parlor_e2e::going_offline_while_being_assigned(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn deleting_a_dialog_in_an_operators_charge_gives_the_slot_to_the_queue() {
    let app = TestApp::spawn().await;
    distribute(&app, 1).await;
    let anna = app.operator("Anna").await;
    let _a = app.connect_operator(&anna).await;
    let mut v1 = app.visitor("V1").await;
    let first = start_dialog(&mut v1, "one").await;
    let mut v2 = app.visitor("V2").await;
    let second = start_dialog(&mut v2, "two").await;
    assert!(dialog_of(&app, &second).await["queued_since"].is_i64());
    let admin = app.admin_token().await;
    let (status, v) = app
        .request(
            "POST",
            "/api/dialogs/delete",
            Some(&admin),
            Some(parlor_e2e::serde_json::json!({ "dialog_ids": [first] })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let d = dialog_of(&app, &second).await;
    assert_eq!(
        d["assignee"]["id"],
        anna.id.as_str(),
        "the deleted dialog's slot went to the head of the queue: {d}"
    );
}
