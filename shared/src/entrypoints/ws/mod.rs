//! WebSocket routes: `$connect`, `$disconnect`, `$default`, `message`, `assign`, `close`.

pub mod frames;

use crate::app::{App, AppError, ConnectRequest};
use crate::deploy::Function;

use crate::ids::ConnectionId;
use crate::protocol::Route;
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;

fn response(status: i64, body: &str) -> ApiGatewayProxyResponse {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = status;
    if !body.is_empty() {
        r.body = Some(Body::Text(body.to_owned()));
    }
    r
}

pub fn route_of(event: &ApiGatewayWebsocketProxyRequest) -> Route {
    Route::of_key(
        event
            .request_context
            .route_key
            .as_deref()
            .unwrap_or_default(),
    )
}

/// Handles one WebSocket event of any route, as that route's function. A client's mistake is an
/// error frame to that client (or a refused `$connect`); only an infrastructure failure is an
/// `Err`, i.e. a Lambda error.
pub async fn handle(
    app: &App,
    event: ApiGatewayWebsocketProxyRequest,
) -> Result<ApiGatewayProxyResponse, AppError> {
    let route = route_of(&event);
    Function::WebSocket(route)
        .scope(handle_route(app, route, event))
        .await
}

async fn handle_route(
    app: &App,
    route: Route,
    event: ApiGatewayWebsocketProxyRequest,
) -> Result<ApiGatewayProxyResponse, AppError> {
    let connection_id = event.request_context.connection_id.clone();
    match route {
        Route::Connect => on_connect(app, &event).await,
        Route::Disconnect => {
            if let Some(id) = connection_id
                .as_deref()
                .and_then(|id| ConnectionId::parse(id).ok())
            {
                tracing::info!(
                    connection_id = %id,
                    code = ?event.request_context.disconnect_status_code,
                    reason = ?event.request_context.disconnect_reason,
                    "disconnected"
                );
                if let Some(closed) = app.sessions.disconnect(&id).await? {
                    app.presence.console_closed(&closed).await?;
                }
            }
            Ok(response(200, ""))
        }
        Route::Default | Route::Message | Route::Assign | Route::Close => {
            let id = ConnectionId::parse(connection_id.as_deref().unwrap_or_default())?;
            // A binary frame (it arrives base64-encoded, on `$default`: API Gateway cannot read
            // an action in it) is refused whatever it holds: frames are JSON in text frames.
            if event.is_base64_encoded {
                let e = AppError::Malformed(
                    "binary frames are not read: send the JSON as a text frame".into(),
                );
                frames::refuse_frame(app, &id, None, &e).await;
                return Ok(response(200, ""));
            }
            let body = event.body.clone().unwrap_or_default();
            match route {
                Route::Default => frames::handle_unroutable(app, &id, &body).await?,
                _ => frames::handle_frame(app, &id, route, &body).await?,
            }
            Ok(response(200, ""))
        }
    }
}

async fn on_connect(
    app: &App,
    event: &ApiGatewayWebsocketProxyRequest,
) -> Result<ApiGatewayProxyResponse, AppError> {
    let query = &event.query_string_parameters;
    let header = |name: &str| {
        event
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let req = ConnectRequest {
        connection_id: event.request_context.connection_id.clone(),
        ticket: query.first("ticket").map(str::to_owned),
        visitor_token: query.first("visitor_token").map(str::to_owned),
        version: query.first("v").map(str::to_owned),
        origin: header("origin"),
    };
    match app.sessions.connect(req).await {
        Ok(c) => {
            tracing::info!(connection_id = %c.id, workspace_id = %c.workspace, "connected");
            app.presence.console_opened(&c).await?;
            Ok(response(200, ""))
        }
        Err(e) if e.is_internal() => Err(e),
        Err(e) => {
            tracing::info!(error = %e, "connect refused");
            Ok(response(
                i64::from(e.code().connect_status()),
                &e.public_message(),
            ))
        }
    }
}
