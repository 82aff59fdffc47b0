//! The local gateway as API Gateway: the Management API through the real AWS SDK client, the idle
//! and two-hour cuts, restarts that keep the data, and DynamoDB instead of SQLite.

#[path = "../../shared/tests/dynamo_local/mod.rs"]
mod dynamo_local;

use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use parlor_e2e::serde_json::json;
use parlor_e2e::{Joined, TestApp, WAIT, eventually, frame, temp_dir};
use std::time::{Duration, Instant};

async fn management_client(app: &TestApp) -> aws_sdk_apigatewaymanagement::Client {
    management_client_as(app, &app.running.management_key).await
}

async fn management_client_as(app: &TestApp, key: &str) -> aws_sdk_apigatewaymanagement::Client {
    let creds = aws_credential_types::Credentials::new(key, "any", None, None, "parlor-tests");
    let config = parlor_core::adapters::aws_defaults()
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(format!("http://{}", app.running.management_addr))
        .load()
        .await;
    aws_sdk_apigatewaymanagement::Client::new(&config)
}

#[tokio::test]
async fn a_socket_the_client_closes_reaches_disconnect() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut ws = app.connect_operator(&anna).await;
    assert_eq!(app.operator_connections().await, 1);
    ws.send_message(tokio_tungstenite::tungstenite::Message::Close(None))
        .await;
    assert_eq!(
        ws.closed().await,
        1005,
        "the close is echoed, without a status as it came"
    );
    eventually("$disconnect deletes the connection record", || async {
        app.operator_connections().await == 0
    })
    .await;
}

#[tokio::test]
async fn the_management_api_posts_describes_and_deletes_connections_like_aws() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut ws = app.connect_operator(&anna).await;
    let live = app
        .running
        .stores
        .connections
        .operator_connections(&app.running.admin.workspace)
        .await
        .unwrap();
    let id = live[0].id.to_string();
    let client = management_client(&app).await;

    client
        .post_to_connection()
        .connection_id(&id)
        .data(Blob::new(r#"{"type":"hello"}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(ws.event("hello").await, json!({ "type": "hello" }));

    // Another key (the storage's, which presigned links show, or any other) is refused, and so is
    // a request with none: a local user who finds the port cannot write to sockets.
    for key in ["test", app.running.storage_key.as_str()] {
        let refused = management_client_as(&app, key)
            .await
            .post_to_connection()
            .connection_id(&id)
            .data(Blob::new(r#"{"type":"forged"}"#))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refused.raw_response().map(|r| r.status().as_u16()),
            Some(403),
            "{key}: {refused:?}"
        );
    }
    let bare = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>()
        .request(
            http::Request::post(format!(
                "http://{}/@connections/{}",
                app.running.management_addr,
                id.replace('=', "%3D")
            ))
            .body(http_body_util::Full::new(bytes::Bytes::from_static(
                br#"{"type":"forged"}"#,
            )))
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(bare.status(), 403, "no signature at all");
    ws.assert_no("forged").await;

    let info = client
        .get_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        info.identity().and_then(|i| i.source_ip()),
        Some("127.0.0.1")
    );
    assert!(info.connected_at().is_some() && info.last_active_at().is_some());

    client
        .delete_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(ws.closed().await, 1000);
    let gone = client
        .post_to_connection()
        .connection_id(&id)
        .data(Blob::new("{}"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            gone.as_service_error(),
            Some(PostToConnectionError::GoneException(_))
        ),
        "{gone:?}"
    );
    let unknown = client
        .get_connection()
        .connection_id("never-existed")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        unknown.raw_response().map(|r| r.status().as_u16()),
        Some(410)
    );
    eventually("$disconnect deletes the record too", || async {
        app.operator_connections().await == 0
    })
    .await;
}

/// Each cut is told apart from the other by what it spares: a quiet socket is cut while an older
/// one that keeps pinging lives on (so it is the idle cut, not the age cut), and that busy socket is
/// cut in the middle of its pings once it is old enough (so it is the age cut, not the idle cut).
#[tokio::test]
async fn idle_and_old_connections_are_cut_with_1001_and_forgotten() {
    let idle_timeout = Duration::from_millis(1000);
    let max_age = Duration::from_millis(3500);
    // Far under the idle timeout, so the busy socket is never idle long enough to be cut for it.
    let pace = idle_timeout / 8;
    let mut config = parlor_local::Config::for_tests(&temp_dir());
    config.limits.idle_timeout = idle_timeout;
    config.limits.max_connection_age = max_age;
    let app = TestApp::spawn_with(config).await;
    let anna = app.operator("Anna").await;

    let mut busy = app.connect_operator(&anna).await;
    let busy_opened = Instant::now();
    let quiet_asked = Instant::now();
    let mut quiet = app.connect_operator(&anna).await;
    let mut pings = 0u32;
    let quiet_cut = {
        let keep_busy = async {
            loop {
                busy.ping().await.unwrap_or_else(|code| {
                    panic!("the busy socket was cut ({code}) before the quiet one")
                });
                pings += 1;
                tokio::time::sleep(pace).await;
            }
        };
        tokio::select! {
            code = quiet.closed() => code,
            _ = keep_busy => unreachable!(),
        }
    };
    assert_eq!(quiet_cut, 1001, "idle too long");
    assert!(
        quiet_asked.elapsed() >= idle_timeout,
        "not cut before the idle timeout"
    );
    // The busy socket is older than the quiet one and was answered all along: pings keep a socket.
    busy.ping()
        .await
        .expect("the busy socket outlives the quiet one's idle cut");
    assert!(pings > 0);

    // Busy, but past the maximum age: the cut comes in answer to a ping.
    let busy_cut = loop {
        match busy.ping().await {
            Ok(()) => {}
            Err(code) => break code,
        }
        assert!(
            busy_opened.elapsed() < max_age + WAIT,
            "the age cut never came"
        );
        tokio::time::sleep(pace).await;
    };
    assert_eq!(busy_cut, 1001, "the connection's lifetime is capped");
    assert!(
        busy_opened.elapsed() + pace >= max_age,
        "the busy socket was cut at {:?}, before its age ran out",
        busy_opened.elapsed()
    );
    eventually("$disconnect forgets both connections", || async {
        app.operator_connections().await == 0
    })
    .await;
}

#[tokio::test]
async fn a_restart_keeps_every_dialog_and_clients_catch_up() {
    let dir = temp_dir();
    let app = TestApp::spawn_with(parlor_local::Config::for_tests(&dir)).await;
    let site = app.running.site.key.clone();
    let Joined {
        anna,
        mut a,
        vera,
        dialog,
    } = app.joined("before the restart").await;
    let last_seen = a
        .ok(frame::send(
            Some(&dialog),
            "o-1",
            "acked before the restart",
        ))
        .await["message"]["seq"]
        .as_u64()
        .unwrap();
    app.running.stop().await;
    assert_eq!(
        a.closed().await,
        1001,
        "clients are told the gateway went away"
    );

    let app = TestApp::spawn_with(parlor_local::Config::for_tests(&dir)).await;
    assert!(!app.running.created, "the same workspace, not a new one");
    assert_eq!(app.running.site.key, site);
    let mut a = app.connect_operator(&anna).await;
    let mut vera_again = app.connect_visitor(&vera.token).await;
    vera_again
        .ok(frame::send(None, "c-2", "after the restart"))
        .await;
    let got = a.event("message.created").await;
    assert_eq!(got["message"]["text"], "after the restart");
    let missed = app
        .history(&anna, &dialog, &format!("?after={last_seen}"))
        .await;
    let texts: Vec<_> = missed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(texts, vec![json!("after the restart")]);
    let all = app.history(&anna, &dialog, "").await;
    assert_eq!(all["latest_seq"], 4, "nothing acked was lost");
}

async fn on_dynamodb() -> TestApp {
    let dynamo = dynamo_local::DynamoLocal::shared();
    let mut config = parlor_local::Config::for_tests(&temp_dir());
    config.store = parlor_local::StoreChoice::Dynamo {
        endpoint: Some(dynamo.endpoint()),
        table: parlor_e2e::unique("parlor-e2e-"),
        create_table: true,
    };
    TestApp::spawn_with(config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_runs_on_dynamodb_too() {
    let app = on_dynamodb().await;
    assert!(app.running.store_name.starts_with("DynamoDB"));
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app.visitor("Vera").await;
    let first = frame::send(None, "c-1", "hello from DynamoDB");
    let dialog = vera.ws.ok(first.clone()).await["message"]["dialog_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(a.event("dialog.created").await["dialog"]["id"], dialog);
    a.ok(frame::join(&dialog)).await;
    a.ok(frame::send(Some(&dialog), "o-1", "answered")).await;
    vera.ws.ok(first).await;
    let history = app.history(&anna, &dialog, "").await;
    assert_eq!(
        history["latest_seq"], 3,
        "the retried first message was not stored twice"
    );
    assert_eq!(
        app.get("/api/dialogs", &anna.token).await["dialogs"][0]["id"],
        dialog
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merges_at_once_while_the_visitor_writes_on_dynamodb_end_in_one_contact() {
    parlor_e2e::merges_at_once_while_the_visitor_writes(&on_dynamodb().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_operators_joining_at_once_on_dynamodb_end_in_one_consistent_outcome() {
    parlor_e2e::ten_operators_join_at_once(&on_dynamodb().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_dialogs_meeting_ten_operators_on_dynamodb_are_each_assigned_once_within_the_limit()
{
    parlor_e2e::twenty_dialogs_meet_ten_operators_at_once(&on_dynamodb().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_going_offline_while_being_assigned_on_dynamodb_loses_nothing() {
    parlor_e2e::going_offline_while_being_assigned(&on_dynamodb().await).await;
}
