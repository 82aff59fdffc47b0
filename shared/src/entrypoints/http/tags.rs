//! Tags: the workspace's tag definitions (every operator reads them with their counts; admins
//! change them) and the tags on a contact.

use super::Shared;
use super::extract::{AsOperator, Body, PathOf};
use crate::app::{App, AppError, ContactTags, TagEdit};
use crate::ids::{ContactId, TagId};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/tags", get(tags).post(create_tag))
        .route("/api/tags/{id}", put(update_tag).delete(delete_tag))
        .route("/api/contacts/{id}/tags", put(set_contact_tags))
}

async fn tags(app: Shared, AsOperator(op): AsOperator) -> Result<Response, AppError> {
    Ok(Json(app.tags.list(&op).await?).into_response())
}

async fn create_tag(
    app: Shared,
    AsOperator(admin): AsOperator,
    Body(edit): Body<TagEdit>,
) -> Result<Response, AppError> {
    let created = app.tags.create(&admin, edit).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn update_tag(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(id): PathOf<TagId>,
    Body(edit): Body<TagEdit>,
) -> Result<Response, AppError> {
    Ok(Json(app.tags.update(&admin, &id, edit).await?).into_response())
}

async fn delete_tag(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(id): PathOf<TagId>,
) -> Result<Response, AppError> {
    app.tags.delete(&admin, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn set_contact_tags(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<ContactId>,
    Body(set): Body<ContactTags>,
) -> Result<Response, AppError> {
    Ok(Json(app.contacts.set_tags(&op, &id, set).await?).into_response())
}
