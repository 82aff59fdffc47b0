//! What browsers are told at each origin Parlor is served from, decided once: the CORS of the HTTP
//! API and of the attachments bucket, the web files' response headers (CloudFront's response-headers
//! policies in AWS: Content-Security-Policy, security headers, CORS for what customers' pages fetch),
//! how long browsers and CloudFront may keep each web file, and who may frame the widget's iframe
//! page of each site (served by the HTTP API's router in AWS and locally alike).
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

    /// The three sources space-separated, in the order of the fields: how the template hands them
    /// to the HTTP API's function (`PARLOR_CSP_HOSTS`), which serves the widget's frame page.
    pub fn to_list(&self) -> String {
        format!("{} {} {}", self.http_api, self.websocket, self.storage)
    }

    /// Reads [`Hosts::to_list`]'s form: exactly three sources, each a scheme and a host with
    /// nothing a CSP source list could take for another directive.
    pub fn from_list(list: &str) -> Result<Self, String> {
        let sources: Vec<&str> = list.split_whitespace().collect();
        let [http_api, websocket, storage] = sources[..] else {
            return Err(format!(
                "{} sources where three are needed (the HTTP API, the WebSocket API, storage)",
                sources.len()
            ));
        };
        for (source, schemes) in [
            (http_api, &["https://", "http://"][..]),
            (websocket, &["wss://", "ws://"][..]),
            (storage, &["https://", "http://"][..]),
        ] {
            let host = schemes
                .iter()
                .find_map(|s| source.strip_prefix(s))
                .ok_or_else(|| {
                    format!("{source:?} does not start with {}", schemes.join(" or "))
                })?;
            if host.is_empty() || !host.chars().all(is_source_char) {
                return Err(format!("{source:?} is not a scheme and a host"));
            }
        }
        Ok(Self {
            http_api: http_api.to_owned(),
            websocket: websocket.to_owned(),
            storage: storage.to_owned(),
        })
    }
}

/// What a host source of a CSP may hold here: letters, digits, `.`, `-`, a port's `:`, an IPv6
/// address's brackets. Nothing that ends a source (space) or a directive (`;`).
fn is_source_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ".-:[]".contains(c)
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

/// The widget's iframe page, `/widget/frame.html?site=KEY`. It is the one page under `/widget/`,
/// and the only one a customer's site frames, so it is not a static file: the HTTP API's router
/// serves it (`entrypoints::http::frame`), with the frame-ancestors of the site it is asked for.
/// In AWS, CloudFront sends this path to the HTTP API (its own cache behaviour); locally, the web
/// files' server sends it to the same router.
pub const FRAME_PATH: &str = "/widget/frame.html";
/// Where the web apps' build and the hosting keep that page: the file the router reads.
pub const FRAME_FILE: &str = "widget/frame.html";

/// One set of response headers for the web files under some paths: a CloudFront response-headers
/// policy, attached to a cache behaviour of the distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebPolicy {
    /// The console, the demo page and everything not below: framed by nobody else.
    Console,
    /// [`FRAME_PATH`]: the chat's iframe page, framed by its site's origins. Its CSP comes from the
    /// router that serves it, per site ([`frame_content_security_policy`]); the policy adds the
    /// other headers.
    Frame,
    /// `/widget/*` but the frame: the loader and the chat app's scripts and styles, which
    /// customers' pages fetch. Nothing here is a page, so nothing here is framed.
    Widget,
    /// `/config.json`: read by the loader on customers' pages.
    Config,
}

impl WebPolicy {
    /// In the order of the distribution's cache behaviours, which CloudFront tries in turn: the
    /// frame before the rest of `/widget/*`.
    pub const ALL: [WebPolicy; 4] = [Self::Console, Self::Frame, Self::Widget, Self::Config];

    /// Its resource in `infra/template.yaml`.
    pub fn logical_id(self) -> &'static str {
        match self {
            Self::Console => "ConsoleHeaders",
            Self::Frame => "FrameHeaders",
            Self::Widget => "WidgetHeaders",
            Self::Config => "ConfigHeaders",
        }
    }

    /// The cache behaviour's path pattern; `None` for the default behaviour.
    pub fn path_pattern(self) -> Option<&'static str> {
        match self {
            Self::Console => None,
            Self::Frame => Some(FRAME_PATH),
            Self::Widget => Some("/widget/*"),
            Self::Config => Some("/config.json"),
        }
    }

    /// The policy CloudFront applies to `path`.
    pub fn for_path(path: &str) -> Self {
        if path == FRAME_PATH {
            Self::Frame
        } else if path.starts_with("/widget/") {
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
            Self::Frame | Self::Widget | Self::Config => SECURITY,
        }
    }

    pub fn cors(self) -> Option<Cors> {
        match self {
            // The frame is navigated to, never fetched across origins.
            Self::Console | Self::Frame => None,
            Self::Widget | Self::Config => Some(WEB_FILES),
        }
    }

    /// The Content-Security-Policy the policy itself sets; `None` where there is none, or where
    /// the answer carries its own (the frame's, per site).
    pub fn content_security_policy(self, hosts: &Hosts) -> Option<String> {
        match self {
            Self::Console => Some(content_security_policy(hosts, "'self'")),
            Self::Widget => Some(content_security_policy(hosts, "'none'")),
            Self::Frame | Self::Config => None,
        }
    }
}

/// Who may frame the chat of a site: its allowed origins; any page when it lists none (as the
/// server then takes visitors from any page); nobody for an unknown site (`None`). Origins are
/// checked when an admin stores them (`domain::parse_allowed_origins`); whatever a CSP source
/// could not hold is still left out here, and a list left empty by that frames nowhere.
pub fn frame_ancestors(allowed_origins: Option<&[String]>) -> String {
    let Some(origins) = allowed_origins else {
        return "'none'".to_owned();
    };
    if origins.is_empty() {
        return "*".to_owned();
    }
    let kept: Vec<&str> = origins
        .iter()
        .map(String::as_str)
        .filter(|o| !o.is_empty() && o.chars().all(|c| is_source_char(c) || c == '/'))
        .collect();
    if kept.is_empty() {
        "'none'".to_owned()
    } else {
        kept.join(" ")
    }
}

/// The frame page's policy for a site (`None`: an unknown one): the pages' policy, framed by
/// [`frame_ancestors`].
pub fn frame_content_security_policy(hosts: &Hosts, allowed_origins: Option<&[String]>) -> String {
    content_security_policy(hosts, &frame_ancestors(allowed_origins))
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
        assert_eq!(
            WebPolicy::for_path("/widget/assets/frame-abc.js"),
            WebPolicy::Widget
        );
        assert_eq!(WebPolicy::for_path("/widget/frame.html"), WebPolicy::Frame);
        assert_eq!(WebPolicy::for_path("/config.json"), WebPolicy::Config);
        for p in WebPolicy::ALL {
            if let Some(pattern) = p.path_pattern() {
                let example = pattern.replace('*', "x.js");
                assert_eq!(WebPolicy::for_path(&example), p, "{pattern}");
            }
        }
        assert_eq!(format!("/{FRAME_FILE}"), FRAME_PATH);
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
        let csp = frame_content_security_policy(&hosts, Some(&["https://shop.example".into()]));
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
            .content_security_policy(&Hosts {
                http_api: String::new(),
                ..hosts.clone()
            })
            .unwrap();
        assert!(
            console.contains("connect-src 'self' wss://ws.example https://files.example;"),
            "{console}"
        );
        assert!(console.ends_with("frame-ancestors 'self'"), "{console}");
        let scripts = WebPolicy::Widget.content_security_policy(&hosts).unwrap();
        assert!(scripts.ends_with("frame-ancestors 'none'"), "{scripts}");
        for none in [WebPolicy::Config, WebPolicy::Frame] {
            assert_eq!(none.content_security_policy(&Hosts::template()), None);
        }
    }

    #[test]
    fn a_sites_frame_is_framed_by_its_origins_any_page_when_it_lists_none_and_else_nobody() {
        let origins = |list: &[&str]| list.iter().map(|o| o.to_string()).collect::<Vec<_>>();
        assert_eq!(
            frame_ancestors(Some(&origins(&[
                "https://shop.example",
                "http://localhost:8080"
            ]))),
            "https://shop.example http://localhost:8080"
        );
        assert_eq!(frame_ancestors(Some(&[])), "*");
        assert_eq!(frame_ancestors(None), "'none'");
        // What a source list would read as more sources or another directive is left out.
        assert_eq!(
            frame_ancestors(Some(&origins(&[
                "https://a.example; script-src *",
                "https://b.example"
            ]))),
            "https://b.example"
        );
        assert_eq!(
            frame_ancestors(Some(&origins(&["https://a.example *", ""]))),
            "'none'"
        );
    }

    #[test]
    fn the_hosts_travel_as_one_list_and_come_back_the_same() {
        let hosts = Hosts {
            http_api: "https://abc.execute-api.eu-central-1.amazonaws.com".into(),
            websocket: "wss://def.execute-api.eu-central-1.amazonaws.com".into(),
            storage: "https://parlor-att.s3.eu-central-1.amazonaws.com".into(),
        };
        assert_eq!(Hosts::from_list(&hosts.to_list()), Ok(hosts.clone()));
        assert_eq!(
            Hosts::from_list(&format!("  {}  ", hosts.to_list())),
            Ok(hosts)
        );
        for bad in [
            "",
            "https://a.example wss://b.example",
            "https://a.example wss://b.example https://c.example https://d.example",
            "wss://a.example wss://b.example https://c.example",
            "https://a.example wss://b.example https://c.example;",
            "https://a.example wss://b.example https://c.example/path",
            "https:// wss://b.example https://c.example",
        ] {
            assert!(Hosts::from_list(bad).is_err(), "{bad:?}");
        }
    }
}
