//! Files: upload grants (for an operator or a visitor), the workspace's limits, a dialog's files
//! and links to a message's.

use super::Shared;
use super::extract::{AsOperator, Bearer, Body, PathOf};
use crate::app::{App, AppError};
use crate::domain::{AttachmentLimits, FileDescription};
use crate::ids::DialogId;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/uploads", post(grant_upload))
        .route(
            "/api/attachments/limits",
            get(attachment_limits).put(set_attachment_limits),
        )
        .route("/api/dialogs/{id}/attachments", get(dialog_attachments))
        .route(
            "/api/dialogs/{id}/messages/{seq}/attachments",
            get(message_attachments),
        )
}

/// A grant to upload one file, for an operator or a visitor (whichever token is sent).
async fn grant_upload(
    app: Shared,
    Bearer(token): Bearer,
    Body(file): Body<FileDescription>,
) -> Result<Response, AppError> {
    let (workspace, holder) = app.sessions.uploader(&token).await?;
    let grant = app
        .attachments
        .grant_upload(&workspace, holder, file)
        .await?;
    Ok((StatusCode::CREATED, Json(grant)).into_response())
}

/// How large files may be in the caller's workspace, for a check before any upload.
async fn attachment_limits(app: Shared, Bearer(token): Bearer) -> Result<Response, AppError> {
    let (workspace, _) = app.sessions.uploader(&token).await?;
    Ok(Json(app.attachments.attachment_limits(&workspace).await?).into_response())
}

async fn set_attachment_limits(
    app: Shared,
    AsOperator(admin): AsOperator,
    Body(limits): Body<AttachmentLimits>,
) -> Result<Response, AppError> {
    Ok(Json(
        app.attachments
            .set_attachment_limits(&admin, limits)
            .await?,
    )
    .into_response())
}

/// The "Show attachments" panel: every file of the dialog, with links and a token to resend it.
async fn dialog_attachments(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<DialogId>,
) -> Result<Response, AppError> {
    Ok(Json(app.attachments.dialog_attachments(&op, &id).await?).into_response())
}

async fn message_attachments(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf((id, seq)): PathOf<(DialogId, u64)>,
) -> Result<Response, AppError> {
    Ok(Json(app.attachments.message_attachments(&op, &id, seq).await?).into_response())
}
