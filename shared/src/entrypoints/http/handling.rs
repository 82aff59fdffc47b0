//! The workspace's chat handling settings: any operator reads them, those who may manage
//! settings change them.

use super::Shared;
use super::extract::{AsOperator, Body};
use crate::app::{App, AppError};
use crate::domain::ChatHandling;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route(
        "/api/workspace/handling",
        get(chat_handling).put(set_chat_handling),
    )
}

async fn chat_handling(app: Shared, AsOperator(op): AsOperator) -> Result<Response, AppError> {
    Ok(Json(app.chat_handling.chat_handling(&op).await?).into_response())
}

async fn set_chat_handling(
    app: Shared,
    AsOperator(op): AsOperator,
    Body(handling): Body<ChatHandling>,
) -> Result<Response, AppError> {
    Ok(Json(app.chat_handling.set_chat_handling(&op, handling).await?).into_response())
}
