//! Bad input and faults: each gets a typed error frame with its request id (or a refused
//! `$connect`), the connection stays up, and nothing is stored.

use parlor_core::auth::Claims;
use parlor_core::domain::{Connection, Peer, Ticket};
use parlor_core::ids::{ConnectionId, OperatorId, VisitorId};
use parlor_e2e::serde_json::json;
use parlor_e2e::{Closed, Joined, TestApp, Ws, frame, start_dialog};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// After a refusal the socket still works and the dialog holds what it held.
async fn still_up_and_unchanged(
    app: &TestApp,
    ws: &mut Ws,
    op: &parlor_e2e::Operator,
    dialog: &str,
    seq: u64,
) {
    ws.ok(frame::typing(Some(dialog), false)).await;
    assert_eq!(
        app.history(op, dialog, "").await["latest_seq"],
        seq,
        "nothing was stored"
    );
}

#[tokio::test]
async fn malformed_unknown_and_incomplete_frames_get_typed_errors_and_the_socket_stays_up() {
    let app = TestApp::spawn().await;
    let Joined {
        anna,
        mut a,
        dialog,
        ..
    } = app.joined("hi").await;

    a.send_raw("{this is not json").await;
    let e = a.event("error").await;
    assert_eq!(
        (e["code"].as_str(), e.get("request_id")),
        (Some("malformed_frame"), None)
    );
    a.send_raw(r#"{"action":"message","op":"send","text":"no request id"}"#)
        .await;
    assert_eq!(a.event("error").await["code"], "invalid_request");
    a.send_message(Message::Binary(vec![0u8, 159, 146, 150].into()))
        .await;
    assert_eq!(a.event("error").await["code"], "malformed_frame");

    a.refused(json!({ "action": "dance" }), "unknown_action")
        .await;
    a.refused(
        json!({ "action": "message", "op": "shout" }),
        "unknown_action",
    )
    .await;
    a.refused(
        json!({ "action": "message", "op": "send", "dialog_id": dialog, "text": "no client id" }),
        "invalid_request",
    )
    .await;
    a.refused(
        json!({ "action": "assign", "op": "join" }),
        "invalid_request",
    )
    .await;
    a.refused(
        json!({ "action": "assign", "op": "join", "dialog_id": "<img src=x onerror=alert(1)>" }),
        "invalid_request",
    )
    .await;
    a.refused(
        frame::send(Some(&dialog), "o-1", &"x".repeat(2001)),
        "text_too_long",
    )
    .await;
    a.refused(frame::send(Some(&dialog), "o-1", "   "), "empty_text")
        .await;
    a.refused(frame::read(Some(&dialog), 99), "invalid_request")
        .await;
    a.refused(frame::join("dlg_doesnotexist"), "dialog_not_found")
        .await;
    still_up_and_unchanged(&app, &mut a, &anna, &dialog, 2).await;

    // Exactly 2000 characters (of any script) is allowed.
    a.ok(frame::send(Some(&dialog), "o-2", &"ж".repeat(2000)))
        .await;
}

#[tokio::test]
async fn a_frame_over_32_kb_closes_the_socket_with_1009_and_a_fragmented_big_message_is_refused_by_type()
 {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hi").await;

    // 100 KB in four frames of 25 KB: within API Gateway's limits, so the function refuses it.
    let mut a = app.connect_operator(&anna).await;
    let body = frame::send(Some(&dialog), "o-big", &"y".repeat(100 * 1024));
    let mut body = body;
    body["request_id"] = json!("big");
    let bytes = body.to_string().into_bytes();
    let chunks: Vec<_> = bytes.chunks(25 * 1024).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let opcode = if i == 0 {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Continue)
        };
        a.send_message(Message::Frame(Frame::message(
            chunk.to_vec(),
            opcode,
            i + 1 == chunks.len(),
        )))
        .await;
    }
    let e = a.reply_to("big").await;
    assert_eq!(e["code"], "text_too_long");
    still_up_and_unchanged(&app, &mut a, &anna, &dialog, 1).await;

    // One frame over 32 KB: API Gateway closes with 1009 before any function runs.
    a.send_raw(&frame::send(Some(&dialog), "o-huge", &"z".repeat(40 * 1024)).to_string())
        .await;
    assert_eq!(a.closed().await, 1009);
    assert_eq!(
        app.history(&anna, &dialog, "").await["latest_seq"],
        1,
        "nothing was stored"
    );
    // A message over 128 KB, even in small frames, closes the same way.
    let mut b = app.connect_operator(&anna).await;
    let big = vec![b'a'; 140 * 1024];
    for (i, chunk) in big.chunks(20 * 1024).enumerate() {
        let opcode = if i == 0 {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Continue)
        };
        b.send_message(Message::Frame(Frame::message(
            chunk.to_vec(),
            opcode,
            i == 6,
        )))
        .await;
    }
    assert_eq!(b.closed().await, 1009);
    // And a new connection works.
    let mut c = app.connect_operator(&anna).await;
    c.ok(frame::join(&dialog)).await;
}

#[tokio::test]
async fn tenants_and_visitors_cannot_reach_each_others_dialogs() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "private").await;
    let mut other = app.visitor("Oleg").await;
    let olegs = start_dialog(&mut other, "mine").await;

    // A visitor naming someone else's dialog.
    other
        .ws
        .refused(frame::send(Some(&dialog), "c-x", "let me in"), "forbidden")
        .await;
    other
        .ws
        .refused(frame::read(Some(&dialog), 1), "forbidden")
        .await;
    other
        .ws
        .refused(frame::typing(Some(&dialog), true), "forbidden")
        .await;
    other.ws.refused(frame::join(&dialog), "forbidden").await;
    other.ws.refused(frame::close(&dialog), "forbidden").await;
    other
        .ws
        .ok(frame::send(Some(&olegs), "c-y", "still works"))
        .await;
    assert_eq!(app.visitor_history(&vera.token, "").await["latest_seq"], 1);

    // An operator of another workspace.
    let (_, stranger, _) = app
        .running
        .app
        .sessions
        .bootstrap("boss@elsewhere.test", "password-123", vec![])
        .await
        .unwrap();
    assert_ne!(stranger.workspace, app.running.admin.workspace);
    let token = app.login("boss@elsewhere.test", "password-123").await;
    let boss = parlor_e2e::Operator {
        id: stranger.id.to_string(),
        name: "Boss".into(),
        token,
    };
    let mut s = app.connect_operator(&boss).await;
    s.refused(frame::join(&dialog), "dialog_not_found").await;
    s.refused(frame::send(Some(&dialog), "s-1", "hi"), "dialog_not_found")
        .await;
    s.refused(frame::whisper(&dialog, "s-2", "hi"), "dialog_not_found")
        .await;
    s.refused(frame::transfer(&dialog, &anna.id, None), "dialog_not_found")
        .await;
    s.refused(frame::close(&dialog), "dialog_not_found").await;
    let (status, _) = app
        .request(
            "GET",
            &format!("/api/dialogs/{dialog}/messages"),
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.get("/api/dialogs", &boss.token).await["dialogs"],
        json!([])
    );
    // Nor can an operator transfer to someone outside the workspace.
    let mut a = app.connect_operator(&anna).await;
    a.ok(frame::join(&dialog)).await;
    a.refused(
        frame::transfer(&dialog, &boss.id, None),
        "operator_not_found",
    )
    .await;
    assert_eq!(
        app.history(&anna, &dialog, "").await["latest_seq"],
        2,
        "only Anna's join was stored"
    );
}

#[tokio::test]
async fn expired_forged_and_reused_credentials_are_refused_at_connect() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let ws_url = app.running.ws_url();
    let refused = |r: Result<Ws, Closed>| match r {
        Err(Closed::Refused(status)) => status,
        Ok(_) => panic!("the socket was accepted"),
        Err(other) => panic!("not refused by status: {other:?}"),
    };

    assert_eq!(refused(Ws::connect(&ws_url).await), 401, "no credentials");
    let ticket = app.ticket(&anna.token).await;
    Ws::connect(&format!("{ws_url}?ticket={ticket}"))
        .await
        .expect("a fresh ticket opens the socket");
    assert_eq!(
        refused(Ws::connect(&format!("{ws_url}?ticket={ticket}")).await),
        401,
        "tickets are one-time"
    );
    // Issued for seconds, not minutes.
    let (status, issued) = app
        .request("POST", "/api/tickets", Some(&anna.token), None)
        .await;
    assert_eq!(status, 200, "{issued}");
    let lifetime = issued["expires_at"].as_i64().unwrap() - app.running.app.now();
    assert!(
        (1..=60_000).contains(&lifetime),
        "a ticket lives {lifetime} ms"
    );
    // Expiry is checked at connect: tickets put in the store as the HTTP API does, one in date and
    // one a millisecond past it.
    let mint = |id: &str, expires_at: i64| Ticket {
        id: id.to_owned(),
        workspace: app.running.admin.workspace.clone(),
        operator: OperatorId::parse(&anna.id).unwrap(),
        session: None,
        expires_at,
    };
    let (in_date, stale) = (
        parlor_core::ids::random_token("tkt_"),
        parlor_core::ids::random_token("tkt_"),
    );
    let now = app.running.app.now();
    app.running
        .stores
        .tickets
        .put_ticket(&mint(&in_date, now + 30_000))
        .await
        .unwrap();
    app.running
        .stores
        .tickets
        .put_ticket(&mint(&stale, now - 1))
        .await
        .unwrap();
    Ws::connect(&format!("{ws_url}?ticket={in_date}"))
        .await
        .expect("a ticket in date opens the socket");
    assert_eq!(
        refused(Ws::connect(&format!("{ws_url}?ticket={stale}")).await),
        401,
        "an expired ticket is refused"
    );
    assert_eq!(
        refused(Ws::connect(&format!("{ws_url}?ticket=tkt_madeup")).await),
        401
    );
    let fresh = app.ticket(&anna.token).await;
    assert_eq!(
        refused(Ws::connect(&format!("{ws_url}?v=2&ticket={fresh}")).await),
        400,
        "unknown protocol version"
    );

    let session = app.visitor_session(Some("Vera")).await;
    let token = session["token"].as_str().unwrap();
    let visitor = VisitorId::parse(session["visitor_id"].as_str().unwrap()).unwrap();
    let signer = &app.running.app.sessions.signer;
    let expired = signer.sign(&Claims::Visitor {
        workspace: app.running.admin.workspace.clone(),
        site: app.running.site.key.clone(),
        visitor: visitor.clone(),
        expires_at: app.running.app.now() - 1,
    });
    assert_eq!(
        refused(Ws::connect(&format!("{ws_url}?visitor_token={expired}")).await),
        401
    );
    let forged = parlor_core::auth::Signer::new(vec![9u8; 32])
        .unwrap()
        .sign(&Claims::Visitor {
            workspace: app.running.admin.workspace.clone(),
            site: app.running.site.key.clone(),
            visitor,
            expires_at: i64::MAX,
        });
    assert_eq!(
        refused(Ws::connect(&format!("{ws_url}?visitor_token={forged}")).await),
        401
    );
    let tampered = format!("{}A", token);
    assert_eq!(
        refused(Ws::connect(&format!("{ws_url}?visitor_token={tampered}")).await),
        401
    );
    // A session token is not a visitor token, and HTTP refuses bad sessions too.
    assert_eq!(
        refused(Ws::connect(&format!("{ws_url}?visitor_token={}", anna.token)).await),
        401
    );
    let (status, body) = app
        .request(
            "GET",
            "/api/dialogs",
            Some(&format!("{}x", anna.token)),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = app
        .request(
            "POST",
            "/api/login",
            None,
            Some(json!({ "email": app.running.admin.email, "password": "wrong" })),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .request(
            "POST",
            "/api/visitor/session",
            None,
            Some(json!({ "site_key": "site_unknown" })),
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_widget_on_a_foreign_origin_is_refused() {
    let mut config = parlor_local::Config::for_tests(&parlor_e2e::temp_dir());
    config.site_origins = vec!["https://shop.example".into()];
    let app = TestApp::spawn_with(config).await;
    // A session as the widget on the site's page asks for one (naming the page's origin).
    let (status, session) = app
        .request_from(
            "https://shop.example",
            "POST",
            "/api/visitor/session",
            Some(json!({ "site_key": app.running.site.key })),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let token = session["token"].as_str().unwrap();
    let url = format!("{}?visitor_token={token}", app.running.ws_url());
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
        other => panic!("a foreign origin was not refused: {:?}", other.map(|_| ())),
    }
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            url.as_str(),
        )
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "https://shop.example".parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .expect("the site's own origin connects");

    // The widget's iframe is served by the gateway: its requests carry the gateway's origin, on
    // whichever site it is embedded, and are taken; where it may be embedded is checked apart.
    let own = app.running.http_url();
    let (status, body) = app
        .request_from(
            &own,
            "POST",
            "/api/visitor/session",
            Some(json!({ "site_key": app.running.site.key })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .request_from(
            "https://evil.example",
            "POST",
            "/api/visitor/session",
            Some(json!({ "site_key": app.running.site.key })),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_same_client_id_twice_stores_one_message() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app.visitor("Vera").await;
    let first = vera.ws.ok(frame::send(None, "c-1", "hello")).await;
    let again = vera.ws.ok(frame::send(None, "c-1", "hello")).await;
    assert_eq!(
        first["message"]["id"], again["message"]["id"],
        "the retry is answered with the stored message"
    );
    let dialog = first["message"]["dialog_id"].as_str().unwrap().to_owned();
    a.event("dialog.created").await;
    a.assert_quiet().await;

    a.ok(frame::join(&dialog)).await;
    let one = a.ok(frame::send(Some(&dialog), "o-1", "hi there")).await;
    let two = a.ok(frame::send(Some(&dialog), "o-1", "hi there")).await;
    assert_eq!(one["message"]["seq"], two["message"]["seq"]);
    // Even sent at once, from two tabs.
    let mut v2 = app.connect_visitor(&vera.token).await;
    let f = frame::send(None, "c-2", "twice at once");
    let (x, y) = tokio::join!(vera.ws.ok(f.clone()), v2.ok(f));
    assert_eq!(x["message"]["id"], y["message"]["id"]);
    let history = app.history(&anna, &dialog, "").await;
    let texts: Vec<_> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] != "system")
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(
        texts,
        vec![json!("twice at once"), json!("hi there"), json!("hello")]
    );
}

#[tokio::test]
async fn a_push_to_a_gone_connection_deletes_only_that_record() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let store = &app.running.stores.connections;
    // A record whose socket is long gone, as after a missed $disconnect.
    let ghost = ConnectionId::parse("ghost-connection").unwrap();
    let now = app.running.app.now();
    let record = Connection {
        id: ghost.clone(),
        workspace: app.running.admin.workspace.clone(),
        peer: Peer::Operator {
            id: OperatorId::parse(&anna.id).unwrap(),
            role: parlor_core::domain::Role::Operator,
            status: parlor_core::domain::OperatorStatus::Online,
            rights: Default::default(),
            session: None,
        },
        connected_at: now - 3_600_000,
        seen_at: None,
        expires_at: now + 60_000,
    };
    store.put_connection(&record).await.unwrap();

    let mut vera = app.visitor("Vera").await;
    let ack = vera.ws.ok(frame::send(None, "c-1", "hello")).await;
    assert_eq!(
        ack["message"]["status"]["status"], "delivered",
        "the live console still got it"
    );
    a.event("dialog.created").await;
    assert!(
        store.get_connection(&ghost).await.unwrap().is_none(),
        "the 410 removed the stale record"
    );
    let live = store
        .operator_connections(&app.running.admin.workspace)
        .await
        .unwrap();
    assert_eq!(live.len(), 1, "the live connection stays");
}

#[tokio::test]
async fn ten_operators_joining_at_once_end_in_one_consistent_outcome() {
    parlor_e2e::ten_operators_join_at_once(&TestApp::spawn().await).await;
}
