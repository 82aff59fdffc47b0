//! Cold start: each function's stripped release binary, started under a minimal Lambda Runtime
//! API, timed from process start to its first `GET /runtime/invocation/next` (ready: config read,
//! clients built) and to the response to its first event.

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use parlor_core::deploy::Function;
use parlor_core::lambda::{DYNAMODB_ENDPOINT, MANAGEMENT_ENDPOINT, SIGNING_KEY, TABLE};
use parlor_core::protocol::Route;

#[derive(Debug)]
pub struct ColdStart {
    pub size: u64,
    pub ready: Option<Duration>,
    pub first_response: Option<Duration>,
    pub outcome: String,
}

#[derive(Default)]
struct Runtime {
    ready: Option<Instant>,
    answered: Option<(Instant, String)>,
    event: Value,
}

type Shared = Arc<Mutex<Runtime>>;

async fn next(State(rt): State<Shared>) -> (StatusCode, HeaderMap, String) {
    let first = {
        let mut r = rt.lock().expect("not poisoned");
        let first = r.ready.is_none();
        if first {
            r.ready = Some(Instant::now());
        }
        first.then(|| r.event.to_string())
    };
    let Some(body) = first else {
        // One event per cold start: the second `next` waits until the process is stopped.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let mut h = HeaderMap::new();
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        + Duration::from_secs(30);
    h.insert(
        "lambda-runtime-aws-request-id",
        HeaderValue::from_static("req-1"),
    );
    h.insert(
        "lambda-runtime-deadline-ms",
        HeaderValue::from_str(&deadline.as_millis().to_string()).expect("digits"),
    );
    h.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:us-east-1:123456789012:function:parlor"),
    );
    h.insert(
        "lambda-runtime-trace-id",
        HeaderValue::from_static("Root=1-00000000-000000000000000000000000"),
    );
    (StatusCode::OK, h, body)
}

async fn answered(
    State(rt): State<Shared>,
    UrlPath((_id, kind)): UrlPath<(String, String)>,
    body: String,
) -> StatusCode {
    let mut r = rt.lock().expect("not poisoned");
    r.answered.get_or_insert((
        Instant::now(),
        format!("{kind}: {}", body.chars().take(160).collect::<String>()),
    ));
    StatusCode::ACCEPTED
}

async fn gone() -> (StatusCode, [(&'static str, &'static str); 2], &'static str) {
    (
        StatusCode::GONE,
        [
            ("x-amzn-ErrorType", "GoneException"),
            ("content-type", "application/json"),
        ],
        r#"{"message":"Gone"}"#,
    )
}

async fn init_error(State(rt): State<Shared>, body: String) -> StatusCode {
    rt.lock()
        .expect("not poisoned")
        .answered
        .get_or_insert((Instant::now(), format!("init error: {body}")));
    StatusCode::ACCEPTED
}

/// The first event each function gets: a real WebSocket event for the routes, a health check for
/// the HTTP API, EventBridge's scheduled event for the sweep.
fn first_event(function: Function, fixtures: &Path) -> Result<Value, String> {
    if function == Function::Sweep {
        return Ok(json!({
            "version": "0", "id": "cold-1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-11-21T00:00:00Z", "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/parlor-sweep"], "detail": {}
        }));
    }
    let Function::WebSocket(route) = function else {
        return Ok(json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/api/health", "rawQueryString": "",
            "headers": {"host": "api.example.com"},
            "requestContext": {"accountId": "123456789012", "apiId": "api", "domainName": "api.example.com", "domainPrefix": "api",
                "http": {"method": "GET", "path": "/api/health", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "bench"},
                "requestId": "r1", "routeKey": "$default", "stage": "$default", "time": "21/Nov/2026:00:00:00 +0000", "timeEpoch": 0},
            "isBase64Encoded": false
        }));
    };
    let name = if route == Route::Connect {
        "connect.json"
    } else {
        "disconnect.json"
    };
    let path = fixtures.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut event: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let kind = match route {
        Route::Connect => "CONNECT",
        Route::Disconnect => "DISCONNECT",
        _ => "MESSAGE",
    };
    event["requestContext"]["routeKey"] = json!(route.key());
    event["requestContext"]["eventType"] = json!(kind);
    if kind == "MESSAGE" {
        event["body"] = json!(json!({"action": route.key().trim_start_matches('$'), "op": "ping", "request_id": "cold-1"}).to_string());
    }
    Ok(event)
}

/// Starts `bin` under a fresh Runtime API and times its first event. `dynamodb`: an endpoint for
/// the store (DynamoDB Local); without one the first event's store call fails fast, and only
/// `ready` is meaningful.
pub async fn measure(
    function: Function,
    bin: &Path,
    fixtures: &Path,
    dynamodb: Option<&str>,
) -> Result<ColdStart, String> {
    let size = std::fs::metadata(bin)
        .map_err(|e| {
            format!(
                "{}: {e} (build it: cargo build --release -p {})",
                bin.display(),
                function.binary()
            )
        })?
        .len();
    let rt: Shared = Arc::new(Mutex::new(Runtime {
        event: first_event(function, fixtures)?,
        ..Runtime::default()
    }));
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/{kind}", post(answered))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        // The Management API too: the fixtures' connection is gone, as API Gateway would say.
        .route("/prod/@connections/{id}", post(gone).get(gone).delete(gone))
        .with_state(rt.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let api = listener.local_addr().map_err(|e| e.to_string())?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let started = Instant::now();
    let mut child = Command::new(bin)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", api.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", function.binary())
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/parlor")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "parlorbench")
        .env("AWS_SECRET_ACCESS_KEY", "parlorbench")
        .env(TABLE, "parlor")
        .env(MANAGEMENT_ENDPOINT, format!("http://{api}/prod"))
        .env(SIGNING_KEY, "cold-start-signing-key-of-32-bytes-or-more")
        .env(DYNAMODB_ENDPOINT, dynamodb.unwrap_or("http://127.0.0.1:9"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let until = Instant::now() + Duration::from_secs(20);
    while rt.lock().expect("not poisoned").answered.is_none() && Instant::now() < until {
        if let Ok(Some(status)) = child.try_wait() {
            let _ = status;
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    server.abort();
    let r = rt.lock().expect("not poisoned");
    Ok(ColdStart {
        size,
        ready: r.ready.map(|t| t - started),
        first_response: r.answered.as_ref().map(|(t, _)| *t - started),
        outcome: r
            .answered
            .as_ref()
            .map_or_else(|| "no answer".into(), |(_, s)| s.clone()),
    })
}
