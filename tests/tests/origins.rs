//! What a browser meets at each origin of the local gateway, in both of its shapes, held to
//! `parlor_core::edge` (which `tests/tests/edge.rs` holds the SAM template to): the web files'
//! headers, compression and cache rules, `/config.json`, the HTTP API's preflight answers, the
//! storage's CORS; and in AWS's shape, that each part is on an origin of its own.

use bytes::Bytes;
use http_body_util::Full;
use parlor_core::edge::{self, Hosts, WebPolicy};
use parlor_e2e::serde_json::{self, json};
use parlor_e2e::storage::{Response, send};
use parlor_e2e::{TestApp, temp_dir};
use parlor_local::{Config, Shape};

async fn aws_shape() -> TestApp {
    TestApp::spawn_with(Config {
        shape: Shape::Aws,
        ..Config::for_tests(&temp_dir())
    })
    .await
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Response {
    let mut req = http::Request::get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(req.body(Full::new(Bytes::new())).unwrap()).await
}

/// A browser's preflight from `origin` for `method` with `headers`.
async fn preflight(url: &str, origin: &str, method: &str, headers: &str) -> Response {
    let req = http::Request::builder()
        .method("OPTIONS")
        .uri(url)
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers);
    send(req.body(Full::new(Bytes::new())).unwrap()).await
}

fn origin_of(url: &str) -> String {
    let rest = url
        .split_once("://")
        .map(|(s, r)| (s, r.split('/').next().unwrap_or_default()))
        .unwrap();
    format!("{}://{}", rest.0, rest.1)
}

/// The hosts an AWS-shaped gateway's pages reach, from what it says of itself.
fn aws_hosts(app: &TestApp) -> Hosts {
    let r = &app.running;
    Hosts {
        http_api: origin_of(&r.api_url),
        websocket: origin_of(&r.ws_url()),
        storage: r.storage_origin.clone(),
    }
}

fn list(value: Option<&str>) -> Vec<String> {
    let mut v: Vec<String> = value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    v.sort();
    v
}

fn sorted_lower(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_ascii_lowercase()).collect();
    v.sort();
    v
}

fn check_security_headers(what: &str, r: &Response, policy: WebPolicy) {
    let s = policy.security();
    assert_eq!(
        r.header("strict-transport-security"),
        Some(format!("max-age={}; includeSubDomains", s.hsts_max_age_secs).as_str()),
        "{what}"
    );
    assert_eq!(
        r.header("x-content-type-options"),
        s.nosniff.then_some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("x-frame-options"), s.frame_options, "{what}");
    assert_eq!(
        r.header("referrer-policy"),
        Some(s.referrer_policy),
        "{what}"
    );
}

#[tokio::test]
async fn in_aws_shape_each_part_has_an_origin_of_its_own_with_the_deployed_rules() {
    let app = aws_shape().await;
    let web = app.running.http_url();
    let api = app.running.api_url.clone();
    let demo = app.running.demo_url.clone();
    let site = origin_of(&demo);
    let hosts = aws_hosts(&app);
    let origins = [
        origin_of(&web),
        origin_of(&api),
        origin_of(&app.running.ws_url()),
        site.clone(),
        hosts.storage.clone(),
    ];
    for (i, o) in origins.iter().enumerate() {
        assert!(
            !origins[i + 1..].contains(o),
            "{o} serves two parts: {origins:?}"
        );
    }
    assert!(
        site.starts_with("http://localhost:"),
        "the customer's site is another site to the browser: {site}"
    );

    // The console: its policy, compressed, asked for again on each visit.
    let console = get(&format!("{web}/"), &[("accept-encoding", "br")]).await;
    assert_eq!(console.status, 200);
    assert_eq!(console.header("content-encoding"), Some("br"));
    assert_eq!(console.header("cache-control"), Some(edge::NO_CACHE));
    let csp = WebPolicy::Console.content_security_policy(&hosts).unwrap();
    assert_eq!(
        console.header("content-security-policy"),
        Some(csp.as_str())
    );
    check_security_headers("the console", &console, WebPolicy::Console);

    // The loader, fetched by a customer's page: readable there, kept an hour, gzip when asked.
    let loader = get(
        &format!("{web}/widget/widget.js"),
        &[("origin", &site), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(loader.status, 200);
    assert_eq!(loader.header("content-encoding"), Some("gzip"));
    assert_eq!(loader.header("cache-control"), Some(edge::CACHE_AN_HOUR));
    assert_eq!(loader.header("access-control-allow-origin"), Some("*"));
    check_security_headers("the loader", &loader, WebPolicy::Widget);
    assert_eq!(
        loader.header("content-security-policy"),
        WebPolicy::Widget.content_security_policy(&hosts).as_deref(),
        "no page but the frame is under /widget/: nothing else there is framed"
    );

    // The iframe, served per site as CloudFront's behaviour for it has the HTTP API serve it:
    // framed by the site's own origins, which its admin names, and by nobody for a site unknown.
    let key = app.running.site.key.to_string();
    let admin = app.admin_token().await;
    let origins = json!({ "allowed_origins": [site.clone(), "https://shop.example"] });
    assert_eq!(
        app.request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&admin),
            Some(origins)
        )
        .await
        .0,
        200
    );
    let frame = get(
        &format!("{web}{}?site={key}&origin={site}", edge::FRAME_PATH),
        &[],
    )
    .await;
    assert_eq!(frame.status, 200);
    assert_eq!(frame.header("cache-control"), Some(edge::NO_CACHE));
    let csp = edge::frame_content_security_policy(
        &hosts,
        Some(&[site.clone(), "https://shop.example".into()]),
    );
    assert!(
        csp.ends_with(&format!("frame-ancestors {site} https://shop.example")),
        "{csp}"
    );
    assert_eq!(frame.header("content-security-policy"), Some(csp.as_str()));
    check_security_headers("the frame", &frame, WebPolicy::Frame);
    let unknown = get(&format!("{web}{}?site=site_unknown", edge::FRAME_PATH), &[]).await;
    assert_eq!(
        unknown.header("content-security-policy"),
        Some(edge::frame_content_security_policy(&hosts, None).as_str())
    );
    assert!(
        unknown
            .header("content-security-policy")
            .unwrap()
            .ends_with("frame-ancestors 'none'")
    );

    // Where the APIs are, readable from any page.
    let config = get(&format!("{web}/config.json"), &[("origin", &site)]).await;
    assert_eq!(config.header("access-control-allow-origin"), Some("*"));
    assert_eq!(config.header("cache-control"), Some(edge::NO_CACHE));
    let body: serde_json::Value = serde_json::from_slice(&config.body).unwrap();
    assert_eq!(body, json!({ "http": api, "ws": app.running.ws_url() }));
    check_security_headers("/config.json", &config, WebPolicy::Config);

    // The HTTP API answers preflights from any page as the definition says.
    for from in [origin_of(&web), site.clone()] {
        let p = preflight(
            &format!("{api}/login"),
            &from,
            "POST",
            "authorization,content-type",
        )
        .await;
        assert!(
            (200..300).contains(&p.status),
            "preflight from {from}: {}",
            p.status
        );
        assert_eq!(p.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            list(p.header("access-control-allow-methods")),
            sorted_lower(edge::HTTP_API.allow_methods)
        );
        assert_eq!(
            list(p.header("access-control-allow-headers")),
            sorted_lower(edge::HTTP_API.allow_headers)
        );
        assert_eq!(
            p.header("access-control-max-age"),
            Some(edge::HTTP_API.max_age_secs.to_string().as_str())
        );
    }
    let look = get(&format!("{api}/sites/{key}"), &[("origin", &site)]).await;
    assert_eq!(look.status, 200, "a customer's page reads its site's look");
    assert_eq!(look.header("access-control-allow-origin"), Some("*"));

    // Storage takes uploads from the apps.
    let p = preflight(
        &format!("{}/{}", hosts.storage, parlor_local::storage::BUCKET),
        &origin_of(&web),
        "POST",
        "content-type",
    )
    .await;
    assert!(
        (200..300).contains(&p.status),
        "storage preflight: {}",
        p.status
    );
    assert_eq!(p.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        list(p.header("access-control-allow-methods")),
        sorted_lower(edge::STORAGE.allow_methods)
    );

    // The customer's page embeds the widget from the web origin; nothing else is where it is not.
    let page = get(&demo, &[]).await;
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains(&format!(
            "<script src=\"{web}/widget/widget.js\" data-site=\"{key}\" async></script>"
        )),
        "{html}"
    );
    assert_eq!(
        get(&format!("{web}/api/sites/{key}"), &[]).await.status,
        404,
        "no API on the web origin"
    );
    assert_eq!(
        get(&format!("{}/", origin_of(&api)), &[]).await.status,
        404,
        "no console on the API's origin"
    );
    assert_eq!(
        get(&format!("{site}/widget/widget.js"), &[]).await.status,
        404,
        "no widget on the customer's site"
    );
}

#[tokio::test]
async fn on_one_origin_the_web_files_have_the_same_rules_and_the_frame_its_sites_ancestors() {
    let app = TestApp::spawn().await;
    let web = app.running.http_url();
    let storage = app.running.storage_origin.clone();
    assert_eq!(storage, web, "storage is on the gateway's own origin");
    let hosts = Hosts {
        http_api: String::new(),
        websocket: "ws: wss:".into(),
        storage,
    };

    let console = get(&format!("{web}/"), &[("accept-encoding", "gzip, br")]).await;
    assert!(
        matches!(console.header("content-encoding"), Some("br" | "gzip")),
        "{:?}",
        console.header("content-encoding")
    );
    assert_eq!(console.header("cache-control"), Some(edge::NO_CACHE));
    assert_eq!(
        console.header("content-security-policy"),
        WebPolicy::Console
            .content_security_policy(&hosts)
            .as_deref()
    );
    check_security_headers("the console", &console, WebPolicy::Console);
    assert_eq!(
        get(&format!("{web}/config.json"), &[]).await.status,
        404,
        "the apps use /api and /ws of their own origin"
    );

    let asset = get(&format!("{web}/widget/widget.js"), &[]).await;
    assert_eq!(asset.header("cache-control"), Some(edge::CACHE_AN_HOUR));
    assert_eq!(
        asset.header("content-encoding"),
        None,
        "compressed only when asked"
    );

    // The demo site allows any origin: any page may frame its chat.
    let key = app.running.site.key.to_string();
    let frame = get(&format!("{web}/widget/frame.html?site={key}"), &[]).await;
    assert_eq!(
        frame.header("content-security-policy"),
        Some(edge::frame_content_security_policy(&hosts, Some(&[])).as_str())
    );
    assert!(
        frame
            .header("content-security-policy")
            .unwrap()
            .ends_with("frame-ancestors *")
    );
    check_security_headers("the frame", &frame, WebPolicy::Frame);
    let unknown = get(&format!("{web}/widget/frame.html?site=site_unknown"), &[]).await;
    assert!(
        unknown
            .header("content-security-policy")
            .unwrap()
            .ends_with("frame-ancestors 'none'")
    );

    let p = preflight(
        &format!("{web}/api/login"),
        "https://shop.example",
        "POST",
        "authorization,content-type",
    )
    .await;
    assert_eq!(
        list(p.header("access-control-allow-headers")),
        sorted_lower(edge::HTTP_API.allow_headers)
    );
}

#[tokio::test]
async fn every_http_api_answer_carries_the_apis_security_headers() {
    for app in [TestApp::spawn().await, aws_shape().await] {
        let api = &app.running.api_url;
        let password = app.running.admin_password.clone().unwrap();
        let body = json!({ "email": app.running.admin.email.as_str(), "password": password });
        let login = send(
            http::Request::post(format!("{api}/login"))
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap(),
        )
        .await;
        assert_eq!(login.status, 200, "login");
        for (name, value) in edge::API_HEADERS {
            assert_eq!(login.header(name), Some(*value), "login: {name}");
        }
        let token: serde_json::Value = serde_json::from_slice(&login.body).unwrap();
        let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
        let answers = [
            ("health", get(&format!("{api}/health"), &[]).await, 200),
            ("no token", get(&format!("{api}/dialogs"), &[]).await, 401),
            (
                "a bad query",
                get(
                    &format!("{api}/dialogs?limit=ten"),
                    &[("authorization", bearer.as_str())],
                )
                .await,
                400,
            ),
        ];
        // On an origin of its own (AWS's shape) the API answers unknown paths too; on the one
        // origin they fall to the web files, whose own headers the tests above check.
        let unknown = match app.running.shape {
            Shape::Aws => vec![(
                "no such path",
                get(&format!("{api}/nothing-here"), &[]).await,
                404,
            )],
            Shape::OneOrigin => vec![],
        };
        for (what, answer, status) in answers.into_iter().chain(unknown) {
            assert_eq!(answer.status, status, "{what}");
            for (name, value) in edge::API_HEADERS {
                assert_eq!(answer.header(name), Some(*value), "{what}: {name}");
            }
        }
    }
}

/// The HTTP API's function as it runs in AWS: the widget's frame page read from the hosting bucket
/// and served per site; behind a web ACL, nothing for a request that did not pass CloudFront.
#[tokio::test]
async fn the_functions_router_serves_the_frame_per_site_and_behind_the_edge_only_what_passed_it() {
    let app = TestApp::spawn().await;
    let hosts = Hosts::template();
    let page = "<!doctype html><title>Parlor chat</title>";
    let key = app.running.site.key.to_string();
    let admin = app.admin_token().await;
    let origins = json!({ "allowed_origins": ["https://shop.example"] });
    assert_eq!(
        app.request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&admin),
            Some(origins)
        )
        .await
        .0,
        200
    );

    let open = parlor_e2e::deployed::http_api_function(&app, page, hosts.clone(), None).await;
    let frame = get(&format!("{open}{}?site={key}", edge::FRAME_PATH), &[]).await;
    assert_eq!(frame.status, 200);
    assert_eq!(
        String::from_utf8_lossy(&frame.body),
        page,
        "the published page"
    );
    assert_eq!(
        frame.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        frame.header("content-security-policy"),
        Some(
            edge::frame_content_security_policy(&hosts, Some(&["https://shop.example".into()]))
                .as_str()
        )
    );
    assert_eq!(
        frame.header("x-frame-options"),
        None,
        "customers' sites frame it: none of the API's refusals to be framed"
    );
    for unknown in ["site_unknown", "not-a-key", ""] {
        let refused = get(&format!("{open}{}?site={unknown}", edge::FRAME_PATH), &[]).await;
        assert!(
            refused
                .header("content-security-policy")
                .unwrap()
                .ends_with("frame-ancestors 'none'"),
            "{unknown:?}"
        );
    }

    // Behind a web ACL: only what carries CloudFront's secret.
    let secret = "k3Jd9QxW2pLm7vTz4NsB8yRc6HfGa1Eu";
    let guarded =
        parlor_e2e::deployed::http_api_function(&app, page, hosts.clone(), Some(secret)).await;
    let header = parlor_core::entrypoints::http::EDGE_HEADER;
    for path in [
        "/api/health".to_owned(),
        format!("{}?site={key}", edge::FRAME_PATH),
    ] {
        for (what, headers) in [
            ("no secret", vec![]),
            (
                "a wrong secret",
                vec![(header, "k3Jd9QxW2pLm7vTz4NsB8yRc6HfGa1Ex")],
            ),
            ("a prefix of it", vec![(header, "k3Jd9QxW2pLm")]),
        ] {
            let refused = get(&format!("{guarded}{path}"), &headers).await;
            assert_eq!(refused.status, 403, "{path}, {what}");
            let body: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
            assert_eq!(body["error"]["code"], "forbidden", "{path}, {what}");
            for (name, value) in edge::API_HEADERS {
                assert_eq!(refused.header(name), Some(*value), "{path}, {what}: {name}");
            }
        }
        let passed = get(&format!("{guarded}{path}"), &[(header, secret)]).await;
        assert_eq!(passed.status, 200, "{path} through CloudFront");
    }
}
