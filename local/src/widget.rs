//! The pages the gateway serves with more than a static file: the demo page, with the demo site's
//! key written into its embed snippet (as `scripts/publish-web.sh --site` writes it in AWS), the
//! same page as a customer's site on an origin of its own (AWS's shape), and, in the one-origin
//! shape, the widget's iframe page, which only the site's allowed origins may frame
//! (`frame-ancestors`), so a copied snippet cannot run the chat elsewhere.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use parlor_core::app::App;
use parlor_core::edge::{Hosts, WebPolicy};
use parlor_core::ids::SiteKey;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// What the demo page's snippet holds in place of a site key, in `web/public/demo/index.html`.
const SITE_KEY_SLOT: &str = "__PARLOR_SITE_KEY__";
/// Where the demo page's snippet loads the widget from, relative to the web origin.
const WIDGET_SRC: &str = "src=\"/widget/";

#[derive(Clone)]
struct Demo {
    web_dir: PathBuf,
    site: SiteKey,
    /// Where the widget is served from, when not from the page's own origin.
    widget_origin: Option<String>,
}

fn html(body: String, csp: Option<String>) -> Response {
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response();
    if let Some(csp) = csp {
        let csp = HeaderValue::from_str(&csp)
            .unwrap_or(HeaderValue::from_static("frame-ancestors 'none'"));
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

/// A page of the built web apps, or the answer that says it is not built.
fn read(web_dir: &std::path::Path, path: &str) -> Result<String, Box<Response>> {
    std::fs::read_to_string(web_dir.join(path)).map_err(|_| {
        Box::new(
            (
                StatusCode::NOT_FOUND,
                format!("{path} is not built: run scripts/build-web.sh"),
            )
                .into_response(),
        )
    })
}

async fn demo(State(demo): State<Demo>) -> Response {
    match read(&demo.web_dir, "demo/index.html") {
        Ok(page) => {
            let page = page.replace(SITE_KEY_SLOT, demo.site.as_str());
            let page = match &demo.widget_origin {
                Some(origin) => page.replace(WIDGET_SRC, &format!("src=\"{origin}/widget/")),
                None => page,
            };
            html(page, None)
        }
        Err(missing) => *missing,
    }
}

fn demo_routes(state: Demo) -> Router {
    Router::new()
        .route("/demo/", get(demo))
        .route("/demo/index.html", get(demo))
        .with_state(state)
}

/// The demo page on the web origin, its snippet loading the widget from the same origin.
pub fn demo_page_router(web_dir: PathBuf, site: SiteKey) -> Router {
    demo_routes(Demo {
        web_dir,
        site,
        widget_origin: None,
    })
}

/// A customer's site on an origin of its own, embedding the widget from `widget_origin` with the
/// demo site's key: what every real customer's page is to Parlor in AWS.
pub fn customer_site(web_dir: PathBuf, site: SiteKey, widget_origin: String) -> Router {
    demo_routes(Demo {
        web_dir,
        site,
        widget_origin: Some(widget_origin),
    })
    .route("/", get(|| async { Redirect::to("/demo/") }))
}

#[derive(Clone)]
struct Frame {
    app: Arc<App>,
    web_dir: PathBuf,
    hosts: Hosts,
}

/// The widget's iframe page, framed only by the origins its site allows.
pub fn frame_router(app: Arc<App>, web_dir: PathBuf, hosts: Hosts) -> Router {
    Router::new()
        .route("/widget/frame.html", get(frame))
        .with_state(Frame {
            app,
            web_dir,
            hosts,
        })
}

#[derive(Deserialize)]
struct FrameQuery {
    site: Option<String>,
}

/// Unknown site: framed by nobody. A site with no allowed origins: by anyone.
async fn frame(State(pages): State<Frame>, Query(q): Query<FrameQuery>) -> Response {
    let page = match read(&pages.web_dir, "widget/frame.html") {
        Ok(p) => p,
        Err(missing) => return *missing,
    };
    let site = match q.site.as_deref().map(SiteKey::parse) {
        Some(Ok(key)) => pages.app.sites.site_for(&key, None).await.ok(),
        _ => None,
    };
    let ancestors = match site {
        None => "'none'".to_owned(),
        Some(s) if s.allowed_origins.is_empty() => "*".to_owned(),
        // Origins are typed by admins; keep only what a CSP source can hold.
        Some(s) => s
            .allowed_origins
            .iter()
            .filter(|o| {
                !o.is_empty()
                    && o.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ":/.-[]".contains(c))
            })
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
    };
    let ancestors = if ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        ancestors
    };
    html(
        page,
        WebPolicy::Widget.content_security_policy(&pages.hosts, &ancestors),
    )
}
