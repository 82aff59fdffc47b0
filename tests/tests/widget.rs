//! What the visitor widget needs from the server, through the running local gateway: per-site
//! settings (read by anyone the site allows, changed by its admins) and the visitor's page views
//! pushed to operators. The widget itself is tested in Chromium (`web/e2e/widget.e2e.ts`).

use parlor_e2e::serde_json::json;
use parlor_e2e::TestApp;

#[tokio::test]
async fn site_settings_have_defaults_and_only_an_admin_changes_them() {
    let app = TestApp::spawn().await;
    let key = app.running.site.key.to_string();
    let (status, site) = app.request("GET", &format!("/api/sites/{key}"), None, None).await;
    assert_eq!(status, 200, "{site}");
    assert_eq!(site["settings"], json!({ "color": "#2563eb", "position": "right", "greeting": "", "show_operator_names": true }));

    let anna = app.operator("Anna").await;
    let wanted = json!({ "color": "#0A7D3B", "position": "left", "greeting": " Привет! ", "show_operator_names": false });
    let (status, _) = app.request("PUT", &format!("/api/sites/{key}"), Some(&anna.token), Some(wanted.clone())).await;
    assert_eq!(status, 403, "an operator who is not an admin may not");

    let admin = app.admin_token().await;
    let (status, bad) = app.request("PUT", &format!("/api/sites/{key}"), Some(&admin), Some(json!({ "color": "red;}" }))).await;
    assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_request")));
    let (status, changed) = app.request("PUT", &format!("/api/sites/{key}"), Some(&admin), Some(wanted)).await;
    assert_eq!(status, 200, "{changed}");
    let stored = json!({ "color": "#0a7d3b", "position": "left", "greeting": "Привет!", "show_operator_names": false });
    assert_eq!(changed["settings"], stored);
    let (_, site) = app.request("GET", &format!("/api/sites/{key}"), None, None).await;
    assert_eq!(site["settings"], stored);
}

#[tokio::test]
async fn a_visitors_page_view_reaches_every_operator() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let vera = app.visitor("Vera").await;
    let page = json!({ "url": "https://shop.example/orders/4412", "title": "Order 4412" });
    let (status, kept) = app.request("POST", "/api/visitor/page", Some(&vera.token), Some(page)).await;
    assert_eq!(status, 200, "{kept}");
    let event = a.event("visitor.page").await;
    assert_eq!(event["page"]["url"], "https://shop.example/orders/4412");
    assert_eq!(event["page"]["title"], "Order 4412");

    let (status, _) = app.request("POST", "/api/visitor/page", Some(&vera.token), Some(json!({ "url": "javascript:alert(1)" }))).await;
    assert_eq!(status, 400);
    let (status, _) = app.request("POST", "/api/visitor/page", Some(&anna.token), Some(json!({ "url": "https://x.example/" }))).await;
    assert_eq!(status, 401, "an operator's token is not a visitor's");
}
