//! Robustness: generated frames, valid and broken, through the same entry points API Gateway
//! calls (`entrypoints::ws::frames::handle_frame` per route, `handle_unroutable` for `$default`), against a real App on
//! SQLite. No frame may panic; every frame gets exactly one answer to its sender, an `ack` or a
//! typed `error` that echoes its `request_id` when it had a usable one; none is `internal`.

use crate::push::RecordingPush;
use crate::rng::Rng;
use parlor_core::adapters::sqlite::SqliteStore;
use parlor_core::app::{App, ConnectRequest, Settings, VisitorSessionRequest};
use parlor_core::auth::Signer;
use parlor_core::entrypoints::ws::frames;
use parlor_core::ids::ConnectionId;
use parlor_core::protocol::Route;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct FuzzReport {
    pub frames: usize,
    pub acks: usize,
    /// Typed refusals, by code.
    pub errors: BTreeMap<String, usize>,
    /// Frames that broke a rule, with the rule: empty when all is well.
    pub failures: Vec<String>,
}

pub async fn run(frames: usize, seed: u64) -> Result<FuzzReport, String> {
    let store = Arc::new(SqliteStore::in_memory().map_err(|e| e.to_string())?);
    let push = Arc::new(RecordingPush::default());
    let signer = Signer::new(vec![7u8; 32])?;
    // Limits off: a sender refused for going too fast would keep most frames from the use-cases.
    let settings = Settings {
        limits: parlor_core::domain::Limits::off(),
        ..Settings::default()
    };
    let app = Arc::new(App::new(store, push.clone(), signer, settings));
    let (site, admin, _) = app
        .sessions
        .bootstrap("admin@parlor.fuzz", "fuzz-admin-password", Vec::new())
        .await
        .map_err(|e| e.to_string())?;
    let ticket = app
        .sessions
        .issue_ticket(&admin, None)
        .await
        .map_err(|e| e.to_string())?;
    let operator = ConnectionId::parse("operatorConn=").map_err(|e| e.to_string())?;
    let connect = |id: &ConnectionId| ConnectRequest {
        connection_id: Some(id.as_str().to_owned()),
        ..ConnectRequest::default()
    };
    app.sessions
        .connect(ConnectRequest {
            ticket: Some(ticket.id.clone()),
            ..connect(&operator)
        })
        .await
        .map_err(|e| e.to_string())?;
    let session = VisitorSessionRequest {
        site_key: site.key.clone(),
        token: None,
        name: Some("Fuzz".into()),
        email: None,
        phone: None,
        source: None,
        user_id: None,
        user_hash: None,
    };
    let session = app
        .sessions
        .visitor_session(session, None, None)
        .await
        .map_err(|e| e.to_string())?;
    let visitor = ConnectionId::parse("visitorConn=").map_err(|e| e.to_string())?;
    app.sessions
        .connect(ConnectRequest {
            visitor_token: Some(session.token.clone()),
            ..connect(&visitor)
        })
        .await
        .map_err(|e| e.to_string())?;
    let first = json!({"action": "message", "op": "send", "request_id": "r0", "client_id": "c0", "text": "hello"}).to_string();
    frames::handle_frame(&app, &visitor, Route::Message, &first)
        .await
        .map_err(|e| e.to_string())?;
    let dialog = push.take().iter().find_map(|(_, p)| {
        let v: Value = serde_json::from_str(p).ok()?;
        v["message"]["dialog_id"].as_str().map(str::to_owned)
    });
    let dialog = dialog.ok_or("the first message created no dialog")?;
    let ids = Ids {
        dialog,
        operator: admin.id.as_str().to_owned(),
    };

    let mut rng = Rng::new(seed);
    let mut report = FuzzReport::default();
    for n in 0..frames {
        let (conn, who) = if rng.chance(50) {
            (&visitor, "visitor")
        } else {
            (&operator, "operator")
        };
        let body = frame(&mut rng, &ids, n);
        let route = match rng.below(10) {
            0 => None,
            1 => Some(*rng.pick(&[Route::Message, Route::Assign, Route::Close])),
            _ => Some(Route::select(&body)),
        };
        let (app2, conn2, body2) = (app.clone(), conn.clone(), body.clone());
        let outcome = tokio::spawn(async move {
            match route {
                None => frames::handle_unroutable(&app2, &conn2, &body2).await,
                Some(r) => frames::handle_frame(&app2, &conn2, r, &body2).await,
            }
        })
        .await;
        report.frames += 1;
        let shown = || {
            format!(
                "{who} frame #{n} (seed {seed}): {}",
                body.chars().take(300).collect::<String>()
            )
        };
        match outcome {
            Err(e) if e.is_panic() => {
                report.failures.push(format!("panic on {}", shown()));
                continue;
            }
            Err(e) => return Err(e.to_string()),
            Ok(Err(e)) => report
                .failures
                .push(format!("infrastructure error {e} on {}", shown())),
            Ok(Ok(())) => {}
        }
        // Other connections may get events; the sender gets exactly one answer: ack or error.
        let answers: Vec<Value> = push
            .take()
            .into_iter()
            .filter(|(to, _)| to == conn.as_str())
            .filter_map(|(_, p)| serde_json::from_str::<Value>(&p).ok())
            .filter(|v| v["type"] == "ack" || v["type"] == "error")
            .collect();
        let [answer] = answers.as_slice() else {
            report
                .failures
                .push(format!("{} answers on {}", answers.len(), shown()));
            continue;
        };
        if answer["request_id"].as_str().map(str::to_owned) != usable_request_id(&body) {
            report.failures.push(format!("the answer {answer} does not echo the request_id exactly (absent when the frame had no usable one) on {}", shown()));
        }
        match answer["type"].as_str() {
            Some("ack") => report.acks += 1,
            _ => {
                let code = answer["code"].as_str().unwrap_or("(none)").to_owned();
                if code == "internal" || code == "(none)" {
                    report
                        .failures
                        .push(format!("error {answer} on {}", shown()));
                }
                *report.errors.entry(code).or_default() += 1;
            }
        }
    }
    Ok(report)
}

/// The request id the server must echo: a string of 1 to 128 characters in a JSON object.
fn usable_request_id(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let rid = v.as_object()?.get("request_id")?.as_str()?;
    (!rid.is_empty() && rid.chars().count() <= 128).then(|| rid.to_owned())
}

struct Ids {
    dialog: String,
    operator: String,
}

const OPS: &[(&str, &str)] = &[
    ("message", "send"),
    ("message", "whisper"),
    ("message", "typing"),
    ("message", "read"),
    ("message", "mark_unread"),
    ("message", "ping"),
    ("assign", "join"),
    ("assign", "leave"),
    ("assign", "transfer"),
    ("close", "close"),
    ("close", "reopen"),
];

/// One frame: mostly well-formed with odd values, some with wrong types, missing or extra fields,
/// some not JSON at all.
fn frame(rng: &mut Rng, ids: &Ids, n: usize) -> String {
    match rng.below(20) {
        0 => return garbage(rng),
        1 => {
            let valid = frame(rng, ids, n);
            let cut = rng.below(valid.len().max(1));
            return valid.chars().take(cut).collect();
        }
        2 => {
            return format!(
                "{}{}{}",
                "[".repeat(rng.below(200)),
                rng.below(10),
                "]".repeat(rng.below(200))
            );
        }
        _ => {}
    }
    let &(action, op) = rng.pick(OPS);
    let mut f = serde_json::Map::new();
    f.insert(
        "action".into(),
        json!(if rng.chance(5) {
            *rng.pick(&["", "messages", "MESSAGE", "$default", "upload"])
        } else {
            action
        }),
    );
    f.insert(
        "op".into(),
        json!(if rng.chance(5) {
            *rng.pick(&["", "sendx", "delete", "join "])
        } else {
            op
        }),
    );
    f.insert(
        "request_id".into(),
        if rng.chance(90) {
            json!(format!("r{n}"))
        } else {
            odd_value(rng)
        },
    );
    match op {
        "send" | "whisper" => {
            f.insert(
                "client_id".into(),
                field(rng, |r| json!(format!("c{n}-{}", r.below(3)))),
            );
            f.insert("text".into(), field(rng, |r| json!(text(r))));
            if rng.chance(30) {
                f.insert("reply_to".into(), field(rng, |r| json!(r.below(50))));
            }
        }
        "typing" => {
            f.insert("typing".into(), field(rng, |r| json!(r.chance(50))));
        }
        "read" => {
            f.insert("up_to".into(), field(rng, |r| json!(r.next() % 1000)));
        }
        "transfer" => {
            f.insert("to".into(), field(rng, |_| json!(ids.operator)));
            if rng.chance(50) {
                f.insert("comment".into(), field(rng, |r| json!(text(r))));
            }
        }
        _ => {}
    }
    if op != "ping" && (rng.chance(70) || !matches!(op, "send" | "typing" | "read")) {
        let dialog = match rng.below(10) {
            0 => odd_value(rng),
            1 => json!("dlg_00000000000000000000000000"),
            _ => json!(ids.dialog),
        };
        f.insert("dialog_id".into(), dialog);
    }
    for _ in 0..rng.below(3).saturating_sub(1) {
        f.insert(format!("extra{}", rng.below(5)), odd_value(rng));
    }
    if rng.chance(5) {
        let key = f
            .keys()
            .nth(rng.below(f.len()))
            .cloned()
            .expect("not empty");
        f.remove(&key);
    }
    Value::Object(f).to_string()
}

/// Mostly the good value, sometimes an odd one in its place.
fn field(rng: &mut Rng, good: impl FnOnce(&mut Rng) -> Value) -> Value {
    if rng.chance(85) {
        good(rng)
    } else {
        odd_value(rng)
    }
}

fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(9) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(-(rng.below(1000) as i64)),
        3 => json!(f64::from(rng.below(1000) as u32) / 7.0),
        4 => json!(u64::MAX),
        5 => json!([1, "two", null]),
        6 => json!({"nested": {"deeper": [text(rng)]}}),
        7 => json!(""),
        _ => json!(text(rng)),
    }
}

fn text(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "hello",
        " ",
        "привет",
        "😀",
        "<script>alert(1)</script>",
        "\u{0}",
        "\n",
        "\u{202e}",
        "👩‍👩‍👧",
        "\"quoted\"",
        "\\",
    ];
    let len = match rng.below(10) {
        0 => 0,
        1 => 1990 + rng.below(30),
        2 => 3000,
        _ => rng.below(40),
    };
    let mut s = String::new();
    while s.chars().count() < len {
        let piece: &&str = rng.pick(PIECES);
        s.push_str(piece);
    }
    s.chars().take(len).collect()
}

fn garbage(rng: &mut Rng) -> String {
    let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
