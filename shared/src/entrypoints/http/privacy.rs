//! A contact's export and erasure (`app::Privacy`).

use super::Shared;
use super::extract::{AsOperator, PathOf};
use crate::app::AppError;
use crate::ids::ContactId;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use std::sync::Arc;

pub fn routes() -> Router<Arc<crate::app::App>> {
    Router::new()
        .route("/api/contacts/{id}/export", post(export))
        .route("/api/contacts/{id}", delete(erase))
}

async fn export(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<ContactId>,
) -> Result<Response, AppError> {
    Ok(Json(app.privacy.export(&op, &id).await?).into_response())
}

async fn erase(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<ContactId>,
) -> Result<Response, AppError> {
    Ok(Json(app.privacy.erase(&op, &id).await?).into_response())
}
