//! The HTTP API: one axum router, served by `lambda_http` in AWS and by the local gateway. One
//! router per resource; every handler takes its caller, body, query and path through `extract`,
//! and every refusal answers as `AppError` does below. `frame` serves the widget's iframe page,
//! which is not JSON and not under `/api`.

mod attachments;
pub mod client_ip;
mod contacts;
mod dialogs;
pub mod extract;
pub mod frame;
mod groups;
mod handling;
mod operators;
mod privacy;
mod push;
mod quick_replies;
mod reports;
mod sites;
mod tags;
mod visitor;

use crate::app::{App, AppError};
use crate::deploy::Function;
use crate::domain::DomainError;
use crate::edge::Hosts;
use crate::ports::WebFiles;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;

type Shared = axum::extract::State<Arc<App>>;

/// `{"error": {"code", "message"}}`, with the status `ErrorCode::http_status` gives its code; a
/// refusal for a limit adds `retry_after` (whole seconds, rounded up) and the same `Retry-After`.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code().http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        if self.is_internal() {
            tracing::error!(error = %self, "request failed");
        }
        let mut error = json!({ "code": self.code(), "message": self.public_message() });
        if let AppError::ChooseWorkspace(workspaces) = &self {
            error["workspaces"] = json!(workspaces);
        }
        let retry_after = self.retry_after_ms().map(|ms| (ms.max(1) + 999) / 1000);
        if let Some(secs) = retry_after {
            error["retry_after"] = json!(secs);
        }
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

/// The largest request body read: every body of the API is a few kilobytes at most (files go to
/// storage, never through here), so nothing larger is buffered or parsed.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Paths are under `/api`, in AWS and locally alike.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/api/health",
            get(|| async { Json(crate::protocol::Health { ok: true }) }),
        )
        .merge(operators::routes())
        .merge(dialogs::routes())
        .merge(visitor::routes())
        .merge(sites::routes())
        .merge(quick_replies::routes())
        .merge(attachments::routes())
        .merge(push::routes())
        .merge(groups::routes())
        .merge(handling::routes())
        .merge(reports::routes())
        .merge(contacts::routes())
        .merge(privacy::routes())
        .merge(tags::routes())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(as_http_api_function))
        .layer(axum::middleware::from_fn(api_headers))
        .with_state(app)
}

/// The header CloudFront adds to every request it sends to the HTTP API when a web ACL guards
/// the API (`infra/template.yaml`, the `api` origin), with the value of `PARLOR_EDGE_SECRET`.
pub const EDGE_HEADER: &str = "x-parlor-edge";

/// The HTTP API's function in AWS: the API, the widget's frame page when the published web files
/// are given (with the hosts its CSP names), and, when `edge_secret` is given, nothing for a
/// request that does not carry it: a web ACL in front of CloudFront then sees every request, and
/// the API's own address is no way around it.
pub fn deployed(
    app: Arc<App>,
    frame: Option<(Arc<dyn WebFiles>, Hosts)>,
    edge_secret: Option<String>,
) -> Router {
    let mut router = router(app.clone());
    if let Some((files, hosts)) = frame {
        router = router.merge(frame::routes(app, files, hosts));
    }
    match edge_secret {
        Some(secret) => router.layer(axum::middleware::from_fn_with_state(
            Arc::<str>::from(secret),
            through_the_edge,
        )),
        None => router,
    }
}

/// Refuses a request without the edge's header, as a forbidden call with the API's headers.
async fn through_the_edge(
    axum::extract::State(secret): axum::extract::State<Arc<str>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let sent = request
        .headers()
        .get(EDGE_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if same_bytes(sent, secret.as_bytes()) {
        return next.run(request).await;
    }
    let mut refused = AppError::from(DomainError::Forbidden(
        "this API is reached through its CloudFront distribution only",
    ))
    .into_response();
    with_api_headers(&mut refused);
    refused
}

/// Compares in time that depends on the lengths only, so the answer's timing tells nothing of
/// how much of a guess was right.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `edge::API_HEADERS` on every answer, refusals and the framework's own rejections included.
async fn api_headers(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    with_api_headers(&mut response);
    response
}

fn with_api_headers(response: &mut Response) {
    for (name, value) in crate::edge::API_HEADERS {
        response.headers_mut().insert(
            axum::http::HeaderName::from_static(name),
            axum::http::HeaderValue::from_static(value),
        );
    }
}

/// Every request runs as the HTTP API's function (see `deploy::Function::scope`).
async fn as_http_api_function(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    Function::HttpApi.scope(next.run(request)).await
}
