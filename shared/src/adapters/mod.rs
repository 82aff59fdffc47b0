//! Adapters: the ports implemented on real infrastructure.
//! - `sqlite`: the embedded store, for one machine.
//! - `dynamo`: DynamoDB, single table.
//! - `push`: the API Gateway Management API, through the AWS SDK (also against the local gateway).
//! - `calls`: records which IAM grants the AWS calls of each function need (for the template test).

#[cfg(feature = "dynamodb")]
pub mod calls;
#[cfg(feature = "dynamodb")]
pub mod dynamo;
pub mod push;
#[cfg(feature = "sqlite")]
pub mod sqlite;
