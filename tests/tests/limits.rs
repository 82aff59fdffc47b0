//! The limits, against a running gateway: sign-in attempts per account and per address, new
//! visitor sessions per address, messages per sender, sockets per visitor, and the sizes of what
//! clients send. Each is held in the store, so these are the numbers every function instance sees.
//! Most tests set their limits low (`PARLOR_LIMITS`' form) to reach them quickly; the first one
//! runs the outside probe against the defaults.

use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{Closed, TestApp, Ws, eventually, frame, start_dialog, temp_dir};
use parlor_local::Config;
use std::time::Duration;

async fn login(app: &TestApp, email: &str, password: &str) -> (u16, http::HeaderMap, Value) {
    login_from(app, email, password, None).await
}

/// A sign-in, as forwarded by a proxy for `client` when one is given.
async fn login_from(
    app: &TestApp,
    email: &str,
    password: &str,
    client: Option<&str>,
) -> (u16, http::HeaderMap, Value) {
    let headers: Vec<(&str, String)> = client
        .map(|c| ("x-forwarded-for", c.to_owned()))
        .into_iter()
        .collect();
    let body = json!({ "email": email, "password": password }).to_string();
    app.request_raw("POST", "/api/login", &headers, body).await
}

fn admin(app: &TestApp) -> (String, String) {
    (
        app.running.admin.email.to_string(),
        app.running.admin_password.clone().expect("tests know it"),
    )
}

/// A 429 `rate_limited` that says when to come back, in the body and in `Retry-After` alike.
fn retry_after(status: u16, headers: &http::HeaderMap, body: &Value) -> u64 {
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    let secs = body["error"]["retry_after"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retry_after: {body}"));
    assert!(secs >= 1, "{body}");
    let header = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Retry-After header: {body}"));
    assert_eq!(header, secs.to_string());
    secs
}

#[tokio::test]
async fn the_probe_two_hundred_wrong_passwords_then_the_right_one_is_locked_out() {
    let app = TestApp::spawn().await;
    let (email, password) = admin(&app);
    let admin_token = app.admin_token().await;
    let (mut wrong, mut limited) = (0, 0);
    for i in 0..200 {
        let (status, headers, body) = login(&app, &email, &format!("guess-{i}")).await;
        match status {
            401 => wrong += 1,
            429 => {
                retry_after(status, &headers, &body);
                limited += 1;
            }
            other => panic!("attempt {i}: {other} {body}"),
        }
    }
    assert_eq!(
        (wrong, limited),
        (5, 195),
        "five free attempts were checked; every later one came too soon and was refused unchecked"
    );
    let (status, headers, body) = login(&app, &email, &password).await;
    let wait = retry_after(status, &headers, &body);
    assert!(
        wait > 60,
        "locked for the rest of the window, not a second's delay: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too many sign-in attempts"),
        "{body}"
    );
    // Another operator of the workspace signs in as usual.
    let anna = app.operator_by(&admin_token, "Anna", "operator").await;
    assert!(!anna.token.is_empty());
}

#[tokio::test]
async fn each_wrong_password_past_the_free_ones_waits_longer_and_a_lockout_refuses_the_right_one() {
    let app = TestApp::spawn_with_limits(
        "sign_in_free=2,sign_in_lockout=4,sign_in_delay=2s,sign_in_max_delay=1m,sign_in_window=10s",
    )
    .await;
    let (email, password) = admin(&app);
    for _ in 0..2 {
        assert_eq!(login(&app, &email, "wrong-one").await.0, 401);
    }
    // The third comes at once: too soon, refused unchecked, and counted.
    let (status, headers, body) = login(&app, &email, "wrong-one").await;
    let wait = retry_after(status, &headers, &body);
    tokio::time::sleep(Duration::from_secs(wait)).await;
    // After the wait it is checked again: wrong, and now the fourth counted attempt.
    assert_eq!(login(&app, &email, "wrong-one").await.0, 401);
    // Locked: the right password is refused too, until the window is over.
    let (status, headers, body) = login(&app, &email, &password).await;
    let wait = retry_after(status, &headers, &body);
    assert!(wait <= 10, "{body}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let (status, _, body) = login(&app, &email, &password).await;
    assert_eq!(status, 200, "{body}");
    // The right password cleared the count: a slip now is only a slip.
    assert_eq!(login(&app, &email, "wrong-one").await.0, 401);
}

#[tokio::test]
async fn an_unknown_email_is_counted_and_answered_like_a_known_one() {
    let app = TestApp::spawn_with_limits("sign_in_free=2,sign_in_lockout=3,sign_in_delay=5s").await;
    let (email, _) = admin(&app);
    let statuses = |who: String| {
        let app = &app;
        async move {
            let mut seen = Vec::new();
            for _ in 0..4 {
                let (status, _, body) = login(app, &who, "wrong-one").await;
                seen.push((status, body["error"]["code"].as_str().unwrap().to_owned()));
            }
            seen
        }
    };
    let known = statuses(email).await;
    let unknown = statuses("nobody@example.com".into()).await;
    assert_eq!(known, unknown);
    assert_eq!(known[3].0, 429);
}

/// Two gateways behind a proxy at 127.0.0.1: one trusts it, one does not.
async fn behind_a_proxy(trusted: bool, limits: &str) -> TestApp {
    let mut config = Config::for_tests(&temp_dir());
    config.settings.limits = parlor_core::domain::Limits::parse(limits).unwrap();
    if trusted {
        config.settings.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    }
    TestApp::spawn_with(config).await
}

#[tokio::test]
async fn failures_from_one_address_over_many_accounts_lock_that_address_only() {
    let app = behind_a_proxy(true, "sign_in_ip_free=3,sign_in_ip_lockout=3").await;
    let (email, password) = admin(&app);
    let mallory = Some("203.0.113.66");
    for i in 0..3 {
        let (status, _, body) =
            login_from(&app, &format!("user{i}@example.com"), "guess", mallory).await;
        assert_eq!(status, 401, "{body}");
    }
    // From that address even the admin's right password is refused now.
    let (status, headers, body) = login_from(&app, &email, &password, mallory).await;
    retry_after(status, &headers, &body);
    // From another, it works.
    let (status, _, body) = login_from(&app, &email, &password, Some("198.51.100.7")).await;
    assert_eq!(status, 200, "{body}");

    // A gateway that trusts no proxy counts the peer, whatever it claims to forward.
    let app = behind_a_proxy(false, "sign_in_ip_free=3,sign_in_ip_lockout=3").await;
    let (email, password) = admin(&app);
    for i in 0..3 {
        let claimed = format!("203.0.113.{i}");
        let (status, _, _) = login_from(
            &app,
            &format!("user{i}@example.com"),
            "guess",
            Some(&claimed),
        )
        .await;
        assert_eq!(status, 401);
    }
    let (status, headers, body) = login_from(&app, &email, &password, Some("198.51.100.7")).await;
    retry_after(status, &headers, &body);
}

async fn new_session(
    app: &TestApp,
    client: &str,
    token: Option<&str>,
) -> (u16, http::HeaderMap, Value) {
    let mut body = json!({ "site_key": app.running.site.key });
    if let Some(t) = token {
        body["token"] = json!(t);
    }
    let headers = [("x-forwarded-for", client.to_owned())];
    app.request_raw("POST", "/api/visitor/session", &headers, body.to_string())
        .await
}

#[tokio::test]
async fn one_address_opens_only_so_many_visitor_sessions_and_a_kept_token_is_not_new() {
    let app = behind_a_proxy(true, "visitor_sessions_per_ip=3/10m").await;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let (status, _, body) = new_session(&app, "203.0.113.9", None).await;
        assert_eq!(status, 200, "{body}");
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }
    let (status, headers, body) = new_session(&app, "203.0.113.9", None).await;
    let wait = retry_after(status, &headers, &body);
    assert!(wait <= 600, "{body}");
    // Returning visitors renew as often as they come.
    for token in &tokens {
        let (status, _, body) = new_session(&app, "203.0.113.9", Some(token)).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["token"].as_str().is_some(), "{body}");
    }
    // A neighbour elsewhere is not held back.
    let (status, _, body) = new_session(&app, "198.51.100.20", None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_visitor_sending_too_fast_is_told_when_and_the_message_is_stored_once_when_sent_again() {
    // One a second: two sends in a row land in one second long before ten have gone.
    let app = TestApp::spawn_with_limits("messages_per_second=1,messages_per_minute=100").await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app.visitor("Vera").await;
    start_dialog(&mut vera, "first").await;
    a.event("dialog.created").await;
    let mut refused = None;
    for i in 0..10 {
        let reply = vera
            .ws
            .request(frame::send(None, &format!("c-{i}"), &format!("m{i}")))
            .await;
        if reply["type"] != "ack" {
            refused = Some((i, reply));
            break;
        }
    }
    let (i, reply) = refused.expect("sends in a row past the limit are refused");
    assert_eq!(reply["code"], "rate_limited", "{reply}");
    let wait = reply["retry_after_ms"].as_u64().expect("the wait, in ms");
    assert!((1..=1000).contains(&wait), "{reply}");
    let token = vera.token.clone();
    let stored = || {
        let (app, token) = (&app, token.clone());
        async move {
            let history = app.visitor_history(&token, "").await;
            let mut messages: Vec<(u64, String)> = history["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    let text = m["text"].as_str().unwrap().to_owned();
                    (m["seq"].as_u64().unwrap(), text)
                })
                .collect();
            messages.sort();
            messages
                .into_iter()
                .map(|(_, text)| text)
                .collect::<Vec<_>>()
        }
    };
    assert!(
        !stored().await.contains(&format!("m{i}")),
        "a refused message is not stored"
    );
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let again = vera
        .ws
        .ok(frame::send(None, &format!("c-{i}"), &format!("m{i}")))
        .await;
    let seq = again["message"]["seq"].as_u64().unwrap();
    // Its ack was lost, say: sent once more (in a second of its own), it is the same message.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let once_more = vera
        .ws
        .ok(frame::send(None, &format!("c-{i}"), &format!("m{i}")))
        .await;
    assert_eq!(once_more["message"]["seq"].as_u64(), Some(seq));
    let expected: Vec<String> = std::iter::once("first".to_owned())
        .chain((0..=i).map(|n| format!("m{n}")))
        .collect();
    assert_eq!(stored().await, expected, "each once, in the order written");
    // The operator was told of each stored message once.
    let mut heard = Vec::new();
    for _ in 0..=i {
        heard.push(a.event("message.created").await["message"]["text"].clone());
    }
    let told: Vec<Value> = expected[1..].iter().map(|t| json!(t)).collect();
    assert_eq!(heard, told);
    a.assert_no("message.created").await;
}

#[tokio::test]
async fn the_minute_bound_holds_messages_of_operators_too() {
    let app = TestApp::spawn_with_limits("messages_per_second=0,messages_per_minute=4").await;
    let mut j = app.joined("hello").await;
    for n in 0..4 {
        j.a.ok(frame::send(Some(&j.dialog), &format!("o-{n}"), "an answer"))
            .await;
    }
    let refused =
        j.a.refused(frame::whisper(&j.dialog, "w-1", "note"), "rate_limited")
            .await;
    let wait = refused["retry_after_ms"].as_u64().unwrap();
    assert!((1..=60_000).contains(&wait), "{refused}");
    // The visitor counts apart from the operator: the first message and these.
    for n in 0..3 {
        j.vera
            .ws
            .ok(frame::send(None, &format!("v-{n}"), "thanks"))
            .await;
    }
}

#[tokio::test]
async fn one_visitor_token_holds_only_so_many_sockets_open() {
    let app = TestApp::spawn_with_limits("sockets_per_visitor=3").await;
    let vera = app.visitor("Vera").await;
    let url = format!("{}?v=1&visitor_token={}", app.running.ws_url(), vera.token);
    let mut tabs = vec![vera.ws];
    for _ in 0..2 {
        tabs.push(Ws::connect(&url).await.expect("a second and third tab"));
    }
    match Ws::connect(&url).await {
        Err(Closed::Refused(status)) => assert_eq!(status, 429),
        Err(other) => panic!("refused otherwise: {other:?}"),
        Ok(_) => panic!("a fourth socket opened"),
    }
    assert_eq!(
        app.visitor_connections(&vera.id).await,
        3,
        "the refused one is not kept"
    );
    // A tab closes: another may open.
    drop(tabs.pop());
    eventually("the closed tab is forgotten", || async {
        app.visitor_connections(&vera.id).await == 2
    })
    .await;
    tabs.push(Ws::connect(&url).await.expect("room for one again"));
    // Others are not held to this visitor's count.
    let other = app.visitor("Ola").await;
    assert_eq!(app.visitor_connections(&other.id).await, 1);
}

#[tokio::test]
async fn a_visitor_opening_socket_after_socket_is_refused_for_a_while() {
    let app =
        TestApp::spawn_with_limits("socket_opens_per_visitor=3/1m,sockets_per_visitor=0").await;
    let vera = app.visitor("Vera").await;
    drop(vera.ws);
    let url = format!("{}?v=1&visitor_token={}", app.running.ws_url(), vera.token);
    for _ in 0..2 {
        drop(Ws::connect(&url).await.expect("opened"));
    }
    match Ws::connect(&url).await {
        Err(Closed::Refused(status)) => assert_eq!(status, 429),
        other => panic!("a fourth open in a minute: {:?}", other.err()),
    }
}

#[tokio::test]
async fn free_form_fields_are_bounded() {
    let app = TestApp::spawn().await;
    // A body past 256 KB is not read.
    let padding = "x".repeat(300 * 1024);
    let body = json!({ "email": "a@example.com", "password": "p", "padding": padding }).to_string();
    let (status, _, refused) = app.request_raw("POST", "/api/login", &[], body).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_request");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("256 KB"),
        "{refused}"
    );
    // A sign-in's email or password past any an operator can have.
    let long = "a".repeat(1025);
    let (status, _, refused) = login(&app, &format!("{long}@example.com"), "password-123").await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, _, refused) = login(&app, "a@example.com", &long).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    // An allowed origin longer than a host name can be.
    let admin = app.admin_token().await;
    let site = app.running.site.key.to_string();
    let host = format!("{}.example", vec!["a".repeat(60); 5].join("."));
    let update = json!({ "color": "#2563eb", "allowed_origins": [format!("https://{host}")] });
    let (status, refused) = app
        .request(
            "PUT",
            &format!("/api/sites/{site}"),
            Some(&admin),
            Some(update),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("invalid_request")),
        "{refused}"
    );
    let view = app.get("/api/sites", &admin).await;
    assert_eq!(
        view["sites"][0]["allowed_origins"],
        json!([]),
        "nothing was stored"
    );
}
