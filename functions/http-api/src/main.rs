//! The HTTP API: the core's axum router, served by `lambda_http` (HTTP API payload v2).

use lambda_http::Error;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let app = Arc::new(parlor_core::lambda::app_from_env().await?);
    lambda_http::run(parlor_core::entrypoints::http::router(app)).await
}
