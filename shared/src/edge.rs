//! What browsers are told at each origin Parlor is served from, decided once: the CORS of the HTTP
//! API and of the attachments bucket, the web files' response headers (CloudFront's response-headers
//! policies in AWS: Content-Security-Policy, security headers, CORS for what customers' pages fetch)
//! and how long browsers and CloudFront may keep each web file.
//!
//! `infra/template.yaml` is held to this module by `tests/tests/edge.rs`, on the template as the SAM
//! translator resolves it; the local gateway serves the same rules in both of its shapes, so the
//! browser tests run against what AWS enforces.

/// A CORS rule: what API Gateway, S3 or CloudFront answer a browser's preflight and cross-origin
/// requests with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cors {
    /// `["*"]`, or the origins themselves.
    pub allow_origins: &'static [&'static str],
    pub allow_methods: &'static [&'static str],
    /// Request headers a cross-origin call may carry; `"*"` for any.
    pub allow_headers: &'static [&'static str],
    /// Response headers a cross-origin caller may read.
    pub expose_headers: &'static [&'static str],
    /// How long a browser may keep a preflight's answer.
    pub max_age_secs: u64,
}

impl Cors {
    pub fn allows_any_origin(&self) -> bool {
        self.allow_origins == ["*"]
    }
}

/// The HTTP API (`/api/…`). The console and the widget's iframe call it from the web origin, and
/// the widget's loader calls it from every customer's page (`GET /api/sites/{key}`, the site's
/// look), whose origins only the store knows; API Gateway's CORS is one rule for the whole API and
/// cannot ask the store, so any origin may call. Nothing is ambient: a call that needs a caller
/// carries its token in `authorization`, never in a cookie, and the server itself checks a
/// visitor's `Origin` against the site's allowed origins (`App::site_for`).
pub const HTTP_API: Cors = Cors {
    allow_origins: &["*"],
    allow_methods: &["GET", "POST", "PUT", "PATCH", "DELETE"],
    allow_headers: &["authorization", "content-type"],
    expose_headers: &[],
    max_age_secs: 600,
};

/// The attachments bucket: the console and the widget's iframe post uploads to it and fetch files
/// from it with presigned requests, which carry their own authority (a signature over the key,
/// the size and the type, for minutes). Naming the web origin here would make a circular reference
/// in the template (the web's Content-Security-Policy names this bucket), and would protect
/// nothing that the signature does not.
pub const STORAGE: Cors = Cors {
    allow_origins: &["*"],
    allow_methods: &["GET", "HEAD", "POST"],
    allow_headers: &["*"],
    expose_headers: &["ETag", "Location"],
    max_age_secs: 3000,
};

/// Web files that customers' pages fetch across origins: the loader reads `/config.json` (where the
/// APIs are) from the web origin. They are public and the same for everyone.
pub const WEB_FILES: Cors = Cors {
    allow_origins: &["*"],
    allow_methods: &["GET", "HEAD"],
    allow_headers: &["*"],
    expose_headers: &[],
    max_age_secs: 600,
};

/// The hosts a page of Parlor's talks to besides its own origin, as CSP sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    /// The HTTP API's origin, or nothing when it is the page's own.
    pub http_api: String,
    /// Where the WebSocket API is.
    pub websocket: String,
    /// The attachments bucket's origin.
    pub storage: String,
}

impl Hosts {
    /// The stack's own hosts as `infra/template.yaml` writes them inside a `!Sub`.
    pub fn template() -> Self {
        Self {
            http_api: "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}".into(),
            websocket: "wss://${WebSocketApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}".into(),
            storage: "https://${AttachmentsBucket}.s3.${AWS::Region}.${AWS::URLSuffix}".into(),
        }
    }
}

/// How a web file may be kept.
pub const NO_CACHE: &str = "no-cache";
/// Everything but pages and `/config.json`: an hour (a publish invalidates CloudFront's copies).
pub const CACHE_AN_HOUR: &str = "public, max-age=3600";

/// `Cache-Control` for a web file: pages and the config are asked for again on every visit, so a
/// publish reaches everyone at once. `scripts/publish-web.sh` sets the same on each object.
pub fn cache_control(path: &str) -> &'static str {
    if path.ends_with('/') || path.ends_with(".html") || path == "/config.json" {
        NO_CACHE
    } else {
        CACHE_AN_HOUR
    }
}

/// Security headers besides the CSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityHeaders {
    /// `Strict-Transport-Security: max-age=…; includeSubDomains`.
    pub hsts_max_age_secs: u64,
    /// `X-Content-Type-Options: nosniff`.
    pub nosniff: bool,
    /// `X-Frame-Options`, where the page must not be framed by others.
    pub frame_options: Option<&'static str>,
    pub referrer_policy: &'static str,
}

const SECURITY: SecurityHeaders = SecurityHeaders {
    hsts_max_age_secs: 63_072_000,
    nosniff: true,
    frame_options: None,
    referrer_policy: "strict-origin-when-cross-origin",
};

/// What every HTTP API answer carries, set by the API's own router (in AWS the function's answer
/// passes API Gateway as it is): JSON is never sniffed into a page, never framed, never rendered
/// with scripts, and no page's address leaks from a link in it.
pub const API_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
];

/// One set of response headers for the web files under some paths: a CloudFront response-headers
/// policy, attached to a cache behaviour of the distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebPolicy {
    /// The console, the demo page and everything not below: framed by nobody else.
    Console,
    /// `/widget/*`: the loader and the chat's iframe, framed by customers' sites.
    Widget,
    /// `/config.json`: read by the loader on customers' pages.
    Config,
}

impl WebPolicy {
    pub const ALL: [WebPolicy; 3] = [Self::Console, Self::Widget, Self::Config];

    /// Its resource in `infra/template.yaml`.
    pub fn logical_id(self) -> &'static str {
        match self {
            Self::Console => "ConsoleHeaders",
            Self::Widget => "WidgetHeaders",
            Self::Config => "ConfigHeaders",
        }
    }

    /// The cache behaviour's path pattern; `None` for the default behaviour.
    pub fn path_pattern(self) -> Option<&'static str> {
        match self {
            Self::Console => None,
            Self::Widget => Some("/widget/*"),
            Self::Config => Some("/config.json"),
        }
    }

    /// The policy CloudFront applies to `path`.
    pub fn for_path(path: &str) -> Self {
        if path.starts_with("/widget/") {
            Self::Widget
        } else if path == "/config.json" {
            Self::Config
        } else {
            Self::Console
        }
    }

    pub fn security(self) -> SecurityHeaders {
        match self {
            Self::Console => SecurityHeaders {
                frame_options: Some("SAMEORIGIN"),
                ..SECURITY
            },
            Self::Widget | Self::Config => SECURITY,
        }
    }

    pub fn cors(self) -> Option<Cors> {
        match self {
            Self::Console => None,
            Self::Widget | Self::Config => Some(WEB_FILES),
        }
    }

    /// The Content-Security-Policy; `frame_ancestors` are the sources that may frame the widget.
    pub fn content_security_policy(self, hosts: &Hosts, frame_ancestors: &str) -> Option<String> {
        let ancestors = match self {
            Self::Console => "'self'",
            Self::Widget => frame_ancestors,
            Self::Config => return None,
        };
        Some(content_security_policy(hosts, ancestors))
    }
}

/// The pages' policy: scripts, styles, frames, the service worker and the manifest from their own
/// origin only; calls to the APIs and the bucket; images from the bucket (and the previews the apps
/// make in the browser).
pub fn content_security_policy(hosts: &Hosts, frame_ancestors: &str) -> String {
    let join = |parts: &[&str]| {
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let Hosts {
        http_api,
        websocket,
        storage,
    } = hosts;
    [
        "default-src 'self'".to_owned(),
        format!(
            "connect-src {}",
            join(&["'self'", http_api, websocket, storage])
        ),
        format!("img-src {}", join(&["'self'", "data:", "blob:", storage])),
        format!("media-src {}", join(&["'self'", "blob:", storage])),
        "style-src 'self' 'unsafe-inline'".to_owned(),
        "object-src 'none'".to_owned(),
        // The console's service worker (/sw.js: Web Push) and its web app manifest, from its own
        // origin only; said outright rather than left to default-src.
        "worker-src 'self'".to_owned(),
        "manifest-src 'self'".to_owned(),
        "base-uri 'self'".to_owned(),
        "form-action 'self'".to_owned(),
        format!("frame-ancestors {frame_ancestors}"),
    ]
    .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_has_the_policy_of_the_behaviour_cloudfront_matches() {
        assert_eq!(WebPolicy::for_path("/"), WebPolicy::Console);
        assert_eq!(
            WebPolicy::for_path("/assets/index-abc.js"),
            WebPolicy::Console
        );
        assert_eq!(WebPolicy::for_path("/demo/index.html"), WebPolicy::Console);
        assert_eq!(WebPolicy::for_path("/widget/widget.js"), WebPolicy::Widget);
        assert_eq!(WebPolicy::for_path("/widget/frame.html"), WebPolicy::Widget);
        assert_eq!(WebPolicy::for_path("/config.json"), WebPolicy::Config);
        for p in WebPolicy::ALL {
            if let Some(pattern) = p.path_pattern() {
                let example = pattern.replace('*', "x.js");
                assert_eq!(WebPolicy::for_path(&example), p, "{pattern}");
            }
        }
    }

    #[test]
    fn pages_are_asked_for_again_and_the_rest_kept_an_hour() {
        assert_eq!(cache_control("/"), NO_CACHE);
        assert_eq!(cache_control("/demo/"), NO_CACHE);
        assert_eq!(cache_control("/widget/frame.html"), NO_CACHE);
        assert_eq!(cache_control("/config.json"), NO_CACHE);
        assert_eq!(cache_control("/widget/widget.js"), CACHE_AN_HOUR);
        assert_eq!(cache_control("/assets/index-abc.js"), CACHE_AN_HOUR);
    }

    #[test]
    fn the_policy_names_every_host_the_apps_reach_and_leaves_out_the_pages_own() {
        let hosts = Hosts {
            http_api: "https://api.example".into(),
            websocket: "wss://ws.example".into(),
            storage: "https://files.example".into(),
        };
        let csp = WebPolicy::Widget
            .content_security_policy(&hosts, "https://shop.example")
            .unwrap();
        assert!(
            csp.contains(
                "connect-src 'self' https://api.example wss://ws.example https://files.example;"
            ),
            "{csp}"
        );
        assert!(
            csp.contains("img-src 'self' data: blob: https://files.example;"),
            "{csp}"
        );
        assert!(
            csp.ends_with("frame-ancestors https://shop.example"),
            "{csp}"
        );
        let console = WebPolicy::Console
            .content_security_policy(
                &Hosts {
                    http_api: String::new(),
                    ..hosts
                },
                "x",
            )
            .unwrap();
        assert!(
            console.contains("connect-src 'self' wss://ws.example https://files.example;"),
            "{console}"
        );
        assert!(console.ends_with("frame-ancestors 'self'"), "{console}");
        assert_eq!(
            WebPolicy::Config.content_security_policy(&Hosts::template(), "x"),
            None
        );
    }
}
