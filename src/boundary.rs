//! The browser boundary of `/__inspect` and `/__ui`: a server on a developer's machine is reachable
//! by every web page the developer opens, so those two are treated as possibly cross-site.
//!
//! - **Host** (against DNS rebinding): bound to loopback, only loopback names (`localhost`,
//!   `127.0.0.1`, `[::1]`, any port) and the `--allowed-host` names are served; bound to another
//!   address (a container, a shared CI host), only the `--allowed-host` names when some are given.
//! - **Cross-site writes**: a state-changing request (`POST`, `PUT`, `PATCH`, `DELETE`) is refused when
//!   its `Origin` is foreign or its `Sec-Fetch-Site` is `cross-site`, and a body it carries must be
//!   `application/json`, which no cross-site "simple request" can send.
//! - `HEAD` is answered wherever `GET` is, and every refusal or error is the documented JSON error.
//!
//! The emulated API (`/x.php`, ...) is outside the boundary: its callers are servers, it answers any
//! Host and Origin, as the real server does, and never sends CORS headers.

use crate::emulator::Emulator;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

/// The names every loopback server answers to.
const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Whether `host` names the loopback interface.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A `Host` or origin authority without its port, lower-cased.
fn name_of(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => authority[..=end].to_string(),
            None => authority,
        }
    } else {
        authority
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(authority.clone(), |(name, _)| name.to_string())
    }
}

/// The names this server answers to inside the boundary; `None`: any.
fn allowed_names(emulator: &Emulator) -> Option<Vec<String>> {
    let config = emulator.config();
    let given = config.allowed_hosts.iter().map(|h| name_of(h));
    if is_loopback(&config.host) {
        Some(
            LOOPBACK_NAMES
                .iter()
                .map(|n| n.to_string())
                .chain(given)
                .collect(),
        )
    } else if config.allowed_hosts.is_empty() {
        None
    } else {
        Some(given.collect())
    }
}

/// A refusal, as the inspection API's errors read: which rule, and how to allow the request.
fn refuse(status: StatusCode, field: &str, message: String) -> HttpResponse {
    let body = serde_json::json!({"error": message, "field": field});
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// Why a request inside the boundary is refused, if it is.
fn refusal(req: &ServiceRequest, allowed: Option<&[String]>) -> Option<HttpResponse> {
    let header_text = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let host = header_text(header::HOST).unwrap_or_default();
    if let Some(allowed) = allowed {
        if !allowed.contains(&name_of(&host)) {
            return Some(refuse(
                StatusCode::FORBIDDEN,
                "host",
                format!(
                    "the Host {host:?} is not one this server answers to on /__inspect and /__ui (a page \
                     rebinding its DNS name to this machine looks like this); start it with \
                     `--allowed-host {}` to allow that name",
                    name_of(&host)
                ),
            ));
        }
    }
    let changes_state = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !changes_state {
        return None;
    }
    if header_text(header::HeaderName::from_static("sec-fetch-site")).as_deref()
        == Some("cross-site")
    {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            "sec-fetch-site",
            "a cross-site page may not change this server's state (Sec-Fetch-Site: cross-site); call \
             /__inspect from your test code, a command line or this server's own /__ui"
                .into(),
        ));
    }
    if let Some(origin) = header_text(header::ORIGIN) {
        let authority = origin
            .split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/'))
            .unwrap_or("");
        let same_origin = !authority.is_empty() && authority.eq_ignore_ascii_case(host.trim());
        let allowed_origin = allowed.is_some_and(|names| names.contains(&name_of(authority)));
        if !same_origin && !allowed_origin {
            return Some(refuse(
                StatusCode::FORBIDDEN,
                "origin",
                format!(
                    "requests from the page {origin:?} may not change this server's state; only this \
                     server's own origin (or an `--allowed-host` name) may"
                ),
            ));
        }
    }
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|n| n.trim() != "0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let json = header_text(header::CONTENT_TYPE).is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if has_body && !json {
        return Some(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content-type",
            "a request body to /__inspect must be sent as `Content-Type: application/json` (which no \
             cross-site form or simple request can send)"
                .into(),
        ));
    }
    None
}

/// The middleware: the rules above for `/__inspect` and `/__ui`, nothing for the emulated API.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !crate::routes::is_own(req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let allowed = req
        .app_data::<web::Data<Emulator>>()
        .and_then(|emulator| allowed_names(emulator));
    if let Some(refused) = refusal(&req, allowed.as_deref()) {
        return Ok(req.into_response(refused));
    }
    // HEAD is served as GET; the connection still knows the request was HEAD and sends no body.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    let response = next.call(req).await?.map_into_boxed_body();
    Ok(json_errors(response))
}

/// An error answered by the framework (an oversized body, an unknown route, a wrong method) in the
/// documented JSON form.
fn json_errors(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !status.is_client_error() && !status.is_server_error() || is_json {
        return response;
    }
    let path = response.request().path().to_string();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_string(),
        StatusCode::NOT_FOUND => {
            format!("there is no {path} (GET /__inspect/openapi.json lists the routes)")
        }
        StatusCode::METHOD_NOT_ALLOWED => format!("{path} does not take this method"),
        other => other
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_string(),
    };
    response.into_response(refuse(status, "request", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_port_and_case() {
        assert_eq!(name_of("LocalHost:8080"), "localhost");
        assert_eq!(name_of("[::1]:9"), "[::1]");
        assert_eq!(name_of("127.0.0.1"), "127.0.0.1");
        assert_eq!(name_of("evil.example:80"), "evil.example");
    }

    #[test]
    fn loopback_addresses() {
        for host in ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["0.0.0.0", "192.168.1.2", "example.com", "::"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
