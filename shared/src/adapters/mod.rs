//! Adapters: the ports implemented on real infrastructure.
//! - `sqlite`: the embedded store, for one machine.
//! - `dynamo`: DynamoDB, single table.
//! - `push`: the API Gateway Management API, through the AWS SDK (also against the local gateway).

#[cfg(feature = "dynamodb")]
pub mod dynamo;
pub mod push;
#[cfg(feature = "sqlite")]
pub mod sqlite;
