//! The local S3-compatible endpoint for attachments: s3s over a folder of the data directory, on a
//! port of its own, checking signatures with the local credentials as S3 checks them, and with
//! CORS as the bucket has it in AWS (browsers upload and fetch across origins).

use axum::error_handling::HandleError;
use axum::http::{Method, StatusCode, header};
use parlor_core::adapters::calls::AwsCalls;
use parlor_core::adapters::s3::S3Blobs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tower_http::cors::{Any, CorsLayer};

/// The one bucket, a folder of `{data_dir}/s3`.
pub const BUCKET: &str = "parlor-attachments";

/// Where the endpoint keeps its buckets.
pub fn root(data_dir: &Path) -> PathBuf {
    data_dir.join("s3")
}

/// The endpoint over `{data_dir}/s3`, whose bucket it creates; it accepts what `access_key` and
/// `secret` sign.
pub fn router(data_dir: &Path, access_key: &str, secret: &str) -> Result<axum::Router, String> {
    let root = root(data_dir);
    let bucket = root.join(BUCKET);
    std::fs::create_dir_all(&bucket)
        .map_err(|e| format!("cannot create {}: {e}", bucket.display()))?;
    let fs = s3s_fs::FileSystem::new(&root)
        .map_err(|e| format!("cannot keep attachments in {}: {e:?}", root.display()))?;
    // No host is set: requests name the bucket in the path.
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(access_key, secret));
    let service = HandleError::new(builder.build(), |e: s3s::HttpError| async move {
        (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:?}"))
    });
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        .allow_headers(Any)
        .expose_headers([header::ETAG])
        .max_age(Duration::from_secs(3000));
    Ok(axum::Router::new().fallback_service(service).layer(cors))
}

/// Attachment storage on the endpoint at `addr`, signed with `sdk`'s credentials.
pub fn blobs(
    sdk: &aws_config::SdkConfig,
    addr: SocketAddr,
    calls: Option<&AwsCalls>,
) -> Result<S3Blobs, String> {
    let credentials = sdk
        .credentials_provider()
        .ok_or("the local SDK configuration has no credentials")?;
    let mut conf = aws_sdk_s3::config::Builder::from(sdk)
        .endpoint_url(format!("http://{addr}"))
        .force_path_style(true);
    if let Some(calls) = calls {
        conf = conf.interceptor(calls.clone());
    }
    let blobs = S3Blobs::new(
        aws_sdk_s3::Client::from_conf(conf.build()),
        credentials,
        BUCKET,
        format!("http://{addr}/{BUCKET}"),
    );
    Ok(match calls {
        Some(calls) => blobs.recording(calls.clone()),
        None => blobs,
    })
}
