//! Contacts: finding them, the card beside a dialog, its edits, merging two and unpinning a dialog
//! from one, the workspace's custom contact fields, the
//! channels the sidebar names, and each site's identity secret.

use super::Shared;
use super::extract::{AsOperator, Body, PathOf, QueryOf};
use crate::app::{App, AppError, ContactEdit, ContactFields, MergeRequest};
use crate::ids::{ContactId, DialogId, SiteKey};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/contacts", get(find))
        .route("/api/contacts/{id}", get(card).put(edit))
        .route("/api/contacts/{id}/merge", post(merge))
        .route("/api/contacts/{id}/dialogs/{dialog}", delete(unpin))
        .route("/api/contacts/{id}/block", post(block).delete(unblock))
        .route("/api/contact-fields", get(fields).put(set_fields))
        .route("/api/channels", get(channels))
        .route(
            "/api/sites/{key}/identity-secret",
            get(identity_secret).post(rotate_identity_secret),
        )
}

#[derive(serde::Deserialize)]
struct FindQuery {
    #[serde(default)]
    q: String,
}

/// Finds contacts by name, e-mail or phone (seed 001: to merge one).
async fn find(
    app: Shared,
    AsOperator(op): AsOperator,
    QueryOf(q): QueryOf<FindQuery>,
) -> Result<Response, AppError> {
    Ok(Json(app.contacts.find(&op, &q.q).await?).into_response())
}

/// Pulls the contact named in the body into this one (seed 001: "Unite").
async fn merge(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<ContactId>,
    Body(request): Body<MergeRequest>,
) -> Result<Response, AppError> {
    Ok(Json(app.contacts.merge(&op, &id, &request.contact_id).await?).into_response())
}

async fn card(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<ContactId>,
) -> Result<Response, AppError> {
    Ok(Json(app.contacts.card(&op, &id).await?).into_response())
}

async fn edit(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<ContactId>,
    Body(edit): Body<ContactEdit>,
) -> Result<Response, AppError> {
    Ok(Json(app.contacts.edit(&op, &id, edit).await?).into_response())
}

/// Unpins the dialog from the contact (seed 002).
async fn unpin(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf((id, dialog)): PathOf<(ContactId, DialogId)>,
) -> Result<Response, AppError> {
    Ok(Json(app.contacts.unpin(&op, &id, &dialog).await?).into_response())
}

async fn block(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<ContactId>,
) -> Result<Response, AppError> {
    Ok(Json(app.contacts.block(&op, &id, true).await?).into_response())
}

async fn unblock(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<ContactId>,
) -> Result<Response, AppError> {
    Ok(Json(app.contacts.block(&op, &id, false).await?).into_response())
}

async fn fields(app: Shared, AsOperator(op): AsOperator) -> Result<Response, AppError> {
    Ok(Json(app.contacts.fields(&op).await?).into_response())
}

async fn set_fields(
    app: Shared,
    AsOperator(admin): AsOperator,
    Body(fields): Body<ContactFields>,
) -> Result<Response, AppError> {
    Ok(Json(app.contacts.set_fields(&admin, fields).await?).into_response())
}

async fn channels(app: Shared, AsOperator(op): AsOperator) -> Result<Response, AppError> {
    Ok(Json(app.sites.channels(&op).await?).into_response())
}

async fn identity_secret(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(key): PathOf<SiteKey>,
) -> Result<Response, AppError> {
    Ok(Json(app.sites.identity_secret(&admin, &key).await?).into_response())
}

async fn rotate_identity_secret(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(key): PathOf<SiteKey>,
) -> Result<Response, AppError> {
    Ok(Json(app.sites.rotate_identity_secret(&admin, &key).await?).into_response())
}
