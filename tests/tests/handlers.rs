//! The WebSocket handlers fed real API Gateway event JSON (tests/fixtures/apigw-websocket, as
//! API Gateway sends them), with a real store and the real Management API of a running gateway.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use aws_lambda_events::query_map::QueryMap;
use parlor_core::domain::Peer;
use parlor_core::entrypoints::ws;
use parlor_core::ids::ConnectionId;
use parlor_e2e::TestApp;
use parlor_e2e::serde_json::{self, json};
use std::collections::HashMap;

fn fixture(name: &str) -> ApiGatewayWebsocketProxyRequest {
    let path = format!(
        "{}/fixtures/apigw-websocket/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&raw).expect("the fixture is an API Gateway WebSocket event")
}

fn with_query(
    mut event: ApiGatewayWebsocketProxyRequest,
    key: &str,
    value: &str,
) -> ApiGatewayWebsocketProxyRequest {
    event.query_string_parameters =
        QueryMap::from(HashMap::from([(key.to_owned(), value.to_owned())]));
    event
}

/// The connect fixture turned into a frame on `route`, as API Gateway would send it.
fn message_event(route: &str, body: &str) -> ApiGatewayWebsocketProxyRequest {
    let mut event = fixture("connect.json");
    event.request_context.route_key = Some(route.to_owned());
    event.request_context.event_type = Some("MESSAGE".to_owned());
    event.request_context.message_id = Some("msg-1".to_owned());
    event.body = Some(body.to_owned());
    event
}

#[tokio::test]
async fn connect_without_credentials_is_refused_with_401() {
    let app = TestApp::spawn().await;
    let response = ws::handle(&app.running.app, fixture("connect.json"))
        .await
        .expect("not an infrastructure error");
    assert_eq!(response.status_code, 401);
    let id = ConnectionId::parse("asdfasdf=").unwrap();
    assert!(
        app.running
            .stores
            .connections
            .get_connection(&id)
            .await
            .unwrap()
            .is_none(),
        "nothing stored"
    );
}

#[tokio::test]
async fn connect_with_a_ticket_stores_the_connection_and_disconnect_removes_it() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let ticket = app.ticket(&anna.token).await;
    let response = ws::handle(
        &app.running.app,
        with_query(fixture("connect.json"), "ticket", &ticket),
    )
    .await
    .unwrap();
    assert_eq!(response.status_code, 200);
    let id = ConnectionId::parse("asdfasdf=").unwrap();
    let stored = app
        .running
        .stores
        .connections
        .get_connection(&id)
        .await
        .unwrap()
        .expect("the connection is stored");
    assert!(matches!(stored.peer, Peer::Operator { ref id, .. } if id.as_str() == anna.id));

    let mut disconnect = fixture("disconnect.json");
    disconnect.request_context.connection_id = Some("asdfasdf=".into());
    assert_eq!(
        disconnect.request_context.disconnect_status_code,
        Some(1005)
    );
    let response = ws::handle(&app.running.app, disconnect).await.unwrap();
    assert_eq!(response.status_code, 200);
    assert!(
        app.running
            .stores
            .connections
            .get_connection(&id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_visitor_token_connects_and_a_message_event_stores_the_message() {
    let app = TestApp::spawn().await;
    let session = app.visitor_session(Some("Vera")).await;
    let token = session["token"].as_str().unwrap();
    let response = ws::handle(
        &app.running.app,
        with_query(fixture("connect.json"), "visitor_token", token),
    )
    .await
    .unwrap();
    assert_eq!(response.status_code, 200);

    let frame = json!({ "action": "message", "op": "send", "request_id": "r1", "client_id": "c-1", "text": "from a fixture" });
    let response = ws::handle(
        &app.running.app,
        message_event("message", &frame.to_string()),
    )
    .await
    .unwrap();
    assert_eq!(response.status_code, 200);
    let history = app.visitor_history(token, "").await;
    assert_eq!(history["messages"][0]["text"], "from a fixture");
    // The fixture's connection has no socket here, so the ack's push got 410. A record that fresh
    // may be a socket whose `$connect` has not answered yet (API Gateway answers 410 then too): it
    // stays. Once it is older, a 410 means the socket is gone, and its stale record goes.
    let id = ConnectionId::parse("asdfasdf=").unwrap();
    let connections = &app.running.stores.connections;
    let mut record = connections
        .get_connection(&id)
        .await
        .unwrap()
        .expect("kept while opening");
    record.connected_at -= parlor_core::app::OPENING_MS;
    connections.put_connection(&record).await.unwrap();
    let frame = json!({ "action": "message", "op": "send", "request_id": "r2", "client_id": "c-2", "text": "again" });
    let response = ws::handle(
        &app.running.app,
        message_event("message", &frame.to_string()),
    )
    .await
    .unwrap();
    assert_eq!(response.status_code, 200);
    assert!(connections.get_connection(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn unroutable_and_binary_frames_are_answered_not_failed() {
    let app = TestApp::spawn().await;
    for (route, body, base64) in [
        (
            "$default",
            "{\"action\":\"nope\",\"request_id\":\"r\"}",
            false,
        ),
        ("$default", "AAEC", true),
    ] {
        let mut event = message_event(route, body);
        event.is_base64_encoded = base64;
        let response = ws::handle(&app.running.app, event)
            .await
            .expect("a client mistake is not a Lambda error");
        assert_eq!(response.status_code, 200);
    }
    assert_eq!(
        ws::route_of(&fixture("disconnect.json")),
        parlor_core::protocol::Route::Disconnect
    );
}

/// A binary frame is refused whatever it holds, JSON included (API Gateway routes it to
/// `$default`, unable to read its action), and nothing it asked for is done.
#[tokio::test]
async fn a_binary_frame_holding_a_valid_json_frame_is_malformed_and_does_nothing() {
    use parlor_e2e::{Joined, frame};
    use tokio_tungstenite::tungstenite::Message;
    let app = TestApp::spawn().await;
    let Joined {
        anna,
        mut a,
        dialog,
        ..
    } = app.joined("hi").await;
    let before = app.history(&anna, &dialog, "").await["latest_seq"].clone();
    let mut send = frame::send(Some(&dialog), "bin-1", "sent as binary");
    send["request_id"] = json!("r-bin");
    a.send_message(Message::Binary(send.to_string().into_bytes().into()))
        .await;
    let e = a.event("error").await;
    assert_eq!(e["code"], "malformed_frame", "{e}");
    assert!(
        e.get("request_id").is_none_or(|r| r.is_null()),
        "a binary frame is not read, not even its request id: {e}"
    );
    assert_eq!(
        app.history(&anna, &dialog, "").await["latest_seq"],
        before,
        "nothing was stored"
    );
    a.ok(frame::send(Some(&dialog), "txt-1", "sent as text"))
        .await;
}
