//! The `$connect` route of the WebSocket API. `ws::handle` dispatches on the event's route key, so an
//! event for another route is still handled as that route.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use parlor_core::entrypoints::ws;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app = parlor_core::lambda::app_from_env().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async {
        ws::handle(&app, event.payload).await.map_err(Error::from)
    }))
    .await
}
