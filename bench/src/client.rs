//! A WebSocket client for many concurrent senders, reliable the way the console and the widget
//! are: frames go out through one writer task; sends wait in an outbox until their ack, and when
//! the socket drops the client reconnects (a fresh ticket or visitor session), resends what was not
//! acknowledged with the same client ids, and catches up from history after the newest `seq` it has.

use crate::http::Http;
use crate::record::Recorder;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

/// Who reads this connection's events, for the recorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reader {
    Visitor(usize),
    Operator(usize),
}

/// How a connection gets a URL (again), and how it catches up after reconnecting.
pub enum Connector {
    /// The relay: the same URL every time, nothing to catch up from.
    Fixed(String),
    /// A visitor: a session for the kept token, then the socket; history is the visitor's own.
    Visitor {
        http: Http,
        ws: String,
        site_key: String,
        name: String,
        token: Mutex<Option<String>>,
        dialog: Mutex<Option<String>>,
    },
    /// An operator: a one-time ticket per socket; history per dialog of theirs.
    Operator {
        http: Http,
        ws: String,
        session: String,
        dialogs: Mutex<Vec<String>>,
    },
}

impl Connector {
    async fn url(&self) -> Result<String, String> {
        match self {
            Self::Fixed(url) => Ok(url.clone()),
            Self::Visitor {
                http,
                ws,
                site_key,
                name,
                token,
                ..
            } => {
                let kept = token.lock().expect("not poisoned").clone();
                let mut body = serde_json::json!({"site_key": site_key, "name": name});
                if let Some(kept) = kept {
                    body["token"] = Value::String(kept);
                }
                let session = http
                    .call("POST", "/visitor/session", None, Some(body))
                    .await?;
                let fresh = session["token"]
                    .as_str()
                    .ok_or("no visitor token")?
                    .to_owned();
                *token.lock().expect("not poisoned") = Some(fresh.clone());
                Ok(format!("{ws}?v=1&visitor_token={fresh}"))
            }
            Self::Operator {
                http, ws, session, ..
            } => {
                let ticket = http.call("POST", "/tickets", Some(session), None).await?;
                Ok(format!(
                    "{ws}?v=1&ticket={}",
                    ticket["ticket"].as_str().ok_or("no ticket")?
                ))
            }
        }
    }

    /// Every message stored after `after(dialog)`, page by page.
    async fn catch_up(&self, after: impl Fn(&str) -> u64) -> Result<Vec<Value>, String> {
        let (http, token, paths): (&Http, String, Vec<(String, String)>) = match self {
            Self::Fixed(_) => return Ok(Vec::new()),
            Self::Visitor {
                http,
                token,
                dialog,
                ..
            } => {
                let Some(d) = dialog.lock().expect("not poisoned").clone() else {
                    return Ok(Vec::new());
                };
                let token = token
                    .lock()
                    .expect("not poisoned")
                    .clone()
                    .unwrap_or_default();
                (http, token, vec![(d, "/visitor/messages".into())])
            }
            Self::Operator {
                http,
                session,
                dialogs,
                ..
            } => {
                let list = dialogs.lock().expect("not poisoned").clone();
                (
                    http,
                    session.clone(),
                    list.into_iter()
                        .map(|d| (d.clone(), format!("/dialogs/{d}/messages")))
                        .collect(),
                )
            }
        };
        let mut out = Vec::new();
        for (dialog, path) in paths {
            let mut cursor = after(&dialog);
            loop {
                let page = http
                    .call(
                        "GET",
                        &format!("{path}?after={cursor}&limit=100"),
                        Some(&token),
                        None,
                    )
                    .await?;
                out.extend(page["messages"].as_array().cloned().unwrap_or_default());
                match page["next_after"].as_u64() {
                    Some(next) if next > cursor => cursor = next,
                    _ => break,
                }
            }
        }
        Ok(out)
    }
}

type Waiters = Mutex<HashMap<String, oneshot::Sender<Value>>>;

struct Inner {
    reader: Reader,
    connector: Connector,
    recorder: Arc<Recorder>,
    out: Mutex<Option<mpsc::UnboundedSender<Message>>>,
    /// Sent frames without their ack yet, oldest first: resent after a reconnect.
    unacked: Mutex<Vec<(String, Value)>>,
    waiters: Waiters,
    /// Aborts the current socket's tasks (a drop with no close frame).
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    reconnects: std::sync::atomic::AtomicUsize,
    stopped: std::sync::atomic::AtomicBool,
}

#[derive(Clone)]
pub struct Conn(Arc<Inner>);

impl Conn {
    pub async fn open(
        connector: Connector,
        reader: Reader,
        recorder: Arc<Recorder>,
    ) -> Result<Self, String> {
        let conn = Self(Arc::new(Inner {
            reader,
            connector,
            recorder,
            out: Mutex::new(None),
            unacked: Mutex::default(),
            waiters: Mutex::default(),
            tasks: Mutex::default(),
            reconnects: Default::default(),
            stopped: Default::default(),
        }));
        conn.attach().await?;
        Ok(conn)
    }

    pub fn connector(&self) -> &Connector {
        &self.0.connector
    }

    pub fn reconnects(&self) -> usize {
        self.0.reconnects.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Opens a socket and starts its writer and reader.
    async fn attach(&self) -> Result<(), String> {
        let url = self.0.connector.url().await?;
        let (ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut rx) = mpsc::unbounded_channel::<Message>();
        let writer = tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
        });
        let me = self.clone();
        let reader = tokio::spawn(async move {
            while let Some(Ok(m)) = stream.next().await {
                let Message::Text(text) = m else { continue };
                me.receive(&text, Instant::now());
            }
            me.lost();
        });
        *self.0.tasks.lock().expect("not poisoned") = vec![writer, reader];
        *self.0.out.lock().expect("not poisoned") = Some(out);
        Ok(())
    }

    fn receive(&self, text: &str, at: Instant) {
        let Ok(event) = serde_json::from_str::<Value>(text) else {
            return;
        };
        if let Some(rid) = event.get("request_id").and_then(Value::as_str) {
            if event["type"] == "ack" {
                self.0
                    .unacked
                    .lock()
                    .expect("not poisoned")
                    .retain(|(c, _)| c != rid);
            }
            // A store that failed or lost a race (`internal`, `conflict`) may have kept the message
            // or not: like the web apps' outbox, send the same frame again, a moment later.
            if event["type"] == "error"
                && matches!(event["code"].as_str(), Some("internal" | "conflict"))
            {
                let again = self
                    .0
                    .unacked
                    .lock()
                    .expect("not poisoned")
                    .iter()
                    .find(|(c, _)| c == rid)
                    .map(|(_, f)| f.clone());
                if let Some(frame) = again {
                    let me = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        me.write(&frame);
                    });
                    return;
                }
            }
            let waiter = self.0.waiters.lock().expect("not poisoned").remove(rid);
            if let Some(waiter) = waiter {
                let _ = waiter.send(event);
                return;
            }
        }
        self.0.recorder.event(self.0.reader, &event, at, false);
    }

    /// The socket ended: reconnect with a growing delay, resend, catch up.
    fn lost(&self) {
        *self.0.out.lock().expect("not poisoned") = None;
        if self.0.stopped.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        self.0.recorder.closed();
        // What was had when the socket went: a push that arrives after the reconnect must not
        // move the cursor past a message whose push was lost.
        let cursors = self.cursors();
        let me = self.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            loop {
                tokio::time::sleep(delay).await;
                if me.0.stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                if me.attach().await.is_ok() {
                    break;
                }
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            me.0.reconnects
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let again: Vec<Value> =
                me.0.unacked
                    .lock()
                    .expect("not poisoned")
                    .iter()
                    .map(|(_, f)| f.clone())
                    .collect();
            for frame in again {
                me.write(&frame);
            }
            me.catch_up(Some(cursors)).await;
        });
    }

    /// The newest `seq` had from each of this connection's dialogs.
    fn cursors(&self) -> HashMap<String, u64> {
        let dialogs = match &self.0.connector {
            Connector::Fixed(_) => Vec::new(),
            Connector::Visitor { dialog, .. } => dialog
                .lock()
                .expect("not poisoned")
                .iter()
                .cloned()
                .collect(),
            Connector::Operator { dialogs, .. } => dialogs.lock().expect("not poisoned").clone(),
        };
        dialogs
            .into_iter()
            .map(|d| (d.clone(), self.0.recorder.seen_up_to(self.0.reader, &d)))
            .collect()
    }

    /// Fetches what was stored after `cursors` (everything, without them) into the recorder.
    pub async fn catch_up(&self, cursors: Option<HashMap<String, u64>>) {
        let reader = self.0.reader;
        let rec = self.0.recorder.clone();
        let after = |dialog: &str| {
            cursors
                .as_ref()
                .and_then(|c| c.get(dialog).copied())
                .unwrap_or(0)
        };
        if let Ok(messages) = self.0.connector.catch_up(after).await {
            let at = Instant::now();
            for m in messages {
                rec.event(
                    reader,
                    &serde_json::json!({"type": "message.created", "message": m}),
                    at,
                    true,
                );
            }
        }
    }

    fn write(&self, frame: &Value) -> bool {
        match &*self.0.out.lock().expect("not poisoned") {
            Some(out) => out.send(Message::text(frame.to_string())).is_ok(),
            None => false,
        }
    }

    /// Sends a message frame without waiting; it stays in the outbox until its ack.
    pub fn send(&self, client_id: &str, frame: Value) {
        // In the outbox before it is on the wire: an ack that comes back at once finds it.
        self.0
            .unacked
            .lock()
            .expect("not poisoned")
            .push((client_id.to_owned(), frame.clone()));
        self.write(&frame);
    }

    /// Whether a socket is up now (not between a drop and its reconnect).
    pub fn connected(&self) -> bool {
        self.0.out.lock().expect("not poisoned").is_some()
    }

    pub fn unacked(&self) -> usize {
        self.0.unacked.lock().expect("not poisoned").len()
    }

    /// Sends and waits for the answer to its `request_id` (setup only: not resent).
    pub async fn request(&self, frame: Value) -> Result<Value, String> {
        let rid = frame["request_id"]
            .as_str()
            .ok_or("a request needs a request_id")?
            .to_owned();
        let (tx, rx) = oneshot::channel();
        self.0
            .waiters
            .lock()
            .expect("not poisoned")
            .insert(rid.clone(), tx);
        if !self.write(&frame) {
            return Err("the connection is closed".into());
        }
        let answer = tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .map_err(|_| format!("no answer to {rid}"))?;
        let answer = answer.map_err(|_| "the connection closed".to_string())?;
        if answer["type"] == "error" {
            return Err(format!("refused: {answer}"));
        }
        Ok(answer)
    }

    /// Cuts the socket with no close frame, as a phone losing its network does; it reconnects.
    pub fn drop_abruptly(&self) {
        for t in self.0.tasks.lock().expect("not poisoned").drain(..) {
            t.abort();
        }
        self.lost();
    }

    pub fn close(&self) {
        self.0
            .stopped
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(out) = self.0.out.lock().expect("not poisoned").take() {
            let _ = out.send(Message::Close(None));
        }
    }
}
