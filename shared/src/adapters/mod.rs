//! Adapters: the ports implemented on real infrastructure.
//! - `record`: the stored form of what the domain holds in another shape, for both stores.
//! - `sqlite`: the embedded store, for one machine.
//! - `dynamo`: DynamoDB, single table.
//! - `push`: the API Gateway Management API, through the AWS SDK (also against the local gateway).
//! - `s3`: attachment storage on S3 (also against the local S3-compatible endpoint), and the
//!   published web files in the hosting bucket.
//! - `web_files`: the published web files in a folder (the local gateway's).
//! - `images`: image previews.
//! - `webpush`: Web Push to browsers: VAPID, RFC 8291 encryption, the push service's HTTP.
//! - `calls`: records which IAM grants the AWS calls of each function need (for the template test).

use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

/// The HTTPS client every AWS SDK client uses (DynamoDB, the Management API, SSM, and the
/// credential and region providers): rustls on ring.
pub fn https_client() -> aws_sdk_apigatewaymanagement::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The SDK's default configuration chain (environment, profile, container and instance
/// credentials, region), on `https_client`.
pub fn aws_defaults() -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https_client())
}

#[cfg(feature = "dynamodb")]
pub mod calls;
#[cfg(feature = "dynamodb")]
pub mod dynamo;
#[cfg(feature = "attachments")]
pub mod images;
pub mod push;
pub mod record;
#[cfg(feature = "attachments")]
pub mod s3;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod web_files;
pub mod webpush;
