//! The web files, served as CloudFront serves them in AWS: the response headers of
//! `parlor_core::edge` for each path (CSP, security headers, CORS for what customers' pages
//! fetch), its cache rules, and compressed (gzip or brotli, as the browser asks).

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parlor_core::edge::{self, Cors, Hosts, WebPolicy};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

/// A CORS rule of `edge` as a layer: answers preflights and marks answers as the rule says.
pub fn cors_layer(rule: &Cors) -> CorsLayer {
    let values = |items: &[&str]| {
        items
            .iter()
            .filter_map(|s| HeaderValue::from_str(s).ok())
            .collect::<Vec<_>>()
    };
    let names = |items: &[&str]| {
        items
            .iter()
            .filter_map(|s| HeaderName::from_bytes(s.as_bytes()).ok())
            .collect::<Vec<_>>()
    };
    let origins = if rule.allows_any_origin() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(values(rule.allow_origins))
    };
    let headers = if rule.allow_headers == ["*"] {
        AllowHeaders::any()
    } else {
        AllowHeaders::list(names(rule.allow_headers))
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(
            rule.allow_methods
                .iter()
                .filter_map(|m| Method::from_bytes(m.as_bytes()).ok())
                .collect::<Vec<_>>(),
        )
        .allow_headers(headers)
        .expose_headers(names(rule.expose_headers))
        .max_age(Duration::from_secs(rule.max_age_secs))
}

/// What the web files are told about the other origins.
#[derive(Debug, Clone)]
pub struct WebHeaders {
    pub hosts: Hosts,
}

fn set(response: &mut Response, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().entry(name).or_insert(v);
    }
}

/// Adds the headers of `path`'s policy that the answer does not carry yet, as a response-headers
/// policy with `Override` does for everything it names (the widget's iframe page sets its own CSP,
/// per site, and its policy names none).
fn apply(rules: &WebHeaders, path: &str, origin: Option<&HeaderValue>, response: &mut Response) {
    let policy = WebPolicy::for_path(path);
    // CORS on the files customers' pages read. These paths take GET and HEAD only, so there is no
    // preflight to answer: a cross-origin request is marked readable, as CloudFront marks it.
    if let (Some(rule), Some(origin)) = (policy.cors(), origin) {
        let listed = rule
            .allow_origins
            .iter()
            .any(|o| origin.as_bytes().eq_ignore_ascii_case(o.as_bytes()));
        if rule.allows_any_origin() {
            set(response, header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        } else if listed {
            response
                .headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        }
        if !rule.expose_headers.is_empty() {
            set(
                response,
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                &rule.expose_headers.join(", "),
            );
        }
    }
    set(response, header::CACHE_CONTROL, edge::cache_control(path));
    if let Some(csp) = policy.content_security_policy(&rules.hosts) {
        set(response, header::CONTENT_SECURITY_POLICY, &csp);
    }
    let security = policy.security();
    set(
        response,
        header::STRICT_TRANSPORT_SECURITY,
        &format!("max-age={}; includeSubDomains", security.hsts_max_age_secs),
    );
    if security.nosniff {
        set(response, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    }
    if let Some(frame) = security.frame_options {
        set(response, header::X_FRAME_OPTIONS, frame);
    }
    set(response, header::REFERRER_POLICY, security.referrer_policy);
}

/// Files of `dir`, and `pages` (the routes that answer with more than a file), with every answer
/// dressed as CloudFront would. `config` is `/config.json` when the APIs are on other origins.
pub fn router(dir: PathBuf, pages: Router, rules: WebHeaders, config: Option<String>) -> Router {
    let rules = Arc::new(rules);
    let mut router = pages;
    if let Some(config) = config {
        router = router.route(
            "/config.json",
            axum::routing::get(move || {
                let body = config.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() }
            }),
        );
    }
    router
        .fallback_service(ServeDir::new(dir).append_index_html_on_directories(true))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let rules = rules.clone();
                async move {
                    let path = req.uri().path().to_owned();
                    let origin = req.headers().get(header::ORIGIN).cloned();
                    let mut response = next.run(req).await;
                    apply(&rules, &path, origin.as_ref(), &mut response);
                    response
                }
            },
        ))
        .layer(CompressionLayer::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_of_the_definition_becomes_its_layer() {
        // Builds for every rule the gateway serves (a bad method or header name would be dropped
        // silently, so the definition's spellings are checked here).
        for rule in [edge::HTTP_API, edge::STORAGE, edge::WEB_FILES] {
            for m in rule.allow_methods {
                assert!(Method::from_bytes(m.as_bytes()).is_ok(), "{m}");
            }
            for h in rule
                .allow_headers
                .iter()
                .chain(rule.expose_headers)
                .filter(|h| **h != "*")
            {
                assert!(HeaderName::from_bytes(h.as_bytes()).is_ok(), "{h}");
            }
            let _ = cors_layer(&rule);
        }
    }
}
