//! Groups of operators and the rights they carry, and which groups each operator belongs to:
//! admins only.

use super::Shared;
use super::extract::{AsOperator, Body, PathOf};
use crate::app::{App, AppError, GroupChange, Membership};
use crate::ids::{GroupId, OperatorId};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, put};
use axum::{Json, Router};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/groups", get(groups).post(create_group))
        .route("/api/groups/{id}", patch(update_group).delete(delete_group))
        .route("/api/operators/{id}/groups", put(set_membership))
}

async fn groups(app: Shared, AsOperator(admin): AsOperator) -> Result<Response, AppError> {
    Ok(Json(app.groups.list(&admin).await?).into_response())
}

async fn create_group(
    app: Shared,
    AsOperator(admin): AsOperator,
    Body(change): Body<GroupChange>,
) -> Result<Response, AppError> {
    let created = app.groups.create(&admin, change).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn update_group(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(id): PathOf<GroupId>,
    Body(change): Body<GroupChange>,
) -> Result<Response, AppError> {
    Ok(Json(app.groups.update(&admin, &id, change).await?).into_response())
}

async fn delete_group(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(id): PathOf<GroupId>,
) -> Result<Response, AppError> {
    app.groups.delete(&admin, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn set_membership(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(id): PathOf<OperatorId>,
    Body(membership): Body<Membership>,
) -> Result<Response, AppError> {
    Ok(Json(app.groups.set_membership(&admin, &id, membership).await?).into_response())
}
