//! API Gateway's WebSocket side, emulated: `$connect` with the query string and headers (a non-2xx
//! answer rejects the socket), route selection on `$request.body.action`, `$default`, `$disconnect`
//! with status code and reason, the 32 KB frame / 128 KB message limits (1009), the idle and
//! two-hour cuts, and the Management API (`POST/GET/DELETE /@connections/{id}`, 410 when gone).
//! Every route's handler runs in-process on the real Lambda event types.

use aws_lambda_events::apigw::{
    ApiGatewayWebsocketProxyRequest, ApiGatewayWebsocketProxyRequestContext,
};
use aws_lambda_events::encodings::Body as LambdaBody;
use aws_lambda_events::query_map::QueryMap;
use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use parlor_core::app::App;
use parlor_core::entrypoints::ws;
use parlor_core::ids::random_token;
use parlor_core::protocol::Route;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// API Gateway's WebSocket limits.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_frame_bytes: usize,
    pub max_message_bytes: usize,
    pub idle_timeout: Duration,
    pub max_connection_age: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 32 * 1024,
            max_message_bytes: 128 * 1024,
            idle_timeout: Duration::from_secs(600),
            max_connection_age: Duration::from_secs(2 * 3600),
        }
    }
}

const STAGE: &str = "local";

enum Outgoing {
    Text(String),
    Close(u16, &'static str),
}

struct Socket {
    tx: mpsc::UnboundedSender<Outgoing>,
    /// Set when the gateway itself ends the connection (DELETE, stop): the reader stops at once,
    /// without waiting for the client to answer the close.
    cut: tokio::sync::watch::Sender<Option<(u16, &'static str)>>,
    connected_at: i64,
    last_active: AtomicI64,
    source_ip: String,
    user_agent: Option<String>,
}

pub struct Gateway {
    app: Arc<App>,
    sockets: Mutex<HashMap<String, Arc<Socket>>>,
    limits: Limits,
    domain: String,
}

impl Socket {
    fn cut(&self, code: u16, reason: &'static str) {
        let _ = self.tx.send(Outgoing::Close(code, reason));
        let _ = self.cut.send(Some((code, reason)));
    }
}

fn now_ms() -> i64 {
    parlor_core::ports::Clock::now(&parlor_core::ports::SystemClock)
}

impl Gateway {
    pub fn new(app: Arc<App>, limits: Limits, domain: String) -> Arc<Self> {
        Arc::new(Self {
            app,
            sockets: Mutex::new(HashMap::new()),
            limits,
            domain,
        })
    }

    /// The client side: `GET /ws` upgrades.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/ws", get(upgrade))
            .with_state(self.clone())
    }

    /// The Management API, for the functions' push adapter. Served on loopback only, and only to
    /// requests signed with `access_key` (the process's own, made up per run): any local user
    /// could reach the port, and whoever is let in can write to any socket.
    pub fn management_router(self: &Arc<Self>, access_key: &str) -> Router {
        let wanted = format!("AWS4-HMAC-SHA256 Credential={access_key}/");
        let only_ours = axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let ours = request
                    .headers()
                    .get(http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with(&wanted));
                async move {
                    if ours {
                        next.run(request).await
                    } else {
                        let body = r#"{"message":"Forbidden"}"#;
                        (http::StatusCode::FORBIDDEN, body).into_response()
                    }
                }
            },
        );
        Router::new()
            .route(
                "/@connections/{id}",
                get(get_connection)
                    .post(post_connection)
                    .delete(delete_connection),
            )
            .route(
                "/{stage}/@connections/{id}",
                get(get_staged).post(post_staged).delete(delete_staged),
            )
            .layer(only_ours)
            .with_state(self.clone())
    }

    /// Closes every socket, as a stopping gateway does.
    pub fn close_all(&self) {
        for socket in self.sockets.lock().expect("not poisoned").values() {
            socket.cut(1001, "Going away");
        }
    }

    pub fn open_sockets(&self) -> usize {
        self.sockets.lock().expect("not poisoned").len()
    }

    fn socket(&self, id: &str) -> Option<Arc<Socket>> {
        self.sockets.lock().expect("not poisoned").get(id).cloned()
    }

    fn event(
        &self,
        route: Route,
        connection_id: &str,
        connected_at: i64,
        source_ip: &str,
    ) -> ApiGatewayWebsocketProxyRequest {
        let event_type = match route {
            Route::Connect => "CONNECT",
            Route::Disconnect => "DISCONNECT",
            _ => "MESSAGE",
        };
        let mut ctx = ApiGatewayWebsocketProxyRequestContext::default();
        ctx.route_key = Some(route.key().to_owned());
        ctx.event_type = Some(event_type.to_owned());
        ctx.connection_id = Some(connection_id.to_owned());
        ctx.stage = Some(STAGE.to_owned());
        ctx.domain_name = Some(self.domain.clone());
        ctx.apiid = Some("local".to_owned());
        ctx.connected_at = connected_at;
        ctx.request_time_epoch = now_ms();
        ctx.request_id = Some(random_token(""));
        ctx.extended_request_id = ctx.request_id.clone();
        ctx.message_direction = Some("IN".to_owned());
        ctx.identity.source_ip = Some(source_ip.to_owned());
        if event_type == "MESSAGE" {
            ctx.message_id = Some(random_token(""));
        }
        let mut event = ApiGatewayWebsocketProxyRequest::default();
        event.request_context = ctx;
        event
    }

    /// Invokes the route's function in-process. A function error is what API Gateway turns into
    /// an "Internal server error" frame to the client.
    async fn invoke(&self, event: ApiGatewayWebsocketProxyRequest) -> Option<(i64, String)> {
        match ws::handle(&self.app, event).await {
            Ok(r) => {
                let body = match r.body {
                    Some(LambdaBody::Text(t)) => t,
                    Some(LambdaBody::Binary(b)) => String::from_utf8_lossy(&b).into_owned(),
                    _ => String::new(),
                };
                Some((r.status_code, body))
            }
            Err(e) => {
                tracing::error!(error = %e, "function failed");
                None
            }
        }
    }
}

async fn upgrade(
    State(gw): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let connection_id = random_token("");
    let connected_at = now_ms();
    let source_ip = peer.ip().to_string();
    let mut event = gw.event(Route::Connect, &connection_id, connected_at, &source_ip);
    event.headers = headers.clone();
    event.query_string_parameters = QueryMap::from(query);
    match gw.invoke(event).await {
        Some((status, _)) if (200..300).contains(&status) => {}
        Some((status, body)) => {
            let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::FORBIDDEN);
            return (status, body).into_response();
        }
        None => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response();
        }
    }
    let user_agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let limits = gw.limits.clone();
    upgrade
        .max_frame_size(limits.max_frame_bytes)
        .max_message_size(limits.max_message_bytes)
        .on_upgrade(move |socket| {
            serve_socket(
                gw,
                socket,
                connection_id,
                connected_at,
                source_ip,
                user_agent,
            )
        })
}

async fn serve_socket(
    gw: Arc<Gateway>,
    socket: WebSocket,
    id: String,
    connected_at: i64,
    source_ip: String,
    user_agent: Option<String>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (cut, mut cut_rx) = tokio::sync::watch::channel(None);
    let handle = Arc::new(Socket {
        tx: tx.clone(),
        cut,
        connected_at,
        last_active: AtomicI64::new(connected_at),
        source_ip,
        user_agent,
    });
    gw.sockets
        .lock()
        .expect("not poisoned")
        .insert(id.clone(), handle.clone());
    let (mut sink, mut stream) = socket.split();

    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            match out {
                Outgoing::Text(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Outgoing::Close(code, reason) => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: reason.into(),
                        })))
                        .await;
                    break;
                }
            }
        }
        let _ = sink.close().await;
    });

    let deadline = tokio::time::Instant::now() + gw.limits.max_connection_age;
    let (code, reason): (u16, String) = loop {
        if tokio::time::Instant::now() >= deadline {
            let _ = tx.send(Outgoing::Close(1001, "Going away"));
            break (1001, "Connection lifetime exceeded".into());
        }
        let wait = gw
            .limits
            .idle_timeout
            .min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        let next = tokio::select! {
            next = tokio::time::timeout(wait, stream.next()) => next,
            cut = cut_rx.wait_for(Option::is_some) => {
                let (code, reason) = cut.ok().and_then(|c| *c).unwrap_or((1001, "Going away"));
                break (code, reason.into());
            }
        };
        let frame = match next {
            Err(_) => {
                let _ = tx.send(Outgoing::Close(1001, "Going away"));
                let why = if tokio::time::Instant::now() >= deadline {
                    "Connection lifetime exceeded"
                } else {
                    "Idle timeout"
                };
                break (1001, why.into());
            }
            Ok(None) => break (1006, "Connection closed abnormally".into()),
            Ok(Some(Err(e))) => {
                // tungstenite reports an over-limit frame or message as a capacity error; API
                // Gateway closes with 1009 then.
                let text = e.to_string();
                if text.contains("Space limit exceeded")
                    || text.contains("too long")
                    || text.contains("too big")
                {
                    let _ = tx.send(Outgoing::Close(1009, "Message too big"));
                    break (1009, "Message too big".into());
                }
                break (1006, text);
            }
            Ok(Some(Ok(frame))) => frame,
        };
        handle.last_active.store(now_ms(), Ordering::Relaxed);
        let (body, base64) = match frame {
            Message::Text(text) => (text.to_string(), false),
            Message::Binary(bytes) => (
                base64::engine::general_purpose::STANDARD.encode(&bytes),
                true,
            ),
            Message::Close(frame) => {
                let (code, reason) =
                    frame.map_or((1005, String::new()), |f| (f.code, f.reason.to_string()));
                let reason = if code == 1005 {
                    "Client-side close frame status not set".into()
                } else {
                    reason
                };
                break (code, reason);
            }
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        let route = if base64 {
            Route::Default
        } else {
            Route::select(&body)
        };
        let mut event = gw.event(route, &id, connected_at, &handle.source_ip);
        event.body = Some(body);
        event.is_base64_encoded = base64;
        // Frames of one connection are handled in order, one at a time.
        if gw.invoke(event).await.is_none() {
            let error =
                serde_json::json!({ "message": "Internal server error", "connectionId": id });
            let _ = tx.send(Outgoing::Text(error.to_string()));
        }
    };

    gw.sockets.lock().expect("not poisoned").remove(&id);
    // Stops the writer (the WebSocket layer has already echoed a client's close): the socket's
    // handle keeps a sender alive, so without this a socket the client closed would never reach
    // $disconnect. When the writer has stopped already, this goes nowhere.
    let _ = tx.send(Outgoing::Close(1000, ""));
    drop(tx);
    let _ = writer.await;
    let mut event = gw.event(Route::Disconnect, &id, connected_at, &handle.source_ip);
    event.request_context.disconnect_status_code = Some(i64::from(code));
    event.request_context.disconnect_reason = Some(reason);
    gw.invoke(event).await;
}

fn gone() -> Response {
    let mut r = (StatusCode::GONE, r#"{"message":null}"#).into_response();
    r.headers_mut().insert(
        "x-amzn-ErrorType",
        HeaderValue::from_static("GoneException"),
    );
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

async fn post_connection(
    State(gw): State<Arc<Gateway>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if body.len() > gw.limits.max_message_bytes {
        let mut r = (
            StatusCode::PAYLOAD_TOO_LARGE,
            r#"{"message":"Message too long"}"#,
        )
            .into_response();
        r.headers_mut().insert(
            "x-amzn-ErrorType",
            HeaderValue::from_static("PayloadTooLargeException"),
        );
        return r;
    }
    let Some(socket) = gw.socket(&id) else {
        return gone();
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    match socket.tx.send(Outgoing::Text(text)) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(_) => gone(),
    }
}

async fn get_connection(State(gw): State<Arc<Gateway>>, Path(id): Path<String>) -> Response {
    let Some(socket) = gw.socket(&id) else {
        return gone();
    };
    let body = serde_json::json!({
        "connectedAt": rfc3339(socket.connected_at),
        "lastActiveAt": rfc3339(socket.last_active.load(Ordering::Relaxed)),
        "identity": { "sourceIp": socket.source_ip, "userAgent": socket.user_agent },
    });
    axum::Json(body).into_response()
}

async fn delete_connection(State(gw): State<Arc<Gateway>>, Path(id): Path<String>) -> Response {
    let Some(socket) = gw.socket(&id) else {
        return gone();
    };
    socket.cut(1000, "");
    StatusCode::NO_CONTENT.into_response()
}

async fn post_staged(
    gw: State<Arc<Gateway>>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    post_connection(gw, Path(id), body).await
}

async fn get_staged(gw: State<Arc<Gateway>>, Path((_, id)): Path<(String, String)>) -> Response {
    get_connection(gw, Path(id)).await
}

async fn delete_staged(gw: State<Arc<Gateway>>, Path((_, id)): Path<(String, String)>) -> Response {
    delete_connection(gw, Path(id)).await
}

/// Milliseconds since the epoch as `YYYY-MM-DDThh:mm:ss.sssZ`, the Management API's date format.
fn rfc3339(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_render_like_the_management_api() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_645_556_857_902),
            "2022-02-22T19:07:37.902Z"
        );
    }
}
