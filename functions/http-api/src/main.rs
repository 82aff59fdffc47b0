//! The HTTP API: the core's axum router, served by `lambda_http` (HTTP API payload v2), with the
//! widget's frame page (`GET /widget/frame.html`, which CloudFront sends here), each request
//! marked with the address API Gateway saw (for the limits counted per address).

use lambda_http::request::RequestContext;
use lambda_http::{Error, RequestExt, Service, service_fn};
use parlor_core::entrypoints::http::client_ip::ClientIp;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let router = parlor_core::lambda::http_api_from_env().await?;
    lambda_http::run(service_fn(move |mut request: lambda_http::Request| {
        if let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref()
            && let Some(ip) = ClientIp::of_http_api(context)
        {
            request.extensions_mut().insert(ip);
        }
        router.clone().call(request)
    }))
    .await
}
