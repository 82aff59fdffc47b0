//! The presence and retention sweeps, every minute on an EventBridge schedule: configuration and
//! the runtime, nothing else.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    parlor_core::lambda::serve_sweep().await
}
