//! Quick search (`GET /api/search`) through the running local gateway: by the visitor's name,
//! email and phone, and by a word of any message, old or new; only what the operator may see.

use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{TestApp, frame, start_dialog, unique};

async fn search(app: &TestApp, token: &str, q: &str) -> Vec<Value> {
    let path = format!("/api/search?q={}", urlencode(q));
    app.get(&path, token).await["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("hits for {q}"))
        .clone()
}

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn dialogs_of(hits: &[Value]) -> Vec<&str> {
    hits.iter()
        .map(|h| h["dialog"]["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn operators_find_dialogs_by_name_email_phone_and_any_message() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut vera = app.visitor_with(json!({ "name": "Vera Petrova", "email": "Vera.P@Example.com", "phone": "+7 (912) 345-67-89" })).await;
    let vera_dialog = start_dialog(&mut vera, "My payment failed twice").await;
    for text in ["Hello?", "Anyone there?", "Still waiting"] {
        vera.ws.ok(frame::send(None, &unique("c"), text)).await;
    }
    let mut ivan = app
        .visitor_with(json!({ "name": "Ivan", "email": "ivan@example.org" }))
        .await;
    let ivan_dialog = start_dialog(&mut ivan, "Do you ship to Kazan?").await;

    // By a word of an old message: no longer the dialog's last message.
    let hits = search(&app, &admin, "payme").await;
    assert_eq!(dialogs_of(&hits), [vera_dialog.as_str()]);
    assert_eq!(hits[0]["found_in"], json!(["message"]));
    assert_eq!(
        hits[0]["message"]["text"], "My payment failed twice",
        "the message that matched"
    );
    assert_eq!(hits[0]["message"]["seq"], 1);
    assert_eq!(hits[0]["dialog"]["last_message"]["text"], "Still waiting");
    assert_eq!(
        hits[0]["dialog"]["unread"], 4,
        "my unread count, as in the list"
    );

    // By email, whole or its start, in any case.
    for q in ["vera.p@example.com", "VERA.P@exa", "vera.p"] {
        let hits = search(&app, &admin, q).await;
        assert_eq!(dialogs_of(&hits), [vera_dialog.as_str()], "{q}");
    }
    assert_eq!(
        search(&app, &admin, "vera.p@exa").await[0]["found_in"],
        json!(["email"])
    );
    // "example" is in both addresses: both dialogs, the latest activity first.
    assert_eq!(
        dialogs_of(&search(&app, &admin, "example").await),
        [ivan_dialog.as_str(), vera_dialog.as_str()]
    );

    // By phone, however it is written.
    for q in [
        "+7 912 345-67-89",
        "8 (912) 345 67 89",
        "89123456789",
        "912 345",
        "79123456789",
        "345-67",
        "4567",
    ] {
        let hits = search(&app, &admin, q).await;
        assert_eq!(dialogs_of(&hits), [vera_dialog.as_str()], "{q}");
        assert_eq!(hits[0]["found_in"], json!(["phone"]), "{q}");
    }

    // By name, and every word must match.
    assert_eq!(
        dialogs_of(&search(&app, &admin, "petr").await),
        [vera_dialog.as_str()]
    );
    let hits = search(&app, &admin, "Petrova twice").await;
    assert_eq!(dialogs_of(&hits), [vera_dialog.as_str()]);
    assert_eq!(hits[0]["found_in"], json!(["name", "message"]));
    assert!(
        search(&app, &admin, "petrova kazan").await.is_empty(),
        "no dialog has both"
    );
    assert_eq!(
        dialogs_of(&search(&app, &admin, "kaz").await),
        [ivan_dialog.as_str()]
    );

    // Too short to search: nothing, not an error.
    assert!(search(&app, &admin, "v").await.is_empty());
    assert!(search(&app, &admin, "  ").await.is_empty());
}

#[tokio::test]
async fn operators_find_their_own_replies_whispers_and_closed_dialogs() {
    let app = TestApp::spawn().await;
    let mut j = app.joined("hi").await;
    j.a.ok(frame::send(
        Some(&j.dialog),
        &unique("c"),
        "Your refund is on its way",
    ))
    .await;
    j.a.ok(frame::whisper(
        &j.dialog,
        &unique("c"),
        "suspicious chargeback pattern",
    ))
    .await;
    j.a.ok(frame::close(&j.dialog)).await;

    let hits = search(&app, &j.anna.token, "refund").await;
    assert_eq!(dialogs_of(&hits), [j.dialog.as_str()]);
    assert_eq!(
        hits[0]["dialog"]["status"], "closed",
        "closed dialogs are found too"
    );
    let hits = search(&app, &j.anna.token, "chargeback").await;
    assert_eq!(
        hits[0]["message"]["kind"], "whisper",
        "operators search what operators see"
    );
    assert!(
        search(&app, &j.anna.token, "closed").await.is_empty(),
        "system events are not searched"
    );
}

#[tokio::test]
async fn a_search_shows_only_what_the_operator_may_see() {
    let app = TestApp::spawn().await;
    let mut j = app.joined("my parcel never arrived").await;
    let boris = app.operator("Boris").await;
    assert_eq!(
        search(&app, &boris.token, "parcel").await.len(),
        1,
        "any operator of the workspace finds it"
    );

    // Anna hands it to Boris and loses it: she no longer finds it; Boris and admins do.
    j.a.ok(frame::transfer(&j.dialog, &boris.id, None)).await;
    assert!(search(&app, &j.anna.token, "parcel").await.is_empty());
    assert_eq!(search(&app, &boris.token, "parcel").await.len(), 1);
    assert_eq!(
        search(&app, &app.admin_token().await, "parcel").await.len(),
        1
    );

    // Another workspace's operator finds nothing of it.
    app.running
        .app
        .sessions
        .bootstrap("boss@elsewhere.test", "password-123", vec![])
        .await
        .unwrap();
    let boss = app.login("boss@elsewhere.test", "password-123").await;
    assert!(search(&app, &boss, "parcel").await.is_empty());

    // A visitor's token is not an operator's; no token at all is refused too.
    let (status, _) = app
        .request("GET", "/api/search?q=parcel", Some(&j.vera.token), None)
        .await;
    assert_eq!(status, 401);
    let (status, _) = app.request("GET", "/api/search?q=parcel", None, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn bad_searches_and_profiles_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (status, body) = app
        .request(
            "GET",
            &format!("/api/search?q={}", "x".repeat(201)),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );

    for (profile, code) in [
        (json!({ "phone": "call me maybe" }), "invalid_phone"),
        (json!({ "phone": "12-34" }), "invalid_phone"),
        (json!({ "phone": "1".repeat(101) }), "invalid_phone"),
        (json!({ "email": "not an address" }), "invalid_email"),
        (json!({ "email": "vera@localhost" }), "invalid_email"),
        (
            json!({ "email": format!("{}@example.com", "v".repeat(100)) }),
            "invalid_email",
        ),
        (json!({ "name": "n".repeat(101) }), "invalid_request"),
    ] {
        let mut body = json!({ "site_key": app.running.site.key, "name": "Mallory" });
        body.as_object_mut()
            .unwrap()
            .extend(profile.as_object().unwrap().clone());
        let (status, v) = app
            .request("POST", "/api/visitor/session", None, Some(body))
            .await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (400, Some(code)),
            "{profile}: {v}"
        );
    }

    // A returning visitor who gives a phone later is found by it from then on.
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hello").await;
    assert!(search(&app, &admin, "555 0142").await.is_empty());
    let body = json!({ "site_key": app.running.site.key, "token": vera.token, "phone": "+1 202 555 0142" });
    let (status, v) = app
        .request("POST", "/api/visitor/session", None, Some(body))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        dialogs_of(&search(&app, &admin, "(202) 555-0142").await),
        [dialog.as_str()]
    );
    assert_eq!(
        app.get(&format!("/api/dialogs/{dialog}/visitor"), &admin)
            .await["phone"],
        "+1 202 555 0142"
    );
}
