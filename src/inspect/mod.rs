//! The inspection API under `/__inspect`: what the mock received and stored, as plain JSON
//! (UTF-8, unescaped, `application/json`), never PHP-encoded. One file per resource, one table of
//! endpoints ([`ROUTES`]) that says what each reads: anything else is refused with a 400 naming
//! it and the nearest valid name, so a typo never turns into a test that passes by accident.

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
use crate::store::{StoreError, Total};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

/// Makes the route of one endpoint.
type RouteFn = fn() -> actix_web::Route;

/// One endpoint of `/__inspect`: what it reads besides its path, and its handler.
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    /// The query parameters it reads. Any other is refused, as is one given twice or empty;
    /// `access_token` (the admin token, for a browser's `EventSource`) is accepted everywhere.
    pub query: &'static [&'static str],
    /// Whether it reads a JSON body. One that does not refuses a body with fields.
    pub body: bool,
    route: RouteFn,
}

const fn endpoint(
    method: &'static str,
    path: &'static str,
    query: &'static [&'static str],
    body: bool,
    route: RouteFn,
) -> Endpoint {
    Endpoint {
        method,
        path,
        query,
        body,
        route,
    }
}

/// Every endpoint under `/__inspect`. The routes are registered from this table, unread input is
/// refused from it, and the OpenAPI document is tested against it (paths, methods, parameters),
/// so none of them can drift from the others.
pub const ROUTES: &[Endpoint] = &[
    endpoint("GET", "/health", &[], false, || web::get().to(health::get)),
    endpoint("GET", "/waits", &[], false, || web::get().to(wait::pending)),
    endpoint("GET", "/notifications", &notifications::LIST, false, || {
        web::get().to(notifications::list)
    }),
    endpoint(
        "DELETE",
        "/notifications",
        &notifications::FILTERS,
        false,
        || web::delete().to(notifications::delete),
    ),
    endpoint("GET", "/notifications/{seq}", &[], false, || {
        web::get().to(notifications::get)
    }),
    endpoint("GET", "/wait", &wait::PARAMETERS, false, || {
        web::get().to(wait::get)
    }),
    endpoint("GET", "/events", &[], false, || web::get().to(events::get)),
    endpoint("GET", "/requests", &requests::LIST, false, || {
        web::get().to(requests::list)
    }),
    endpoint("DELETE", "/requests", &requests::FILTERS, false, || {
        web::delete().to(requests::delete)
    }),
    endpoint("GET", "/state", &[], false, || web::get().to(state::get)),
    endpoint("POST", "/users", &[], true, || {
        web::post().to(state::post_users)
    }),
    endpoint("DELETE", "/users/{id}", &[], false, || {
        web::delete().to(state::delete_user)
    }),
    endpoint("POST", "/groups", &[], true, || {
        web::post().to(state::post_groups)
    }),
    endpoint("PATCH", "/groups/{gid}", &[], true, || {
        web::patch().to(state::patch_group)
    }),
    endpoint("DELETE", "/groups/{gid}", &[], false, || {
        web::delete().to(state::delete_group)
    }),
    endpoint("POST", "/apps", &[], true, || {
        web::post().to(state::post_apps)
    }),
    endpoint("DELETE", "/apps/{code}", &[], false, || {
        web::delete().to(state::delete_app)
    }),
    endpoint("POST", "/faults", &[], true, || {
        web::post().to(faults::post)
    }),
    endpoint("GET", "/faults", &[], false, || web::get().to(faults::get)),
    endpoint("DELETE", "/faults", &[], false, || {
        web::delete().to(faults::delete)
    }),
    endpoint("POST", "/reset", &reset::PARAMETERS, false, || {
        web::post().to(reset::post)
    }),
    endpoint("GET", "/scenario", &[], false, || {
        web::get().to(scenario::get)
    }),
    endpoint("GET", "/openapi.json", &[], false, || {
        web::get().to(openapi::get)
    }),
];

/// The `/__inspect` routes, behind the admin token when one is configured; what an endpoint does
/// not read is refused before it runs.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // The last `wrap` runs first: the token is checked before anything else is looked at.
    let mut scope = web::scope("/__inspect")
        .wrap(from_fn(refuse_unread_input))
        .wrap(from_fn(require_admin_token));
    for endpoint in ROUTES {
        scope = scope.route(endpoint.path, (endpoint.route)());
    }
    cfg.service(scope);
}

/// The endpoint a request was routed to, if any.
fn endpoint_of(req: &ServiceRequest) -> Option<&'static Endpoint> {
    let pattern = req.match_pattern()?;
    let path = pattern.strip_prefix("/__inspect")?;
    ROUTES
        .iter()
        .find(|e| e.path == path && e.method == req.method().as_str())
}

/// Refuses what the endpoint would not read, so a misspelt parameter or a field sent to the wrong
/// place never goes unnoticed: see [`query::refuse_unread`] and [`query::refuse_body`].
async fn refuse_unread_input(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(endpoint) = endpoint_of(&req) {
        query::refuse_unread(endpoint, req.query_string())?;
        if !endpoint.body {
            let body = req.extract::<web::Bytes>().await?;
            query::refuse_body(endpoint, &body)?;
        }
    }
    next.call(req).await
}

/// With `--admin-token`, every `/__inspect` request needs `Authorization: Bearer <token>`, except
/// `/__inspect/health`: an orchestrator's probe has no token, and the answer reveals to it only that
/// the server is up and its version.
pub(crate) async fn require_admin_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let expected = req
        .app_data::<web::Data<Emulator>>()
        .and_then(|emulator| emulator.config().admin_token.clone())
        .filter(|_| req.path() != "/__inspect/health");
    if let Some(expected) = expected {
        if !token_given(req.request(), &expected) {
            let error = InspectError {
                status: StatusCode::UNAUTHORIZED,
                field: "authorization".into(),
                message: "this server requires `Authorization: Bearer <admin token>` on /__inspect"
                    .into(),
                did_you_mean: None,
            };
            return Err(error.into());
        }
    }
    next.call(req).await
}

/// Whether the request may read `/__inspect`: no admin token is configured, or it gives the token.
pub(crate) fn admin_allowed(req: &HttpRequest) -> bool {
    match req
        .app_data::<web::Data<Emulator>>()
        .and_then(|emulator| emulator.config().admin_token.clone())
    {
        None => true,
        Some(expected) => token_given(req, &expected),
    }
}

/// Whether the request gives the admin token `expected`: as `Authorization: Bearer <token>` (the
/// scheme is case-insensitive, RFC 9110) or as the `access_token` query parameter (a browser's
/// EventSource cannot send headers). The token is compared in constant time.
fn token_given(req: &HttpRequest, expected: &str) -> bool {
    let header = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| {
            q.into_inner()
                .into_iter()
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| v)
        });
    header.or(query).is_some_and(|given| {
        bool::from(subtle::ConstantTimeEq::ct_eq(
            given.as_bytes(),
            expected.as_bytes(),
        ))
    })
}

/// The notification filter of a query string, as `/notifications` reads it.
pub(crate) fn notification_filter(
    raw: &str,
) -> Result<crate::store::NotificationFilter, InspectError> {
    notifications::filter(&query::Params::parse(raw)?)
}

/// A JSON answer.
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

/// A failure of the inspection API, answered as `{"error": ..., "field": ...}`, with
/// `"did_you_mean"` when a misspelt name has a near valid one.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct InspectError {
    status: StatusCode,
    field: String,
    message: String,
    did_you_mean: Option<String>,
}

impl InspectError {
    /// A 400 naming the parameter or field that was wrong.
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::BAD_REQUEST,
            field: field.into(),
            message: message.into(),
            did_you_mean: None,
        }
    }

    /// A 400 for a name that is not a valid one, with the nearest valid one.
    pub fn unknown(field: &str, message: impl Into<String>, nearest: Option<&str>) -> Self {
        InspectError {
            did_you_mean: nearest.map(str::to_string),
            ..InspectError::bad_request(field, message)
        }
    }

    /// A 503: the server is stopping.
    pub fn unavailable(message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            field: "server".into(),
            message: message.into(),
            did_you_mean: None,
        }
    }

    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::NOT_FOUND,
            ..InspectError::bad_request(field, message)
        }
    }

    pub fn internal(field: &str, message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..InspectError::bad_request(field, message)
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
            StoreError::Interrupted => InspectError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                field: "store".into(),
                message: format!(
                    "the query did not finish within {} s and was stopped: narrow it with filters or a smaller `limit`",
                    crate::store::READ_LIMIT.as_secs()
                ),
                did_you_mean: None,
            },
            other => InspectError::internal("store", other.to_string()),
        }
    }
}

impl ResponseError for InspectError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = serde_json::json!({"error": self.message, "field": self.field});
        if let Some(nearest) = &self.did_you_mean {
            body["did_you_mean"] = nearest.as_str().into();
        }
        HttpResponse::build(self.status)
            .content_type("application/json")
            .body(body.to_string())
    }
}

/// A list answer: `{"total": N, "items": [...]}`, with `"total_relation": "gte"` after `total`
/// when it is a lower bound (a count that stopped at `TOTAL_BOUND` of the store).
#[derive(Serialize)]
pub(crate) struct Page<T: Serialize> {
    pub total: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_relation: Option<&'static str>,
    pub items: Vec<T>,
}

/// How a total is related to the number of matches: `None` when it is that number, `"gte"` when
/// there are at least as many (Elasticsearch's word).
pub(crate) fn total_relation(total: Total) -> Option<&'static str> {
    (!total.exact).then_some("gte")
}
