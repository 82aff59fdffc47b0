//! Signing in and out, the one-time WebSocket ticket, the operator's own record (status, name,
//! password), and the workspace's operators, which admins add, deactivate, reactivate, give a role
//! or a new password.

use super::Shared;
use super::client_ip::FromAddress;
use super::extract::{AsOperator, AsSession, Body, PathOf};
use crate::app::{App, AppError};
use crate::domain::{OperatorStatus, Role};
use crate::ids::{OperatorId, WorkspaceId};
use crate::protocol::{OperatorList, OperatorView, TicketView};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/tickets", post(ticket))
        .route("/api/me", get(me).patch(rename))
        .route("/api/me/status", post(set_status))
        .route("/api/me/password", post(change_password))
        .route("/api/me/sign-out", post(sign_out))
        .route("/api/me/sign-out-everywhere", post(sign_out_everywhere))
        .route("/api/operators", get(operators).post(add_operator))
        .route("/api/operators/{id}/deactivate", post(deactivate))
        .route("/api/operators/{id}/reactivate", post(reactivate))
        .route("/api/operators/{id}/role", put(set_role))
        .route("/api/operators/{id}/password", put(reset_password))
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
    /// Which workspace, when the email and password are an operator's in several.
    #[serde(default)]
    workspace: Option<WorkspaceId>,
}

/// Held to the sign-in limits (`Limiter::sign_in`): per account and per address.
async fn login(
    app: Shared,
    FromAddress(from): FromAddress,
    Body(b): Body<LoginBody>,
) -> Result<Response, AppError> {
    check_login_fields(&b)?;
    let signed_in = app
        .limits
        .sign_in(
            &b.email,
            from,
            app.sessions
                .login(&b.email, &b.password, b.workspace.as_ref()),
        )
        .await?;
    Ok(Json(signed_in).into_response())
}

/// What a sign-in may send: far past any email or password an operator can have (older rules
/// allowed longer ones than today's), and refused before anything is counted or hashed.
const MAX_LOGIN_FIELD_CHARS: usize = 1024;

fn check_login_fields(b: &LoginBody) -> Result<(), AppError> {
    if b.email.chars().count() > MAX_LOGIN_FIELD_CHARS
        || b.password.chars().count() > MAX_LOGIN_FIELD_CHARS
    {
        return Err(AppError::Invalid(format!(
            "an email or a password is at most {MAX_LOGIN_FIELD_CHARS} characters"
        )));
    }
    Ok(())
}

async fn ticket(app: Shared, AsSession(op, session): AsSession) -> Result<Response, AppError> {
    let t = app.sessions.issue_ticket(&op, Some(&session)).await?;
    Ok(Json(TicketView {
        ticket: t.id,
        expires_at: t.expires_at,
    })
    .into_response())
}

async fn me(AsOperator(op): AsOperator) -> Result<Response, AppError> {
    Ok(Json(OperatorView::from(&op)).into_response())
}

#[derive(Deserialize)]
struct NameBody {
    name: String,
}

async fn rename(
    app: Shared,
    AsOperator(op): AsOperator,
    Body(b): Body<NameBody>,
) -> Result<Response, AppError> {
    Ok(Json(app.team.rename(&op, &b.name).await?).into_response())
}

#[derive(Deserialize)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

async fn change_password(
    app: Shared,
    AsOperator(op): AsOperator,
    Body(b): Body<PasswordChange>,
) -> Result<Response, AppError> {
    let renewed = app
        .team
        .change_password(&op, &b.current_password, &b.new_password)
        .await?;
    Ok(Json(renewed).into_response())
}

async fn sign_out(app: Shared, AsSession(op, session): AsSession) -> Result<Response, AppError> {
    app.team.sign_out(&op, &session).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn sign_out_everywhere(
    app: Shared,
    AsOperator(op): AsOperator,
) -> Result<Response, AppError> {
    app.team.sign_out_everywhere(&op).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

async fn set_status(
    app: Shared,
    AsOperator(op): AsOperator,
    Body(b): Body<StatusBody>,
) -> Result<Response, AppError> {
    let status = OperatorStatus::parse(&b.status)
        .ok_or_else(|| AppError::Invalid("status is one of online, away, offline".into()))?;
    Ok(Json(app.presence.set_status(&op, status).await?).into_response())
}

async fn operators(app: Shared, AsOperator(op): AsOperator) -> Result<Response, AppError> {
    Ok(Json(OperatorList {
        operators: app.sessions.operators(&op).await?,
    })
    .into_response())
}

#[derive(Deserialize)]
struct NewOperator {
    email: String,
    name: String,
    password: String,
    #[serde(default)]
    role: Option<Role>,
}

async fn add_operator(
    app: Shared,
    AsOperator(admin): AsOperator,
    Body(b): Body<NewOperator>,
) -> Result<Response, AppError> {
    let created = app
        .sessions
        .add_operator(
            &admin,
            &b.email,
            &b.name,
            b.role.unwrap_or(Role::Operator),
            &b.password,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn deactivate(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(id): PathOf<OperatorId>,
) -> Result<Response, AppError> {
    Ok(Json(app.team.deactivate(&admin, &id).await?).into_response())
}

async fn reactivate(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(id): PathOf<OperatorId>,
) -> Result<Response, AppError> {
    Ok(Json(app.team.reactivate(&admin, &id).await?).into_response())
}

#[derive(Deserialize)]
struct RoleBody {
    role: Role,
}

async fn set_role(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(id): PathOf<OperatorId>,
    Body(b): Body<RoleBody>,
) -> Result<Response, AppError> {
    Ok(Json(app.team.set_role(&admin, &id, b.role).await?).into_response())
}

#[derive(Deserialize)]
struct NewPassword {
    password: String,
}

async fn reset_password(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(id): PathOf<OperatorId>,
    Body(b): Body<NewPassword>,
) -> Result<Response, AppError> {
    Ok(Json(app.team.reset_password(&admin, &id, &b.password).await?).into_response())
}
