//! Signing in, the one-time WebSocket ticket, the operator's own record and status, and the
//! workspace's operators.

use super::Shared;
use super::client_ip::FromAddress;
use super::extract::{AsOperator, Body};
use crate::app::{App, AppError};
use crate::domain::{OperatorStatus, Role};
use crate::protocol::{OperatorList, OperatorView, TicketView};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/tickets", post(ticket))
        .route("/api/me", get(me))
        .route("/api/me/status", post(set_status))
        .route("/api/operators", get(operators).post(add_operator))
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
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
        .sign_in(&b.email, from, app.sessions.login(&b.email, &b.password))
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

async fn ticket(app: Shared, AsOperator(op): AsOperator) -> Result<Response, AppError> {
    let t = app.sessions.issue_ticket(&op).await?;
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
    Ok(Json(app.sessions.set_status(&op, status).await?).into_response())
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
