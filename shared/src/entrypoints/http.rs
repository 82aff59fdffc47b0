//! The HTTP API: one axum router, served by `lambda_http` in AWS and by the local gateway.

use crate::app::{App, AppError, HistoryCursor, VisitorSessionRequest};
use crate::deploy::Function;
use crate::domain::{DialogStatus, DomainError, ErrorCode, Operator, OperatorStatus, Role};
use crate::ids::DialogId;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

type Shared = State<Arc<App>>;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Domain(DomainError::Forbidden(_)) => StatusCode::FORBIDDEN,
            AppError::Domain(DomainError::DialogNotFound | DomainError::OperatorNotFound) => StatusCode::NOT_FOUND,
            AppError::Domain(DomainError::Conflict) => StatusCode::CONFLICT,
            AppError::Domain(DomainError::AttachmentTooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Request { code: ErrorCode::AttachmentsUnavailable, .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        if self.is_internal() {
            tracing::error!(error = %self, "request failed");
        }
        (status, Json(json!({ "error": { "code": self.code(), "message": self.public_message() } }))).into_response()
    }
}

/// Paths are under `/api`, in AWS and locally alike.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/api/health", get(|| async { Json(json!({ "ok": true })) }))
        .route("/api/login", post(login))
        .route("/api/tickets", post(ticket))
        .route("/api/me", get(me))
        .route("/api/me/status", post(set_status))
        .route("/api/operators", get(operators).post(add_operator))
        .route("/api/dialogs", get(dialogs))
        .route("/api/dialogs/{id}", get(dialog))
        .route("/api/dialogs/{id}/messages", get(history))
        .route("/api/visitor/session", post(visitor_session))
        .route("/api/visitor/messages", get(visitor_history))
        .route("/api/sites", get(sites))
        .route("/api/sites/{key}", get(site_settings).put(update_site))
        .route("/api/quick-replies", get(quick_replies).post(add_quick_reply))
        .route("/api/quick-replies/{id}", axum::routing::delete(delete_quick_reply))
        .route("/api/visitor/page", post(visitor_page))
        .route("/api/dialogs/{id}/visitor", get(visitor_card))
        .route("/api/search", get(search))
        .route("/api/uploads", post(grant_upload))
        .route("/api/attachments/limits", get(attachment_limits).put(set_attachment_limits))
        .route("/api/dialogs/{id}/attachments", get(dialog_attachments))
        .route("/api/dialogs/{id}/messages/{seq}/attachments", get(message_attachments))
        .route("/api/visitor/messages/{seq}/attachments", get(visitor_message_attachments))
        .layer(axum::middleware::from_fn(as_http_api_function))
        .with_state(app)
}

/// Every request runs as the HTTP API's function (see `deploy::Function::scope`).
async fn as_http_api_function(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    Function::HttpApi.scope(next.run(request)).await
}

fn bearer(headers: &HeaderMap) -> Result<&str, AppError> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| AppError::Unauthorized("send Authorization: Bearer <token>".into()))
}

async fn operator(app: &App, headers: &HeaderMap) -> Result<Operator, AppError> {
    app.operator_from_session(bearer(headers)?).await
}

fn body<T>(parsed: Result<Json<T>, axum::extract::rejection::JsonRejection>) -> Result<T, AppError> {
    parsed.map(|Json(v)| v).map_err(|e| AppError::request(ErrorCode::InvalidRequest, e.body_text()))
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
}

async fn login(State(app): Shared, json: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>) -> Result<Response, AppError> {
    let b = body(json)?;
    Ok(Json(app.login(&b.email, &b.password).await?).into_response())
}

async fn ticket(State(app): Shared, headers: HeaderMap) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    let t = app.issue_ticket(&op).await?;
    Ok(Json(json!({ "ticket": t.id, "expires_at": t.expires_at })).into_response())
}

async fn me(State(app): Shared, headers: HeaderMap) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    Ok(Json(crate::protocol::OperatorView::from(&op)).into_response())
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

async fn set_status(State(app): Shared, headers: HeaderMap, json: Result<Json<StatusBody>, axum::extract::rejection::JsonRejection>) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    let b = body(json)?;
    let status = OperatorStatus::parse(&b.status)
        .ok_or_else(|| AppError::request(ErrorCode::InvalidRequest, "status is one of online, away, offline"))?;
    Ok(Json(app.set_status(&op, status).await?).into_response())
}

async fn operators(State(app): Shared, headers: HeaderMap) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    Ok(Json(json!({ "operators": app.operators(&op).await? })).into_response())
}

#[derive(Deserialize)]
struct NewOperator {
    email: String,
    name: String,
    password: String,
    #[serde(default)]
    role: Option<Role>,
}

async fn add_operator(State(app): Shared, headers: HeaderMap, json: Result<Json<NewOperator>, axum::extract::rejection::JsonRejection>) -> Result<Response, AppError> {
    let admin = operator(&app, &headers).await?;
    let b = body(json)?;
    let created = app.add_operator(&admin, &b.email, &b.name, b.role.unwrap_or(Role::Operator), &b.password).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

async fn dialogs(State(app): Shared, headers: HeaderMap, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    let status = match q.status.as_deref() {
        None => DialogStatus::Open,
        Some(s) => DialogStatus::parse(s).ok_or_else(|| AppError::request(ErrorCode::InvalidRequest, "status is open or closed"))?,
    };
    Ok(Json(app.list_dialogs(&op, status, q.cursor.as_deref(), q.limit.unwrap_or(50)).await?).into_response())
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(State(app): Shared, headers: HeaderMap, Query(q): Query<SearchQuery>) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    Ok(Json(app.search(&op, q.q.as_deref().unwrap_or_default()).await?).into_response())
}

async fn dialog(State(app): Shared, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    Ok(Json(app.dialog_for(&op, &DialogId::parse(&id)?).await?).into_response())
}

#[derive(Deserialize)]
struct HistoryQuery {
    before: Option<u64>,
    after: Option<u64>,
    limit: Option<usize>,
}

impl HistoryQuery {
    fn cursor(&self) -> Result<HistoryCursor, AppError> {
        match (self.before, self.after) {
            (Some(_), Some(_)) => Err(AppError::request(ErrorCode::InvalidRequest, "give before or after, not both")),
            (_, Some(after)) => Ok(HistoryCursor::After(after)),
            (before, None) => Ok(HistoryCursor::Before(before)),
        }
    }
}

async fn history(State(app): Shared, headers: HeaderMap, Path(id): Path<String>, Query(q): Query<HistoryQuery>) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    let page = app.history(&op, &DialogId::parse(&id)?, q.cursor()?, q.limit.unwrap_or(50)).await?;
    Ok(Json(page).into_response())
}

async fn visitor_session(State(app): Shared, headers: HeaderMap, json: Result<Json<VisitorSessionRequest>, axum::extract::rejection::JsonRejection>) -> Result<Response, AppError> {
    let origin = headers.get("origin").and_then(|v| v.to_str().ok());
    Ok(Json(app.visitor_session(body(json)?, origin).await?).into_response())
}

async fn visitor_history(State(app): Shared, headers: HeaderMap, Query(q): Query<HistoryQuery>) -> Result<Response, AppError> {
    let visitor = app.visitor_from_token(bearer(&headers)?).await?;
    Ok(Json(app.visitor_history(&visitor, q.cursor()?, q.limit.unwrap_or(50)).await?).into_response())
}

/// What the widget needs before it shows anything.
async fn site_settings(State(app): Shared, headers: HeaderMap, Path(key): Path<String>) -> Result<Response, AppError> {
    let origin = headers.get("origin").and_then(|v| v.to_str().ok());
    let site = app.site_for(&crate::ids::SiteKey::parse(&key)?, origin).await?;
    Ok(Json(crate::domain::SiteView::from(&site)).into_response())
}

/// The admin's workspace's sites, for the console's settings.
async fn sites(State(app): Shared, headers: HeaderMap) -> Result<Response, AppError> {
    let admin = operator(&app, &headers).await?;
    Ok(Json(app.sites(&admin).await?).into_response())
}

/// Admins change the widget's colour, corner, greeting, whether operator names show, and the
/// origins it may run on.
async fn update_site(
    State(app): Shared,
    headers: HeaderMap,
    Path(key): Path<String>,
    json: Result<Json<crate::app::SiteUpdate>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let admin = operator(&app, &headers).await?;
    let site = app.update_site(&admin, &crate::ids::SiteKey::parse(&key)?, body(json)?).await?;
    Ok(Json(crate::domain::SiteView::from(&site)).into_response())
}

#[derive(Deserialize)]
struct PageBody {
    url: String,
    title: Option<String>,
}

/// The widget reports the page the visitor has open; operators are told at once.
async fn visitor_page(State(app): Shared, headers: HeaderMap, json: Result<Json<PageBody>, axum::extract::rejection::JsonRejection>) -> Result<Response, AppError> {
    let visitor = app.visitor_from_token(bearer(&headers)?).await?;
    let b = body(json)?;
    Ok(Json(app.visitor_page(&visitor, &b.url, b.title.as_deref()).await?).into_response())
}

async fn quick_replies(State(app): Shared, headers: HeaderMap) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    Ok(Json(app.quick_replies(&op).await?).into_response())
}

async fn add_quick_reply(
    State(app): Shared,
    headers: HeaderMap,
    json: Result<Json<crate::app::NewQuickReply>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    let created = app.add_quick_reply(&op, body(json)?).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn delete_quick_reply(State(app): Shared, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    app.delete_quick_reply(&op, &crate::ids::QuickReplyId::parse(&id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The contact card beside a dialog: who the visitor is, where they came from, what page is open.
async fn visitor_card(State(app): Shared, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    Ok(Json(app.visitor_card(&op, &DialogId::parse(&id)?).await?).into_response())
}

/// A grant to upload one file, for an operator or a visitor (whichever token is sent).
async fn grant_upload(
    State(app): Shared,
    headers: HeaderMap,
    json: Result<Json<crate::domain::FileDescription>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let (workspace, holder) = app.uploader(bearer(&headers)?).await?;
    let grant = app.grant_upload(&workspace, holder, body(json)?).await?;
    Ok((StatusCode::CREATED, Json(grant)).into_response())
}

/// How large files may be in the caller's workspace, for a check before any upload.
async fn attachment_limits(State(app): Shared, headers: HeaderMap) -> Result<Response, AppError> {
    let (workspace, _) = app.uploader(bearer(&headers)?).await?;
    Ok(Json(app.attachment_limits(&workspace).await?).into_response())
}

async fn set_attachment_limits(
    State(app): Shared,
    headers: HeaderMap,
    json: Result<Json<crate::domain::AttachmentLimits>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let admin = operator(&app, &headers).await?;
    Ok(Json(app.set_attachment_limits(&admin, body(json)?).await?).into_response())
}

/// The "Show attachments" panel: every file of the dialog, with links and a token to resend it.
async fn dialog_attachments(State(app): Shared, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    Ok(Json(app.dialog_attachments(&op, &DialogId::parse(&id)?).await?).into_response())
}

async fn message_attachments(State(app): Shared, headers: HeaderMap, Path((id, seq)): Path<(String, u64)>) -> Result<Response, AppError> {
    let op = operator(&app, &headers).await?;
    Ok(Json(app.message_attachments(&op, &DialogId::parse(&id)?, seq).await?).into_response())
}

async fn visitor_message_attachments(State(app): Shared, headers: HeaderMap, Path(seq): Path<u64>) -> Result<Response, AppError> {
    let visitor = app.visitor_from_token(bearer(&headers)?).await?;
    Ok(Json(app.visitor_message_attachments(&visitor, seq).await?).into_response())
}
