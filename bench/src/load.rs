//! The load run: N dialogs, each a visitor and the operator who joined it, both writing at a set
//! rate over real WebSockets, against Parlor's local gateway or against a bare relay.

use crate::client::{Conn, Connector, Reader};
use crate::gateway::{ADMIN_EMAIL, ADMIN_PASSWORD, Gateway};
use crate::http::Http;
use crate::record::{From, Recorder, Verdict, settle};
use crate::relay::Relay;
use crate::rng::Rng;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Plan {
    pub dialogs: usize,
    pub operators: usize,
    /// Messages per second from each side of each dialog.
    pub rate: f64,
    pub seconds: f64,
    /// Characters per message.
    pub text_len: usize,
    /// Automatic distribution on: each first message is given to an operator by the server (room
    /// for every dialog: `max_active_chats` the dialogs per operator, at most 100), and only a
    /// dialog it queued is joined by hand.
    pub distribution: bool,
}

impl Plan {
    /// Messages each side of each dialog sends.
    pub fn ticks(&self) -> usize {
        (self.seconds * self.rate).round().max(1.0) as usize
    }

    /// Messages the whole run sends: both sides of every dialog.
    pub fn sends(&self) -> usize {
        self.dialogs * 2 * self.ticks()
    }
}

/// Both sides of every dialog, connected and ready.
pub struct Fleet {
    pub visitors: Vec<Conn>,
    pub operators: Vec<Conn>,
    pub dialog_ids: Vec<String>,
    pub recorder: Arc<Recorder>,
    pub setup: Duration,
}

pub struct Outcome {
    pub verdict: Verdict,
    pub elapsed: Duration,
    pub setup: Duration,
}

impl Outcome {
    pub fn throughput(&self) -> f64 {
        self.verdict.acked as f64 / self.elapsed.as_secs_f64()
    }
}

const SETUP_CONCURRENCY: usize = 32;

/// Signs the operators in, opens every dialog with a visitor's first message and has its operator join.
pub async fn parlor_fleet(gw: &Gateway, plan: &Plan) -> Result<Fleet, String> {
    let started = Instant::now();
    let http = Http::new(&format!("{}/api", gw.url));
    let recorder = Arc::new(Recorder::new(plan.operators));
    let admin = http
        .call(
            "POST",
            "/login",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
        )
        .await?;
    let admin = admin["token"]
        .as_str()
        .ok_or("login gave no token")?
        .to_owned();
    if plan.distribution {
        let max = plan.dialogs.div_ceil(plan.operators).clamp(1, 100);
        let body = json!({"distribution": true, "max_active_chats": max});
        http.call("PUT", "/workspace/handling", Some(&admin), Some(body))
            .await?;
    }
    let mut operators = Vec::new();
    let mut operator_ids = Vec::new();
    for j in 0..plan.operators {
        let email = format!("op{j}@parlor.bench");
        let password = format!("operator-{j}-password");
        let body = json!({"email": email, "name": format!("Operator {j}"), "password": password, "role": "operator"});
        let created = http
            .call("POST", "/operators", Some(&admin), Some(body))
            .await?;
        operator_ids.push(created["id"].as_str().unwrap_or_default().to_owned());
        let token = http
            .call(
                "POST",
                "/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await?;
        let token = token["token"]
            .as_str()
            .ok_or("login gave no token")?
            .to_owned();
        let connector = Connector::Operator {
            http: http.clone(),
            ws: gw.ws_url(),
            session: token,
            dialogs: Default::default(),
        };
        operators.push(Conn::open(connector, Reader::Operator(j), recorder.clone()).await?);
    }
    let ops = Arc::new(operators);
    let given = plan
        .distribution
        .then(|| Arc::new((admin.clone(), operator_ids)));
    let mut opened: Vec<Option<(Conn, String)>> = (0..plan.dialogs).map(|_| None).collect();
    for chunk in (0..plan.dialogs)
        .collect::<Vec<_>>()
        .chunks(SETUP_CONCURRENCY)
    {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let (http, ops, rec, ws, site, given) = (
                    http.clone(),
                    ops.clone(),
                    recorder.clone(),
                    gw.ws_url(),
                    gw.site_key.clone(),
                    given.clone(),
                );
                tokio::spawn(async move {
                    let given = given
                        .as_deref()
                        .map(|(admin, ids)| (admin.as_str(), ids.as_slice()));
                    open_dialog(i, &http, &ops, rec, &ws, &site, given).await
                })
            })
            .collect();
        for (&i, t) in chunk.iter().zip(tasks) {
            opened[i] = Some(t.await.map_err(|e| e.to_string())??);
        }
    }
    let (visitors, dialog_ids) = opened
        .into_iter()
        .map(|o| o.expect("every dialog opened"))
        .unzip();
    let operators = Arc::try_unwrap(ops).map_err(|_| "operators still shared")?;
    Ok(Fleet {
        visitors,
        operators,
        dialog_ids,
        recorder,
        setup: started.elapsed(),
    })
}

/// `given`: with distribution on, the admin's token and the operators' ids, to learn whom the
/// server gave the dialog to.
async fn open_dialog(
    i: usize,
    http: &Http,
    ops: &[Conn],
    rec: Arc<Recorder>,
    ws: &str,
    site: &str,
    given: Option<(&str, &[String])>,
) -> Result<(Conn, String), String> {
    let connector = Connector::Visitor {
        http: http.clone(),
        ws: ws.to_owned(),
        site_key: site.to_owned(),
        name: format!("Visitor {i}"),
        token: Default::default(),
        dialog: Default::default(),
    };
    let visitor = Conn::open(connector, Reader::Visitor(i), rec.clone()).await?;
    let first = json!({"action": "message", "op": "send", "request_id": format!("first-{i}"), "client_id": format!("first-{i}"), "text": "hello"});
    let ack = visitor.request(first).await?;
    let dialog = ack["message"]["dialog_id"]
        .as_str()
        .ok_or("the first message's ack names no dialog")?
        .to_owned();
    rec.register_dialog(&dialog, i);
    if let Connector::Visitor { dialog: d, .. } = visitor.connector() {
        *d.lock().expect("not poisoned") = Some(dialog.clone());
    }
    let assignee = match given {
        Some((admin, ids)) => {
            let stored = http
                .call("GET", &format!("/dialogs/{dialog}"), Some(admin), None)
                .await?;
            let id = stored["assignee"]["id"].as_str().unwrap_or_default();
            ids.iter().position(|o| o == id)
        }
        None => None,
    };
    let operator = match assignee {
        Some(j) => {
            rec.given_to(i, j);
            &ops[j]
        }
        None => {
            let operator = &ops[rec.owner(i)];
            let join = json!({"action": "assign", "op": "join", "request_id": format!("join-{i}"), "dialog_id": dialog});
            operator.request(join).await?;
            operator
        }
    };
    if let Connector::Operator { dialogs, .. } = operator.connector() {
        dialogs.lock().expect("not poisoned").push(dialog.clone());
    }
    Ok((visitor, dialog))
}

/// Connects both sides of every dialog to the relay.
pub async fn relay_fleet(relay: &Relay, plan: &Plan) -> Result<Fleet, String> {
    let started = Instant::now();
    let recorder = Arc::new(Recorder::new(plan.operators));
    let mut operators = Vec::new();
    for j in 0..plan.operators {
        operators.push(
            Conn::open(
                Connector::Fixed(relay.operator_url(j)),
                Reader::Operator(j),
                recorder.clone(),
            )
            .await?,
        );
    }
    let mut visitors = Vec::new();
    let mut dialog_ids = Vec::new();
    for i in 0..plan.dialogs {
        let id = format!("d{i}");
        recorder.register_dialog(&id, i);
        let url = relay.visitor_url(i, recorder.owner(i));
        visitors
            .push(Conn::open(Connector::Fixed(url), Reader::Visitor(i), recorder.clone()).await?);
        dialog_ids.push(id);
    }
    Ok(Fleet {
        visitors,
        operators,
        dialog_ids,
        recorder,
        setup: started.elapsed(),
    })
}

/// Every side of every dialog writes at `plan.rate` for `plan.seconds`, with a random phase; then
/// waits for the last acks and deliveries and judges the run.
pub async fn run(fleet: &Fleet, plan: &Plan, seed: u64) -> Outcome {
    let elapsed = drive(fleet, plan, seed).await;
    settle(&fleet.recorder, Duration::from_secs(10)).await;
    Outcome {
        verdict: fleet.recorder.verdict(),
        elapsed,
        setup: fleet.setup,
    }
}

/// The senders alone: returns when the last one has sent its last message.
pub async fn drive(fleet: &Fleet, plan: &Plan, seed: u64) -> Duration {
    let text: String = "x".repeat(plan.text_len.max(1));
    let period = Duration::from_secs_f64(1.0 / plan.rate);
    let ticks = plan.ticks();
    let mut rng = Rng::new(seed);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, dialog) in fleet.dialog_ids.iter().enumerate() {
        for from in [From::Visitor, From::Operator] {
            let conn = match from {
                From::Visitor => fleet.visitors[i].clone(),
                From::Operator => fleet.operators[fleet.recorder.owner(i)].clone(),
            };
            let phase = period.mul_f64(rng.unit());
            let (rec, text, dialog) = (fleet.recorder.clone(), text.clone(), dialog.clone());
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(phase).await;
                let mut every = tokio::time::interval(period);
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                for n in 0..ticks {
                    every.tick().await;
                    let client_id = format!("{}{i}-{n}", if from == From::Visitor { "v" } else { "o" });
                    let mut frame = json!({"action": "message", "op": "send", "request_id": client_id, "client_id": client_id, "text": text});
                    if from == From::Operator {
                        frame["dialog_id"] = Value::String(dialog.clone());
                    }
                    rec.sent(client_id.clone(), i, from);
                    conn.send(&client_id, frame);
                }
            }));
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    started.elapsed()
}

impl Fleet {
    pub fn all(&self) -> impl Iterator<Item = &Conn> {
        self.visitors.iter().chain(&self.operators)
    }

    pub fn close(&self) {
        for c in self.visitors.iter().chain(&self.operators) {
            c.close();
        }
    }
}
