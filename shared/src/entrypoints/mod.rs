//! Entrypoints translate: parse the event, call one use-case, map the result.
//! - `ws`: API Gateway WebSocket events (every route), as Lambda and the local gateway deliver them.
//! - `http`: the HTTP API as one axum router, run by `lambda_http` in AWS and by the local gateway.

pub mod http;
pub mod ws;
