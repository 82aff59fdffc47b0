//! Attachment storage: the S3 adapter against the local S3-compatible endpoint, with uploads sent
//! as browsers send them (a multipart form POST, the file last) and links fetched over HTTP.
//!
//! Where the local endpoint answers with another code than S3 would (a wrong type is 400 here,
//! 403 on AWS), the tests assert what both share: a 4xx, and no object afterwards.

use bytes::Bytes;
use http_body_util::Full;
use parlor_core::adapters::calls::AwsCalls;
use parlor_core::deploy::{Function, Resource};
use parlor_core::ports::{Blobs, PresignedPost, UploadPolicy};
use parlor_core::protocol::Route;
use parlor_e2e::storage::{Response, fetch, form_upload, send};
use parlor_e2e::{TestApp, temp_dir, unique};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

const TYPE: &str = "text/plain";
const DISPOSITION: &str = "attachment; filename=\"notes.txt\"";
const SIZE: u64 = 1024;

async fn upload(post: &PresignedPost, file: &[u8]) -> Response {
    form_upload(&post.url, &post.fields, file).await
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

/// A grant for a file of `SIZE` bytes, valid for ten minutes from now.
fn policy() -> UploadPolicy {
    let now = now_ms();
    UploadPolicy {
        key: format!("a/test/{}", unique("file")),
        content_type: TYPE.into(),
        content_disposition: DISPOSITION.into(),
        size: SIZE,
        now,
        expires_at: now + 10 * 60 * 1000,
    }
}

fn file(size: u64) -> Vec<u8> {
    (0..size).map(|i| b'a' + (i % 26) as u8).collect()
}

fn set(post: &mut PresignedPost, name: &str, value: String) {
    post.fields
        .iter_mut()
        .find(|(n, _)| n == name)
        .expect("the field is granted")
        .1 = value;
}

fn field<'a>(post: &'a PresignedPost, name: &str) -> &'a str {
    &post
        .fields
        .iter()
        .find(|(n, _)| n == name)
        .expect("the field is granted")
        .1
}

/// The last hex digit of a signature, changed.
fn altered(signature: &str) -> String {
    let (head, last) = signature.split_at(signature.len() - 1);
    format!("{head}{}", if last == "0" { "1" } else { "0" })
}

/// A refused upload: a client error with one of S3's `codes` for it, and nothing stored.
async fn refused(app: &TestApp, response: &Response, key: &str, codes: &[&str]) {
    let body = String::from_utf8_lossy(&response.body);
    assert!(
        (400..500).contains(&response.status),
        "expected a 4xx, got {}: {body}",
        response.status
    );
    assert!(
        codes
            .iter()
            .any(|c| body.contains(&format!("<Code>{c}</Code>"))),
        "expected one of {codes:?}: {body}"
    );
    assert_eq!(
        app.running.blobs.head(key).await.expect("storage answers"),
        None,
        "{key} was stored"
    );
}

#[tokio::test]
async fn an_upload_within_its_grant_is_stored_and_linked() {
    let app = TestApp::spawn().await;
    let blobs = &app.running.blobs;
    let policy = policy();
    let post = blobs.presign_upload(&policy).await.expect("a grant");
    assert_eq!(
        post.url,
        format!("{}/parlor-attachments", app.running.storage_origin)
    );
    let bytes = file(SIZE);
    let response = upload(&post, &bytes).await;
    assert!(
        (200..300).contains(&response.status),
        "{}: {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );

    let head = blobs
        .head(&policy.key)
        .await
        .expect("storage answers")
        .expect("the object");
    assert_eq!(head.size, SIZE);
    assert_eq!(head.content_type.as_deref(), Some(TYPE));
    assert_eq!(
        blobs.read_start(&policy.key, 16).await.expect("its start"),
        bytes[..16]
    );
    assert_eq!(
        blobs
            .read_start(&policy.key, 4096)
            .await
            .expect("all of it"),
        bytes
    );
    assert_eq!(
        blobs.read(&policy.key, SIZE).await.expect("all of it"),
        bytes
    );
    assert!(
        blobs.read(&policy.key, SIZE - 1).await.is_err(),
        "read past its limit"
    );

    let link = blobs
        .presign_download(&policy.key, 60)
        .await
        .expect("a link");
    let got = fetch(&link).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    assert_eq!(got.body, bytes);
    assert_eq!(
        got.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some(TYPE)
    );
    assert_eq!(
        got.headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok()),
        Some(DISPOSITION)
    );

    // A preview is put by the server itself.
    let preview = format!("{}.preview.jpg", policy.key);
    blobs
        .put(&preview, vec![0xff, 0xd8, 0xff, 0xe0], "image/jpeg")
        .await
        .expect("stored");
    let head = blobs
        .head(&preview)
        .await
        .expect("storage answers")
        .expect("the preview");
    assert_eq!(
        (head.size, head.content_type.as_deref()),
        (4, Some("image/jpeg"))
    );
    assert_eq!(
        blobs.read(&preview, 4).await.expect("the preview"),
        [0xff, 0xd8, 0xff, 0xe0]
    );
    assert_eq!(
        blobs
            .head(&format!("{}-missing", policy.key))
            .await
            .expect("storage answers"),
        None
    );
}

#[tokio::test]
async fn browsers_on_other_origins_may_upload_and_fetch() {
    let app = TestApp::spawn().await;
    let url = format!("{}/parlor-attachments", app.running.storage_origin);
    let preflight = http::Request::builder()
        .method("OPTIONS")
        .uri(&url)
        .header("origin", "http://console.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .body(Full::new(Bytes::new()))
        .expect("a request");
    let response = send(preflight).await;
    assert!((200..300).contains(&response.status), "{}", response.status);
    assert_eq!(
        response
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
    let csp = fetch(&app.url("/"))
        .await
        .headers
        .get("content-security-policy")
        .cloned()
        .expect("a policy");
    let origin = app.running.storage_origin.clone();
    let csp = csp.to_str().expect("text");
    assert!(
        csp.contains(&format!("connect-src 'self' ws: wss: {origin}")),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("img-src 'self' data: blob: {origin}")),
        "{csp}"
    );
}

#[tokio::test]
async fn uploads_outside_their_grant_are_refused() {
    let app = TestApp::spawn().await;
    let blobs = &app.running.blobs;

    let larger = policy();
    let post = blobs.presign_upload(&larger).await.expect("a grant");
    refused(
        &app,
        &upload(&post, &file(SIZE + 1)).await,
        &larger.key,
        &["EntityTooLarge"],
    )
    .await;

    let shorter = policy();
    let post = blobs.presign_upload(&shorter).await.expect("a grant");
    refused(
        &app,
        &upload(&post, &file(SIZE - 1)).await,
        &shorter.key,
        &["EntityTooSmall"],
    )
    .await;

    let retyped = policy();
    let mut post = blobs.presign_upload(&retyped).await.expect("a grant");
    set(&mut post, "Content-Type", "text/html".into());
    // AWS: 403 AccessDenied; locally 400 InvalidPolicyDocument.
    refused(
        &app,
        &upload(&post, &file(SIZE)).await,
        &retyped.key,
        &["AccessDenied", "InvalidPolicyDocument"],
    )
    .await;

    // Signed two seconds ago and expired one second ago: the signature's date is recent (the
    // local endpoint refuses one older than 15 minutes), the policy's expiry is not.
    let now = now_ms();
    let expired = UploadPolicy {
        now: now - 2000,
        expires_at: now - 1000,
        ..policy()
    };
    let post = blobs.presign_upload(&expired).await.expect("a grant");
    let response = upload(&post, &file(SIZE)).await;
    assert_eq!(
        response.status,
        403,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    refused(&app, &response, &expired.key, &["AccessDenied"]).await;
}

#[tokio::test]
async fn a_tampered_signature_or_policy_is_refused() {
    let app = TestApp::spawn().await;
    let blobs = &app.running.blobs;

    let signed = policy();
    let mut post = blobs.presign_upload(&signed).await.expect("a grant");
    let signature = altered(field(&post, "x-amz-signature"));
    set(&mut post, "x-amz-signature", signature);
    let response = upload(&post, &file(SIZE)).await;
    assert_eq!(
        response.status,
        403,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    refused(&app, &response, &signed.key, &["SignatureDoesNotMatch"]).await;

    // The grant of a larger file, carrying the smaller grant's signature.
    let small = policy();
    let mut post = blobs.presign_upload(&small).await.expect("a grant");
    let large = blobs
        .presign_upload(&UploadPolicy {
            size: SIZE * 2,
            ..small.clone()
        })
        .await
        .expect("a grant");
    set(&mut post, "policy", field(&large, "policy").to_owned());
    let response = upload(&post, &file(SIZE * 2)).await;
    assert_eq!(
        response.status,
        403,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    refused(&app, &response, &small.key, &["SignatureDoesNotMatch"]).await;

    // A link whose signature is altered.
    let stored = policy();
    blobs
        .put(&stored.key, file(SIZE), TYPE)
        .await
        .expect("stored");
    let link = blobs
        .presign_download(&stored.key, 60)
        .await
        .expect("a link");
    let (rest, query) = link.split_once("X-Amz-Signature=").expect("a signed link");
    let (signature, after) = query.split_once('&').unwrap_or((query, ""));
    let after = if after.is_empty() {
        String::new()
    } else {
        format!("&{after}")
    };
    let response = fetch(&format!(
        "{rest}X-Amz-Signature={}{after}",
        altered(signature)
    ))
    .await;
    assert_eq!(
        response.status,
        403,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(fetch(&link).await.status, 200);
}

#[tokio::test]
async fn presigning_records_the_grants_the_signed_requests_need() {
    let calls = AwsCalls::new();
    let mut config = parlor_local::Config::for_tests(&temp_dir());
    config.aws_calls = Some(calls.clone());
    let app = TestApp::spawn_with(config).await;
    let blobs = app.running.blobs.clone();
    let policy = policy();
    Function::HttpApi
        .scope(async {
            blobs.presign_upload(&policy).await.expect("a grant");
            blobs
                .presign_download(&policy.key, 60)
                .await
                .expect("a link");
        })
        .await;
    Function::WebSocket(Route::Message)
        .scope(async {
            blobs.head(&policy.key).await.expect("storage answers");
            blobs
                .put(
                    &format!("{}.preview.jpg", policy.key),
                    vec![1],
                    "image/jpeg",
                )
                .await
                .expect("stored");
        })
        .await;
    let grants = |actions: &[&str]| -> BTreeSet<(String, Resource)> {
        actions
            .iter()
            .map(|a| ((*a).to_owned(), Resource::Attachments))
            .collect()
    };
    assert_eq!(
        calls.needed_by(Function::HttpApi),
        grants(&["s3:GetObject", "s3:PutObject"])
    );
    let previews = BTreeSet::from([("s3:PutObject".to_owned(), Resource::Previews)]);
    let check: BTreeSet<_> = grants(&["s3:GetObject"])
        .union(&previews)
        .cloned()
        .collect();
    assert_eq!(calls.needed_by(Function::WebSocket(Route::Message)), check);
    assert!(calls.unknown().is_empty(), "{:?}", calls.unknown());
}

#[tokio::test]
async fn the_storage_takes_only_its_own_made_up_credentials() {
    let dir = temp_dir();
    let app = TestApp::spawn_with(parlor_local::Config::for_tests(&dir)).await;
    let key = format!("ws_test/{}", unique("kept"));
    app.running
        .blobs
        .put(&key, b"private".to_vec(), TYPE)
        .await
        .expect("the gateway's own credentials write");
    // The fixed pair older versions used (and printed in every link), and the right key id with
    // a guessed secret: each reads nothing.
    for (id, secret) in [
        ("parlorlocal", "parlorlocal"),
        (app.running.storage_key.as_str(), "guessed"),
    ] {
        let sdk = parlor_core::adapters::aws_defaults()
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                id,
                secret,
                None,
                None,
                "parlor-tests",
            ))
            .load()
            .await;
        let origin = &app.running.storage_origin;
        let stranger = parlor_local::storage::blobs(&sdk, origin, origin, None).unwrap();
        assert!(
            stranger.read(&key, 100).await.is_err(),
            "{id}/{secret} read the file"
        );
        let link = stranger.presign_download(&key, 60).await.unwrap();
        assert_eq!(fetch(&link).await.status, 403, "{id}/{secret}: a link");
    }
    assert_eq!(
        app.running.blobs.read(&key, 100).await.unwrap(),
        b"private".to_vec()
    );
    // Kept for the next run, in the private data folder.
    let kept = std::fs::read_to_string(dir.join("storage.key")).unwrap();
    assert!(kept.starts_with(&format!("{}:", app.running.storage_key)));
}

/// A request with no signature at all, as anyone who reaches the port can send.
async fn anonymous(method: &str, url: &str, body: &[u8]) -> Response {
    send(
        http::Request::builder()
            .method(method)
            .uri(url)
            .body(Full::new(Bytes::copy_from_slice(body)))
            .expect("a request"),
    )
    .await
}

fn refused_unsigned(what: &str, response: &Response) {
    let body = String::from_utf8_lossy(&response.body);
    assert_eq!(response.status, 403, "{what}: {body}");
    assert!(body.contains("<Code>AccessDenied</Code>"), "{what}: {body}");
}

#[tokio::test]
async fn storage_is_served_on_the_gateways_own_port_under_a_path() {
    let app = TestApp::spawn().await;
    let blobs = &app.running.blobs;
    let bucket = format!("{}/parlor-attachments", app.running.http_url());

    // A browser's upload and its link, both to the gateway's own port.
    let policy = policy();
    let post = blobs.presign_upload(&policy).await.expect("a grant");
    assert_eq!(post.url, bucket);
    let bytes = file(SIZE);
    let stored = upload(&post, &bytes).await;
    assert!((200..300).contains(&stored.status), "{}", stored.status);
    let link = blobs
        .presign_download(&policy.key, 60)
        .await
        .expect("a link");
    assert!(
        link.starts_with(&format!("{bucket}/{}?", policy.key)),
        "{link}"
    );
    let got = fetch(&link).await;
    assert_eq!((got.status, got.body.to_vec()), (200, bytes.clone()));
    // Uploaded files on the console's origin: never sniffed, and sandboxed if opened as a page.
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        got.header("content-security-policy"),
        Some(parlor_local::storage::FILES_POLICY)
    );

    // The server's own calls go there too: HEAD, GET, PUT and a copy.
    let head = blobs.head(&policy.key).await.unwrap().expect("the object");
    assert_eq!(
        (head.size, head.content_type.as_deref()),
        (SIZE, Some(TYPE))
    );
    let copy = format!("{}.sealed", policy.key);
    assert!(blobs.copy_once(&policy.key, &copy).await.expect("copied"));
    assert_eq!(blobs.read(&copy, SIZE).await.unwrap(), bytes);
    // The first copy stays.
    blobs.put(&policy.key, file(SIZE + 1), TYPE).await.unwrap();
    assert!(!blobs.copy_once(&policy.key, &copy).await.expect("answered"));
    assert_eq!(blobs.read(&copy, SIZE).await.unwrap(), bytes);
    blobs
        .put(
            &format!("{}.preview.jpg", policy.key),
            vec![1, 2],
            "image/jpeg",
        )
        .await
        .expect("stored");

    // The console is still the console, and the storage's files are not web files.
    let console = fetch(&app.url("/")).await;
    assert_eq!(console.status, 200);
    assert!(
        console
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        console.header("content-type")
    );
    assert!(
        !String::from_utf8_lossy(&console.body).contains("ListAllMyBucketsResult"),
        "the gateway's root lists no buckets"
    );
}

#[tokio::test]
async fn the_gateway_port_takes_only_signed_requests_for_files() {
    let app = TestApp::spawn().await;
    let blobs = &app.running.blobs;
    let bucket = format!("{}/parlor-attachments", app.running.http_url());
    let key = format!("a/test/{}", unique("kept"));
    blobs
        .put(&key, b"private".to_vec(), TYPE)
        .await
        .expect("the gateway's own credentials write");
    let object = format!("{bucket}/{key}");

    refused_unsigned("GET an object", &anonymous("GET", &object, b"").await);
    let head = anonymous("HEAD", &object, b"").await;
    assert_eq!(head.status, 403, "HEAD an object");
    refused_unsigned("ListObjects", &anonymous("GET", &bucket, b"").await);
    refused_unsigned(
        "ListObjectsV2",
        &anonymous("GET", &format!("{bucket}?list-type=2"), b"").await,
    );
    refused_unsigned(
        "PUT over an object",
        &anonymous("PUT", &object, b"replaced").await,
    );
    let fresh = format!("{bucket}/a/test/{}", unique("planted"));
    refused_unsigned("PUT a new object", &anonymous("PUT", &fresh, b"x").await);
    refused_unsigned("DELETE", &anonymous("DELETE", &object, b"").await);
    // A browser form with no policy and no signature.
    let planted = format!("a/test/{}", unique("form"));
    let form = form_upload(
        &bucket,
        &[
            ("key".to_owned(), planted.clone()),
            ("Content-Type".to_owned(), TYPE.to_owned()),
        ],
        b"planted",
    )
    .await;
    refused_unsigned("an unsigned form POST", &form);
    assert_eq!(blobs.head(&planted).await.unwrap(), None, "nothing planted");
    assert_eq!(
        blobs.read(&key, 100).await.unwrap(),
        b"private".to_vec(),
        "the object is as it was"
    );

    // A link signs its key: the same signature for another key is refused.
    let other = format!("a/test/{}", unique("other"));
    blobs.put(&other, b"other".to_vec(), TYPE).await.unwrap();
    let link = blobs.presign_download(&key, 60).await.unwrap();
    assert_eq!(fetch(&link).await.body, b"private".to_vec());
    let moved = link.replace(&key, &other);
    assert_eq!(fetch(&moved).await.status, 403, "{moved}");
}

#[tokio::test]
async fn an_upload_grant_stores_one_file_once() {
    let app = TestApp::spawn().await;
    let blobs = &app.running.blobs;
    let policy = policy();
    let post = blobs.presign_upload(&policy).await.expect("a grant");
    let first = file(SIZE);
    let stored = upload(&post, &first).await;
    assert!((200..300).contains(&stored.status), "{}", stored.status);

    let other: Vec<u8> = first.iter().rev().copied().collect();
    let again = upload(&post, &other).await;
    let body = String::from_utf8_lossy(&again.body);
    assert_eq!(again.status, 412, "{body}");
    assert!(body.contains("<Code>PreconditionFailed</Code>"), "{body}");
    assert_eq!(blobs.read(&policy.key, SIZE).await.unwrap(), first);
}

#[tokio::test]
async fn in_aws_shape_storage_has_an_origin_of_its_own_that_takes_only_signed_requests() {
    let app = TestApp::spawn_with(parlor_local::Config {
        shape: parlor_local::Shape::Aws,
        ..parlor_local::Config::for_tests(&temp_dir())
    })
    .await;
    let origin = app.running.storage_origin.clone();
    assert_ne!(origin, app.running.http_url());
    let blobs = &app.running.blobs;
    let policy = policy();
    let post = blobs.presign_upload(&policy).await.expect("a grant");
    assert_eq!(post.url, format!("{origin}/parlor-attachments"));
    let bytes = file(SIZE);
    assert!((200..300).contains(&upload(&post, &bytes).await.status));
    let link = blobs.presign_download(&policy.key, 60).await.unwrap();
    assert_eq!(fetch(&link).await.body, bytes);

    // ListBuckets, as at S3's own root, and the rest: refused without a signature.
    refused_unsigned(
        "ListBuckets",
        &anonymous("GET", &format!("{origin}/"), b"").await,
    );
    let object = format!("{origin}/parlor-attachments/{}", policy.key);
    refused_unsigned("GET an object", &anonymous("GET", &object, b"").await);
    refused_unsigned("DELETE", &anonymous("DELETE", &object, b"").await);
    assert_eq!(blobs.read(&policy.key, SIZE).await.unwrap(), bytes);
}

/// A reverse proxy in front of the gateway, as a self-hosted one sits: every request passed on
/// with the `Host` it came with (nginx's `proxy_set_header Host $host`), to `upstream` once set.
async fn proxy(upstream: Arc<OnceLock<String>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let pass = move |req: axum::extract::Request| {
        let upstream = upstream.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = http_body_util::BodyExt::collect(body)
                .await
                .unwrap()
                .to_bytes();
            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let mut out = http::Request::builder()
                .method(parts.method)
                .uri(format!("{}{path}", upstream.get().expect("the gateway")));
            for (name, value) in &parts.headers {
                out = out.header(name, value);
            }
            let got = send(out.body(Full::new(body)).unwrap()).await;
            let mut back = axum::response::Response::builder().status(got.status);
            for (name, value) in &got.headers {
                if name != http::header::CONTENT_LENGTH && name != http::header::TRANSFER_ENCODING {
                    back = back.header(name, value);
                }
            }
            back.body(axum::body::Body::from(got.body)).unwrap()
        }
    };
    let service = axum::Router::new().fallback(pass);
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    origin
}

#[tokio::test]
async fn behind_a_proxy_one_port_serves_everything_and_files_are_linked_through_it() {
    let upstream = Arc::new(OnceLock::new());
    let public = proxy(upstream.clone()).await;
    let mut config = parlor_local::Config::for_tests(&temp_dir());
    config.public_url = Some(public.clone());
    let app = TestApp::spawn_with(config).await;
    upstream.set(app.running.http_url()).unwrap();
    assert_eq!(app.running.storage_origin, public);

    // The console through the proxy names storage where browsers reach it.
    let console = fetch(&format!("{public}/")).await;
    assert_eq!(console.status, 200);
    let csp = console
        .header("content-security-policy")
        .unwrap_or_default();
    assert!(
        csp.contains(&format!("connect-src 'self' ws: wss: {public}")),
        "{csp}"
    );

    // An upload and a link, both through the proxy; the server's own calls go straight to the port.
    let blobs = &app.running.blobs;
    let policy = policy();
    let post = blobs.presign_upload(&policy).await.expect("a grant");
    assert_eq!(post.url, format!("{public}/parlor-attachments"));
    let bytes = file(SIZE);
    let stored = upload(&post, &bytes).await;
    assert!((200..300).contains(&stored.status), "{}", stored.status);
    assert_eq!(blobs.head(&policy.key).await.unwrap().unwrap().size, SIZE);
    let link = blobs.presign_download(&policy.key, 60).await.unwrap();
    assert!(
        link.starts_with(&format!("{public}/parlor-attachments/")),
        "{link}"
    );
    let got = fetch(&link).await;
    assert_eq!((got.status, got.body.to_vec()), (200, bytes));
    // A link names its host: the same link at another one is refused.
    let elsewhere = link.replace(&public, &app.running.http_url());
    assert_eq!(fetch(&elsewhere).await.status, 403);
}
