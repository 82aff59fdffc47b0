//! Quick replies over the HTTP API: each operator's own, checked like messages, refused without a session.

use parlor_e2e::TestApp;
use parlor_e2e::serde_json::json;

#[tokio::test]
async fn an_operator_keeps_their_own_quick_replies() {
    let app = TestApp::spawn().await;
    let (anna, boris) = (app.operator("Anna").await, app.operator("Boris").await);

    let body = json!({ "title": " greeting ", "text": "Hello, this is %name%." });
    let (status, created) = app
        .request("POST", "/api/quick-replies", Some(&anna.token), Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["title"], "greeting", "the title is trimmed");
    assert_eq!(
        created["text"], "Hello, this is %name%.",
        "%name% is the console's to fill in"
    );
    let id = created["id"].as_str().unwrap().to_owned();

    let listed = app.get("/api/quick-replies", &anna.token).await;
    assert_eq!(listed["quick_replies"], json!([created]));
    assert_eq!(
        app.get("/api/quick-replies", &boris.token).await["quick_replies"],
        json!([]),
        "nobody else sees them"
    );

    let (status, _) = app
        .request(
            "DELETE",
            &format!("/api/quick-replies/{id}"),
            Some(&boris.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        app.get("/api/quick-replies", &anna.token).await["quick_replies"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "not Boris's to delete"
    );
    let (status, _) = app
        .request(
            "DELETE",
            &format!("/api/quick-replies/{id}"),
            Some(&anna.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        app.get("/api/quick-replies", &anna.token).await["quick_replies"],
        json!([])
    );
}

#[tokio::test]
async fn bad_quick_replies_are_refused_with_typed_errors() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    for (body, code) in [
        (json!({ "title": "", "text": "hi" }), "invalid_request"),
        (
            json!({ "title": "t".repeat(101), "text": "hi" }),
            "invalid_request",
        ),
        (json!({ "title": "blank", "text": "   " }), "empty_text"),
        (
            json!({ "title": "long", "text": "x".repeat(2001) }),
            "text_too_long",
        ),
        (json!({ "title": "no text" }), "invalid_request"),
    ] {
        let (status, v) = app
            .request("POST", "/api/quick-replies", Some(&anna.token), Some(body))
            .await;
        assert_eq!(
            (status, v["error"]["code"].as_str().unwrap_or_default()),
            (400, code),
            "{v}"
        );
    }
    let (status, _) = app.request("GET", "/api/quick-replies", None, None).await;
    assert_eq!(status, 401);
    let (status, v) = app
        .request(
            "DELETE",
            "/api/quick-replies/not%20an%20id",
            Some(&anna.token),
            None,
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str().unwrap_or_default()),
        (400, "invalid_request")
    );
    assert!(
        app.get("/api/quick-replies", &anna.token).await["quick_replies"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing stored"
    );
}
