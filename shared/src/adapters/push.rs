//! Pushes through the API Gateway Management API with the real AWS SDK client, in AWS and against
//! the local gateway alike.

use crate::ids::ConnectionId;
use crate::ports::{Push, PushError};
use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::operation::delete_connection::DeleteConnectionError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;

pub struct ManagementApiPush {
    client: Client,
}

impl ManagementApiPush {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// A client for `endpoint` (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`, or
    /// the local gateway's Management API).
    pub fn for_endpoint(config: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(config)
            .endpoint_url(endpoint)
            .build();
        Self::new(Client::from_conf(conf))
    }
}

#[async_trait]
impl Push for ManagementApiPush {
    async fn post(&self, to: &ConnectionId, payload: &str) -> Result<(), PushError> {
        let sent = self
            .client
            .post_to_connection()
            .connection_id(to.as_str())
            .data(Blob::new(payload.as_bytes()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(PostToConnectionError::GoneException(_)) => Err(PushError::Gone),
                _ => Err(PushError::Failed(
                    aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&e).to_string(),
                )),
            },
        }
    }

    async fn close(&self, connection: &ConnectionId) -> Result<(), PushError> {
        let closed = self
            .client
            .delete_connection()
            .connection_id(connection.as_str())
            .send()
            .await;
        match closed {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(DeleteConnectionError::GoneException(_)) => Err(PushError::Gone),
                _ => Err(PushError::Failed(
                    aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&e).to_string(),
                )),
            },
        }
    }
}
