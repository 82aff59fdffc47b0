//! The pages the gateway serves with more than a static file: the demo page, with the demo site's
//! key written into its embed snippet (as `scripts/publish-web.sh --site` writes it in AWS), and
//! the same page as a customer's site on an origin of its own (AWS's shape). The widget's iframe
//! page, which only the site's allowed origins may frame, is the HTTP API router's
//! (`parlor_core::entrypoints::http::frame`), as it is in AWS.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use parlor_core::ids::SiteKey;
use std::path::PathBuf;

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

fn html(body: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
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
            html(page)
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
