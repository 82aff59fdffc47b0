//! Deleting dialogs (`POST /api/dialogs/delete`) through the running local gateway: only operators
//! whose groups give them the right; a bulk delete takes each dialog's messages, files (the upload,
//! its sealed copy and its preview), search terms and read markers; every console that could see a
//! dialog is told, and so are the visitor's tabs, whose next message starts a new dialog.

use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::storage::{png, send_files, stored_objects, upload};
use parlor_e2e::{Operator, TestApp, frame, start_dialog, unique};

async fn delete(app: &TestApp, op: &Operator, ids: Value) -> (u16, Value) {
    app.request(
        "POST",
        "/api/dialogs/delete",
        Some(&op.token),
        Some(json!({ "dialog_ids": ids })),
    )
    .await
}

/// An operator whose group may delete dialogs.
async fn deleter(app: &TestApp, admin: &str) -> Operator {
    let boris = app.operator("Boris").await;
    let group = json!({ "name": "Cleaners", "rights": ["delete_dialogs"] });
    let (status, group) = app
        .request("POST", "/api/groups", Some(admin), Some(group))
        .await;
    assert_eq!(status, 201, "{group}");
    let (status, set) = app
        .request(
            "PUT",
            &format!("/api/operators/{}/groups", boris.id),
            Some(admin),
            Some(json!({ "groups": [group["id"]] })),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    boris
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_bulk_delete_needs_the_right_takes_everything_of_each_dialog_and_tells_who_saw_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let mut anna_ws = app.connect_operator(&anna).await;
    let boris = deleter(&app, &admin).await;

    // Vera's dialog: a word to search for, an image, Anna's reply and her read marker.
    let word = unique("zebra");
    let mut vera = app.visitor("Vera").await;
    let doomed = start_dialog(&mut vera, &format!("about {word}")).await;
    let file = upload(&app, &vera.token, "scan.png", &png(8, 8), "image/png").await;
    let sent = vera.ws.ok(send_files(Some(&doomed), "", &[&file])).await;
    let attachment = sent["message"]["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    anna_ws.ok(frame::join(&doomed)).await;
    anna_ws
        .ok(frame::send(Some(&doomed), &unique("c"), "On it"))
        .await;
    anna_ws.ok(frame::read(Some(&doomed), 2)).await;
    assert_eq!(stored_objects(&app, &attachment).await, [true, true, true]);
    // Olek's dialog stays.
    let mut olek = app.visitor("Olek").await;
    let kept = start_dialog(&mut olek, &format!("also {word}")).await;
    let search = format!("/api/search?q={word}");
    assert_eq!(
        app.get(&search, &anna.token).await["hits"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Without the right: refused, and nothing goes.
    let (status, refused) = delete(&app, &anna, json!([doomed])).await;
    assert_eq!((status, code(&refused)), (403, "forbidden"), "{refused}");
    assert_eq!(stored_objects(&app, &attachment).await, [true, true, true]);
    // Too many at once, or none: refused before anything is read.
    let many: Vec<String> = (0..101)
        .map(|_| parlor_core::ids::DialogId::generate().to_string())
        .collect();
    let (status, refused) = delete(&app, &boris, json!(many)).await;
    assert_eq!(
        (status, code(&refused)),
        (400, "too_many_dialogs"),
        "{refused}"
    );
    let (status, refused) = delete(&app, &boris, json!([])).await;
    assert_eq!(
        (status, code(&refused)),
        (400, "invalid_request"),
        "{refused}"
    );
    let (status, refused) = delete(&app, &boris, json!(["not a dialog id"])).await;
    assert_eq!(
        (status, code(&refused)),
        (400, "invalid_request"),
        "{refused}"
    );
    assert_eq!(
        app.get(&format!("/api/dialogs/{doomed}"), &anna.token)
            .await["id"],
        json!(doomed)
    );

    // Named twice, with an id of no dialog: deleted once, the unknown id left out.
    let nobody = parlor_core::ids::DialogId::generate().to_string();
    let (status, done) = delete(&app, &boris, json!([doomed, nobody, doomed])).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done, json!({ "deleted": [doomed] }));

    let told = anna_ws.event("dialog.deleted").await;
    assert_eq!(told["dialog_ids"], json!([doomed]));
    let told = vera.ws.event("dialog.deleted").await;
    assert_eq!(told["dialog_ids"], json!([doomed]));
    olek.ws.assert_no("dialog.deleted").await;

    assert_eq!(
        stored_objects(&app, &attachment).await,
        [false, false, false]
    );
    let (status, gone) = app
        .request(
            "GET",
            &format!("/api/dialogs/{doomed}"),
            Some(&anna.token),
            None,
        )
        .await;
    assert_eq!((status, code(&gone)), (404, "dialog_not_found"), "{gone}");
    let hits = app.get(&search, &anna.token).await;
    let found: Vec<&Value> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["dialog"]["id"])
        .collect();
    assert_eq!(found, vec![&json!(kept)], "{hits}");
    let open = app.get("/api/dialogs", &anna.token).await;
    assert!(!open.to_string().contains(&doomed), "{open}");
    let ws = &app.running.admin.workspace;
    let doomed_id = parlor_core::ids::DialogId::parse(&doomed).unwrap();
    let stores = &app.running.stores;
    let anna_id = parlor_core::ids::OperatorId::parse(&anna.id).unwrap();
    assert!(
        stores
            .read_markers
            .read_markers(ws, &anna_id, &[doomed_id])
            .await
            .unwrap()
            .is_empty()
    );

    // Vera starts over: no dialog in her session or history, and her next message is a new one.
    let (_, session) = app
        .request(
            "POST",
            "/api/visitor/session",
            None,
            Some(json!({ "site_key": app.running.site.key, "token": vera.token })),
        )
        .await;
    assert_eq!(session["dialog_id"], Value::Null, "{session}");
    let history = app.visitor_history(&vera.token, "").await;
    assert_eq!(history["messages"], json!([]), "{history}");
    let again = start_dialog(&mut vera, "Hello again").await;
    assert_ne!(again, doomed);

    // Deleting it again deletes nothing, and tells nobody.
    let (status, done) = delete(&app, &boris, json!([doomed])).await;
    assert_eq!((status, done), (200, json!({ "deleted": [] })));
    anna_ws.assert_no("dialog.deleted").await;
}
