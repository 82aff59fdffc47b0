//! Parlor's core: the domain (pure), the wire protocol, ports, use-cases, entrypoints (WebSocket
//! handlers and the HTTP router) and adapters (AWS; embedded). Every Lambda function and the local
//! gateway are thin wiring around this crate.

pub mod adapters;
pub mod app;
pub mod auth;
pub mod deploy;
pub mod domain;
pub mod edge;
pub mod entrypoints;
pub mod ids;
pub mod lambda;
pub mod ports;
pub mod protocol;
