//! Every flow of the core chat engine, through the running local gateway with real WebSockets.

use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{Joined, TestApp, eventually, frame, start_dialog, unique};

/// For the tests that write a history at once: `limits.rs` holds the limits themselves.
const NO_MESSAGE_LIMITS: &str = "messages_per_second=0,messages_per_minute=0";

fn system_event(v: &Value) -> &str {
    v["event"]["event"]["event"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_first_message_creates_the_dialog_and_rings_every_online_operator() {
    let app = TestApp::spawn().await;
    let (anna, boris, away) = (
        app.operator("Anna").await,
        app.operator("Boris").await,
        app.operator("Away").await,
    );
    app.set_status(&away.token, "away").await;
    let mut a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let mut w = app.connect_operator(&away).await;

    let mut vera = app.visitor("Vera").await;
    let ack = vera
        .ws
        .ok(frame::send(None, "c-1", "Hello, is anyone there?"))
        .await;
    assert_eq!(ack["message"]["seq"], 1);
    assert_eq!(
        ack["message"]["status"]["status"], "delivered",
        "an operator's console got it"
    );
    let dialog = ack["message"]["dialog_id"].as_str().unwrap();

    for ws in [&mut a, &mut b] {
        let created = ws.event("dialog.created").await;
        assert_eq!(created["ring"], true);
        assert_eq!(created["dialog"]["id"], dialog);
        assert_eq!(
            created["dialog"]["needs_answer"], true,
            "green: nobody is connected"
        );
        assert_eq!(created["dialog"]["visitor_name"], "Vera");
        assert_eq!(created["message"]["text"], "Hello, is anyone there?");
    }
    let created = w.event("dialog.created").await;
    assert_eq!(
        created["ring"], false,
        "new dialogs ring only for online operators"
    );

    // Each visitor message moves it to the top: the summary's last activity and message follow it.
    vera.ws.ok(frame::send(None, "c-2", "Hello?")).await;
    let moved = a.event("message.created").await;
    assert_eq!(moved["dialog"]["last_message"]["text"], "Hello?");
    assert_eq!(moved["dialog"]["needs_answer"], true);
    assert_eq!(moved["ring"], true);

    let list = app.get("/api/dialogs", &anna.token).await;
    assert_eq!(list["dialogs"][0]["id"], dialog);
    assert_eq!(list["dialogs"][0]["unread"], 2);
    assert_eq!(list["unread_dialogs"], 1);
}

#[tokio::test]
async fn joining_stops_the_ring_for_everyone_and_leaving_hands_the_dialog_back() {
    let app = TestApp::spawn().await;
    let (anna, boris) = (app.operator("Anna").await, app.operator("Boris").await);
    let mut a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hi").await;
    b.event("dialog.created").await;

    let ack = a.ok(frame::join(&dialog)).await;
    assert_eq!(ack["dialog"]["assignee"]["name"], "Anna");
    let seen = b.event("dialog.updated").await;
    assert_eq!(seen["ring"], false, "the melody stops for everyone");
    assert_eq!(seen["dialog"]["needs_answer"], false, "blue now");
    assert_eq!(
        seen["dialog"]["participants"][0]["name"], "Anna",
        "shown under the visitor's name"
    );
    assert_eq!(system_event(&seen), "joined");
    let joined = vera.ws.event("message.created").await;
    assert_eq!(joined["message"]["text"], "Anna joined the dialog");

    // While Anna is connected, visitor messages do not turn it green.
    vera.ws.ok(frame::send(None, "c-2", "thanks")).await;
    let m = b.event("message.created").await;
    assert_eq!(m["dialog"]["needs_answer"], false);
    assert_eq!(m["ring"], false);

    a.ok(frame::leave(&dialog)).await;
    let left = b.event("dialog.updated").await;
    assert_eq!(system_event(&left), "left");
    assert!(left["dialog"].get("assignee").is_none());
    vera.ws.ok(frame::send(None, "c-3", "hello again?")).await;
    let again = b.event("message.created").await;
    assert_eq!(
        again["dialog"]["needs_answer"], true,
        "green again on the next visitor message"
    );
    assert_eq!(again["ring"], true);
    // Joining twice is harmless.
    a.ok(frame::join(&dialog)).await;
    let second = a.ok(frame::join(&dialog)).await;
    assert_eq!(
        second["dialog"]["participants"].as_array().unwrap().len(),
        1
    );
    // Operators see Anna join again; the visitor, who never heard she left, hears nothing.
    let rejoined = b.event("dialog.updated").await;
    assert_eq!(system_event(&rejoined), "joined");
    assert_eq!(rejoined["event"]["event"]["rejoined"], true);
    vera.ws.assert_quiet().await;
    let seen: Vec<Value> = app.visitor_history(&vera.token, "").await["messages"]
        .as_array()
        .unwrap()
        .clone();
    let joins = seen
        .iter()
        .filter(|m| m["event"]["event"] == "joined")
        .count();
    assert_eq!(joins, 1, "one join in the visitor's history: {seen:?}");
}

#[tokio::test]
async fn messages_go_both_ways_with_delivery_and_read_marks_and_typing() {
    let app = TestApp::spawn().await;
    let Joined {
        anna,
        mut a,
        mut vera,
        dialog,
    } = app.joined("hi").await;

    // Typing both ways.
    vera.ws.ok(frame::typing(None, true)).await;
    let t = a.event("typing").await;
    assert_eq!(
        (t["side"].as_str(), t["typing"].as_bool()),
        (Some("visitor"), Some(true))
    );
    a.ok(frame::typing(Some(&dialog), true)).await;
    let t = vera.ws.event("typing").await;
    assert_eq!(
        (t["side"].as_str(), t["name"].as_str()),
        (Some("operators"), Some("Anna"))
    );

    // Operator → visitor: delivered once the visitor's tab has it, read when the visitor says so.
    let ack = a
        .ok(frame::send(Some(&dialog), "o-1", "How can I help?"))
        .await;
    assert_eq!(ack["message"]["status"]["status"], "delivered");
    let got = vera
        .ws
        .next_where(|e| e["type"] == "message.created" && e["message"]["kind"] == "operator")
        .await;
    assert_eq!(got["message"]["text"], "How can I help?");
    assert_eq!(got["message"]["author_name"], "Anna");
    let seq = got["message"]["seq"].as_u64().unwrap();
    vera.ws.ok(frame::read(None, seq)).await;
    let read = a.event("message.status").await;
    assert_eq!(
        read,
        json!({ "type": "message.status", "dialog_id": dialog, "side": "visitor", "status": "read", "up_to": seq })
    );
    let hist = app.history(&anna, &dialog, "").await;
    let mine = hist["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["client_id"] == "o-1")
        .unwrap()
        .clone();
    assert_eq!(mine["status"]["status"], "read");

    // Visitor → operator: read when the operator reads it.
    let ack = vera
        .ws
        .ok(frame::send(None, "c-2", "My order is late"))
        .await;
    assert_eq!(ack["message"]["status"]["status"], "delivered");
    let seq = ack["message"]["seq"].as_u64().unwrap();
    a.ok(frame::read(Some(&dialog), seq)).await;
    let read = vera.ws.event("message.status").await;
    assert_eq!(
        (read["side"].as_str(), read["up_to"].as_u64()),
        (Some("operators"), Some(seq))
    );
    let theirs = app.visitor_history(&vera.token, "").await;
    let last = theirs["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["client_id"] == "c-2")
        .unwrap()
        .clone();
    assert_eq!(last["status"]["status"], "read");
}

#[tokio::test]
async fn an_operator_message_to_an_absent_visitor_stays_queued_until_the_visitor_catches_up() {
    let app = TestApp::spawn().await;
    let Joined {
        mut a,
        mut vera,
        dialog,
        ..
    } = app.joined("hi").await;
    let seen = vera.ws.event("message.created").await["message"]["seq"]
        .as_u64()
        .unwrap();
    assert_eq!(app.visitor_connections(&vera.id).await, 1);
    drop(vera.ws);
    eventually("$disconnect forgets the visitor's socket", || async {
        app.visitor_connections(&vera.id).await == 0
    })
    .await;

    let ack = a
        .ok(frame::send(Some(&dialog), "o-1", "Still there?"))
        .await;
    assert_eq!(ack["message"]["status"]["status"], "queued");

    // Reconnect and catch up from the last id seen: exactly the missed message.
    let _ws = app.connect_visitor(&vera.token).await;
    let missed = app
        .visitor_history(&vera.token, &format!("?after={seen}"))
        .await;
    let texts: Vec<_> = missed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(texts, vec![json!("Still there?")]);
    let status = a.event("message.status").await;
    assert_eq!(
        (status["status"].as_str(), status["side"].as_str()),
        (Some("delivered"), Some("visitor"))
    );
}

#[tokio::test]
async fn whispers_reach_operators_only() {
    let app = TestApp::spawn().await;
    let (anna, boris) = (app.operator("Anna").await, app.operator("Boris").await);
    let mut a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hi").await;
    a.ok(frame::join(&dialog)).await;
    vera.ws.drain().await;

    let ack = b
        .ok(frame::whisper(
            &dialog,
            "w-1",
            "She ordered twice, refund one",
        ))
        .await;
    assert_eq!(ack["message"]["kind"], "whisper");
    let got = a.event("message.created").await;
    assert_eq!(
        (
            got["message"]["kind"].as_str(),
            got["message"]["text"].as_str()
        ),
        (Some("whisper"), Some("She ordered twice, refund one"))
    );
    vera.ws.assert_quiet().await;
    let theirs = app.visitor_history(&vera.token, "").await;
    assert!(
        theirs["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["kind"] != "whisper")
    );
    let ours = app.history(&anna, &dialog, "").await;
    assert!(
        ours["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "whisper")
    );
    // A visitor cannot whisper.
    vera.ws
        .refused(frame::whisper(&dialog, "w-2", "psst"), "forbidden")
        .await;
}

#[tokio::test]
async fn when_the_operator_in_charge_leaves_the_one_still_connected_takes_charge() {
    let app = TestApp::spawn().await;
    let (anna, boris, carl) = (
        app.operator("Anna").await,
        app.operator("Boris").await,
        app.operator("Carl").await,
    );
    let mut a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let mut c = app.connect_operator(&carl).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hi").await;
    a.ok(frame::join(&dialog)).await;
    let second = b.ok(frame::join(&dialog)).await;
    assert_eq!(
        second["dialog"]["assignee"]["name"], "Anna",
        "the first to connect is in charge"
    );
    c.drain().await;
    vera.ws.drain().await;

    let left = a.ok(frame::leave(&dialog)).await;
    assert_eq!(
        left["dialog"]["assignee"]["name"], "Boris",
        "the one still connected takes charge"
    );
    let names: Vec<_> = left["dialog"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, [json!("Boris")]);
    assert_eq!(
        left["dialog"]["needs_answer"], false,
        "someone is still connected: blue, not green"
    );
    let seen = c.event("dialog.updated").await;
    assert_eq!(system_event(&seen), "left");
    assert_eq!(seen["dialog"]["assignee"]["name"], "Boris");
    assert_eq!(
        seen["ring"], false,
        "nothing rings: the dialog is still answered"
    );
    // A leave is not the visitor's business: the visitor hears of it not at all.
    vera.ws.assert_quiet().await;

    // The visitor writes on: still Boris's, no ring, not green.
    vera.ws.ok(frame::send(None, "c-2", "still there?")).await;
    let m = c.event("message.created").await;
    assert_eq!(
        (m["dialog"]["needs_answer"].as_bool(), m["ring"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(m["dialog"]["assignee"]["name"], "Boris");
    // Boris has the rights of the one in charge now, and Anna has lost them.
    a.refused(frame::transfer(&dialog, &carl.id, None), "forbidden")
        .await;
    let handed = b.ok(frame::transfer(&dialog, &carl.id, None)).await;
    assert_eq!(handed["dialog"]["assignee"]["name"], "Carl");
}

#[tokio::test]
async fn a_whisper_leaves_a_closed_dialog_closed_and_the_visitor_hears_nothing() {
    let app = TestApp::spawn().await;
    let Joined {
        anna,
        mut a,
        mut vera,
        dialog,
    } = app.joined("hi").await;
    let boris = app.operator("Boris").await;
    let mut b = app.connect_operator(&boris).await;
    a.ok(frame::close(&dialog)).await;
    vera.ws.drain().await;
    b.drain().await;

    let ack = a
        .ok(frame::whisper(
            &dialog,
            "w-1",
            "Note for whoever reopens it",
        ))
        .await;
    assert_eq!(ack["message"]["kind"], "whisper");
    let got = b.event("message.created").await;
    assert_eq!(got["message"]["kind"], "whisper");
    assert_eq!(
        got["dialog"]["status"], "closed",
        "the whisper left it closed"
    );
    b.assert_no("dialog.updated").await;
    vera.ws.assert_quiet().await;
    assert_eq!(
        app.get("/api/dialogs?status=closed", &anna.token).await["dialogs"][0]["id"],
        dialog
    );
    assert_eq!(
        app.get("/api/dialogs?status=open", &anna.token).await["dialogs"],
        json!([])
    );
    let history = app.history(&anna, &dialog, "").await;
    let events: Vec<_> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["event"]["event"].as_str())
        .collect();
    assert!(
        !events.contains(&"reopened"),
        "no reopen was stored: {events:?}"
    );
    // A visitor's message, unlike it, opens the dialog again.
    vera.ws.ok(frame::send(None, "c-2", "One more thing")).await;
    assert_eq!(b.event("dialog.updated").await["dialog"]["status"], "open");
}

#[tokio::test]
async fn close_and_reopen_and_a_new_message_from_either_side_reopens_with_the_whole_history() {
    let app = TestApp::spawn().await;
    let Joined {
        anna,
        mut a,
        mut vera,
        dialog,
    } = app.joined("hi").await;
    a.ok(frame::send(Some(&dialog), "o-1", "Solved?")).await;

    let closed = a.ok(frame::close(&dialog)).await;
    assert_eq!(closed["dialog"]["status"], "closed");
    assert_eq!(
        vera.ws.event("message.created").await["message"]["event"]["event"],
        "joined"
    );
    vera.ws.event("message.created").await;
    assert_eq!(
        vera.ws.event("message.created").await["message"]["text"],
        "Anna closed the dialog"
    );
    a.refused(frame::close(&dialog), "already_closed").await;
    let closed_list = app.get("/api/dialogs?status=closed", &anna.token).await;
    assert_eq!(closed_list["dialogs"][0]["id"], dialog);
    assert_eq!(
        app.get("/api/dialogs?status=open", &anna.token).await["dialogs"],
        json!([])
    );

    // The visitor writes: open again, with everything before it.
    vera.ws.ok(frame::send(None, "c-2", "One more thing")).await;
    let reopened = a.event("dialog.updated").await;
    assert_eq!(reopened["dialog"]["status"], "open");
    assert_eq!(reopened["event"]["text"], "Vera reopened the dialog");
    assert_eq!(
        vera.ws.event("message.created").await["message"]["text"],
        "Vera reopened the dialog",
        "the sending tab hears of the reopening its ack does not carry"
    );
    let history = app.history(&anna, &dialog, "").await;
    let texts: Vec<_> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        texts,
        [
            "hi",
            "Anna joined the dialog",
            "Solved?",
            "Anna closed the dialog",
            "Vera reopened the dialog",
            "One more thing"
        ]
    );

    // The operator writes into a closed dialog: open again too; and reopen by hand.
    a.ok(frame::close(&dialog)).await;
    let ack = a
        .ok(frame::send(Some(&dialog), "o-2", "Following up"))
        .await;
    assert_eq!(ack["dialog"]["status"], "open");
    assert_eq!(ack["message"]["text"], "Following up");
    let mine = a.event("dialog.updated").await;
    assert_eq!(
        mine["event"]["text"], "Anna reopened the dialog",
        "the sending console shows the reopening live"
    );
    assert_eq!(
        mine["event"]["seq"].as_u64(),
        ack["message"]["seq"].as_u64().map(|s| s - 1)
    );
    a.ok(frame::close(&dialog)).await;
    let ack = a.ok(frame::reopen(&dialog)).await;
    assert_eq!(ack["dialog"]["status"], "open");
    a.refused(frame::reopen(&dialog), "already_open").await;
}

#[tokio::test]
async fn transfer_hands_over_with_an_operator_only_comment_and_the_previous_operator_loses_the_history()
 {
    let app = TestApp::spawn().await;
    let admin_token = app.admin_token().await;
    let (anna, boris, carl) = (
        app.operator("Anna").await,
        app.operator("Boris").await,
        app.operator("Carl").await,
    );
    let mut a = app.connect_operator(&anna).await;
    let mut a2 = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let mut c = app.connect_operator(&carl).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hi").await;
    a.ok(frame::join(&dialog)).await;
    c.ok(frame::join(&dialog)).await;
    a.ok(frame::close(&dialog)).await;
    vera.ws.drain().await;
    b.drain().await;

    // Only an admin or the operator in charge may transfer.
    c.refused(frame::transfer(&dialog, &boris.id, None), "forbidden")
        .await;
    a.refused(
        frame::transfer(&dialog, "op_nobody", None),
        "operator_not_found",
    )
    .await;

    let ack = a
        .ok(frame::transfer(
            &dialog,
            &boris.id,
            Some("VIP customer, be quick"),
        ))
        .await;
    assert_eq!(ack["dialog"]["assignee"]["name"], "Boris");
    assert_eq!(
        ack["dialog"]["status"], "closed",
        "a closed dialog stays closed"
    );
    let seen = b.event("dialog.updated").await;
    assert_eq!(
        seen["event"]["event"],
        json!({
            "event": "transferred", "by": anna.id, "by_name": "Anna", "from": anna.id, "from_name": "Anna",
            "to": boris.id, "to_name": "Boris", "comment": "VIP customer, be quick"
        })
    );
    vera.ws.assert_quiet().await;
    assert!(
        !app.visitor_history(&vera.token, "")
            .await
            .to_string()
            .contains("VIP"),
        "the visitor never sees the comment"
    );
    a2.event("dialog.removed").await;

    // Anna lost the dialog: no history, no list entry, no actions.
    let (status, _) = app
        .request(
            "GET",
            &format!("/api/dialogs/{dialog}/messages"),
            Some(&anna.token),
            None,
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        app.get("/api/dialogs?status=closed", &anna.token).await["dialogs"],
        json!([])
    );
    a.refused(frame::join(&dialog), "forbidden").await;
    // Carl, connected but never in charge, keeps it; the admin always sees everything.
    assert_eq!(
        app.history(&carl, &dialog, "").await["latest_seq"],
        ack["dialog"]["seq"]
    );
    let admin = parlor_e2e::Operator {
        id: app.running.admin.id.to_string(),
        name: "Admin".into(),
        token: admin_token,
    };
    app.history(&admin, &dialog, "").await;
    // An admin may reassign a dialog they are not in charge of, even back to Anna.
    let mut adm = app.connect_operator(&admin).await;
    adm.ok(frame::transfer(&dialog, &anna.id, None)).await;
    app.history(&anna, &dialog, "").await;
}

#[tokio::test]
async fn unread_counts_are_per_operator_and_mark_unread_is_mine_alone() {
    let app = TestApp::spawn().await;
    let (anna, boris) = (app.operator("Anna").await, app.operator("Boris").await);
    let mut a = app.connect_operator(&anna).await;
    let mut a2 = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "one").await;
    vera.ws.ok(frame::send(None, "c-2", "two")).await;
    let ack = vera.ws.ok(frame::send(None, "c-3", "three")).await;
    let newest = ack["message"]["seq"].as_u64().unwrap();

    let unread = |v: Value| {
        (
            v["dialogs"][0]["unread"].clone(),
            v["unread_dialogs"].clone(),
        )
    };
    assert_eq!(
        unread(app.get("/api/dialogs", &anna.token).await),
        (json!(3), json!(1))
    );
    a.ok(frame::read(Some(&dialog), newest - 1)).await;
    assert_eq!(
        unread(app.get("/api/dialogs", &anna.token).await),
        (json!(1), json!(1)),
        "one left after what she read"
    );
    a.ok(frame::read(Some(&dialog), newest)).await;
    assert_eq!(
        unread(app.get("/api/dialogs", &anna.token).await),
        (json!(0), json!(0))
    );
    let other_tab = a2.event("dialog.read").await;
    assert_eq!(other_tab["unread"], 1, "her other tab follows (first read)");
    assert_eq!(a2.event("dialog.read").await["unread"], 0);

    let ack = a.ok(frame::mark_unread(&dialog)).await;
    assert_eq!(ack["dialog"]["unread"], 1);
    assert_eq!(
        unread(app.get("/api/dialogs", &anna.token).await),
        (json!(1), json!(1))
    );
    assert_eq!(a2.event("dialog.read").await["marked_unread"], true);
    assert_eq!(
        unread(app.get("/api/dialogs", &boris.token).await),
        (json!(3), json!(1)),
        "Boris's counts are his own"
    );
    b.assert_no("dialog.read").await;
    // Reading clears the mark.
    a.ok(frame::read(Some(&dialog), newest)).await;
    assert_eq!(
        unread(app.get("/api/dialogs", &anna.token).await),
        (json!(0), json!(0))
    );
}

#[tokio::test]
async fn history_pages_newest_first_by_cursor_and_catch_up_reads_forward() {
    // A history written faster than anyone types.
    let app = TestApp::spawn_with_limits(NO_MESSAGE_LIMITS).await;
    let anna = app.operator("Anna").await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "m1").await;
    for i in 2..=25 {
        vera.ws
            .ok(frame::send(None, &format!("c-{i}"), &format!("m{i}")))
            .await;
    }
    let mut seen = Vec::new();
    let mut query = "?limit=10".to_owned();
    loop {
        let page = app.history(&anna, &dialog, &query).await;
        assert_eq!(page["latest_seq"], 25);
        seen.extend(
            page["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["seq"].as_u64().unwrap()),
        );
        match page["next_before"].as_u64() {
            Some(before) => query = format!("?limit=10&before={before}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (1..=25).rev().collect::<Vec<_>>(),
        "every message once, newest first"
    );
    let after = app.history(&anna, &dialog, "?after=20").await;
    let seqs: Vec<_> = after["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![21, 22, 23, 24, 25]);
    let (status, body) = app
        .request(
            "GET",
            &format!("/api/dialogs/{dialog}/messages?after=1&before=3"),
            Some(&anna.token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
}

#[tokio::test]
async fn a_visitor_keeps_their_identity_and_dialog_across_sessions() {
    let app = TestApp::spawn().await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hi").await;
    let body = json!({ "site_key": app.running.site.key, "token": vera.token });
    let (status, again) = app
        .request("POST", "/api/visitor/session", None, Some(body))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["dialog_id"], dialog);
    let mut ws = app.connect_visitor(again["token"].as_str().unwrap()).await;
    let ack = ws.ok(frame::send(None, &unique("c"), "back again")).await;
    assert_eq!(
        ack["message"]["dialog_id"], dialog,
        "the same dialog, not a new one"
    );
}

#[tokio::test]
async fn a_visitor_catches_up_past_a_run_of_whispers_by_following_the_cursor() {
    let app = TestApp::spawn_with_limits(NO_MESSAGE_LIMITS).await;
    let Joined {
        mut a,
        mut vera,
        dialog,
        ..
    } = app.joined("hi").await;
    for i in 0..6 {
        a.ok(frame::whisper(&dialog, &format!("w-{i}"), "between us"))
            .await;
    }
    a.ok(frame::send(Some(&dialog), "o-1", "Here is your answer"))
        .await;

    let mut texts = Vec::new();
    let mut query = "?after=1&limit=3".to_owned();
    loop {
        let page = app.visitor_history(&vera.token, &query).await;
        texts.extend(
            page["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["text"].as_str().unwrap().to_owned()),
        );
        match page["next_after"].as_u64() {
            Some(after) => query = format!("?after={after}&limit=3"),
            None => break,
        }
    }
    assert_eq!(
        texts,
        ["Anna joined the dialog", "Here is your answer"],
        "pages of whispers only are skipped, not the end"
    );
    // A quiet client keeps its socket open with ping.
    let pong = vera
        .ws
        .ok(json!({ "action": "message", "op": "ping" }))
        .await;
    assert!(pong.get("message").is_none());
}
