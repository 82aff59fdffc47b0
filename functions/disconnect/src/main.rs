//! The `$disconnect` route of the WebSocket API: configuration and the runtime, nothing else.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    parlor_core::lambda::serve_websocket_route().await
}
