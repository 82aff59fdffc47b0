//! An operator's Web Push: the server's key and their choices, their browsers' subscriptions.

use super::Shared;
use super::extract::{AsOperator, Body, QueryOf};
use crate::app::{App, AppError, NewPushSubscription};
use crate::domain::PushChoices;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/push", get(settings))
        .route(
            "/api/push/subscriptions",
            post(subscribe).delete(unsubscribe),
        )
        .route("/api/push/choices", put(choose))
}

async fn settings(app: Shared, AsOperator(op): AsOperator) -> Result<Response, AppError> {
    Ok(Json(app.notifications.settings(&op).await?).into_response())
}

async fn subscribe(
    app: Shared,
    AsOperator(op): AsOperator,
    Body(new): Body<NewPushSubscription>,
) -> Result<Response, AppError> {
    let settings = app.notifications.subscribe(&op, new).await?;
    Ok((StatusCode::CREATED, Json(settings)).into_response())
}

#[derive(Deserialize)]
struct Endpoint {
    endpoint: String,
}

async fn unsubscribe(
    app: Shared,
    AsOperator(op): AsOperator,
    QueryOf(Endpoint { endpoint }): QueryOf<Endpoint>,
) -> Result<Response, AppError> {
    app.notifications.unsubscribe(&op, &endpoint).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn choose(
    app: Shared,
    AsOperator(op): AsOperator,
    Body(choices): Body<PushChoices>,
) -> Result<Response, AppError> {
    Ok(Json(app.notifications.choose(&op, choices).await?).into_response())
}
