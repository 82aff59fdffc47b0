//! What the console's Settings does for admins, through the running local gateway: list the
//! workspace's sites, change where the widget may run, add operators. Operators and other workspaces are refused,
//! and a refused change stores nothing. The console itself is tested in Chromium
//! (`web/e2e/console-admin.e2e.ts`).

use parlor_e2e::TestApp;
use parlor_e2e::serde_json::json;

#[tokio::test]
async fn an_admin_lists_the_workspaces_sites_and_an_operator_may_not() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let listed = app.get("/api/sites", &admin).await;
    let sites = listed["sites"].as_array().expect("a list of sites");
    assert_eq!(sites.len(), 1, "{listed}");
    assert_eq!(sites[0]["key"], app.running.site.key.to_string());
    assert_eq!(sites[0]["name"], "Demo site");
    assert_eq!(sites[0]["allowed_origins"], json!([]));
    assert_eq!(sites[0]["settings"]["color"], "#2563eb");
    assert_eq!(
        sites[0].get("workspace"),
        None,
        "the workspace id never leaves the server"
    );

    let anna = app.operator("Anna").await;
    let (status, refused) = app
        .request("GET", "/api/sites", Some(&anna.token), None)
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    let (status, _) = app.request("GET", "/api/sites", None, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn allowed_origins_are_stored_in_one_form_and_then_enforced() {
    let app = TestApp::spawn().await;
    let key = app.running.site.key.to_string();
    let admin = app.admin_token().await;
    let session = json!({ "site_key": key });
    let (status, _) = app
        .request_from(
            "https://evil.example",
            "POST",
            "/api/visitor/session",
            Some(session.clone()),
        )
        .await;
    assert_eq!(status, 200, "no origins yet: any page may run the widget");

    let wanted = json!({
        "color": "#0a7d3b",
        "greeting": "Hi!",
        "allowed_origins": [" HTTPS://Shop.Example/ ", "https://shop.example", "http://localhost:8080"],
    });
    let (status, changed) = app
        .request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&admin),
            Some(wanted),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed["allowed_origins"],
        json!(["https://shop.example", "http://localhost:8080"])
    );
    assert_eq!(changed["settings"]["greeting"], "Hi!");
    assert_eq!(
        app.get("/api/sites", &admin).await["sites"][0]["allowed_origins"],
        changed["allowed_origins"]
    );

    // Enforced at once: a page elsewhere gets no session, no settings, no socket.
    let (status, refused) = app
        .request_from(
            "https://evil.example",
            "POST",
            "/api/visitor/session",
            Some(session.clone()),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    let (status, _) = app
        .request_from(
            "https://evil.example",
            "GET",
            &format!("/api/sites/{key}"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, visitor) = app
        .request_from(
            "https://shop.example",
            "POST",
            "/api/visitor/session",
            Some(session.clone()),
        )
        .await;
    assert_eq!(status, 200, "{visitor}");
    let url = format!(
        "{}?v=1&visitor_token={}",
        app.running.ws_url(),
        visitor["token"].as_str().unwrap()
    );
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            url.as_str(),
        )
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 403)
        }
        other => panic!(
            "a now-disallowed origin was not refused: {:?}",
            other.map(|_| ())
        ),
    }
    // A request that names no origin is no page of the site: no session, no socket. The site's
    // public look stays readable (a same-origin GET names none).
    let (status, refused) = app
        .request("POST", "/api/visitor/session", None, Some(session.clone()))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "no Origin: {refused}"
    );
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 403, "a socket with no Origin")
        }
        other => panic!(
            "a socket with no Origin was not refused: {:?}",
            other.map(|_| ())
        ),
    }
    let (status, _) = app
        .request("GET", &format!("/api/sites/{key}"), None, None)
        .await;
    assert_eq!(status, 200, "the public look, read without an Origin");

    // Settings alone, as clients did before origins could be changed here: the origins stay.
    let (status, kept) = app
        .request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&admin),
            Some(json!({ "color": "#111111" })),
        )
        .await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["allowed_origins"], changed["allowed_origins"]);
    // An empty list lets any page run it again.
    let (status, any) = app
        .request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&admin),
            Some(json!({ "allowed_origins": [] })),
        )
        .await;
    assert_eq!((status, any["allowed_origins"].clone()), (200, json!([])));
    let (status, _) = app
        .request_from(
            "https://evil.example",
            "POST",
            "/api/visitor/session",
            Some(session),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_bad_origin_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let key = app.running.site.key.to_string();
    let admin = app.admin_token().await;
    let before = app.get("/api/sites", &admin).await;
    let too_many: Vec<String> = (0..21).map(|i| format!("https://s{i}.example")).collect();
    for (origins, words) in [
        (
            json!(["https://shop.example", "https://shop.example/checkout"]),
            "path",
        ),
        (json!(["shop.example"]), "scheme://host"),
        (json!(["ftp://shop.example"]), "http:// or https://"),
        (json!(["https://shop.example; script-src *"]), "host"),
        (json!(["https://shop.example:99999"]), "port"),
        (json!([""]), "empty"),
        (json!(too_many), "at most 20"),
    ] {
        let body = json!({ "color": "#0a7d3b", "greeting": "changed", "allowed_origins": origins });
        let (status, refused) = app
            .request(
                "PUT",
                &format!("/api/sites/{key}"),
                Some(&admin),
                Some(body),
            )
            .await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (400, Some("invalid_request")),
            "{origins}: {refused}"
        );
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(words),
            "{origins}: the message {message:?} does not say {words:?}"
        );
    }
    let (status, _) = app
        .request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&admin),
            Some(json!({ "allowed_origins": "https://a.example" })),
        )
        .await;
    assert_eq!(status, 400, "a string is not a list");
    assert_eq!(
        app.get("/api/sites", &admin).await,
        before,
        "neither the settings nor the origins changed"
    );
}

#[tokio::test]
async fn another_workspaces_admin_neither_sees_nor_changes_the_site() {
    let app = TestApp::spawn().await;
    let key = app.running.site.key.to_string();
    let (elsewhere, _, _) = app
        .running
        .app
        .sessions
        .bootstrap("boss@elsewhere.test", "password-123", vec![])
        .await
        .unwrap();
    let boss = app.login("boss@elsewhere.test", "password-123").await;
    let theirs = app.get("/api/sites", &boss).await;
    assert_eq!(theirs["sites"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        theirs["sites"][0]["key"],
        elsewhere.key.to_string(),
        "only their own site"
    );

    let body = json!({ "allowed_origins": ["https://boss.example"] });
    let (status, refused) = app
        .request("PUT", &format!("/api/sites/{key}"), Some(&boss), Some(body))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    let admin = app.admin_token().await;
    assert_eq!(
        app.get("/api/sites", &admin).await["sites"][0]["allowed_origins"],
        json!([])
    );
}

#[tokio::test]
async fn only_an_admin_adds_operators_and_a_refused_one_is_not_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let before = app.get("/api/operators", &admin).await;
    for role in ["operator", "admin"] {
        let body = json!({ "email": format!("{role}-by-anna@example.com"), "name": "Mallory", "password": "password-123", "role": role });
        let (status, refused) = app
            .request(
                "POST",
                "/api/operators",
                Some(&anna.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{role}: {refused}"
        );
        let (status, _) = app
            .request("POST", "/api/operators", None, Some(body))
            .await;
        assert_eq!(status, 401, "{role}, signed out");
        let (status, _) = app.request("POST", "/api/login", None, Some(json!({ "email": format!("{role}-by-anna@example.com"), "password": "password-123" }))).await;
        assert_eq!(status, 401, "no such {role} can sign in");
    }
    assert_eq!(
        app.get("/api/operators", &admin).await,
        before,
        "nobody was added"
    );
    // The same request from the admin is taken: the refusal was about who asked.
    let body = json!({ "email": "operator-by-admin@example.com", "name": "Mallory", "password": "password-123", "role": "operator" });
    let (status, added) = app
        .request("POST", "/api/operators", Some(&admin), Some(body))
        .await;
    assert_eq!(status, 201, "{added}");
}

#[tokio::test]
async fn a_new_operator_needs_a_real_address_and_a_password_a_guesser_would_not_try_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let before = app.get("/api/operators", &admin).await;
    let long = "x1".repeat(50_000);
    for (email, password, code, words) in [
        (
            "boris@localhost",
            "password-123",
            "invalid_email",
            "address",
        ),
        ("boris", "password-123", "invalid_email", "address"),
        (
            "boris@shop.example",
            "password",
            "invalid_request",
            "guesser",
        ),
        (
            "boris@shop.example",
            "        ",
            "invalid_request",
            "besides spaces",
        ),
        (
            "boris@shop.example",
            "zzzzzzzzzz",
            "invalid_request",
            "over and over",
        ),
        (
            "boris@shop.example",
            "Boris@Shop.Example",
            "invalid_request",
            "email",
        ),
        (
            "boris@shop.example",
            long.as_str(),
            "invalid_request",
            "at most 128",
        ),
    ] {
        let body =
            json!({ "email": email, "name": "Boris", "password": password, "role": "operator" });
        let (status, refused) = app
            .request("POST", "/api/operators", Some(&admin), Some(body))
            .await;
        let shown: String = password.chars().take(20).collect();
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (400, Some(code)),
            "{email} / {shown}: {refused}"
        );
        let message = refused["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{email} / {shown}: {message}");
    }
    assert_eq!(
        app.get("/api/operators", &admin).await,
        before,
        "nobody was added"
    );
    let body = json!({ "email": "boris@shop.example", "name": "Boris", "password": "correct horse battery", "role": "operator" });
    let (status, added) = app
        .request("POST", "/api/operators", Some(&admin), Some(body))
        .await;
    assert_eq!(status, 201, "{added}");
}
