//! The HTTP API: the core's axum router, served by `lambda_http` (HTTP API payload v2), with the
//! widget's frame page (`GET /widget/frame.html`, which CloudFront sends here).

use lambda_http::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    lambda_http::run(parlor_core::lambda::http_api_from_env().await?).await
}
