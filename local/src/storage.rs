//! The local S3-compatible endpoint for attachments: s3s over a folder of the data directory,
//! checking every request's signature with the local credentials as S3 checks them (a request
//! without one is refused: there is no anonymous access), and with CORS as the bucket has it in
//! AWS (browsers upload and fetch across origins).
//!
//! It is served under the bucket's path, `/parlor-attachments/…`, on the gateway's own port in
//! the one-origin shape, or as the whole of an origin of its own in AWS's shape. Requests reach
//! s3s with their path as the client signed it: a SigV4 signature covers the path, so nothing is
//! stripped or rewritten on the way.
//!
//! Only what Parlor uses is served (GET, HEAD, PUT, a browser's POST, a copy and a batch delete),
//! and writes are held to "once" where S3 lets them be: a browser's upload to a key that already
//! holds a file is refused (an upload grant stores one file, once), and `If-None-Match: *` is kept
//! on a copy as S3 keeps it (the first sealed copy of a checked file stays).

use axum::error_handling::HandleError;
use axum::http::{HeaderValue, StatusCode, header};
use parlor_core::adapters::calls::AwsCalls;
use parlor_core::adapters::s3::S3Blobs;
use parlor_core::edge;
use s3s::dto::{
    CopyObjectInput, CopyObjectOutput, DeleteObjectsInput, DeleteObjectsOutput, GetObjectInput,
    GetObjectOutput, HeadObjectInput, HeadObjectOutput, PostObjectInput, PostObjectOutput,
    PutObjectInput, PutObjectOutput,
};
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};
use std::path::{Path, PathBuf};
use tower_http::set_header::SetResponseHeaderLayer;

/// The one bucket, a folder of `{data_dir}/s3`.
pub const BUCKET: &str = "parlor-attachments";

/// Where the endpoint keeps its buckets.
pub fn root(data_dir: &Path) -> PathBuf {
    data_dir.join("s3")
}

/// The policy of a file served on the gateway's own origin.
pub const FILES_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// How the endpoint shares its origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mount {
    /// Under `/{BUCKET}` of an origin that serves other things too (the gateway's own port).
    UnderItsPath,
    /// The whole origin, as S3's own (AWS's shape).
    WholeOrigin,
}

/// The folder store, holding writes to "once" where S3 does.
struct Once {
    files: s3s_fs::FileSystem,
    /// Looking for an object and writing it are one step: two uploads at once cannot both find
    /// the key free.
    writes: tokio::sync::Mutex<()>,
}

impl Once {
    /// Whether `bucket` holds an object at `key`.
    async fn holds<T>(&self, req: &S3Request<T>, bucket: &str, key: &str) -> S3Result<bool> {
        let input = HeadObjectInput::builder()
            .bucket(bucket.to_owned())
            .key(key.to_owned())
            .build()
            .map_err(|e| s3_error!(e, InvalidRequest))?;
        let head = S3Request {
            input,
            method: http::Method::HEAD,
            uri: req.uri.clone(),
            headers: http::HeaderMap::new(),
            extensions: http::Extensions::new(),
            credentials: req.credentials.clone(),
            region: req.region.clone(),
            service: req.service.clone(),
            trailing_headers: None,
        };
        match self.files.head_object(head).await {
            Ok(_) => Ok(true),
            Err(e) if *e.code() == S3ErrorCode::NoSuchKey => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn already_there(key: &str) -> S3Error {
    s3_error!(
        PreconditionFailed,
        "{key} already holds a file: an upload grant stores one file, once"
    )
}

#[async_trait::async_trait]
impl S3 for Once {
    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.files.get_object(req).await
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.files.head_object(req).await
    }

    /// The server's own writes (previews); `If-None-Match: *` is kept by the folder store.
    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let _once = self.writes.lock().await;
        self.files.put_object(req).await
    }

    /// A browser's upload under a grant: refused where a file already is. (S3 takes it again for
    /// the grant's window: a form POST cannot be conditional there. Parlor serves the sealed copy
    /// of a checked file, never the upload itself, so either way a stored message keeps its bytes.)
    async fn post_object(
        &self,
        req: S3Request<PostObjectInput>,
    ) -> S3Result<S3Response<PostObjectOutput>> {
        let _once = self.writes.lock().await;
        if self.holds(&req, &req.input.bucket, &req.input.key).await? {
            return Err(already_there(&req.input.key));
        }
        self.files.post_object(req).await
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        let _once = self.writes.lock().await;
        let only_if_new = req
            .headers
            .get(http::header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == b"*");
        if only_if_new && self.holds(&req, &req.input.bucket, &req.input.key).await? {
            return Err(already_there(&req.input.key));
        }
        self.files.copy_object(req).await
    }

    /// Deleting dialogs deletes their files (a key with no file counts as deleted, as in S3).
    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let _once = self.writes.lock().await;
        self.files.delete_objects(req).await
    }
}

/// The endpoint over `{data_dir}/s3`, whose bucket it creates; it accepts what `access_key` and
/// `secret` sign, and nothing unsigned.
pub fn router(
    data_dir: &Path,
    access_key: &str,
    secret: &str,
    mount: Mount,
) -> Result<axum::Router, String> {
    let root = root(data_dir);
    let bucket = root.join(BUCKET);
    std::fs::create_dir_all(&bucket)
        .map_err(|e| format!("cannot create {}: {e}", bucket.display()))?;
    let files = s3s_fs::FileSystem::new(&root)
        .map_err(|e| format!("cannot keep attachments in {}: {e:?}", root.display()))?;
    // No host is set: requests name the bucket in the path. With an auth provider, s3s refuses
    // every request that carries no valid signature (`AccessDenied`), before any operation runs.
    let mut builder = s3s::service::S3ServiceBuilder::new(Once {
        files,
        writes: tokio::sync::Mutex::new(()),
    });
    builder.set_auth(s3s::auth::SimpleAuth::from_single(access_key, secret));
    let service = HandleError::new(builder.build(), |e: s3s::HttpError| async move {
        (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:?}"))
    });
    let router = match mount {
        Mount::UnderItsPath => axum::Router::new()
            .route_service(&format!("/{BUCKET}"), service.clone())
            // A request to the bucket itself (a batch delete, `POST /{BUCKET}/?delete`).
            .route_service(&format!("/{BUCKET}/"), service.clone())
            .route_service(&format!("/{BUCKET}/{{*key}}"), service)
            // Files people uploaded, on the console's own origin: never sniffed into another
            // type, and a file opened as a page would run in an origin of its own, out of reach
            // of the console's storage (as raw files are served on code hosts).
            .layer(SetResponseHeaderLayer::overriding(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(FILES_POLICY),
            )),
        Mount::WholeOrigin => axum::Router::new().fallback_service(service),
    };
    Ok(router.layer(crate::web::cors_layer(&edge::STORAGE)))
}

/// Attachment storage as the app uses it: its own calls to `endpoint` (an origin this process
/// reaches), signed with `sdk`'s credentials; browsers' uploads and links to `public` (the origin
/// browsers reach storage by), which a signed link names.
pub fn blobs(
    sdk: &aws_config::SdkConfig,
    endpoint: &str,
    public: &str,
    calls: Option<&AwsCalls>,
) -> Result<S3Blobs, String> {
    let credentials = sdk
        .credentials_provider()
        .ok_or("the local SDK configuration has no credentials")?;
    let client = |url: &str| {
        let mut conf = aws_sdk_s3::config::Builder::from(sdk)
            .endpoint_url(url)
            .force_path_style(true);
        if let Some(calls) = calls {
            conf = conf.interceptor(calls.clone());
        }
        aws_sdk_s3::Client::from_conf(conf.build())
    };
    let mut blobs = S3Blobs::new(
        client(endpoint),
        credentials,
        BUCKET,
        format!("{public}/{BUCKET}"),
    );
    if public != endpoint {
        blobs = blobs.linking_with(client(public));
    }
    Ok(match calls {
        Some(calls) => blobs.recording(calls.clone()),
        None => blobs,
    })
}

/// What the bucket's lifecycle rule on `exports/` does in AWS (`ExpireExports` in the template):
/// the contacts' exports older than `keep` are deleted, through the endpoint as any delete is (so
/// what it keeps beside each object goes too). The objects are found in the endpoint's folder,
/// which holds exports only under that prefix; returns how many were deleted.
pub async fn expire_exports(
    data_dir: &Path,
    blobs: &dyn parlor_core::ports::Blobs,
    keep: std::time::Duration,
) -> Result<usize, String> {
    let bucket = root(data_dir).join(BUCKET);
    let folder = bucket.join(parlor_core::app::EXPORTS_PREFIX);
    let Some(cutoff) = std::time::SystemTime::now().checked_sub(keep) else {
        return Ok(0);
    };
    let mut due = Vec::new();
    let mut folders = vec![folder];
    while let Some(dir) = folders.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        };
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let meta = entry
                .metadata()
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
            if meta.is_dir() {
                folders.push(entry.path());
            } else if meta.modified().is_ok_and(|at| at <= cutoff) {
                let key = entry
                    .path()
                    .strip_prefix(&bucket)
                    .ok()
                    .and_then(|k| k.to_str())
                    .map(|k| k.replace(std::path::MAIN_SEPARATOR, "/"));
                due.extend(key);
            }
        }
    }
    if !due.is_empty() {
        blobs.delete(&due).await.map_err(|e| e.to_string())?;
    }
    Ok(due.len())
}
