//! The HTTP API: one axum router, served by `lambda_http` in AWS and by the local gateway. One
//! router per resource; every handler takes its caller, body, query and path through `extract`,
//! and every refusal answers as `AppError` does below.

mod attachments;
mod dialogs;
pub mod extract;
mod operators;
mod push;
mod quick_replies;
mod sites;
mod visitor;

use crate::app::{App, AppError};
use crate::deploy::Function;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;

type Shared = axum::extract::State<Arc<App>>;

/// `{"error": {"code", "message"}}`, with the status `ErrorCode::http_status` gives its code.
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
        (status, Json(json!({ "error": error }))).into_response()
    }
}

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
        .layer(axum::middleware::from_fn(as_http_api_function))
        .layer(axum::middleware::from_fn(api_headers))
        .with_state(app)
}

/// `edge::API_HEADERS` on every answer, refusals and the framework's own rejections included.
async fn api_headers(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    for (name, value) in crate::edge::API_HEADERS {
        response.headers_mut().insert(
            axum::http::HeaderName::from_static(name),
            axum::http::HeaderValue::from_static(value),
        );
    }
    response
}

/// Every request runs as the HTTP API's function (see `deploy::Function::scope`).
async fn as_http_api_function(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    Function::HttpApi.scope(next.run(request)).await
}
