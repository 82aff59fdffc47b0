//! Cost per message: what one visitor message and one operator message cost in DynamoDB capacity
//! (as DynamoDB Local reports it: every call asks for `ReturnConsumedCapacity=TOTAL`), Management
//! API posts and function invocations, as online operators and open dialogs grow. The real App
//! runs in-process on a DynamoDB Local table; only the push is a counter (no sockets to post to).
//!
//! Cost per visit ([`visits`]): the same meter on what a page view, a connection and a keep-alive
//! cost when nobody writes: the widget's HTTP calls through the real HTTP router (served on a
//! loopback port), `$connect`, `$disconnect` and `ping` through the entry points API Gateway's events reach,
//! and the operator console's ticket, connection, pings and catch-up.

use crate::dynamo_local::DynamoLocal;
use crate::http::Http;
use crate::push::RecordingPush;
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{BehaviorVersion, ConfigBag, Intercept, Region, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::{
    batch_get_item::{BatchGetItemInput, BatchGetItemOutput},
    batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput},
    delete_item::{DeleteItemError, DeleteItemInput, DeleteItemOutput},
    get_item::{GetItemInput, GetItemOutput},
    put_item::{PutItemError, PutItemInput, PutItemOutput},
    query::{QueryInput, QueryOutput},
    transact_write_items::{TransactWriteItemsInput, TransactWriteItemsOutput},
    update_item::{UpdateItemError, UpdateItemInput, UpdateItemOutput},
};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use parlor_core::adapters::dynamo::DynamoStore;
use parlor_core::app::{App, ConnectRequest, Settings, VisitorSessionRequest};
use parlor_core::auth::Signer;
use parlor_core::domain::{Limits, Rate, Role};
use parlor_core::entrypoints::ws::frames;
use parlor_core::ids::{ConnectionId, SiteKey};
use parlor_core::protocol::Route;
use serde_json::json;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Read and write capacity units consumed, as DynamoDB reports them, plus what DynamoDB charges
/// and DynamoDB Local does not report (`minimums`, `failed_writes`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Units {
    /// Includes `minimums`.
    pub read: f64,
    /// Includes one unit for each failed conditional write (see `failed_writes`).
    pub write: f64,
    pub calls: f64,
    /// Read units DynamoDB charges as a minimum and DynamoDB Local reports as 0: a Query that finds
    /// nothing (0.5, or 1 strongly consistent) and each key of a BatchGetItem that finds nothing (the
    /// same per key). The meter charges every read at least that.
    pub minimums: f64,
    /// Conditional writes whose condition failed. DynamoDB charges them (the size of the item, at
    /// least one unit) but its error answer carries no consumed capacity, so the meter counts one
    /// write unit each: every item such a write touches here is under 1 KB.
    pub failed_writes: f64,
    /// Calls whose capacity the meter cannot read: any makes the measurement wrong.
    pub unmetered: usize,
}

impl Units {
    fn per(self, samples: usize) -> Units {
        let n = samples as f64;
        Units {
            read: self.read / n,
            write: self.write / n,
            calls: self.calls / n,
            minimums: self.minimums / n,
            failed_writes: self.failed_writes / n,
            unmetered: self.unmetered,
        }
    }
}

#[derive(Debug, Default)]
struct MeterState {
    units: Units,
    /// The least each read in flight is charged, in the order they were sent, by operation.
    floors: VecDeque<(&'static str, f64)>,
}

/// Counts what every DynamoDB call consumed. Reads are matched to the floor computed from their
/// input in the order they were sent, per operation: the flows measured here make their store calls
/// one after another.
#[derive(Debug, Default, Clone)]
struct Meter(Arc<Mutex<MeterState>>);

impl Meter {
    fn take(&self) -> Units {
        std::mem::take(&mut self.0.lock().expect("not poisoned").units)
    }

    fn add(&self, op: &'static str, write: bool, capacity: &[ConsumedCapacity]) {
        let reported: f64 = capacity
            .iter()
            .map(|c| c.capacity_units().unwrap_or_default())
            .sum();
        let mut state = self.0.lock().expect("not poisoned");
        let floor = if write { 0.0 } else { state.take_floor(op) };
        let units = reported.max(floor);
        if trace() {
            let unit = if write { "WRU" } else { "RRU" };
            eprintln!("  dynamodb: {op} {reported} {unit} reported, {units} counted");
        }
        let u = &mut state.units;
        u.calls += 1.0;
        if write {
            u.write += units;
        } else {
            u.read += units;
            u.minimums += units - reported;
        }
    }

    /// A write refused by its condition: charged, but reported without capacity.
    fn failed_write(&self, op: &'static str) {
        if trace() {
            eprintln!("  dynamodb: {op} refused by its condition, 1 WRU counted");
        }
        let u = &mut self.0.lock().expect("not poisoned").units;
        u.calls += 1.0;
        u.write += 1.0;
        u.failed_writes += 1.0;
    }

    fn sent_read(&self, op: &'static str, floor: f64) {
        self.0
            .lock()
            .expect("not poisoned")
            .floors
            .push_back((op, floor));
    }
}

impl MeterState {
    fn take_floor(&mut self, op: &'static str) -> f64 {
        let at = self.floors.iter().position(|(o, _)| *o == op);
        at.and_then(|i| self.floors.remove(i))
            .map_or(0.0, |(_, f)| f)
    }
}

/// `PARLOR_BENCH_TRACE=1`: every metered call on stderr, with its input and its units.
fn trace() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PARLOR_BENCH_TRACE").is_some_and(|v| v == "1"))
}

/// The least DynamoDB charges a read: 0.5 RRU eventually consistent, 1 strongly consistent.
fn least(consistent: Option<bool>) -> f64 {
    if consistent == Some(true) { 1.0 } else { 0.5 }
}

macro_rules! ask_capacity {
    ($input:expr, $($t:ty),+) => {
        $(if let Some(i) = $input.downcast_mut::<$t>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Total);
        })+
    };
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "ParlorCapacityMeter"
    }

    fn modify_before_serialization(
        &self,
        ctx: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = ctx.input_mut();
        if trace() {
            eprintln!("  dynamodb: {input:?}");
        }
        if let Some(i) = input.downcast_ref::<GetItemInput>() {
            self.sent_read("GetItem", least(i.consistent_read));
        } else if let Some(i) = input.downcast_ref::<QueryInput>() {
            self.sent_read("Query", least(i.consistent_read));
        } else if let Some(i) = input.downcast_ref::<BatchGetItemInput>() {
            let floor = i
                .request_items
                .iter()
                .flatten()
                .map(|(_, k)| k.keys.len() as f64 * least(k.consistent_read))
                .sum();
            self.sent_read("BatchGetItem", floor);
        }
        ask_capacity!(
            input,
            GetItemInput,
            QueryInput,
            BatchGetItemInput,
            PutItemInput,
            UpdateItemInput,
            DeleteItemInput,
            TransactWriteItemsInput,
            BatchWriteItemInput
        );
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let out = match ctx.output_or_error() {
            Ok(out) => out,
            Err(e) => {
                let e = e.as_operation_error();
                let refused = |op: &'static str, failed: bool| failed.then_some(op);
                let failed_write = e.and_then(|e| {
                    (e.downcast_ref::<UpdateItemError>().and_then(|e| {
                        refused("UpdateItem", e.is_conditional_check_failed_exception())
                    }))
                    .or_else(|| {
                        e.downcast_ref::<PutItemError>().and_then(|e| {
                            refused("PutItem", e.is_conditional_check_failed_exception())
                        })
                    })
                    .or_else(|| {
                        e.downcast_ref::<DeleteItemError>().and_then(|e| {
                            refused("DeleteItem", e.is_conditional_check_failed_exception())
                        })
                    })
                });
                match failed_write {
                    Some(op) => self.failed_write(op),
                    None => self.0.lock().expect("not poisoned").units.unmetered += 1,
                }
                return Ok(());
            }
        };
        let one = |c: Option<&ConsumedCapacity>| c.cloned().into_iter().collect::<Vec<_>>();
        if let Some(o) = out.downcast_ref::<GetItemOutput>() {
            self.add("GetItem", false, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<QueryOutput>() {
            self.add("Query", false, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<BatchGetItemOutput>() {
            self.add("BatchGetItem", false, o.consumed_capacity());
        } else if let Some(o) = out.downcast_ref::<PutItemOutput>() {
            self.add("PutItem", true, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<UpdateItemOutput>() {
            self.add("UpdateItem", true, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<DeleteItemOutput>() {
            self.add("DeleteItem", true, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<TransactWriteItemsOutput>() {
            self.add("TransactWriteItems", true, o.consumed_capacity());
        } else if let Some(o) = out.downcast_ref::<BatchWriteItemOutput>() {
            self.add("BatchWriteItem", true, o.consumed_capacity());
        } else {
            self.0.lock().expect("not poisoned").units.unmetered += 1;
        }
        Ok(())
    }
}

/// The cost of one message of each side, averaged over `samples` sends.
#[derive(Debug)]
pub struct Cost {
    pub visitor: (Units, f64),
    pub operator: (Units, f64),
}

/// The real App on a fresh DynamoDB Local table, every call metered, every push counted.
async fn metered_app(
    local: &DynamoLocal,
    table: &str,
) -> Result<(Arc<App>, Meter, Arc<RecordingPush>), String> {
    let meter = Meter::default();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(local.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "parlorbench",
            "parlorbench",
            None,
            None,
            "parlor-bench",
        ))
        .interceptor(meter.clone())
        .http_client(parlor_core::adapters::https_client())
        .build();
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        format!("{table}-{}", std::process::id()),
    );
    store.create_table().await.map_err(|e| e.to_string())?;
    let push = Arc::new(RecordingPush::default());
    let app = App::new(
        Arc::new(store),
        push.clone(),
        Signer::new(vec![9u8; 32])?,
        Settings {
            limits: counted_but_never_reached(),
            ..Settings::default()
        },
    );
    Ok((Arc::new(app), meter, push))
}

/// The limits as deployed, so their counters are metered with the rest, with room enough that
/// no measured message or socket is refused.
fn counted_but_never_reached() -> Limits {
    let plenty = |r: Rate| Rate {
        max: 1_000_000,
        ..r
    };
    let d = Limits::default();
    Limits {
        messages_per_second: plenty(d.messages_per_second),
        messages_per_minute: plenty(d.messages_per_minute),
        socket_opens: plenty(d.socket_opens),
        sockets_per_visitor: 1_000_000,
        ..d
    }
}

fn err(e: parlor_core::app::AppError) -> String {
    e.to_string()
}

/// Visitor `i` of the site: a session, a socket, and a first message that opens a dialog.
async fn visitor_writes_first(app: &App, site: &SiteKey, i: usize) -> Result<ConnectionId, String> {
    let req = VisitorSessionRequest {
        site_key: site.clone(),
        token: None,
        name: Some(format!("Visitor {i}")),
        email: None,
        phone: None,
        source: None,
        user_id: None,
        user_hash: None,
    };
    let session = app
        .sessions
        .visitor_session(req, None, None)
        .await
        .map_err(err)?;
    let conn = ConnectionId::parse(&format!("v{i}=")).map_err(|e| e.to_string())?;
    app.sessions
        .connect(ConnectRequest {
            connection_id: Some(conn.as_str().into()),
            visitor_token: Some(session.token),
            ..ConnectRequest::default()
        })
        .await
        .map_err(err)?;
    let first = json!({"action": "message", "op": "send", "request_id": "r", "client_id": format!("first-{i}"), "text": "hello"});
    frames::handle_frame(app, &conn, Route::Message, &first.to_string())
        .await
        .map_err(err)?;
    Ok(conn)
}

/// `count` operators with a console connected each, the admin first.
async fn operators_online(
    app: &App,
    admin: &parlor_core::domain::Operator,
    count: usize,
) -> Result<Vec<ConnectionId>, String> {
    let mut conns = Vec::new();
    for j in 0..count {
        let op = if j == 0 {
            admin.clone()
        } else {
            app.sessions
                .create_operator(
                    &admin.workspace,
                    &format!("op{j}@parlor.cost"),
                    &format!("Operator {j}"),
                    Role::Operator,
                    "operator-password",
                )
                .await
                .map_err(err)?
        };
        let ticket = app.sessions.issue_ticket(&op, None).await.map_err(err)?;
        let conn = ConnectionId::parse(&format!("op{j}=")).map_err(|e| e.to_string())?;
        app.sessions
            .connect(ConnectRequest {
                connection_id: Some(conn.as_str().into()),
                ticket: Some(ticket.id),
                ..ConnectRequest::default()
            })
            .await
            .map_err(err)?;
        conns.push(conn);
    }
    Ok(conns)
}

pub async fn measure(
    local: &DynamoLocal,
    operators: usize,
    dialogs: usize,
    samples: usize,
) -> Result<Cost, String> {
    let (app, meter, push) =
        metered_app(local, &format!("parlor-cost-{operators}-{dialogs}")).await?;
    let (site, admin, _) = app
        .sessions
        .bootstrap("admin@parlor.cost", "cost-admin-password", Vec::new())
        .await
        .map_err(err)?;
    let op_conns = operators_online(&app, &admin, operators).await?;
    let mut measured = None;
    let mut dialog_id = String::new();
    for i in 0..dialogs {
        let conn = visitor_writes_first(&app, &site.key, i).await?;
        let posts = push.take();
        if i == 0 {
            let (_, last) = posts.last().ok_or("the first message was posted nowhere")?;
            let last: serde_json::Value = serde_json::from_str(last).map_err(|e| e.to_string())?;
            dialog_id = last["message"]["dialog_id"]
                .as_str()
                .ok_or("the first message named no dialog")?
                .to_owned();
            measured = Some(conn);
        }
    }
    let visitor = measured.ok_or("no dialog")?;
    // The measured dialog: the first visitor's, joined by the first operator.
    let join = json!({"action": "assign", "op": "join", "request_id": "j", "dialog_id": dialog_id});
    frames::handle_frame(&app, &op_conns[0], Route::Assign, &join.to_string())
        .await
        .map_err(err)?;

    let mut per_side = Vec::new();
    for side in ["visitor", "operator"] {
        meter.take();
        push.take();
        for n in 0..samples {
            let mut frame = json!({"action": "message", "op": "send", "request_id": format!("{side}-{n}"), "client_id": format!("{side}-{n}"), "text": "A typical chat message of about eighty characters, give or take a few words."});
            let conn = if side == "visitor" {
                &visitor
            } else {
                frame["dialog_id"] = json!(dialog_id);
                &op_conns[0]
            };
            frames::handle_frame(&app, conn, Route::Message, &frame.to_string())
                .await
                .map_err(err)?;
        }
        let u = meter.take();
        if u.unmetered > 0 {
            return Err(format!(
                "{} DynamoDB calls of an operation the meter does not read: add it to Meter",
                u.unmetered
            ));
        }
        per_side.push((u.per(samples), push.take().len() as f64 / samples as f64));
    }
    Ok(Cost {
        visitor: per_side[0],
        operator: per_side[1],
    })
}

/// What one call of a visit or of an operator's day consumed, averaged over the samples.
#[derive(Debug)]
pub struct Step {
    pub name: String,
    /// The Lambda function that runs it: `http-api`, or the WebSocket route's.
    pub function: &'static str,
    /// Function invocations: one per HTTP request or WebSocket event.
    pub invocations: usize,
    /// HTTP API requests (0 for a WebSocket event).
    pub http_requests: usize,
    /// WebSocket messages the client sends (a frame); what the functions post are `pushes`.
    pub frames_in: usize,
    pub units: Units,
    pub pushes: f64,
    /// The median time of one call here, on DynamoDB Local: not what Lambda bills.
    pub median: Duration,
}

/// Meters a run of calls, one step at a time.
struct Steps<'a> {
    meter: &'a Meter,
    push: &'a RecordingPush,
    samples: usize,
    times: Vec<Duration>,
    done: Vec<Step>,
}

impl Steps<'_> {
    fn start(&mut self) {
        self.meter.take();
        self.push.take();
        self.times.clear();
    }

    async fn timed<T>(
        &mut self,
        call: impl Future<Output = Result<T, String>>,
    ) -> Result<T, String> {
        let t = Instant::now();
        let out = call.await?;
        self.times.push(t.elapsed());
        Ok(out)
    }

    fn finish(
        &mut self,
        name: impl Into<String>,
        function: &'static str,
        http_requests: usize,
        frames_in: usize,
    ) -> Result<(), String> {
        let name = name.into();
        let u = self.meter.take();
        if trace() {
            eprintln!("^ {name}");
        }
        if u.unmetered > 0 {
            return Err(format!(
                "{name}: {} DynamoDB calls the meter does not read (an error, or an operation to add to Meter)",
                u.unmetered
            ));
        }
        if self.times.len() != self.samples {
            return Err(format!(
                "{name}: {} calls timed, {} expected",
                self.times.len(),
                self.samples
            ));
        }
        self.times.sort();
        self.done.push(Step {
            name,
            function,
            invocations: http_requests.max(1),
            http_requests,
            frames_in,
            units: u.per(self.samples),
            pushes: self.push.take().len() as f64 / self.samples as f64,
            median: self.times[self.samples / 2],
        });
        Ok(())
    }
}

fn field(v: &serde_json::Value, name: &str) -> Result<String, String> {
    v[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no {name} in {v}"))
}

fn conn(id: &str) -> Result<ConnectionId, String> {
    ConnectionId::parse(id).map_err(|e| e.to_string())
}

/// What page views, visitor connections, keep-alive pings and the operators' consoles cost when
/// nobody writes: each step `samples` times on a workspace with `operators` consoles online and
/// `dialogs` other open dialogs, in the order the widget and the console make them.
pub async fn visits(
    local: &DynamoLocal,
    operators: usize,
    dialogs: usize,
    samples: usize,
) -> Result<Vec<Step>, String> {
    let (app, meter, push) =
        metered_app(local, &format!("parlor-visits-{operators}-{dialogs}")).await?;
    let (site, admin, _) = app
        .sessions
        .bootstrap("admin@parlor.cost", "cost-admin-password", Vec::new())
        .await
        .map_err(err)?;
    let site_key = site.key.as_str().to_owned();
    // The HTTP API as the http-api function runs it: the real router, on a loopback port, with
    // the widget's frame page (read from a folder here; from the hosting bucket in AWS).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let http = Http::new(&format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    ));
    let web = std::env::temp_dir().join(format!("parlor-bench-web-{}", std::process::id()));
    std::fs::create_dir_all(web.join("widget")).map_err(|e| e.to_string())?;
    std::fs::write(
        web.join(parlor_core::edge::FRAME_FILE),
        "<!doctype html><title>Parlor chat</title>",
    )
    .map_err(|e| e.to_string())?;
    let files: Arc<dyn parlor_core::ports::WebFiles> =
        Arc::new(parlor_core::adapters::web_files::FolderWebFiles::new(&web));
    let router = parlor_core::entrypoints::http::deployed(
        app.clone(),
        Some((files, parlor_core::edge::Hosts::template())),
        None,
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });

    let op_conns = operators_online(&app, &admin, operators).await?;
    // Other open dialogs, whose visitors have left: what the console's lists read.
    for i in 0..dialogs {
        let c = visitor_writes_first(&app, &site.key, i).await?;
        app.sessions.disconnect(&c).await.map_err(err)?;
    }
    // The measured visitor: a dialog of ten messages, five each way, joined by the first
    // operator, every reply delivered to the visitor's socket; then the visitor leaves the page.
    let session = http
        .call("POST", "/api/visitor/session", None, Some(json!({"site_key": site_key, "name": "Measured visitor", "email": "visitor@example.com"})))
        .await?;
    let token = field(&session, "token")?;
    let visitor = conn("vm=")?;
    app.sessions
        .connect(ConnectRequest {
            connection_id: Some(visitor.as_str().into()),
            visitor_token: Some(token.clone()),
            ..ConnectRequest::default()
        })
        .await
        .map_err(err)?;
    let text = "A typical chat message of about eighty characters, give or take a few words.";
    let send = |n: usize, dialog: Option<&str>| {
        let mut f = json!({"action": "message", "op": "send", "request_id": format!("s{n}"), "client_id": format!("m{n}"), "text": text});
        if let Some(d) = dialog {
            f["dialog_id"] = json!(d);
        }
        f.to_string()
    };
    push.take();
    frames::handle_frame(&app, &visitor, Route::Message, &send(0, None))
        .await
        .map_err(err)?;
    let ack = push
        .take()
        .pop()
        .ok_or("the first message was answered with nothing")?;
    let ack: serde_json::Value = serde_json::from_str(&ack.1).map_err(|e| e.to_string())?;
    let dialog = ack["message"]["dialog_id"]
        .as_str()
        .ok_or("the first message named no dialog")?
        .to_owned();
    let join = json!({"action": "assign", "op": "join", "request_id": "j", "dialog_id": dialog});
    frames::handle_frame(&app, &op_conns[0], Route::Assign, &join.to_string())
        .await
        .map_err(err)?;
    for n in 1..10 {
        if n % 2 == 1 {
            frames::handle_frame(&app, &op_conns[0], Route::Message, &send(n, Some(&dialog)))
                .await
                .map_err(err)?;
        } else {
            frames::handle_frame(&app, &visitor, Route::Message, &send(n, None))
                .await
                .map_err(err)?;
        }
    }
    app.sessions.disconnect(&visitor).await.map_err(err)?;

    let mut s = Steps {
        meter: &meter,
        push: &push,
        samples,
        times: Vec::new(),
        done: Vec::new(),
    };
    let bearer = Some(token.as_str());

    // The widget, on every page view of the site.
    s.start();
    for _ in 0..samples {
        s.timed(http.call("GET", &format!("/api/sites/{site_key}"), None, None))
            .await?;
    }
    s.finish(
        "site settings `GET /api/sites/{key}` (loader; the frame asks again)",
        "http-api",
        1,
        0,
    )?;

    // The frame of a browser that has a dialog, at once on every page view: its page (one S3
    // read of the published page in AWS, which this meter does not see), then its calls.
    s.start();
    for _ in 0..samples {
        s.timed(http.call(
            "GET",
            &format!("{}?site={site_key}", parlor_core::edge::FRAME_PATH),
            None,
            None,
        ))
        .await?;
    }
    s.finish(
        "the frame page `GET /widget/frame.html` (per site; and one S3 GET in AWS)",
        "http-api",
        1,
        0,
    )?;

    s.start();
    for _ in 0..samples {
        s.timed(http.call(
            "POST",
            "/api/visitor/session",
            None,
            Some(json!({"site_key": site_key, "token": token})),
        ))
        .await?;
    }
    s.finish(
        "visitor session `POST /api/visitor/session`, kept token",
        "http-api",
        1,
        0,
    )?;

    s.start();
    for i in 0..samples {
        let page =
            json!({"url": format!("https://shop.example/products/{i}"), "title": "A product"});
        s.timed(http.call("POST", "/api/visitor/page", bearer, Some(page)))
            .await?;
    }
    s.finish(
        "page view `POST /api/visitor/page` (pushed to the operators)",
        "http-api",
        1,
        0,
    )?;

    let mut visitor_conns = Vec::new();
    s.start();
    for i in 0..samples {
        let c = conn(&format!("vc{i}="))?;
        let req = ConnectRequest {
            connection_id: Some(c.as_str().into()),
            visitor_token: Some(token.clone()),
            version: Some("1".into()),
            ..ConnectRequest::default()
        };
        s.timed(async { app.sessions.connect(req).await.map_err(err) })
            .await?;
        visitor_conns.push(c);
    }
    s.finish("`$connect`, a visitor (visitor token)", "connect", 0, 0)?;

    s.start();
    for _ in 0..samples {
        s.timed(http.call("GET", "/api/visitor/messages?after=0", bearer, None))
            .await?;
    }
    s.finish(
        "catch-up `GET /api/visitor/messages?after=0` (10 messages)",
        "http-api",
        1,
        0,
    )?;

    pings_and_disconnects(
        &mut s,
        &app,
        &visitor_conns,
        "a visitor (every 4 minutes on the page)",
        "a visitor",
    )
    .await?;

    // Once a dialog: the pre-chat form makes the visitor.
    s.start();
    for i in 0..samples {
        let body = json!({"site_key": site_key, "name": format!("New visitor {i}"), "email": format!("new{i}@example.com")});
        s.timed(http.call("POST", "/api/visitor/session", None, Some(body)))
            .await?;
    }
    s.finish(
        "visitor session, a new visitor (pre-chat form)",
        "http-api",
        1,
        0,
    )?;

    // The operator's console: a ticket and a connection at sign-in and after every cut.
    let login = http
        .call(
            "POST",
            "/api/login",
            None,
            Some(json!({"email": "admin@parlor.cost", "password": "cost-admin-password"})),
        )
        .await?;
    let session = field(&login, "token")?;
    let op_bearer = Some(session.as_str());
    let mut tickets = Vec::new();
    s.start();
    for _ in 0..samples {
        let t = s
            .timed(http.call("POST", "/api/tickets", op_bearer, None))
            .await?;
        tickets.push(field(&t, "ticket")?);
    }
    s.finish("ticket `POST /api/tickets`", "http-api", 1, 0)?;

    let mut console_conns = Vec::new();
    s.start();
    for (i, ticket) in tickets.into_iter().enumerate() {
        let c = conn(&format!("oc{i}="))?;
        let req = ConnectRequest {
            connection_id: Some(c.as_str().into()),
            ticket: Some(ticket),
            version: Some("1".into()),
            ..ConnectRequest::default()
        };
        s.timed(async { app.sessions.connect(req).await.map_err(err) })
            .await?;
        console_conns.push(c);
    }
    s.finish("`$connect`, an operator (ticket)", "connect", 0, 0)?;

    pings_and_disconnects(
        &mut s,
        &app,
        &console_conns,
        "an operator (every 4 minutes all day)",
        "an operator",
    )
    .await?;

    s.start();
    for _ in 0..samples {
        s.timed(async {
            for path in [
                "/api/dialogs?status=open&limit=100",
                "/api/dialogs?status=closed&limit=100",
                "/api/operators",
                "/api/quick-replies",
            ] {
                http.call("GET", path, op_bearer, None).await?;
            }
            Ok(())
        })
        .await?;
    }
    s.finish("console catch-up after each connect (4 requests: open and closed dialogs, operators, quick replies)", "http-api", 4, 0)?;

    Ok(s.done)
}

/// A `ping` on the first of `conns` as often as there are samples, then `$disconnect` on each.
async fn pings_and_disconnects(
    s: &mut Steps<'_>,
    app: &App,
    conns: &[ConnectionId],
    pinging: &'static str,
    leaving: &'static str,
) -> Result<(), String> {
    s.start();
    for i in 0..s.samples {
        let ping =
            json!({"action": "message", "op": "ping", "request_id": format!("p{i}")}).to_string();
        s.timed(async {
            frames::handle_frame(app, &conns[0], Route::Message, &ping)
                .await
                .map_err(err)
        })
        .await?;
    }
    s.finish(format!("`ping`, {pinging}"), "message", 0, 1)?;
    s.start();
    for c in conns {
        s.timed(async { app.sessions.disconnect(c).await.map_err(err) })
            .await?;
    }
    s.finish(format!("`$disconnect`, {leaving}"), "disconnect", 0, 0)
}
