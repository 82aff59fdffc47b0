//! What every handler takes from a request, parsed once: the caller (from its bearer token), the
//! JSON body, the query string and the path's ids. Each refusal is an `AppError`, so it answers as
//! every other error does: the documented JSON, with the status of `ErrorCode::http_status`.

use crate::app::{App, AppError};
use crate::domain::{Operator, SessionRef, Visitor};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// `Authorization: Bearer <token>`.
pub struct Bearer(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| Self(t.to_owned()))
            .ok_or_else(|| AppError::Unauthorized("send Authorization: Bearer <token>".into()))
    }
}

/// The signed-in operator whose session token the request carries.
pub struct AsOperator(pub Operator);

impl FromRequestParts<Arc<App>> for AsOperator {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, AppError> {
        let Bearer(token) = Bearer::from_request_parts(parts, app).await?;
        Ok(Self(app.sessions.operator_from_session(&token).await?))
    }
}

/// The signed-in operator and the session their token names: for signing that session out and
/// for tickets, whose sockets belong to it.
pub struct AsSession(pub Operator, pub SessionRef);

impl FromRequestParts<Arc<App>> for AsSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, AppError> {
        let Bearer(token) = Bearer::from_request_parts(parts, app).await?;
        let (op, session) = app.sessions.signed_in(&token).await?;
        Ok(Self(op, session))
    }
}

/// The visitor whose visitor token the request carries.
pub struct AsVisitor(pub Visitor);

impl FromRequestParts<Arc<App>> for AsVisitor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, AppError> {
        let Bearer(token) = Bearer::from_request_parts(parts, app).await?;
        Ok(Self(app.sessions.visitor_from_token(&token).await?))
    }
}

/// The `Origin` a browser sent, if any.
pub struct Origin(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(Self(
            parts
                .headers
                .get("origin")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ))
    }
}

/// A JSON body; one that is not JSON or not of `T`'s shape is `invalid_request`.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| Self(v))
            .map_err(|e: JsonRejection| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::Invalid(format!(
                        "the body is over {} KB",
                        super::MAX_BODY_BYTES / 1024
                    ))
                } else {
                    AppError::Invalid(e.body_text())
                }
            })
    }
}

/// The query string as `T`; a value of the wrong type (`?limit=ten`) is `invalid_request`.
pub struct QueryOf<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryOf<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Self(v))
            .map_err(|e: QueryRejection| AppError::Invalid(e.body_text()))
    }
}

/// The path's parameters as `T`: ids parse as they are read, so an invalid one (or `seq=abc`) is
/// `invalid_request`, named as the id's own parser names it.
pub struct PathOf<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathOf<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Self(v))
            .map_err(|e: PathRejection| {
                let message = match e {
                    PathRejection::FailedToDeserializePathParams(e) => match e.into_kind() {
                        axum::extract::path::ErrorKind::Message(m) => m,
                        kind => kind.to_string(),
                    },
                    other => other.body_text(),
                };
                AppError::Invalid(message)
            })
    }
}
