//! `TestApp`: a local gateway on a free port with its own data folder, and clients that talk to it
//! the way the console and the widget do — HTTP for login and history, real WebSockets for the rest.

use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use parlor_local::{Config, Running};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub use serde_json;

/// How long a test waits for a frame that must come, or for something to happen.
pub const WAIT: Duration = Duration::from_secs(5);

pub fn unique(prefix: &str) -> String {
    parlor_core::ids::random_token(prefix)
}

/// Polls `check` until it holds, failing with `what` after `WAIT`: for what has no event a client
/// can wait for, such as `$disconnect` running after a socket has gone.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {WAIT:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub struct TestApp {
    pub running: Running,
    pub data_dir: PathBuf,
    http: HttpClient<hyper_util::client::legacy::connect::HttpConnector, Full<bytes::Bytes>>,
}

pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("parlor-test-"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Config::for_tests(&temp_dir())).await
    }

    /// A gateway whose limits are the defaults with `spec`'s changes, as `PARLOR_LIMITS` names
    /// them: for a test that does on purpose what no person does (a burst of messages), or that
    /// holds a limit low to reach it.
    pub async fn spawn_with_limits(spec: &str) -> Self {
        let mut config = Config::for_tests(&temp_dir());
        config.settings.limits =
            parlor_core::domain::Limits::parse(spec).expect("limits in PARLOR_LIMITS' form");
        Self::spawn_with(config).await
    }

    pub async fn spawn_with(config: Config) -> Self {
        let data_dir = config.data_dir.clone();
        let running = parlor_local::start(config)
            .await
            .expect("the gateway starts");
        let http = HttpClient::builder(TokioExecutor::new()).build_http();
        Self {
            running,
            data_dir,
            http,
        }
    }

    /// Where a request for `path` goes: `/api/…` to the HTTP API (on an origin of its own in AWS's
    /// shape), anything else to the web files.
    pub fn url(&self, path: &str) -> String {
        match path.strip_prefix("/api") {
            Some(rest) if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') => {
                format!("{}{rest}", self.running.api_url)
            }
            _ => format!("{}{path}", self.running.http_url()),
        }
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.send(method, path, token, None, body).await
    }

    /// A request as a page on `origin` makes it (the `Origin` header a browser adds).
    pub async fn request_from(
        &self,
        origin: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.send(method, path, None, Some(origin), body).await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        origin: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut headers = Vec::new();
        if let Some(t) = token {
            headers.push(("authorization", format!("Bearer {t}")));
        }
        if let Some(o) = origin {
            headers.push(("origin", o.to_owned()));
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let (status, _, value) = self.request_raw(method, path, &headers, body).await;
        (status, value)
    }

    /// Any request, with these headers and this body as is; the answer's headers too.
    pub async fn request_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: String,
    ) -> (u16, http::HeaderMap, Value) {
        let mut req = http::Request::builder()
            .method(method)
            .uri(self.url(path))
            .header("content-type", "application/json");
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let resp = self
            .http
            .request(req.body(Full::new(body.into())).unwrap())
            .await
            .expect("the HTTP API answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> Value {
        let (status, v) = self.request("GET", path, Some(token), None).await;
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, v) = self
            .request(
                "POST",
                "/api/login",
                None,
                Some(json!({ "email": email, "password": password })),
            )
            .await;
        assert_eq!(status, 200, "login: {v}");
        v["token"].as_str().unwrap().to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.login(
            self.running.admin.email.as_str(),
            self.running
                .admin_password
                .as_deref()
                .expect("tests give the admin's password"),
        )
        .await
    }

    /// A new operator of the demo workspace, logged in.
    pub async fn operator(&self, name: &str) -> Operator {
        let admin = self.admin_token().await;
        self.operator_by(&admin, name, "operator").await
    }

    pub async fn operator_by(&self, admin_token: &str, name: &str, role: &str) -> Operator {
        let email = format!("{}@example.com", unique(&name.to_lowercase()));
        let body =
            json!({ "email": email, "name": name, "password": "password-123", "role": role });
        let (status, v) = self
            .request("POST", "/api/operators", Some(admin_token), Some(body))
            .await;
        assert_eq!(status, 201, "add operator: {v}");
        let token = self.login(&email, "password-123").await;
        Operator {
            id: v["id"].as_str().unwrap().to_owned(),
            name: name.to_owned(),
            token,
        }
    }

    /// The operator whose session `token` is chooses a status; answers what `POST /api/me/status`
    /// answered (their record with their presence).
    pub async fn set_status(&self, token: &str, status: &str) -> Value {
        let (code, v) = self
            .request(
                "POST",
                "/api/me/status",
                Some(token),
                Some(json!({ "status": status })),
            )
            .await;
        assert_eq!(code, 200, "status: {v}");
        v
    }

    pub async fn ticket(&self, token: &str) -> String {
        let (status, v) = self
            .request("POST", "/api/tickets", Some(token), None)
            .await;
        assert_eq!(status, 200, "ticket: {v}");
        v["ticket"].as_str().unwrap().to_owned()
    }

    /// Opens an operator's WebSocket with a fresh one-time ticket.
    pub async fn connect_operator(&self, op: &Operator) -> Ws {
        let ticket = self.ticket(&op.token).await;
        Ws::connect(&format!("{}?v=1&ticket={ticket}", self.running.ws_url()))
            .await
            .expect("operator connects")
    }

    pub async fn visitor_session(&self, name: Option<&str>) -> Value {
        let body = json!({ "site_key": self.running.site.key, "name": name });
        let (status, v) = self
            .request("POST", "/api/visitor/session", None, Some(body))
            .await;
        assert_eq!(status, 200, "visitor session: {v}");
        v
    }

    /// A new visitor of the demo site with an open WebSocket.
    pub async fn visitor(&self, name: &str) -> Visitor {
        self.visitor_with(json!({ "name": name })).await
    }

    /// A new visitor of the demo site who gave `profile` (name, email, phone, source), connected.
    pub async fn visitor_with(&self, profile: Value) -> Visitor {
        let mut body = json!({ "site_key": self.running.site.key });
        body.as_object_mut()
            .unwrap()
            .extend(profile.as_object().expect("a profile is an object").clone());
        let (status, session) = self
            .request("POST", "/api/visitor/session", None, Some(body))
            .await;
        assert_eq!(status, 200, "visitor session: {session}");
        let token = session["token"].as_str().unwrap().to_owned();
        let id = session["visitor_id"].as_str().unwrap().to_owned();
        let ws = self.connect_visitor(&token).await;
        Visitor { id, token, ws }
    }

    pub async fn connect_visitor(&self, token: &str) -> Ws {
        Ws::connect(&format!(
            "{}?v=1&visitor_token={token}",
            self.running.ws_url()
        ))
        .await
        .expect("visitor connects")
    }

    /// The commonest scene: operator Anna connected to visitor Vera's new dialog.
    pub async fn joined(&self, first_text: &str) -> Joined {
        let anna = self.operator("Anna").await;
        let mut a = self.connect_operator(&anna).await;
        let mut vera = self.visitor("Vera").await;
        let dialog = start_dialog(&mut vera, first_text).await;
        a.ok(frame::join(&dialog)).await;
        Joined {
            anna,
            a,
            vera,
            dialog,
        }
    }

    pub async fn history(&self, op: &Operator, dialog: &str, query: &str) -> Value {
        self.get(&format!("/api/dialogs/{dialog}/messages{query}"), &op.token)
            .await
    }

    pub async fn visitor_history(&self, token: &str, query: &str) -> Value {
        self.get(&format!("/api/visitor/messages{query}"), token)
            .await
    }

    /// How many connection records the demo workspace's operators have.
    pub async fn operator_connections(&self) -> usize {
        self.running
            .stores
            .connections
            .operator_connections(&self.running.admin.workspace)
            .await
            .expect("the store answers")
            .len()
    }

    /// How many connection records this visitor of the demo workspace has.
    pub async fn visitor_connections(&self, visitor_id: &str) -> usize {
        let id = parlor_core::ids::VisitorId::parse(visitor_id).expect("a visitor id");
        self.running
            .stores
            .connections
            .visitor_connections(&self.running.admin.workspace, &id)
            .await
            .expect("the store answers")
            .len()
    }
}

#[derive(Clone, Debug)]
pub struct Operator {
    pub id: String,
    pub name: String,
    pub token: String,
}

/// What `TestApp::joined` sets up.
pub struct Joined {
    pub anna: Operator,
    /// Anna's socket, joined to the dialog.
    pub a: Ws,
    pub vera: Visitor,
    pub dialog: String,
}

pub struct Visitor {
    pub id: String,
    pub token: String,
    pub ws: Ws,
}

/// A WebSocket client that keeps the events it has not been asked for yet.
pub struct Ws {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pending: VecDeque<Value>,
    next_id: u64,
}

/// How a connection attempt or a socket ended.
#[derive(Debug)]
pub enum Closed {
    /// The upgrade was refused with this HTTP status.
    Refused(u16),
    /// The server closed with this code.
    Code(u16),
    Other(String),
}

impl Ws {
    pub async fn connect(url: &str) -> Result<Self, Closed> {
        match tokio_tungstenite::connect_async(url).await {
            Ok((stream, _)) => Ok(Self {
                stream,
                pending: VecDeque::new(),
                next_id: 0,
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                Err(Closed::Refused(resp.status().as_u16()))
            }
            Err(e) => Err(Closed::Other(e.to_string())),
        }
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(Message::Text(text.into()))
            .await
            .expect("the frame is sent");
    }

    /// Sends unless the socket is already closed.
    pub async fn try_send_raw(&mut self, text: &str) -> Result<(), String> {
        self.stream
            .send(Message::Text(text.into()))
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn send_message(&mut self, msg: Message) {
        self.stream.send(msg).await.expect("the frame is sent");
    }

    /// Sends `frame` with a fresh request id and waits for its ack or error.
    pub async fn request(&mut self, mut frame: Value) -> Value {
        self.next_id += 1;
        let rid = format!("r{}", self.next_id);
        frame["request_id"] = json!(rid);
        self.send_raw(&frame.to_string()).await;
        self.reply_to(&rid).await
    }

    /// Like `request`, and the answer must be an ack.
    pub async fn ok(&mut self, frame: Value) -> Value {
        let reply = self.request(frame.clone()).await;
        assert_eq!(reply["type"], "ack", "{frame} was refused: {reply}");
        reply
    }

    /// Like `request`, and the answer must be an error with this code.
    pub async fn refused(&mut self, frame: Value, code: &str) -> Value {
        let reply = self.request(frame.clone()).await;
        assert_eq!(reply["type"], "error", "{frame} was not refused: {reply}");
        assert_eq!(reply["code"], code, "{frame}: {reply}");
        reply
    }

    pub async fn reply_to(&mut self, rid: &str) -> Value {
        self.next_where(|e| (e["type"] == "ack" || e["type"] == "error") && e["request_id"] == rid)
            .await
    }

    /// The next event of this type (earlier events of other types stay queued).
    pub async fn event(&mut self, kind: &str) -> Value {
        self.next_where(|e| e["type"] == kind).await
    }

    pub async fn next_where(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&want) {
            return self.pending.remove(i).unwrap();
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.read())
                .await
                .unwrap_or_else(|_| {
                    panic!("no such frame within {WAIT:?}; pending: {:?}", self.pending)
                });
            let value = frame.unwrap_or_else(|c| {
                panic!(
                    "the socket closed ({c:?}) while waiting; pending: {:?}",
                    self.pending
                )
            });
            if want(&value) {
                return value;
            }
            self.pending.push_back(value);
        }
    }

    /// Sends a `ping` and returns every event that came before its ack, with those already queued.
    ///
    /// The ack ends the window in which an event could still come, with no fixed wait: a function
    /// pushes everything an action causes before it acks the action, and this socket's frames
    /// leave in the order they were posted. So once a test has the ack of an action, whatever that
    /// action sent here is ahead of the ping's ack. Fails if the socket closes first.
    pub async fn drain(&mut self) -> Vec<Value> {
        self.next_id += 1;
        let rid = format!("sentinel-{}", self.next_id);
        let ping = json!({ "action": "message", "op": "ping", "request_id": rid });
        if let Err(e) = self.try_send_raw(&ping.to_string()).await {
            panic!("the socket is closed ({e}); pending: {:?}", self.pending);
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.read())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "the ping's ack did not come within {WAIT:?}; pending: {:?}",
                        self.pending
                    )
                });
            let value = frame.unwrap_or_else(|c| {
                panic!(
                    "the socket closed ({c:?}) before the ping's ack; pending: {:?}",
                    self.pending
                )
            });
            if value["request_id"] == rid.as_str() {
                assert_eq!(value["type"], "ack", "the ping was refused: {value}");
                return self.pending.drain(..).collect();
            }
            self.pending.push_back(value);
        }
    }

    /// Asserts that no event of this type has come or comes before a ping's ack (see `drain`);
    /// events of other types stay queued.
    pub async fn assert_no(&mut self, kind: &str) {
        let events = self.drain().await;
        let found: Vec<_> = events.iter().filter(|e| e["type"] == kind).collect();
        assert!(found.is_empty(), "unexpected {kind}: {found:?}");
        self.pending.extend(events);
    }

    /// Asserts that nothing is queued and that a ping's ack is the very next frame (see `drain`).
    pub async fn assert_quiet(&mut self) {
        let events = self.drain().await;
        assert!(events.is_empty(), "expected nothing, got {events:?}");
    }

    /// Sends a `ping` and waits for its ack: `Err` with the close code if the server closes the
    /// socket instead. Events that come first stay queued.
    pub async fn ping(&mut self) -> Result<(), u16> {
        self.next_id += 1;
        let rid = format!("ping-{}", self.next_id);
        let ping = json!({ "action": "message", "op": "ping", "request_id": rid });
        // A socket the server has just closed may refuse the frame: its close frame is still to read.
        let _ = self.try_send_raw(&ping.to_string()).await;
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.read()).await {
                Err(_) => panic!("neither the ping's ack nor a close within {WAIT:?}"),
                Ok(Err(Closed::Code(code))) => return Err(code),
                Ok(Err(other)) => panic!("the socket ended without a close frame: {other:?}"),
                Ok(Ok(v)) if v["request_id"] == rid.as_str() => {
                    assert_eq!(v["type"], "ack", "the ping was refused: {v}");
                    return Ok(());
                }
                Ok(Ok(v)) => self.pending.push_back(v),
            }
        }
    }

    /// Reads one JSON frame, or how the socket ended.
    async fn read(&mut self) -> Result<Value, Closed> {
        loop {
            match self.stream.next().await {
                Some(Ok(Message::Text(t))) => {
                    return Ok(serde_json::from_str(&t).expect("server frames are JSON"));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(Closed::Code(frame.map_or(1005, |f| f.code.into())));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(Closed::Other(e.to_string())),
                None => return Err(Closed::Other("the stream ended".into())),
            }
        }
    }

    /// The frames read and not yet taken: after `closed`, what came before the close.
    pub fn take_pending(&mut self) -> Vec<Value> {
        self.pending.drain(..).collect()
    }

    /// Closes the socket from this side, as a browser tab that closes does.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }

    /// Waits for the server to close the socket and returns the code.
    pub async fn closed(&mut self) -> u16 {
        loop {
            match tokio::time::timeout(WAIT, self.read())
                .await
                .expect("the socket closes in time")
            {
                Ok(v) => self.pending.push_back(v),
                Err(Closed::Code(code)) => return code,
                Err(other) => panic!("the socket ended without a close frame: {other:?}"),
            }
        }
    }
}

/// Frames, as clients write them.
pub mod frame {
    use serde_json::{Value, json};

    pub fn send(dialog: Option<&str>, client_id: &str, text: &str) -> Value {
        let mut f =
            json!({ "action": "message", "op": "send", "client_id": client_id, "text": text });
        if let Some(d) = dialog {
            f["dialog_id"] = json!(d);
        }
        f
    }

    pub fn whisper(dialog: &str, client_id: &str, text: &str) -> Value {
        json!({ "action": "message", "op": "whisper", "dialog_id": dialog, "client_id": client_id, "text": text })
    }

    pub fn typing(dialog: Option<&str>, typing: bool) -> Value {
        let mut f = json!({ "action": "message", "op": "typing", "typing": typing });
        if let Some(d) = dialog {
            f["dialog_id"] = json!(d);
        }
        f
    }

    pub fn read(dialog: Option<&str>, up_to: u64) -> Value {
        let mut f = json!({ "action": "message", "op": "read", "up_to": up_to });
        if let Some(d) = dialog {
            f["dialog_id"] = json!(d);
        }
        f
    }

    pub fn mark_unread(dialog: &str) -> Value {
        json!({ "action": "message", "op": "mark_unread", "dialog_id": dialog })
    }

    pub fn join(dialog: &str) -> Value {
        json!({ "action": "assign", "op": "join", "dialog_id": dialog })
    }

    pub fn leave(dialog: &str) -> Value {
        json!({ "action": "assign", "op": "leave", "dialog_id": dialog })
    }

    pub fn transfer(dialog: &str, to: &str, comment: Option<&str>) -> Value {
        json!({ "action": "assign", "op": "transfer", "dialog_id": dialog, "to": to, "comment": comment })
    }

    pub fn hold(dialog: &str) -> Value {
        json!({ "action": "assign", "op": "hold", "dialog_id": dialog })
    }

    pub fn resume(dialog: &str) -> Value {
        json!({ "action": "assign", "op": "resume", "dialog_id": dialog })
    }

    pub fn close(dialog: &str) -> Value {
        json!({ "action": "close", "op": "close", "dialog_id": dialog })
    }

    pub fn reopen(dialog: &str) -> Value {
        json!({ "action": "close", "op": "reopen", "dialog_id": dialog })
    }
}

/// A visitor's first message: returns the dialog id.
pub async fn start_dialog(visitor: &mut Visitor, text: &str) -> String {
    let ack = visitor.ws.ok(frame::send(None, &unique("c"), text)).await;
    ack["message"]["dialog_id"].as_str().unwrap().to_owned()
}

/// Ten operators join one dialog at the same moment: everyone ends up connected once, the first
/// to connect is in charge, each join has its own event and place in the order. Run on each store.
pub async fn ten_operators_join_at_once(app: &TestApp) {
    let mut sockets = Vec::new();
    for i in 0..10 {
        let op = app.operator(&format!("Op{i}")).await;
        sockets.push(app.connect_operator(&op).await);
    }
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "who takes me?").await;
    let joins = sockets.iter_mut().map(|ws| ws.ok(frame::join(&dialog)));
    let acks: Vec<Value> = futures_util::future::join_all(joins).await;
    let admin = Operator {
        id: app.running.admin.id.to_string(),
        name: "Admin".into(),
        token: app.admin_token().await,
    };
    let stored = app
        .get(&format!("/api/dialogs/{dialog}"), &admin.token)
        .await;
    assert_eq!(
        stored["participants"].as_array().unwrap().len(),
        10,
        "everyone is connected once"
    );
    assert_eq!(
        stored["assignee"]["id"], stored["participants"][0]["id"],
        "the first to connect is in charge"
    );
    let history = app.history(&admin, &dialog, "").await;
    let joined = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["event"]["event"] == "joined")
        .count();
    assert_eq!(joined, 10, "one joined event each");
    let seqs: std::collections::BTreeSet<_> = acks
        .iter()
        .map(|a| a["message"]["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs.len(), 10, "each join took its own place in the order");
}

/// Sets the demo workspace's hand-back grace, below what the settings endpoint accepts, so the
/// test need not wait minutes.
pub async fn hand_back_after(app: &TestApp, secs: u32) {
    let directory = &app.running.stores.directory;
    let ws = &app.running.admin.workspace;
    let mut workspace = directory.get_workspace(ws).await.unwrap().unwrap();
    workspace.handling.hand_back_after_secs = secs;
    directory.put_workspace(&workspace).await.unwrap();
}

/// Turns automatic distribution on in the demo workspace, `max` active dialogs per operator.
pub async fn distribute(app: &TestApp, max: u32) {
    let admin = app.admin_token().await;
    let (status, v) = app
        .request(
            "PUT",
            "/api/workspace/handling",
            Some(&admin),
            Some(json!({ "distribution": true, "max_active_chats": max })),
        )
        .await;
    assert_eq!(status, 200, "handling: {v}");
}

/// A dialog as an admin reads it.
pub async fn dialog_of(app: &TestApp, id: &str) -> Value {
    let admin = app.admin_token().await;
    app.get(&format!("/api/dialogs/{id}"), &admin).await
}

/// Twenty visitors write at once to ten operators with room for one each: every dialog is
/// assigned at most once and to one operator, nobody is given more than the limit, ten are
/// assigned and ten wait in the queue, each told a place of its own. Run on each store.
pub async fn twenty_dialogs_meet_ten_operators_at_once(app: &TestApp) {
    distribute(app, 1).await;
    let mut consoles = Vec::new();
    for i in 0..10 {
        let op = app.operator(&format!("Op{i}")).await;
        consoles.push((op.clone(), app.connect_operator(&op).await));
    }
    let mut visitors = Vec::new();
    for i in 0..20 {
        visitors.push(app.visitor(&format!("V{i}")).await);
    }
    let starts = visitors
        .iter_mut()
        .map(|v| start_dialog(v, "anyone there?"));
    let dialogs: Vec<String> = futures_util::future::join_all(starts).await;
    let mut given: std::collections::HashMap<String, usize> = Default::default();
    let mut queued = Vec::new();
    for id in &dialogs {
        let d = dialog_of(app, id).await;
        let participants = d["participants"].as_array().unwrap();
        match d["assignee"]["id"].as_str() {
            Some(op) => {
                assert_eq!(participants.len(), 1, "assigned once: {d}");
                assert_eq!(participants[0]["id"], op);
                assert!(d.get("queued_since").is_none(), "{d}");
                *given.entry(op.to_owned()).or_default() += 1;
            }
            None => {
                assert!(participants.is_empty(), "{d}");
                assert!(d["queued_since"].is_i64(), "not assigned, so queued: {d}");
                queued.push(id.clone());
            }
        }
    }
    assert_eq!(given.len(), 10, "every operator was given one: {given:?}");
    assert!(
        given.values().all(|n| *n == 1),
        "no limit exceeded: {given:?}"
    );
    assert_eq!(queued.len(), 10);
    let mut places = std::collections::BTreeSet::new();
    for (v, id) in visitors.iter().zip(&dialogs) {
        if !queued.contains(id) {
            continue;
        }
        let place = app.get("/api/visitor/queue", &v.token).await;
        assert_eq!(place["dialog_id"], id.as_str());
        places.insert(place["position"].as_u64().unwrap());
    }
    assert_eq!(
        places,
        (1..=10).collect(),
        "each waits in a place of its own"
    );
    // Every console is known to the store (else nothing could be pushed to it).
    let consoles_stored = app
        .running
        .stores
        .connections
        .operator_connections(&app.running.admin.workspace)
        .await
        .unwrap();
    assert!(
        consoles_stored.len() >= consoles.len(),
        "a console's record is missing: {consoles_stored:?}"
    );
    // Each operator's console heard of its one dialog as theirs, ringing.
    for (op, ws) in &mut consoles {
        let mine = ws
            .next_where(|e| {
                e["type"] == "dialog.updated"
                    && e["event"]["event"]["event"] == "joined"
                    && e["event"]["event"]["operator"] == op.id.as_str()
            })
            .await;
        assert_eq!(mine["ring"], true, "it rings for {}", op.name);
        assert_eq!(mine["event"]["event"]["assigned"], true);
    }
}

/// Anna's last console closes while six dialogs are being given out (distribution on, four each): whatever she was given in
/// that moment goes back when her grace ends, and every dialog ends with Boris (within his limit)
/// or in the queue, assigned once, none lost. Run on each store.
pub async fn going_offline_while_being_assigned(app: &TestApp) {
    distribute(app, 4).await;
    // After the settings' PUT, which would put the default grace back.
    hand_back_after(app, 1).await;
    let anna = app.operator("Anna").await;
    let boris = app.operator("Boris").await;
    let a = app.connect_operator(&anna).await;
    let _b = app.connect_operator(&boris).await;
    let mut visitors = Vec::new();
    for i in 0..6 {
        visitors.push(app.visitor(&format!("V{i}")).await);
    }
    let starts =
        futures_util::future::join_all(visitors.iter_mut().map(|v| start_dialog(v, "hello")));
    let (dialogs, ()) = futures_util::future::join(starts, a.close()).await;

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let rows = loop {
        let mut rows = Vec::new();
        for id in &dialogs {
            rows.push(dialog_of(app, id).await);
        }
        // Settled: each with someone other than Anna, or in the queue (a dialog handed back is
        // placed a moment after its hand-back).
        let settled = |d: &Value| {
            let with = &d["assignee"]["id"];
            (with.is_string() && with != anna.id.as_str()) || d["queued_since"].is_i64()
        };
        if rows.iter().all(settled) {
            break rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not settled within 30 s (Anna kept dialogs, or one was neither given nor queued): {rows:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let with_boris = rows
        .iter()
        .filter(|d| d["assignee"]["id"] == boris.id.as_str())
        .count();
    let queued = rows.iter().filter(|d| d["queued_since"].is_i64()).count();
    assert_eq!(with_boris, 4, "Boris is given up to his limit: {rows:?}");
    assert_eq!(queued, 2, "the rest wait: {rows:?}");
    for d in &rows {
        assert!(d["participants"].as_array().unwrap().len() <= 1, "{d}");
    }
}

/// Storage as a browser meets it: the grant's form posted straight to it, links fetched from it.
pub mod storage {
    use super::{TestApp, Value, json, unique};
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    pub struct Response {
        pub status: u16,
        pub headers: http::HeaderMap,
        pub body: Bytes,
    }

    impl Response {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers.get(name).and_then(|v| v.to_str().ok())
        }
    }

    /// Which of a file's three objects storage holds: the upload, its sealed copy, its preview.
    pub async fn stored_objects(app: &TestApp, attachment: &str) -> [bool; 3] {
        use parlor_core::domain::{object_key, preview_key, sealed_key};
        use parlor_core::ports::Blobs;
        let ws = &app.running.admin.workspace;
        let id = parlor_core::ids::AttachmentId::parse(attachment).unwrap();
        let mut held = [false; 3];
        for (i, key) in [
            object_key(ws, &id),
            sealed_key(ws, &id),
            preview_key(ws, &id),
        ]
        .iter()
        .enumerate()
        {
            held[i] = app.running.blobs.head(key).await.unwrap().is_some();
        }
        held
    }

    pub async fn send(request: http::Request<Full<Bytes>>) -> Response {
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let response = client.request(request).await.expect("the storage answers");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("a body").to_bytes();
        Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }

    /// A browser's form upload: the granted fields in order, then the file, last; two headers a part.
    pub async fn form_upload(url: &str, fields: &[(String, String)], file: &[u8]) -> Response {
        let boundary = unique("----parlor-boundary-");
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = http::Request::post(url)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Full::new(Bytes::from(body)))
            .expect("a request");
        send(request).await
    }

    pub async fn fetch(url: &str) -> Response {
        send(
            http::Request::get(url)
                .body(Full::new(Bytes::new()))
                .expect("a request"),
        )
        .await
    }

    /// A real PNG of `width` × `height`.
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("a PNG");
        out.into_inner()
    }

    /// `POST /api/uploads`: the status and the body.
    pub async fn grant(
        app: &TestApp,
        token: &str,
        name: &str,
        size: usize,
        content_type: &str,
    ) -> (u16, Value) {
        let body = json!({ "name": name, "size": size, "content_type": content_type });
        app.request("POST", "/api/uploads", Some(token), Some(body))
            .await
    }

    /// Posts `bytes` under a grant as `POST /api/uploads` answered it.
    pub async fn upload_granted(grant: &Value, bytes: &[u8]) -> Response {
        let fields: Vec<(String, String)> = grant["fields"]
            .as_array()
            .expect("the grant's fields")
            .iter()
            .map(|f| {
                (
                    f[0].as_str().unwrap().to_owned(),
                    f[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        form_upload(
            grant["url"].as_str().expect("the grant's url"),
            &fields,
            bytes,
        )
        .await
    }

    /// Granted and uploaded: the token a message carries.
    pub async fn upload(
        app: &TestApp,
        token: &str,
        name: &str,
        bytes: &[u8],
        content_type: &str,
    ) -> String {
        let (status, g) = grant(app, token, name, bytes.len(), content_type).await;
        assert_eq!(status, 201, "grant: {g}");
        let stored = upload_granted(&g, bytes).await;
        assert!(
            (200..300).contains(&stored.status),
            "the upload is stored: {}",
            String::from_utf8_lossy(&stored.body)
        );
        g["upload"].as_str().unwrap().to_owned()
    }

    /// A `send` frame with files.
    pub fn send_files(dialog: Option<&str>, text: &str, uploads: &[&str]) -> Value {
        let mut f = super::frame::send(dialog, &unique("c"), text);
        f["uploads"] = json!(uploads);
        f
    }
}

/// The HTTP API's function as it runs in AWS (`entrypoints::http::deployed`): the gateway's own
/// `App`, the web files read from a bucket of the local storage with the AWS adapter (as the
/// function reads the hosting bucket), on a loopback port of its own.
pub mod deployed {
    use super::TestApp;
    use parlor_core::adapters::s3::S3WebFiles;
    use parlor_core::edge::{self, Hosts};
    use std::sync::Arc;

    /// The local storage's stand-in for the hosting bucket: the one bucket it serves (under the
    /// gateway's own path in the one-origin shape), the frame page under its own key.
    pub const WEB_BUCKET: &str = "parlor-attachments";

    /// Publishes `frame_page` as the widget's frame page to `WEB_BUCKET` (no function's call: a
    /// publish is the deployer's), then starts the function's router; its base URL.
    pub async fn http_api_function(
        app: &TestApp,
        frame_page: &str,
        hosts: Hosts,
        edge_secret: Option<&str>,
    ) -> String {
        let client = app.running.blobs.client().clone();
        client
            .put_object()
            .bucket(WEB_BUCKET)
            .key(edge::FRAME_FILE)
            .content_type("text/html")
            .body(frame_page.as_bytes().to_vec().into())
            .send()
            .await
            .expect("the frame page is published");
        let files = Arc::new(S3WebFiles::new(client, WEB_BUCKET));
        let router = parlor_core::entrypoints::http::deployed(
            app.running.app.clone(),
            Some((files, hosts)),
            edge_secret.map(str::to_owned),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        url
    }
}

/// Makes the demo site's identity secret (an admin's `POST /api/sites/{key}/identity-secret`)
/// and returns it, for visitors signed in with `identity_hash`.
pub async fn identity_secret(app: &TestApp, admin: &str) -> String {
    let site = app.running.site.key.to_string();
    let path = format!("/api/sites/{site}/identity-secret");
    let (status, made) = app.request("POST", &path, Some(admin), None).await;
    assert_eq!(status, 200, "{made}");
    made["secret"].as_str().unwrap().to_owned()
}

/// The contact id of a dialog, as the operators' list shows it.
pub async fn contact_of(app: &TestApp, token: &str, dialog: &str) -> String {
    let d = app.get(&format!("/api/dialogs/{dialog}"), token).await;
    d["contact_id"]
        .as_str()
        .unwrap_or_else(|| panic!("the dialog names its contact: {d}"))
        .to_owned()
}

/// `POST /api/contacts/{into}/merge`: pulls `from` into `into`.
pub async fn merge_contacts(app: &TestApp, token: &str, into: &str, from: &str) -> (u16, Value) {
    let body = json!({ "contact_id": from });
    app.request(
        "POST",
        &format!("/api/contacts/{into}/merge"),
        Some(token),
        Some(body),
    )
    .await
}

/// Merges of one pair of contacts, sent at once (the same way round, and the opposite way), while
/// the merged contact's visitor keeps writing: every merge is answered with the same united
/// contact, every message is stored once in its dialog, the card lists both dialogs, the merged
/// id keeps resolving, and the visitor's next dialog is the united contact's. Run on each store.
pub async fn merges_at_once_while_the_visitor_writes(app: &TestApp) {
    let admin = app.admin_token().await;
    let mut vera = app
        .visitor_with(json!({ "name": "Vera", "email": "vera@example.com" }))
        .await;
    let veras_dialog = start_dialog(&mut vera, "Hello").await;
    let veras = contact_of(app, &admin, &veras_dialog).await;
    // Vera again, on another device, unverified: the e-mail is only claimed.
    let mut again = app
        .visitor_with(json!({ "name": "V. Petrova", "email": "Vera@Example.com" }))
        .await;
    let agains_dialog = start_dialog(&mut again, "It's me again").await;
    let agains = contact_of(app, &admin, &agains_dialog).await;
    assert_ne!(veras, agains);
    let card = app.get(&format!("/api/contacts/{agains}"), &admin).await;
    assert_eq!(card["offers"][0]["contact"]["id"], veras, "{card}");
    assert_eq!(card["offers"][0]["into_id"], veras, "Vera holds the e-mail");
    assert_eq!(card["offers"][0]["field"], "email");
    assert_eq!(card["offers"][0]["value"], "Vera@Example.com");
    // Vera's own card offers the same merge, from her side.
    let hers = app.get(&format!("/api/contacts/{veras}"), &admin).await;
    assert_eq!(hers["offers"][0]["contact"]["id"], agains, "{hers}");
    assert_eq!(hers["offers"][0]["into_id"], veras);
    assert_eq!(hers["offers"][0]["value"], "vera@example.com");

    let writes = async {
        let mut acks = Vec::new();
        for i in 0..3 {
            let ack = again
                .ws
                .ok(frame::send(
                    None,
                    &format!("mid-{i}"),
                    &format!("mid merge {i}"),
                ))
                .await;
            acks.push(ack);
        }
        acks
    };
    let (first, second, opposite, acks) = tokio::join!(
        merge_contacts(app, &admin, &veras, &agains),
        merge_contacts(app, &admin, &veras, &agains),
        merge_contacts(app, &admin, &agains, &veras),
        writes
    );
    let mut survivors = std::collections::BTreeSet::new();
    for (status, card) in [&first, &second, &opposite] {
        assert_eq!(*status, 200, "{card}");
        survivors.insert(card["contact"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(survivors.len(), 1, "one united contact: {survivors:?}");
    let united = survivors.into_iter().next().unwrap();
    let merged = if united == veras { &agains } else { &veras };
    for ack in &acks {
        assert_eq!(ack["message"]["dialog_id"], agains_dialog.as_str(), "{ack}");
    }

    // The merged id resolves; the card lists both dialogs; nothing is offered any more.
    let card = app.get(&format!("/api/contacts/{merged}"), &admin).await;
    assert_eq!(card["contact"]["id"], united.as_str(), "{card}");
    let mut listed: Vec<&str> = card["dialogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    listed.sort_unstable();
    let mut both = [veras_dialog.as_str(), agains_dialog.as_str()];
    both.sort_unstable();
    assert_eq!(listed, both);
    assert_eq!(card["offers"], json!([]), "{card}");
    assert_eq!(card["contact"]["email"], "vera@example.com");
    for dialog in [&veras_dialog, &agains_dialog] {
        assert_eq!(contact_of(app, &admin, dialog).await, united);
    }
    // Every message is there once, in order.
    let admin_op = Operator {
        id: app.running.admin.id.to_string(),
        name: "Admin".into(),
        token: admin.clone(),
    };
    let history = app.history(&admin_op, &agains_dialog, "").await;
    // The history comes the newest first.
    let texts: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .filter_map(|m| m["text"].as_str())
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(
        texts,
        ["It's me again", "mid merge 0", "mid merge 1", "mid merge 2"]
    );

    // The open widget keeps working, and its next dialog is the united contact's (after the
    // rate limit's second has passed).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let ack = again
        .ws
        .ok(frame::send(None, "after", "after the merge"))
        .await;
    assert_eq!(ack["message"]["dialog_id"], agains_dialog.as_str());
    let (status, _) = app
        .request(
            "POST",
            "/api/dialogs/delete",
            Some(&admin),
            Some(json!({ "dialog_ids": [agains_dialog] })),
        )
        .await;
    assert_eq!(status, 200);
    let next = start_dialog(&mut again, "A new question").await;
    assert_ne!(next, agains_dialog);
    assert_eq!(contact_of(app, &admin, &next).await, united);
}
