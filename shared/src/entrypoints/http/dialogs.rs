//! The operator's dialogs: the lists, one dialog, its history, the visitor's card beside it, quick
//! search, and deleting dialogs.

use super::Shared;
use super::extract::{AsOperator, Body, PathOf, QueryOf};
use crate::app::{App, AppError, HistoryCursor};
use crate::domain::DialogStatus;
use crate::ids::DialogId;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/dialogs", get(dialogs))
        .route("/api/dialogs/delete", post(delete_dialogs))
        .route("/api/dialogs/{id}", get(dialog))
        .route("/api/dialogs/{id}/messages", get(history))
        .route("/api/dialogs/{id}/visitor", get(visitor_card))
        .route("/api/search", get(search))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

async fn dialogs(
    app: Shared,
    AsOperator(op): AsOperator,
    QueryOf(q): QueryOf<ListQuery>,
) -> Result<Response, AppError> {
    let status = match q.status.as_deref() {
        None => DialogStatus::Open,
        Some(s) => DialogStatus::parse(s)
            .ok_or_else(|| AppError::Invalid("status is open or closed".into()))?,
    };
    Ok(Json(
        app.dialogs
            .list_dialogs(&op, status, q.cursor.as_deref(), q.limit.unwrap_or(50))
            .await?,
    )
    .into_response())
}

/// `{"dialog_ids": [...]}`: at most `MAX_DIALOGS_PER_DELETE` of them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteRequest {
    dialog_ids: Vec<DialogId>,
}

async fn delete_dialogs(
    app: Shared,
    AsOperator(op): AsOperator,
    Body(req): Body<DeleteRequest>,
) -> Result<Response, AppError> {
    Ok(Json(app.dialogs.delete_dialogs(&op, &req.dialog_ids).await?).into_response())
}

async fn dialog(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<DialogId>,
) -> Result<Response, AppError> {
    Ok(Json(app.dialogs.dialog_for(&op, &id).await?).into_response())
}

/// `?before=` or `?after=` a `seq`, and how many.
#[derive(Deserialize)]
pub(super) struct HistoryQuery {
    before: Option<u64>,
    after: Option<u64>,
    limit: Option<usize>,
}

impl HistoryQuery {
    pub(super) fn cursor(&self) -> Result<HistoryCursor, AppError> {
        match (self.before, self.after) {
            (Some(_), Some(_)) => Err(AppError::Invalid("give before or after, not both".into())),
            (_, Some(after)) => Ok(HistoryCursor::After(after)),
            (before, None) => Ok(HistoryCursor::Before(before)),
        }
    }

    pub(super) fn limit(&self) -> usize {
        self.limit.unwrap_or(50)
    }
}

async fn history(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<DialogId>,
    QueryOf(q): QueryOf<HistoryQuery>,
) -> Result<Response, AppError> {
    Ok(Json(
        app.dialogs
            .history(&op, &id, q.cursor()?, q.limit())
            .await?,
    )
    .into_response())
}

/// The contact card beside a dialog: who the visitor is, where they came from, what page is open.
async fn visitor_card(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<DialogId>,
) -> Result<Response, AppError> {
    Ok(Json(app.dialogs.visitor_card(&op, &id).await?).into_response())
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(
    app: Shared,
    AsOperator(op): AsOperator,
    QueryOf(q): QueryOf<SearchQuery>,
) -> Result<Response, AppError> {
    Ok(Json(
        app.search
            .search(&op, q.q.as_deref().unwrap_or_default())
            .await?,
    )
    .into_response())
}
