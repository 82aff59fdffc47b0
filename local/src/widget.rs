//! The two pages the gateway serves with more than a static file: the demo page, with the demo
//! site's key written into its embed snippet, and the widget's iframe page, which only the site's
//! allowed origins may frame (`frame-ancestors`), so a copied snippet cannot run the chat elsewhere.

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use parlor_core::app::App;
use parlor_core::ids::SiteKey;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// What the demo page's snippet holds in place of a site key, in `web/public/demo/index.html`.
const SITE_KEY_SLOT: &str = "__PARLOR_SITE_KEY__";

/// The console's policy, but framed by `ancestors` (whoever the site allows); files come from and
/// go to the attachment storage at `storage`.
fn frame_csp(storage: &str, ancestors: &str) -> String {
    format!(
        "default-src 'self'; connect-src 'self' ws: wss: {storage}; img-src 'self' data: {storage}; style-src 'self' 'unsafe-inline'; frame-ancestors {ancestors}"
    )
}

#[derive(Clone)]
struct Pages {
    app: Arc<App>,
    web_dir: PathBuf,
    demo_site: SiteKey,
    storage_origin: String,
}

pub fn router(app: Arc<App>, web_dir: PathBuf, demo_site: SiteKey, storage_origin: String) -> Router {
    Router::new()
        .route("/demo/", get(demo))
        .route("/demo/index.html", get(demo))
        .route("/widget/frame.html", get(frame))
        .with_state(Pages { app, web_dir, demo_site, storage_origin })
}

fn html(body: String, csp: String) -> Response {
    let csp = HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("frame-ancestors 'none'"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        body,
    )
        .into_response()
}

fn read(pages: &Pages, path: &str) -> Result<String, Response> {
    std::fs::read_to_string(pages.web_dir.join(path))
        .map_err(|_| (StatusCode::NOT_FOUND, format!("{path} is not built: run scripts/build-web.sh")).into_response())
}

async fn demo(State(pages): State<Pages>) -> Response {
    match read(&pages, "demo/index.html") {
        Ok(page) => html(
            page.replace(SITE_KEY_SLOT, pages.demo_site.as_str()),
            frame_csp(&pages.storage_origin, "'self'"),
        ),
        Err(missing) => missing,
    }
}

#[derive(Deserialize)]
struct FrameQuery {
    site: Option<String>,
}

/// Unknown site: framed by nobody. A site with no allowed origins: by anyone.
async fn frame(State(pages): State<Pages>, Query(q): Query<FrameQuery>) -> Response {
    let page = match read(&pages, "widget/frame.html") {
        Ok(p) => p,
        Err(missing) => return missing,
    };
    let site = match q.site.as_deref().map(SiteKey::parse) {
        Some(Ok(key)) => pages.app.directory.get_site(&key).await.ok().flatten(),
        _ => None,
    };
    let ancestors = match site {
        None => "'none'".to_owned(),
        Some(s) if s.allowed_origins.is_empty() => "*".to_owned(),
        // Origins are typed by admins; keep only what a CSP source can hold.
        Some(s) => s
            .allowed_origins
            .iter()
            .filter(|o| !o.is_empty() && o.chars().all(|c| c.is_ascii_alphanumeric() || ":/.-[]".contains(c)))
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
    };
    let ancestors = if ancestors.is_empty() { "'none'".to_owned() } else { ancestors };
    html(page, frame_csp(&pages.storage_origin, &ancestors))
}
