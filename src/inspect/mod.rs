//! The inspection API under `/__inspect`: what the mock received and stored, as plain JSON
//! (UTF-8, unescaped, `application/json`), never PHP-encoded. One file per resource.

mod events;
mod faults;
mod health;
mod notifications;
mod openapi;
mod query;
mod requests;
mod reset;
mod scenario;
mod state;
mod wait;

pub use query::MAX_LIMIT;

use crate::emulator::Emulator;
use crate::store::StoreError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, HttpResponse, ResponseError};
use serde::Serialize;

/// Makes the route of one endpoint.
type RouteFn = fn() -> actix_web::Route;

/// Every endpoint under `/__inspect`: method, path, handler. The routes are registered from this
/// table and the OpenAPI document is tested against it, so neither can drift from the other.
pub const ROUTES: &[(&str, &str, RouteFn)] = &[
    ("GET", "/health", || web::get().to(health::get)),
    ("GET", "/notifications", || {
        web::get().to(notifications::list)
    }),
    ("DELETE", "/notifications", || {
        web::delete().to(notifications::delete)
    }),
    ("GET", "/notifications/{seq}", || {
        web::get().to(notifications::get)
    }),
    ("GET", "/wait", || web::get().to(wait::get)),
    ("GET", "/events", || web::get().to(events::get)),
    ("GET", "/requests", || web::get().to(requests::list)),
    ("GET", "/state", || web::get().to(state::get)),
    ("POST", "/users", || web::post().to(state::post_users)),
    ("DELETE", "/users/{id}", || {
        web::delete().to(state::delete_user)
    }),
    ("POST", "/groups", || web::post().to(state::post_groups)),
    ("PATCH", "/groups/{gid}", || {
        web::patch().to(state::patch_group)
    }),
    ("DELETE", "/groups/{gid}", || {
        web::delete().to(state::delete_group)
    }),
    ("POST", "/apps", || web::post().to(state::post_apps)),
    ("DELETE", "/apps/{code}", || {
        web::delete().to(state::delete_app)
    }),
    ("POST", "/faults", || web::post().to(faults::post)),
    ("GET", "/faults", || web::get().to(faults::get)),
    ("DELETE", "/faults", || web::delete().to(faults::delete)),
    ("POST", "/reset", || web::post().to(reset::post)),
    ("GET", "/scenario", || web::get().to(scenario::get)),
    ("GET", "/openapi.json", || web::get().to(openapi::get)),
];

/// The `/__inspect` routes, behind the admin token when one is configured.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let mut scope = web::scope("/__inspect").wrap(from_fn(require_admin_token));
    for (_, path, route) in ROUTES {
        scope = scope.route(path, route());
    }
    cfg.service(scope);
}

/// With `--admin-token`, every `/__inspect` request needs `Authorization: Bearer <token>`, except
/// `/__inspect/health`: an orchestrator's probe has no token, and the answer reveals only that the
/// server is up and its version.
pub(crate) async fn require_admin_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let expected = req
        .app_data::<web::Data<Emulator>>()
        .and_then(|emulator| emulator.config().admin_token.clone())
        .filter(|_| req.path() != "/__inspect/health");
    if let Some(expected) = expected {
        let header = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        // An `access_token` query parameter does too: a browser's EventSource cannot send headers.
        let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .ok()
            .and_then(|q| {
                q.into_inner()
                    .into_iter()
                    .find(|(k, _)| k == "access_token")
                    .map(|(_, v)| v)
            });
        let given = header.or(query);
        if given.as_deref() != Some(expected.as_str()) {
            let error = InspectError {
                status: StatusCode::UNAUTHORIZED,
                field: "authorization".into(),
                message: "this server requires `Authorization: Bearer <admin token>` on /__inspect"
                    .into(),
            };
            return Err(error.into());
        }
    }
    next.call(req).await
}

/// A JSON answer.
/// The notification filter of a query string, as `/notifications` reads it.
pub(crate) fn notification_filter(
    raw: &str,
) -> Result<crate::store::NotificationFilter, InspectError> {
    notifications::filter(&query::Params::parse(raw)?)
}

pub(crate) fn json(
    status: StatusCode,
    value: &impl Serialize,
) -> Result<HttpResponse, InspectError> {
    let body = serde_json::to_string(value)
        .map_err(|e| InspectError::internal("encoding", e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .body(body))
}

/// A failure of the inspection API, answered as `{"error": ..., "field": ...}`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct InspectError {
    status: StatusCode,
    field: String,
    message: String,
}

impl InspectError {
    /// A 400 naming the parameter or field that was wrong.
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::BAD_REQUEST,
            field: field.into(),
            message: message.into(),
        }
    }

    /// A 503: the server is stopping.
    pub fn unavailable(message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            field: "server".into(),
            message: message.into(),
        }
    }

    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::NOT_FOUND,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(field: &str, message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<StoreError> for InspectError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rejected { field, message } => InspectError::bad_request(&field, message),
            StoreError::UnknownChat(gid) => {
                InspectError::not_found("gid", format!("there is no chat {gid:?}"))
            }
            other => InspectError::internal("store", other.to_string()),
        }
    }
}

impl ResponseError for InspectError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::json!({"error": self.message, "field": self.field});
        HttpResponse::build(self.status)
            .content_type("application/json")
            .body(body.to_string())
    }
}

/// A list answer: `{"total": N, "items": [...]}`.
#[derive(Serialize)]
pub(crate) struct Page<T: Serialize> {
    pub total: usize,
    pub items: Vec<T>,
}
