//! The visitor's card beside a dialog (`GET /api/dialogs/{id}/visitor`), through the running local
//! gateway: the source captured at the first session, the page open now, and who may read it.

use parlor_e2e::serde_json::json;
use parlor_e2e::{Operator, TestApp, frame, start_dialog};

/// Visitor Vera, who came from a newsletter, in a dialog Anna has joined.
async fn vera_from_the_newsletter(app: &TestApp) -> (Operator, parlor_e2e::Ws, String, String) {
    let source = json!({
        "referrer": "https://www.google.com/",
        "landing_page": "https://shop.example/?utm_source=newsletter&utm_campaign=winter",
        "utm": { "utm_source": "newsletter", "utm_campaign": "winter" }
    });
    let mut vera = app
        .visitor_with(json!({ "name": "Vera", "email": "vera@example.com", "source": source }))
        .await;
    let token = vera.token.clone();
    let dialog = start_dialog(&mut vera, "Where is my order?").await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    a.ok(frame::join(&dialog)).await;
    (anna, a, dialog, token)
}

#[tokio::test]
async fn the_card_shows_where_the_visitor_came_from_and_the_page_open_now() {
    let app = TestApp::spawn().await;
    let (anna, _a, dialog, token) = vera_from_the_newsletter(&app).await;

    let card = app
        .get(&format!("/api/dialogs/{dialog}/visitor"), &anna.token)
        .await;
    assert_eq!(card["name"], "Vera");
    assert_eq!(card["email"], "vera@example.com");
    assert_eq!(card["source"]["referrer"], "https://www.google.com/");
    assert_eq!(
        card["source"]["utm"],
        json!({ "utm_source": "newsletter", "utm_campaign": "winter" })
    );
    assert!(
        card["current_page"].is_null(),
        "no page reported yet: {card}"
    );
    assert!(card["created_at"].as_u64().unwrap() > 0);
    let visitor_id = card["id"].as_str().unwrap().to_owned();

    let page = json!({ "url": "https://shop.example/orders/4412", "title": "Order 4412" });
    let (status, kept) = app
        .request("POST", "/api/visitor/page", Some(&token), Some(page))
        .await;
    assert_eq!(status, 200, "{kept}");
    let card = app
        .get(&format!("/api/dialogs/{dialog}/visitor"), &anna.token)
        .await;
    assert_eq!(card["id"], visitor_id.as_str());
    assert_eq!(
        card["current_page"], kept,
        "the card holds the page as kept"
    );
}

#[tokio::test]
async fn the_card_is_refused_like_the_dialog_itself() {
    let app = TestApp::spawn().await;
    let (anna, mut a, dialog, token) = vera_from_the_newsletter(&app).await;
    let path = format!("/api/dialogs/{dialog}/visitor");

    let (status, _) = app.request("GET", &path, None, None).await;
    assert_eq!(status, 401, "no session");
    let (status, _) = app.request("GET", &path, Some(&token), None).await;
    assert_eq!(status, 401, "a visitor's token is not an operator's");
    let (status, body) = app
        .request(
            "GET",
            "/api/dialogs/not-an-id/visitor",
            Some(&anna.token),
            None,
        )
        .await;
    let (dialog_status, dialog_body) = app
        .request("GET", "/api/dialogs/not-an-id", Some(&anna.token), None)
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (dialog_status, &dialog_body["error"]["code"]),
        "a bad id: {body}"
    );
    assert!(status >= 400, "{body}");

    // An operator of another workspace: not found, exactly as the dialog is.
    let (_, stranger, _) = app
        .running
        .app
        .sessions
        .bootstrap("boss@elsewhere.test", "password-123", vec![])
        .await
        .unwrap();
    let boss = app.login("boss@elsewhere.test", "password-123").await;
    assert_ne!(stranger.workspace, app.running.admin.workspace);
    for p in [format!("/api/dialogs/{dialog}"), path.clone()] {
        let (status, body) = app.request("GET", &p, Some(&boss), None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("dialog_not_found")),
            "{p}"
        );
    }

    // Anna hands the dialog to Boris and loses it, its visitor's card with it; Boris reads it.
    let boris = app.operator("Boris").await;
    a.ok(frame::transfer(&dialog, &boris.id, None)).await;
    for p in [format!("/api/dialogs/{dialog}"), path.clone()] {
        let (status, body) = app.request("GET", &p, Some(&anna.token), None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{p}"
        );
    }
    assert_eq!(app.get(&path, &boris.token).await["name"], "Vera");
}

/// The page a visitor has open is told to the operators who may see the visitor: an operator the
/// dialog was transferred away from hears no more of it; the new operator in charge does.
#[tokio::test]
async fn page_views_reach_no_operator_the_dialog_was_transferred_away_from() {
    let app = TestApp::spawn().await;
    let (_anna, mut a, dialog, token) = vera_from_the_newsletter(&app).await;
    let boris = app.operator("Boris").await;
    let mut b = app.connect_operator(&boris).await;
    let page = |url: &str| json!({ "url": url, "title": "Shop" });

    app.request(
        "POST",
        "/api/visitor/page",
        Some(&token),
        Some(page("https://shop.example/cart")),
    )
    .await;
    assert_eq!(
        a.event("visitor.page").await["page"]["url"],
        "https://shop.example/cart",
        "Anna is in charge"
    );
    assert_eq!(
        b.event("visitor.page").await["page"]["url"],
        "https://shop.example/cart",
        "Boris sees the workspace"
    );

    a.ok(frame::transfer(&dialog, &boris.id, None)).await;
    app.request(
        "POST",
        "/api/visitor/page",
        Some(&token),
        Some(page("https://shop.example/checkout")),
    )
    .await;
    assert_eq!(
        b.event("visitor.page").await["page"]["url"],
        "https://shop.example/checkout",
        "Boris is in charge now"
    );
    a.assert_no("visitor.page").await;
}

#[tokio::test]
async fn a_visitors_source_is_kept_short_whatever_the_page_sends() {
    let app = TestApp::spawn().await;
    let utm: serde_json::Map<String, serde_json::Value> = (0..40)
        .map(|i| (format!("utm_{i:02}"), json!("v".repeat(2000))))
        .collect();
    let source = json!({
        "referrer": format!("https://search.example/?q={}", "x".repeat(30_000)),
        "landing_page": "https://shop.example/",
        "utm": utm,
    });
    let mut vera = app
        .visitor_with(json!({ "name": "Vera", "source": source }))
        .await;
    let dialog = start_dialog(&mut vera, "Hello").await;
    let anna = app.operator("Anna").await;
    let card = app
        .get(&format!("/api/dialogs/{dialog}/visitor"), &anna.token)
        .await;
    let referrer = card["source"]["referrer"].as_str().unwrap();
    assert_eq!(
        referrer.chars().count(),
        parlor_core::domain::MAX_SOURCE_URL_CHARS
    );
    assert!(referrer.starts_with("https://search.example/?q=xxx"));
    assert_eq!(card["source"]["landing_page"], "https://shop.example/");
    let kept = card["source"]["utm"].as_object().unwrap();
    assert_eq!(kept.len(), parlor_core::domain::MAX_UTM_VALUES);
    assert!(
        kept.values().all(
            |v| v.as_str().unwrap().chars().count() == parlor_core::domain::MAX_UTM_VALUE_CHARS
        )
    );
    assert!(card.to_string().len() < 8 * 1024, "a few kilobytes at most");
}
