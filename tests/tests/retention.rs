//! Retention through the running local gateway: a workspace that deletes closed dialogs N days
//! after they close (`delete_closed_after_days` in `PUT /api/workspace/handling`). A close marks
//! the dialog due, a reopen clears it, and the gateway's sweep (its timer, as the sweep function's
//! schedule in AWS) deletes it once due, files and all, telling the consoles and the visitor.
//! Days are not waited for: the test moves a stored dialog's due time into the past, as the clock
//! would.

use parlor_core::domain::{Dialog, Millis, object_key, preview_key, sealed_key};
use parlor_core::ids::{AttachmentId, DialogId};
use parlor_core::ports::Blobs;
use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::storage::{png, send_files, upload};
use parlor_e2e::{TestApp, frame, start_dialog};

const DAY: Millis = 24 * 3600 * 1000;

async fn set_retention(app: &TestApp, admin: &str, days: Option<u32>) -> (u16, Value) {
    let mut handling = app.get("/api/workspace/handling", admin).await;
    handling["delete_closed_after_days"] = json!(days);
    app.request(
        "PUT",
        "/api/workspace/handling",
        Some(admin),
        Some(handling),
    )
    .await
}

async fn stored(app: &TestApp, dialog: &str) -> Option<Dialog> {
    let ws = &app.running.admin.workspace;
    let id = DialogId::parse(dialog).unwrap();
    app.running
        .stores
        .dialogs
        .get_dialog(ws, &id)
        .await
        .unwrap()
}

/// What the clock does in N days: the stored dialog's due time moves to a moment ago.
async fn come_due(app: &TestApp, dialog: &str) {
    let mut d = stored(app, dialog).await.expect("the dialog");
    d.delete_at = Some(app.running.app.now() - 1);
    d.version += 1;
    app.running
        .stores
        .dialogs
        .commit(&d, &[], &Default::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_dialog_closed_under_retention_is_deleted_when_due_and_a_reopened_one_is_kept() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let mut anna_ws = app.connect_operator(&anna).await;

    // Off by default; out of range refused in words.
    let handling = app.get("/api/workspace/handling", &admin).await;
    assert_eq!(handling.get("delete_closed_after_days"), None, "{handling}");
    let (status, refused) = set_retention(&app, &admin, Some(0)).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("delete_closed_after_days")
    );
    // Only who may manage settings.
    let mut mine = app.get("/api/workspace/handling", &anna.token).await;
    mine["delete_closed_after_days"] = json!(7);
    let (status, _) = app
        .request(
            "PUT",
            "/api/workspace/handling",
            Some(&anna.token),
            Some(mine),
        )
        .await;
    assert_eq!(status, 403);

    // Closed before retention was on: kept whatever comes.
    let mut olga = app.visitor("Olga").await;
    let before = start_dialog(&mut olga, "closed before").await;
    anna_ws.ok(frame::join(&before)).await;
    anna_ws.ok(frame::close(&before)).await;
    assert_eq!(stored(&app, &before).await.unwrap().delete_at, None);

    let (status, set) = set_retention(&app, &admin, Some(30)).await;
    assert_eq!(
        (status, &set["delete_closed_after_days"]),
        (200, &json!(30))
    );

    // Vera's dialog, with an image, closes: due 30 days after its close.
    let mut vera = app.visitor("Vera").await;
    let doomed = start_dialog(&mut vera, "my passport number is ...").await;
    let file = upload(&app, &vera.token, "passport.png", &png(8, 8), "image/png").await;
    let sent = vera.ws.ok(send_files(Some(&doomed), "", &[&file])).await;
    let attachment =
        AttachmentId::parse(sent["message"]["attachments"][0]["id"].as_str().unwrap()).unwrap();
    anna_ws.ok(frame::join(&doomed)).await;
    let closed = anna_ws.ok(frame::close(&doomed)).await;
    let closed_at = closed["dialog"]["closed_at"].as_i64().unwrap();
    assert_eq!(
        stored(&app, &doomed).await.unwrap().delete_at,
        Some(closed_at + 30 * DAY)
    );

    // Ivan's dialog closes, then reopens (his message): kept.
    let mut ivan = app.visitor("Ivan").await;
    let reopened = start_dialog(&mut ivan, "a question").await;
    anna_ws.ok(frame::join(&reopened)).await;
    anna_ws.ok(frame::close(&reopened)).await;
    ivan.ws
        .ok(frame::send(
            Some(&reopened),
            &parlor_e2e::unique("c"),
            "one more",
        ))
        .await;
    assert_eq!(stored(&app, &reopened).await.unwrap().delete_at, None);

    // Turned off again: a dialog closed while it was on keeps its due time.
    let (status, _) = set_retention(&app, &admin, None).await;
    assert_eq!(status, 200);
    assert!(stored(&app, &doomed).await.unwrap().delete_at.is_some());

    // Its time comes: the sweep deletes it, files and all, and tells who saw it.
    come_due(&app, &doomed).await;
    let told = anna_ws.event("dialog.deleted").await;
    assert_eq!(told["dialog_ids"], json!([doomed]));
    let told = vera.ws.event("dialog.deleted").await;
    assert_eq!(told["dialog_ids"], json!([doomed]));
    assert!(stored(&app, &doomed).await.is_none());
    let ws = &app.running.admin.workspace;
    for key in [
        object_key(ws, &attachment),
        sealed_key(ws, &attachment),
        preview_key(ws, &attachment),
    ] {
        assert_eq!(app.running.blobs.head(&key).await.unwrap(), None, "{key}");
    }
    let history = app.visitor_history(&vera.token, "").await;
    assert_eq!(history["messages"], json!([]));

    // The others stay: the dialog closed before retention, and the one that reopened.
    assert!(stored(&app, &before).await.is_some());
    assert!(stored(&app, &reopened).await.is_some());
}
