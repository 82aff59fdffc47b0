//! Web Push end to end: operators subscribe over the HTTP API with an endpoint on a local stand-in
//! push service (an HTTP server in this test; no third-party service is reached), events happen
//! while they have no socket, and the stand-in checks each push as a push service and the browser
//! would: VAPID auth (an ES256 JWT for its origin, signed by the key the server serves) and an
//! aes128gcm body, which it decrypts with the subscription's private key. The checking and the
//! decryption are a second implementation, in Node (`tests/fixtures/web-push/receive.js`: Node's
//! crypto and the npm package http_ece), not Parlor's Rust.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use parlor_core::adapters::webpush::VapidKey;
use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{Operator, TestApp, eventually, frame, start_dialog, unique};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// One push as the stand-in received it.
#[derive(Debug, Clone)]
struct Received {
    to: String,
    authorization: String,
    content_encoding: String,
    ttl: String,
    topic: String,
    body: Vec<u8>,
}

#[derive(Default)]
struct Service {
    received: Mutex<Vec<Received>>,
    /// What it answers: 201, or 410 once a subscription is to be gone.
    status: AtomicU16,
}

/// The stand-in push service, on a loopback port.
struct PushService {
    addr: SocketAddr,
    state: Arc<Service>,
}

impl PushService {
    async fn start() -> Self {
        let state = Arc::new(Service {
            status: AtomicU16::new(201),
            ..Service::default()
        });
        let app = axum::Router::new()
            .route("/push/{id}", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, state }
    }

    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    fn answer(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }
}

async fn receive(
    State(state): State<Arc<Service>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.received.lock().unwrap().push(Received {
        to: id,
        authorization: header("authorization"),
        content_encoding: header("content-encoding"),
        ttl: header("ttl"),
        topic: header("topic"),
        body: body.to_vec(),
    });
    StatusCode::from_u16(state.status.load(Ordering::SeqCst)).unwrap()
}

/// A browser's subscription: its key pair and auth secret, and the endpoint on the stand-in.
struct Browser {
    endpoint: String,
    /// A P-256 key pair (the same kind of key as VAPID's, so its type serves).
    key: VapidKey,
    auth: String,
}

impl Browser {
    fn new(service: &PushService, name: &str) -> Self {
        let mut auth = [0u8; 16];
        getrandom::getrandom(&mut auth).unwrap();
        Self {
            endpoint: format!("{}/push/{name}", service.origin()),
            key: VapidKey::generate(),
            auth: B64.encode(auth),
        }
    }

    fn subscription(&self) -> Value {
        json!({ "endpoint": self.endpoint, "keys": { "p256dh": self.key.public_key(), "auth": self.auth } })
    }

    /// Checks a push with the Node receiver and returns what it says (claims and payload).
    fn open(&self, push: &Received, audience: &str) -> Value {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/web-push/receive.js");
        let input = json!({
            "authorization": push.authorization,
            "content_encoding": push.content_encoding,
            "body": B64.encode(&push.body),
            "receiver_private": self.key.to_base64url(),
            "auth": self.auth,
            "audience": audience,
        });
        let mut child = std::process::Command::new("node")
            .arg(&script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("node runs (npm install at the repository root brings http_ece)");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "the receiver refused the push: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        parlor_e2e::serde_json::from_slice(&out.stdout).unwrap()
    }
}

async fn subscribe(app: &TestApp, op: &Operator, browser: &Browser) -> Value {
    let (status, settings) = app
        .request(
            "POST",
            "/api/push/subscriptions",
            Some(&op.token),
            Some(browser.subscription()),
        )
        .await;
    assert_eq!(status, 201, "{settings}");
    settings
}

/// Closes an operator's socket and waits for `$disconnect` to forget its record.
async fn close(app: &TestApp, mut ws: parlor_e2e::Ws) {
    let before = app.operator_connections().await;
    ws.send_message(tokio_tungstenite::tungstenite::Message::Close(None))
        .await;
    drop(ws);
    eventually("the closed socket's record is deleted", || async {
        app.operator_connections().await < before
    })
    .await;
}

#[tokio::test]
async fn operators_without_a_console_open_get_encrypted_pushes_they_chose() {
    let app = TestApp::spawn().await;
    let service = PushService::start().await;
    let anna = app.operator("Anna").await;
    let boris = app.operator("Boris").await;
    let laptop = Browser::new(&service, "anna-laptop");

    let settings = app.get("/api/push", &anna.token).await;
    let key = settings["public_key"].as_str().expect("the server's key");
    assert_eq!(
        B64.decode(key).unwrap().len(),
        65,
        "an uncompressed P-256 point"
    );
    assert_eq!(
        settings["choices"],
        json!({ "new_dialogs": true, "transfers": true, "messages": true })
    );
    let settings = subscribe(&app, &anna, &laptop).await;
    assert_eq!(settings["endpoints"], json!([laptop.endpoint]));

    // A new dialog while Anna has no console open: pushed to her, encrypted for her browser.
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "Where is my order?").await;
    let pushes = service.received();
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let push = &pushes[0];
    assert_eq!(push.to, "anna-laptop");
    assert_eq!(push.ttl, "3600");
    assert_eq!(push.topic.len(), 32, "one topic per dialog");
    let opened = laptop.open(push, &service.origin());
    assert_eq!(
        opened["k"], key,
        "signed by the key the console subscribed with"
    );
    assert_eq!(opened["sub"], format!("mailto:{}", app.running.admin.email));
    assert_eq!(
        opened["payload"],
        json!({ "kind": "dialog.created", "title": "New dialog: Vera", "body": "Where is my order?", "dialog_id": dialog })
    );

    // With a console open, nothing is pushed: the console rings itself.
    let a = app.connect_operator(&anna).await;
    let mut vlad = app.visitor("Vlad").await;
    let other = start_dialog(&mut vlad, "hello?").await;
    assert_eq!(service.received().len(), 1, "no push while a tab is open");
    close(&app, a).await;

    // A transfer to Anna while her console is closed: pushed, with the comment.
    let mut b = app.connect_operator(&boris).await;
    b.ok(frame::join(&other)).await;
    b.ok(frame::transfer(
        &other,
        &anna.id,
        Some("a billing question"),
    ))
    .await;
    let pushes = service.received();
    assert_eq!(pushes.len(), 2, "{pushes:?}");
    let opened = laptop.open(&pushes[1], &service.origin());
    assert_eq!(
        opened["payload"],
        json!({ "kind": "dialog.transferred", "title": "Transferred to you: Vlad", "body": "a billing question", "dialog_id": other })
    );

    // A message in a dialog she is in charge of: pushed, the text cut to fit.
    let long = "x".repeat(300);
    vlad.ws
        .ok(frame::send(Some(&other), &unique("c"), &long))
        .await;
    let pushes = service.received();
    assert_eq!(pushes.len(), 3, "{pushes:?}");
    let payload = &laptop.open(&pushes[2], &service.origin())["payload"];
    assert_eq!(payload["kind"], "message.created");
    assert_eq!(payload["title"], "Vlad");
    assert_eq!(payload["body"].as_str().unwrap().chars().count(), 120);
    // Vera's dialog has nobody in charge: her messages push to nobody.
    vera.ws
        .ok(frame::send(Some(&dialog), &unique("c"), "anyone?"))
        .await;
    assert_eq!(service.received().len(), 3);

    // Anna turns messages off: the next one is not pushed; transfers still would be.
    let (status, settings) = app
        .request(
            "PUT",
            "/api/push/choices",
            Some(&anna.token),
            Some(json!({ "new_dialogs": true, "transfers": true, "messages": false })),
        )
        .await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["choices"]["messages"], false);
    vlad.ws
        .ok(frame::send(Some(&other), &unique("c"), "still there?"))
        .await;
    assert_eq!(service.received().len(), 3, "messages are off");
    b.assert_no("error").await;
}

#[tokio::test]
async fn a_subscription_the_push_service_says_is_gone_is_deleted() {
    let app = TestApp::spawn().await;
    let service = PushService::start().await;
    let anna = app.operator("Anna").await;
    let phone = Browser::new(&service, "anna-phone");
    subscribe(&app, &anna, &phone).await;

    service.answer(410);
    let mut vera = app.visitor("Vera").await;
    start_dialog(&mut vera, "hi").await;
    assert_eq!(service.received().len(), 1, "tried once");
    let settings = app.get("/api/push", &anna.token).await;
    assert_eq!(
        settings["endpoints"],
        json!([]),
        "the gone subscription is deleted"
    );

    // The next dialog goes nowhere.
    service.answer(201);
    let mut vlad = app.visitor("Vlad").await;
    start_dialog(&mut vlad, "hello").await;
    assert_eq!(service.received().len(), 1);
}

#[tokio::test]
async fn subscriptions_are_checked_and_each_operators_own() {
    let app = TestApp::spawn().await;
    let service = PushService::start().await;
    let (anna, boris) = (app.operator("Anna").await, app.operator("Boris").await);
    let browser = Browser::new(&service, "shared");

    for bad in [
        json!({ "endpoint": "ftp://push.example/x", "keys": { "p256dh": browser.key.public_key(), "auth": browser.auth } }),
        json!({ "endpoint": browser.endpoint, "keys": { "p256dh": "BCVx", "auth": browser.auth } }),
        json!({ "endpoint": browser.endpoint, "keys": { "p256dh": browser.key.public_key(), "auth": "c2hvcnQ" } }),
        json!({ "endpoint": browser.endpoint }),
    ] {
        let (status, v) = app
            .request(
                "POST",
                "/api/push/subscriptions",
                Some(&anna.token),
                Some(bad),
            )
            .await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (400, Some("invalid_request")),
            "{v}"
        );
    }
    let (status, _) = app
        .request(
            "POST",
            "/api/push/subscriptions",
            None,
            Some(browser.subscription()),
        )
        .await;
    assert_eq!(status, 401);

    // The same browser, signed in as Boris later, now pushes Boris's news only.
    subscribe(&app, &anna, &browser).await;
    subscribe(&app, &boris, &browser).await;
    assert_eq!(
        app.get("/api/push", &anna.token).await["endpoints"],
        json!([])
    );
    // Unsubscribing takes it away; Anna's unsubscribe of it changes nothing of Boris's.
    let path = format!(
        "/api/push/subscriptions?endpoint={}",
        browser.endpoint.replace(':', "%3A").replace('/', "%2F")
    );
    assert_eq!(
        app.request("DELETE", &path, Some(&anna.token), None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.get("/api/push", &boris.token).await["endpoints"],
        json!([browser.endpoint])
    );
    assert_eq!(
        app.request("DELETE", &path, Some(&boris.token), None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.get("/api/push", &boris.token).await["endpoints"],
        json!([])
    );
}
