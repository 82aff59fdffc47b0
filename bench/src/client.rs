//! A WebSocket client for many concurrent senders: frames go out through a channel to one writer
//! task; one reader task timestamps everything that comes in, answers waiting requests and hands
//! the rest to the recorder.

use crate::record::Recorder;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<Value>>>>;

#[derive(Clone)]
pub struct Conn {
    out: mpsc::UnboundedSender<Message>,
    waiters: Waiters,
}

/// Who reads this connection's events, for the recorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reader {
    Visitor(usize),
    Operator(usize),
}

impl Conn {
    pub async fn open(url: &str, reader: Reader, recorder: Arc<Recorder>) -> Result<Self, String> {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.map_err(|e| format!("connect {url}: {e}"))?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut rx) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
        });
        let waiters: Waiters = Arc::default();
        let w = waiters.clone();
        tokio::spawn(async move {
            while let Some(Ok(m)) = stream.next().await {
                let Message::Text(text) = m else { continue };
                let at = std::time::Instant::now();
                let Ok(event) = serde_json::from_str::<Value>(&text) else { continue };
                if let Some(rid) = event.get("request_id").and_then(Value::as_str) {
                    let waiter = w.lock().expect("not poisoned").remove(rid);
                    if let Some(waiter) = waiter {
                        let _ = waiter.send(event);
                        continue;
                    }
                }
                recorder.event(reader, &event, at);
            }
            recorder.closed(reader);
        });
        Ok(Self { out, waiters })
    }

    /// Sends without waiting: its ack goes to the recorder.
    pub fn send(&self, frame: &Value) -> bool {
        self.out.send(Message::text(frame.to_string())).is_ok()
    }

    /// Sends and waits for the answer to its `request_id`.
    pub async fn request(&self, frame: Value) -> Result<Value, String> {
        let rid = frame["request_id"].as_str().ok_or("a request needs a request_id")?.to_owned();
        let (tx, rx) = oneshot::channel();
        self.waiters.lock().expect("not poisoned").insert(rid.clone(), tx);
        if !self.send(&frame) {
            return Err("the connection is closed".into());
        }
        let answer = tokio::time::timeout(Duration::from_secs(30), rx).await.map_err(|_| format!("no answer to {rid}"))?;
        let answer = answer.map_err(|_| "the connection closed".to_string())?;
        if answer["type"] == "error" {
            return Err(format!("refused: {answer}"));
        }
        Ok(answer)
    }

    pub fn close(&self) {
        let _ = self.out.send(Message::Close(None));
    }
}
