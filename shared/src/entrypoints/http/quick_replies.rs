//! An operator's quick replies.

use super::Shared;
use super::extract::{AsOperator, Body, PathOf};
use crate::app::{App, AppError, NewQuickReply};
use crate::ids::QuickReplyId;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/api/quick-replies",
            get(quick_replies).post(add_quick_reply),
        )
        .route("/api/quick-replies/{id}", delete(delete_quick_reply))
}

async fn quick_replies(app: Shared, AsOperator(op): AsOperator) -> Result<Response, AppError> {
    Ok(Json(app.quick_replies.list(&op).await?).into_response())
}

async fn add_quick_reply(
    app: Shared,
    AsOperator(op): AsOperator,
    Body(new): Body<NewQuickReply>,
) -> Result<Response, AppError> {
    let created = app.quick_replies.add(&op, new).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn delete_quick_reply(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<QuickReplyId>,
) -> Result<Response, AppError> {
    app.quick_replies.delete(&op, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
