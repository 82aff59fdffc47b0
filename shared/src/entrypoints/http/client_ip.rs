//! Which address a request came from, for the limits counted per address (sign-in failures, new
//! visitor sessions). In AWS the HTTP API names it (`requestContext.http.sourceIp`) and the
//! function's `main` puts it in the request as [`ClientIp`]; locally it is the connection's peer,
//! or, when that peer is a proxy the operator trusts (`Settings::trusted_proxies`), the address
//! that proxy forwarded in `X-Forwarded-For`. Nobody else's `X-Forwarded-For` is believed: any
//! client can write one.

use crate::app::{App, AppError};
use aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The address API Gateway saw, put in the request's extensions by the HTTP API's function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// From the HTTP API's request context (payload version 2).
    pub fn of_http_api(context: &ApiGatewayV2httpRequestContext) -> Option<Self> {
        context
            .http
            .source_ip
            .as_deref()
            .and_then(|ip| ip.trim().parse().ok())
            .map(Self)
    }
}

/// The client's address when it can be told; `None` leaves the per-address limits out (a router
/// served without the peer's address, as in some benchmarks).
pub struct FromAddress(pub Option<IpAddr>);

impl FromRequestParts<Arc<App>> for FromAddress {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, AppError> {
        if let Some(ClientIp(ip)) = parts.extensions.get::<ClientIp>() {
            return Ok(Self(Some(*ip)));
        }
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(Self(None));
        };
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let trusted = &app.sessions.settings.trusted_proxies;
        Ok(Self(Some(client_address(
            peer.ip(),
            &forwarded.join(","),
            trusted,
        ))))
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy; then, reading
/// `X-Forwarded-For` from its end (each proxy appends the address it was reached from), the first
/// address that is not a trusted proxy. A malformed entry ends the reading there: what lies to its
/// left was written by someone untrusted.
pub fn client_address(peer: IpAddr, forwarded_for: &str, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|t| same(t, ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded_for
        .rsplit(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let Some(ip) = parse_forwarded(entry) else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// An IPv4-mapped IPv6 address is its IPv4 address.
fn same(a: &IpAddr, b: &IpAddr) -> bool {
    a.to_canonical() == b.to_canonical()
}

/// `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    entry.parse::<SocketAddr>().ok().map(|s| s.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_http_api_names_the_address_it_saw() {
        let context: ApiGatewayV2httpRequestContext = serde_json::from_value(serde_json::json!({
            "accountId": "123456789012",
            "apiId": "api-id",
            "domainName": "api-id.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": "POST",
                "path": "/api/login",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "agent"
            },
            "requestId": "id",
            "routeKey": "ANY /api/{proxy+}",
            "stage": "$default",
            "time": "12/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1583348638390u64
        }))
        .expect("an HTTP API request context");
        assert_eq!(
            ClientIp::of_http_api(&context),
            Some(ClientIp(ip("203.0.113.7")))
        );
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(
            client_address(ip("198.51.100.9"), "203.0.113.7", &[]),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_address(ip("198.51.100.9"), "203.0.113.7", &[ip("10.0.0.1")]),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn a_trusted_proxy_is_believed_from_the_right() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // The client wrote a fake first entry; the proxies appended what they saw.
        assert_eq!(
            client_address(ip("10.0.0.1"), "1.2.3.4, 203.0.113.7, 10.0.0.2", &proxies),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), "[2001:db8::5]:4711", &proxies),
            ip("2001:db8::5")
        );
        // Nothing forwarded, or only proxies: the nearest one.
        assert_eq!(client_address(ip("10.0.0.1"), "", &proxies), ip("10.0.0.1"));
        assert_eq!(
            client_address(ip("10.0.0.1"), "10.0.0.2", &proxies),
            ip("10.0.0.2")
        );
        // Garbage stops the reading at the last good address.
        assert_eq!(
            client_address(ip("10.0.0.1"), "203.0.113.7, nonsense, 10.0.0.2", &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("::ffff:10.0.0.1"), "203.0.113.7", &proxies),
            ip("203.0.113.7"),
            "a mapped address is its IPv4 one"
        );
    }
}
