//! `GET /__inspect/wait`: answers as soon as enough notifications match, woken by the write itself.

use super::notifications;
use super::query::Params;
use super::{InspectError, Page};
use crate::emulator::Emulator;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use std::time::Duration;

/// The longest a request may wait.
pub const MAX_TIMEOUT_MS: u64 = 300_000;
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// `count` (default 1) notifications matching the filters of `/notifications`, within `timeout_ms`
/// (default 10,000): `200` with them, or `408` with what matched when the time is up.
pub async fn get(
    req: HttpRequest,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let params = Params::parse(req.query_string())?;
    let count = params
        .parsed::<usize>("count", "a whole number")?
        .unwrap_or(1);
    let timeout_ms = params
        .parsed::<u64>("timeout_ms", "a number of milliseconds")?
        .unwrap_or(DEFAULT_TIMEOUT_MS);
    if timeout_ms > MAX_TIMEOUT_MS {
        return Err(InspectError::bad_request(
            "timeout_ms",
            format!("`timeout_ms` must be at most {MAX_TIMEOUT_MS}"),
        ));
    }
    let mut filter = notifications::filter(&params)?;
    filter.limit = filter.limit.max(count.min(super::query::MAX_LIMIT));
    // A client that leaves ends its wait (actix-web would otherwise keep it until its timeout).
    let waited = tokio::select! {
        waited = emulator.wait_for(filter, count, Duration::from_millis(timeout_ms)) => waited?,
        () = crate::connection::closed(&req) => {
            return Err(InspectError::bad_request("connection", "the client closed the connection"))
        }
        () = emulator.announcer().stopped() => {
            return Err(InspectError::unavailable("the server is stopping"))
        }
    };
    let status = if waited.satisfied {
        StatusCode::OK
    } else {
        StatusCode::REQUEST_TIMEOUT
    };
    super::json(
        status,
        &Page {
            total: waited.total,
            items: waited.items,
        },
    )
}
