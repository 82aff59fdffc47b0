//! The baseline: a bare WebSocket relay on the same machine. It does the least a chat server must
//! (parse the frame, number it, ack the sender, forward it to the other side) and nothing Parlor
//! does besides (no auth, no store, no fan-out to every operator), so Parlor's latency can be
//! given as a ratio to it.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

#[derive(Default)]
struct Routes {
    operators: HashMap<usize, mpsc::UnboundedSender<Message>>,
    visitors: HashMap<usize, mpsc::UnboundedSender<Message>>,
    seqs: HashMap<usize, u64>,
}

pub struct Relay {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let routes: Arc<Mutex<Routes>> = Arc::default();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let _ = tcp.set_nodelay(true);
                tokio::spawn(serve(tcp, routes.clone()));
            }
        });
        Ok(Self { addr, task })
    }

    pub fn operator_url(&self, j: usize) -> String {
        format!("ws://{}/?operator={j}", self.addr)
    }

    pub fn visitor_url(&self, dialog: usize, operator: usize) -> String {
        format!("ws://{}/?dialog={dialog}&operator={operator}", self.addr)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

enum Side {
    Operator(usize),
    Visitor { dialog: usize, operator: usize },
}

async fn serve(tcp: tokio::net::TcpStream, routes: Arc<Mutex<Routes>>) {
    let mut query = String::new();
    // The callback's error type is tungstenite's own response, whatever its size.
    #[allow(clippy::result_large_err)]
    let ws = tokio_tungstenite::accept_hdr_async(tcp, |req: &Request, resp: Response| {
        query = req.uri().query().unwrap_or_default().to_owned();
        Ok(resp)
    })
    .await;
    let Ok(ws) = ws else { return };
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let side = match (param("dialog"), param("operator")) {
        (Some(dialog), Some(operator)) => Side::Visitor { dialog, operator },
        (None, Some(j)) => Side::Operator(j),
        _ => return,
    };
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    match side {
        Side::Operator(j) => routes
            .lock()
            .expect("not poisoned")
            .operators
            .insert(j, tx.clone()),
        Side::Visitor { dialog, .. } => routes
            .lock()
            .expect("not poisoned")
            .visitors
            .insert(dialog, tx.clone()),
    };
    tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if sink.send(m).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(Message::Text(text))) = stream.next().await {
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let dialog = match side {
            Side::Visitor { dialog, .. } => dialog,
            Side::Operator(_) => match frame["dialog_id"]
                .as_str()
                .and_then(|d| d.strip_prefix('d'))
                .and_then(|d| d.parse().ok())
            {
                Some(d) => d,
                None => continue,
            },
        };
        let mut r = routes.lock().expect("not poisoned");
        let seq = r.seqs.entry(dialog).or_insert(0);
        *seq += 1;
        let seq = *seq;
        let (kind, peer) = match side {
            Side::Visitor { operator, .. } => ("visitor", r.operators.get(&operator).cloned()),
            Side::Operator(_) => ("operator", r.visitors.get(&dialog).cloned()),
        };
        drop(r);
        let message = json!({"dialog_id": format!("d{dialog}"), "seq": seq, "client_id": frame["client_id"], "kind": kind, "text": frame["text"]});
        let _ = tx.send(Message::text(
            json!({"type": "ack", "request_id": frame["request_id"], "message": message})
                .to_string(),
        ));
        if let Some(peer) = peer {
            let _ = peer.send(Message::text(
                json!({"type": "message.created", "message": message}).to_string(),
            ));
        }
    }
}
