//! The widget's side: a visitor's session, history, the page open now, and links to files.

use super::Shared;
use super::client_ip::FromAddress;
use super::dialogs::HistoryQuery;
use super::extract::{AsVisitor, Body, Origin, PathOf, QueryOf};
use crate::app::{App, AppError, VisitorSessionRequest};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/visitor/session", post(visitor_session))
        .route("/api/visitor/messages", get(visitor_history))
        .route("/api/visitor/page", post(visitor_page))
        .route("/api/visitor/queue", get(visitor_queue))
        .route(
            "/api/visitor/messages/{seq}/attachments",
            get(visitor_message_attachments),
        )
}

async fn visitor_session(
    app: Shared,
    Origin(origin): Origin,
    FromAddress(from): FromAddress,
    Body(req): Body<VisitorSessionRequest>,
) -> Result<Response, AppError> {
    Ok(Json(
        app.sessions
            .visitor_session(req, origin.as_deref(), from)
            .await?,
    )
    .into_response())
}

async fn visitor_history(
    app: Shared,
    AsVisitor(visitor): AsVisitor,
    QueryOf(q): QueryOf<HistoryQuery>,
) -> Result<Response, AppError> {
    Ok(Json(
        app.dialogs
            .visitor_history(&visitor, q.cursor()?, q.limit())
            .await?,
    )
    .into_response())
}

/// The visitor's place in the queue: the `queue.position` event's body, or `{}` when their
/// dialog does not wait in it.
async fn visitor_queue(app: Shared, AsVisitor(visitor): AsVisitor) -> Result<Response, AppError> {
    Ok(match app.dialogs.queue_place(&visitor).await? {
        Some(event) => Json(event).into_response(),
        None => Json(serde_json::json!({})).into_response(),
    })
}

#[derive(Deserialize)]
struct PageBody {
    url: String,
    title: Option<String>,
}

/// The widget reports the page the visitor has open; operators are told at once.
async fn visitor_page(
    app: Shared,
    AsVisitor(visitor): AsVisitor,
    Body(b): Body<PageBody>,
) -> Result<Response, AppError> {
    Ok(Json(
        app.dialogs
            .visitor_page(&visitor, &b.url, b.title.as_deref())
            .await?,
    )
    .into_response())
}

async fn visitor_message_attachments(
    app: Shared,
    AsVisitor(visitor): AsVisitor,
    PathOf(seq): PathOf<u64>,
) -> Result<Response, AppError> {
    Ok(Json(
        app.attachments
            .visitor_message_attachments(&visitor, seq)
            .await?,
    )
    .into_response())
}
