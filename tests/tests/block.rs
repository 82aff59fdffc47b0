//! Blocking a contact through the running local gateway: only an operator who may see the
//! contact's dialog blocks it; while blocked, the visitor's and the operator's messages are both
//! refused with `contact_blocked`, their sockets keep working and nothing is stored; consoles hear
//! `contact.updated`; the visitor's history says so; unblocking lets both write again. A signed-in
//! customer of a blocked contact, on a new device, starts no dialog.

use parlor_core::domain::identity_hash;
use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{TestApp, contact_of, frame, identity_secret, start_dialog, unique};

async fn block(app: &TestApp, token: &str, contact: &str, method: &str) -> (u16, Value) {
    app.request(
        method,
        &format!("/api/contacts/{contact}/block"),
        Some(token),
        None,
    )
    .await
}

#[tokio::test]
async fn a_blocked_contact_neither_writes_nor_is_written_to_until_unblocked() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut j = app.joined("Hello").await;
    let contact = contact_of(&app, &j.anna.token, &j.dialog).await;

    // Boris may not see colleagues' dialogs, and Anna is in charge of Vera's: he may not block her.
    let (status, everyone) = app
        .request(
            "PATCH",
            "/api/groups/grp_everyone",
            Some(&admin),
            Some(json!({ "rights": [] })),
        )
        .await;
    assert_eq!(status, 200, "{everyone}");
    let boris = app.operator("Boris").await;
    let (status, refused) = block(&app, &boris.token, &contact, "POST").await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    let card = app
        .get(&format!("/api/contacts/{contact}"), &j.anna.token)
        .await;
    assert!(card["contact"].get("blocked").is_none(), "{card}");

    // Anna blocks her: who and when are kept, and her console hears it.
    let (status, card) = block(&app, &j.anna.token, &contact, "POST").await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["contact"]["blocked"]["by"], j.anna.id.as_str());
    assert!(
        card["contact"]["blocked"]["at"].as_u64().is_some(),
        "{card}"
    );
    assert_eq!(card["dialogs"][0]["blocked"], true, "{card}");
    let updated = j.a.event("contact.updated").await;
    assert_eq!(updated["contact"]["id"], contact.as_str());
    assert_eq!(updated["contact"]["blocked"]["by"], j.anna.id.as_str());
    let dialog = app
        .get(&format!("/api/dialogs/{}", j.dialog), &j.anna.token)
        .await;
    assert_eq!(dialog["blocked"], true, "{dialog}");
    let history = app.visitor_history(&j.vera.token, "").await;
    assert_eq!(
        history["blocked"], true,
        "the widget learns it at load: {history}"
    );
    let seq = history["latest_seq"].as_u64().unwrap();

    // No message either way; both sockets keep working, and nothing is stored.
    let refused = j
        .vera
        .ws
        .refused(
            frame::send(None, &unique("c"), "Hi again"),
            "contact_blocked",
        )
        .await;
    assert!(
        refused["message"].as_str().unwrap().contains("blocked"),
        "{refused}"
    );
    j.a.refused(
        frame::send(Some(&j.dialog), &unique("c"), "Hello Vera"),
        "contact_blocked",
    )
    .await;
    assert_eq!(j.vera.ws.ping().await, Ok(()), "the visitor's socket lives");
    assert_eq!(j.a.ping().await, Ok(()), "the operator's socket lives");
    let history = app.history(&j.anna, &j.dialog, "").await;
    assert_eq!(history["latest_seq"].as_u64(), Some(seq), "{history}");
    j.vera.ws.assert_no("message.new").await;

    // Blocking again changes nothing.
    let (status, again) = block(&app, &j.anna.token, &contact, "POST").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["contact"]["version"], card["contact"]["version"]);

    // Unblocked: both write again.
    let (status, card) = block(&app, &j.anna.token, &contact, "DELETE").await;
    assert_eq!(status, 200, "{card}");
    assert!(card["contact"].get("blocked").is_none(), "{card}");
    let updated = j.a.event("contact.updated").await;
    assert!(updated["contact"].get("blocked").is_none(), "{updated}");
    let history = app.visitor_history(&j.vera.token, "").await;
    assert!(history.get("blocked").is_none(), "{history}");
    j.vera
        .ws
        .ok(frame::send(None, &unique("c"), "Hi again"))
        .await;
    j.a.ok(frame::send(Some(&j.dialog), &unique("c"), "Hello Vera"))
        .await;
    let history = app.history(&j.anna, &j.dialog, "").await;
    assert_eq!(history["latest_seq"].as_u64(), Some(seq + 2), "{history}");
}

#[tokio::test]
async fn a_blocked_contact_starts_no_dialog_from_a_new_device() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let secret = identity_secret(&app, &admin).await;
    let user = unique("user-");
    let hash = identity_hash(&secret, &user);
    let profile = json!({ "name": "Vera", "user_id": user, "user_hash": hash });
    let mut phone = app.visitor_with(profile.clone()).await;
    let first = start_dialog(&mut phone, "From my phone").await;
    let contact = contact_of(&app, &anna.token, &first).await;
    let (status, card) = block(&app, &anna.token, &contact, "POST").await;
    assert_eq!(status, 200, "{card}");

    // The same customer on a laptop: the widget learns it at load, and the first message is
    // refused with nothing stored (no dialog made).
    let mut laptop = app.visitor_with(profile).await;
    let history = app.visitor_history(&laptop.token, "").await;
    assert_eq!(history["blocked"], true, "{history}");
    assert_eq!(history["latest_seq"], 0);
    laptop
        .ws
        .refused(
            frame::send(None, &unique("c"), "From my laptop"),
            "contact_blocked",
        )
        .await;
    assert_eq!(laptop.ws.ping().await, Ok(()), "the socket lives");
    let card = app.get(&format!("/api/contacts/{contact}"), &admin).await;
    assert_eq!(card["dialogs"].as_array().unwrap().len(), 1, "{card}");

    let (status, _) = block(&app, &anna.token, &contact, "DELETE").await;
    assert_eq!(status, 200);
    let second = start_dialog(&mut laptop, "From my laptop").await;
    assert_ne!(second, first);
}
