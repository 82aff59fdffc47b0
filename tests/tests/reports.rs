//! Reports through the running local gateway: known dialogs run over real sockets (a visitor
//! writes, an operator replies after a known wait, closes), then the report, its CSV, the live
//! board and the operator card show exactly those counts; the waits are measured by the test's own
//! clock around them, so a figure is checked to lie between the wait and the whole exchange. An
//! operator without `view_reports` is refused. The console's side is in Chromium
//! (`web/e2e/console-reports.e2e.ts`).

use std::time::{Duration, Instant};

use parlor_core::domain::Day;
use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{TestApp, frame, start_dialog, storage, unique};

const WAIT_BEFORE_REPLY: Duration = Duration::from_millis(300);

/// The period around today (UTC): yesterday to tomorrow, so a run across midnight still holds it.
fn period() -> String {
    use parlor_core::ports::Clock;
    let today = Day::of(parlor_core::ports::SystemClock.now());
    let yesterday = Day::of(today.start() - 1);
    format!("from={yesterday}&to={}", today.next())
}

fn ms(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("a number: {v}"))
}

#[tokio::test]
async fn a_report_counts_the_dialogs_replies_and_time_in_each_state_exactly() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let bob = app.operator("Bob").await;
    let mut a = app.connect_operator(&anna).await;

    // Time in each state: away for at least 200 ms, then online (twice: the same state again
    // changes nothing), offline a moment, and online again: she still is, and a report counts
    // that time too, up to when it is read.
    app.set_status(&anna.token, "away").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let online_from = Instant::now();
    app.set_status(&anna.token, "online").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.set_status(&anna.token, "online").await;
    let offline_from = Instant::now();
    app.set_status(&anna.token, "offline").await;
    let online_for = online_from.elapsed();
    let still_online_from = Instant::now();
    app.set_status(&anna.token, "online").await;
    let offline_for = offline_from.elapsed();
    let online_again = Instant::now();

    // Vera's dialog: her first message waits WAIT_BEFORE_REPLY for Anna's reply (a first
    // response), then a second exchange (a reply, not a first response); Anna closes it answered.
    let mut vera = app.visitor("Vera").await;
    let asked = Instant::now();
    let first = start_dialog(&mut vera, "where is my parcel?").await;
    a.ok(frame::join(&first)).await;
    tokio::time::sleep(WAIT_BEFORE_REPLY).await;
    a.ok(frame::send(Some(&first), &unique("c"), "on its way"))
        .await;
    let first_exchange = asked.elapsed();
    vera.ws
        .ok(frame::send(Some(&first), &unique("c"), "when?"))
        .await;
    a.ok(frame::send(Some(&first), &unique("c"), "tomorrow"))
        .await;
    // A whisper answers nobody.
    a.ok(frame::whisper(&first, &unique("c"), "easy one")).await;
    a.ok(frame::close(&first)).await;

    // Olek's dialog: Anna takes it and closes it without a word: missed.
    let mut olek = app.visitor("Olek").await;
    let second = start_dialog(&mut olek, "hello?").await;
    a.ok(frame::join(&second)).await;
    a.ok(frame::close(&second)).await;

    // Wanda waits, nobody has joined: the live board shows her.
    let mut wanda = app.visitor("Wanda").await;
    start_dialog(&mut wanda, "anyone there?").await;

    let online_before_report = online_again.elapsed();
    let report = app.get(&format!("/api/reports?{}", period()), &admin).await;
    let online_until_report = still_online_from.elapsed();
    let operators = report["operators"].as_array().unwrap();
    let of = |id: &str| {
        operators
            .iter()
            .find(|o| o["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {report}"))
    };
    let total = &of(&anna.id)["total"];
    assert_eq!(total["closed"], 2, "{total}");
    assert_eq!(total["replies"], 2, "{total}");
    assert_eq!(total["first_responses"], 1, "{total}");
    assert_eq!(total["missed"], 1, "the dialog closed unanswered: {total}");
    let first_response = ms(&total["first_response_ms"]);
    assert!(
        first_response >= WAIT_BEFORE_REPLY.as_millis() as u64
            && first_response <= first_exchange.as_millis() as u64,
        "{first_response} ms between the wait and the exchange ({first_exchange:?})"
    );
    assert!(ms(&total["reply_ms"]) >= first_response, "{total}");
    assert!(ms(&total["away_ms"]) >= 200, "{total}");
    let online = ms(&total["online_ms"]);
    let (least, most) = (
        100 + online_before_report.as_millis() as u64,
        (online_for + online_until_report).as_millis() as u64,
    );
    assert!(
        online >= least && online <= most,
        "{online} ms online: the span that ended and the one under way, {least} to {most} ms"
    );
    assert!(
        ms(&total["offline_ms"]) <= offline_for.as_millis() as u64,
        "{total}"
    );
    assert_eq!(
        total["no_console_ms"], 0,
        "her console stayed connected: {total}"
    );
    assert!(ms(&total["resolution_ms"]) >= WAIT_BEFORE_REPLY.as_millis() as u64);
    // Bob did nothing; the team is Anna's figures (the admin's status never changed).
    assert_eq!(of(&bob.id)["days"], json!([]));
    assert_eq!(of(&bob.id)["total"]["closed"], 0);
    assert_eq!(report["team"]["total"], *total, "{report}");

    // The same figures as CSV, with a header row.
    let request = http::Request::get(app.url(&format!("/api/reports.csv?{}", period())))
        .header("authorization", format!("Bearer {admin}"))
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let csv = storage::send(request).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment")),
    );
    let text = String::from_utf8(csv.body.to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("operator_id,operator,day,online_s")
    );
    let annas_total = lines
        .find(|l| l.starts_with(&format!("{},Anna,total,", anna.id)))
        .unwrap_or_else(|| panic!("Anna's total in {text}"));
    let cells: Vec<&str> = annas_total.split(',').collect();
    assert_eq!(
        (cells[7], cells[9], cells[11], cells[13]),
        ("2", "1", "2", "1"),
        "{annas_total}"
    );

    // The live board: Wanda's dialog is open and waiting; Anna's load is nothing (both of hers
    // are closed) until she joins Wanda's.
    let live = app.get("/api/reports/live", &admin).await;
    assert_eq!(
        (
            live["open"].clone(),
            live["waiting"].clone(),
            live["queued"].clone()
        ),
        (json!(1), json!(1), json!(0)),
        "{live}"
    );
    let annas = |live: &Value| {
        live["operators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == anna.id.as_str())
            .cloned()
            .unwrap()
    };
    assert_eq!(annas(&live)["load"], 0);
    assert_eq!(annas(&live)["available"], true);
    let third = app.get("/api/dialogs?status=open", &admin).await["dialogs"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    a.ok(frame::join(&third)).await;
    let live = app.get("/api/reports/live", &admin).await;
    assert_eq!(
        (live["waiting"].clone(), annas(&live)["load"].clone()),
        (json!(0), json!(1))
    );

    // The operator card: Anna's own figures for her, and for the admin; Bob sees her status and
    // load only, and his own figures.
    let path = format!("/api/reports/operators/{}/today", anna.id);
    let own = app.get(&path, &anna.token).await;
    assert_eq!(own["load"], 1);
    assert_eq!(own["operator"]["status"], "online");
    let today_closed = ms(&own["today"]["closed"]);
    assert!(today_closed <= 2, "{own}");
    // The admin reads the same figures, a moment later: her time online under way has grown.
    let (mut for_admin, mut for_her) = (
        app.get(&path, &admin).await["today"].clone(),
        own["today"].clone(),
    );
    let (later, earlier) = (ms(&for_admin["online_ms"]), ms(&for_her["online_ms"]));
    assert!(
        later >= earlier && earlier > 0,
        "{later} ms after {earlier} ms"
    );
    for_admin.as_object_mut().unwrap().remove("online_ms");
    for_her.as_object_mut().unwrap().remove("online_ms");
    assert_eq!(for_admin, for_her);
    let seen_by_bob = app.get(&path, &bob.token).await;
    assert_eq!(seen_by_bob["load"], 1);
    assert!(seen_by_bob.get("today").is_none(), "{seen_by_bob}");
    let bobs_own = app
        .get(
            &format!("/api/reports/operators/{}/today", bob.id),
            &bob.token,
        )
        .await;
    assert_eq!(bobs_own["today"]["closed"], 0, "{bobs_own}");

    // Without the right, Bob gets no report, CSV or live board.
    for path in [
        format!("/api/reports?{}", period()),
        format!("/api/reports.csv?{}", period()),
        "/api/reports/live".to_owned(),
    ] {
        let (status, refused) = app.request("GET", &path, Some(&bob.token), None).await;
        assert_eq!(status, 403, "{path}: {refused}");
        assert_eq!(refused["error"]["code"], "forbidden");
    }
}

#[tokio::test]
async fn a_period_must_be_days_in_order_and_at_most_366_of_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for query in [
        "from=2026-02-01&to=2026-01-31",
        "from=2024-01-01&to=2025-01-01",
        "from=2026-02-30&to=2026-03-01",
        "from=yesterday&to=2026-03-01",
        "from=2026-01-01",
    ] {
        let (status, v) = app
            .request("GET", &format!("/api/reports?{query}"), Some(&admin), None)
            .await;
        assert_eq!(status, 400, "{query}: {v}");
        assert_eq!(v["error"]["code"], "invalid_request", "{query}");
    }
    let year = app
        .get("/api/reports?from=2024-01-01&to=2024-12-31", &admin)
        .await;
    assert_eq!(year["from"], "2024-01-01");
    assert_eq!(year["team"]["days"], json!([]));
    let (status, v) = app
        .request(
            "GET",
            "/api/reports/operators/op_nobody/today",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (404, json!("operator_not_found"))
    );
}
