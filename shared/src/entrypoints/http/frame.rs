//! The widget's iframe page, `/widget/frame.html?site=KEY`: the published page, with a
//! Content-Security-Policy whose `frame-ancestors` are that site's allowed origins, so a browser
//! renders the chat framed only by the site's own pages (`edge::frame_ancestors`).
//!
//! One code path in both places: in AWS, CloudFront sends this path to the HTTP API (a cache
//! behaviour of its own, uncached) and the HTTP API's function serves it with the page read from
//! the hosting bucket; locally, the web files' server sends it here with the page read from the
//! built folder.

use crate::app::App;
use crate::edge::{self, Hosts};
use crate::ids::SiteKey;
use crate::ports::WebFiles;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Clone)]
struct Frame {
    app: Arc<App>,
    files: Arc<dyn WebFiles>,
    hosts: Hosts,
}

/// The frame page's route. `hosts` are what the page talks to besides its own origin, as its CSP
/// names them.
pub fn routes(app: Arc<App>, files: Arc<dyn WebFiles>, hosts: Hosts) -> Router {
    Router::new()
        .route(edge::FRAME_PATH, get(frame))
        .layer(axum::middleware::from_fn(super::as_http_api_function))
        .with_state(Frame { app, files, hosts })
}

#[derive(Deserialize)]
struct FrameQuery {
    site: Option<String>,
}

/// Unknown site (or none named): framed by nobody. A site with no allowed origins: by any page.
async fn frame(
    State(frame): State<Frame>,
    query: Result<Query<FrameQuery>, QueryRejection>,
) -> Response {
    let page = match frame.files.read(edge::FRAME_FILE).await {
        Ok(Some(page)) => page,
        Ok(None) => {
            return (
                StatusCode::NOT_FOUND,
                format!(
                    "{} is not published: build the web apps and publish them (docs/deploy.md)",
                    edge::FRAME_FILE
                ),
            )
                .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "frame page unreadable");
            return (StatusCode::INTERNAL_SERVER_ERROR, "the server failed").into_response();
        }
    };
    let key = query
        .ok()
        .and_then(|Query(q)| q.site)
        .and_then(|k| SiteKey::parse(&k).ok());
    let site = match key {
        // The page names no origin to check: who may frame it is what this answer says.
        Some(key) => match frame.app.sites.site_for(&key, None).await {
            Ok(site) => Some(site),
            Err(e) if e.is_internal() => return e.into_response(),
            Err(_) => None,
        },
        None => None,
    };
    let csp = edge::frame_content_security_policy(
        &frame.hosts,
        site.as_ref().map(|s| s.allowed_origins.as_slice()),
    );
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(edge::NO_CACHE),
            ),
        ],
        page,
    )
        .into_response();
    // Every part is checked by `edge`; an unrepresentable one frames nowhere.
    let csp = HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(
        "default-src 'self'; frame-ancestors 'none'",
    ));
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, csp);
    response
}
