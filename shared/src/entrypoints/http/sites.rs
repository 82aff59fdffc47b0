//! Sites: the widget's look for a page that embeds it, and the admins' settings.

use super::Shared;
use super::extract::{AsOperator, Body, Origin, PathOf};
use crate::app::{App, AppError, SiteUpdate};
use crate::domain::SiteView;
use crate::ids::SiteKey;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/sites", get(sites))
        .route("/api/sites/{key}", get(site_settings).put(update_site))
        .route("/api/sites/{key}/availability", get(availability))
}

/// What the widget needs before it shows anything.
async fn site_settings(
    app: Shared,
    Origin(origin): Origin,
    PathOf(key): PathOf<SiteKey>,
) -> Result<Response, AppError> {
    let site = app.sites.site_for(&key, origin.as_deref()).await?;
    Ok(Json(SiteView::from(&site)).into_response())
}

/// Whether an operator is available to chat now: the widget offers to leave a message when not.
async fn availability(
    app: Shared,
    Origin(origin): Origin,
    PathOf(key): PathOf<SiteKey>,
) -> Result<Response, AppError> {
    let site = app.sites.site_for(&key, origin.as_deref()).await?;
    let available = app.presence.anyone_available(&site.workspace).await?;
    Ok(Json(serde_json::json!({ "available": available })).into_response())
}

/// The admin's workspace's sites, for the console's settings.
async fn sites(app: Shared, AsOperator(admin): AsOperator) -> Result<Response, AppError> {
    Ok(Json(app.sites.sites(&admin).await?).into_response())
}

/// Admins change the widget's colour, corner, greeting, whether operator names show, and the
/// origins it may run on.
async fn update_site(
    app: Shared,
    AsOperator(admin): AsOperator,
    PathOf(key): PathOf<SiteKey>,
    Body(update): Body<SiteUpdate>,
) -> Result<Response, AppError> {
    let site = app.sites.update_site(&admin, &key, update).await?;
    Ok(Json(SiteView::from(&site)).into_response())
}
