//! What the visitor widget needs from the server, through the running local gateway: per-site
//! settings (read by anyone the site allows, changed by its admins) and the visitor's page views
//! pushed to operators. The widget itself is tested in Chromium (`web/e2e/widget.e2e.ts`).

use parlor_e2e::serde_json::json;
use parlor_e2e::{TestApp, frame, start_dialog, unique};

#[tokio::test]
async fn site_settings_have_defaults_and_only_an_admin_changes_them() {
    let app = TestApp::spawn().await;
    let key = app.running.site.key.to_string();
    let (status, site) = app
        .request("GET", &format!("/api/sites/{key}"), None, None)
        .await;
    assert_eq!(status, 200, "{site}");
    assert_eq!(
        site["settings"],
        json!({ "color": "#2563eb", "position": "right", "greeting": "", "show_operator_names": true })
    );

    let anna = app.operator("Anna").await;
    let wanted = json!({ "color": "#0A7D3B", "position": "left", "greeting": " Привет! ", "show_operator_names": false });
    let (status, _) = app
        .request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&anna.token),
            Some(wanted.clone()),
        )
        .await;
    assert_eq!(status, 403, "an operator who is not an admin may not");

    let admin = app.admin_token().await;
    let (status, bad) = app
        .request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&admin),
            Some(json!({ "color": "red;}" })),
        )
        .await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, changed) = app
        .request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&admin),
            Some(wanted),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let stored = json!({ "color": "#0a7d3b", "position": "left", "greeting": "Привет!", "show_operator_names": false });
    assert_eq!(changed["settings"], stored);
    let (_, site) = app
        .request("GET", &format!("/api/sites/{key}"), None, None)
        .await;
    assert_eq!(site["settings"], stored);
}

#[tokio::test]
async fn a_visitors_page_view_reaches_every_operator() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let vera = app.visitor("Vera").await;
    let page = json!({ "url": "https://shop.example/orders/4412", "title": "Order 4412" });
    let (status, kept) = app
        .request("POST", "/api/visitor/page", Some(&vera.token), Some(page))
        .await;
    assert_eq!(status, 200, "{kept}");
    let event = a.event("visitor.page").await;
    assert_eq!(event["page"]["url"], "https://shop.example/orders/4412");
    assert_eq!(event["page"]["title"], "Order 4412");

    let (status, _) = app
        .request(
            "POST",
            "/api/visitor/page",
            Some(&vera.token),
            Some(json!({ "url": "javascript:alert(1)" })),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .request(
            "POST",
            "/api/visitor/page",
            Some(&anna.token),
            Some(json!({ "url": "https://x.example/" })),
        )
        .await;
    assert_eq!(status, 401, "an operator's token is not a visitor's");
}

#[tokio::test]
async fn a_site_that_hides_operator_names_never_sends_them_to_its_visitors() {
    let app = TestApp::spawn().await;
    let key = app.running.site.key.to_string();
    let admin = app.admin_token().await;
    let hidden = json!({ "show_operator_names": false });
    let (status, _) = app
        .request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&admin),
            Some(hidden),
        )
        .await;
    assert_eq!(status, 200);

    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "Where is my order?").await;
    a.ok(frame::join(&dialog)).await;
    a.ok(frame::typing(Some(&dialog), true)).await;
    let typing = vera.ws.event("typing").await;
    assert_eq!(typing.get("name"), None, "{typing}");
    a.ok(frame::send(Some(&dialog), &unique("c"), "It ships today."))
        .await;
    a.ok(frame::close(&dialog)).await;
    let mut pushed = Vec::new();
    for _ in 0..2 {
        pushed.push(vera.ws.event("message.created").await["message"].clone());
    }
    let history = app.visitor_history(&vera.token, "?after=0").await["messages"]
        .as_array()
        .unwrap()
        .clone();
    for m in pushed.iter().chain(&history) {
        let shown = m.to_string();
        assert!(
            !shown.contains("Anna"),
            "a visitor copy names the operator: {shown}"
        );
        assert_ne!(
            m["event"]["event"], "joined",
            "a join says nothing but a name: {shown}"
        );
    }
    assert_eq!(pushed[0]["text"], "It ships today.");
    assert_eq!(pushed[1]["text"], "The dialog was closed");
    let operator_copy = app.history(&anna, &dialog, "?after=0").await;
    assert!(
        operator_copy.to_string().contains("Anna joined the dialog"),
        "operators still see who did what"
    );

    // Shown again: the next copy carries the name.
    let shown = json!({ "show_operator_names": true });
    app.request(
        "PUT",
        &format!("/api/sites/{key}"),
        Some(&admin),
        Some(shown),
    )
    .await;
    a.ok(frame::reopen(&dialog)).await;
    let reopened = vera.ws.event("message.created").await;
    assert_eq!(reopened["message"]["text"], "Anna reopened the dialog");
}
