//! `GET /__inspect/wait`: answers as soon as enough notifications match, woken by the write itself;
//! when the time runs out, with what matched and why the rest did not arrive. The time is kept even
//! when the filter is slow to count: see [`Emulator::wait_for`].

use super::notifications;
use super::query::{concat, Params, MAX_LIMIT};
use super::{InspectError, Page};
use crate::domain::{Notification, WaitExplanation};
use crate::emulator::Emulator;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use std::time::Duration;

/// The longest a request may wait.
pub const MAX_TIMEOUT_MS: u64 = 300_000;
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// What a wait reads: how many and how long, and what `/notifications` reads.
pub const PARAMETERS: [&str; 11] = concat(&["count", "timeout_ms"], &notifications::LIST);

/// A wait that timed out: what matched (as a list answers it), and the explanation, as data and
/// as the text `MockServer::wait_for` fails with.
#[derive(Serialize)]
struct TimedOut {
    total: usize,
    items: Vec<Notification>,
    explanation: WaitExplanation,
    message: String,
}

/// `count` (default 1) notifications matching the filters of `/notifications`, within `timeout_ms`
/// (default 10,000): `200` with them, or `408` with what matched and the explanation.
pub async fn get(
    req: HttpRequest,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let params = Params::parse(req.query_string())?;
    let count = params
        .parsed::<usize>("count", "a whole number from 1")?
        .unwrap_or(1);
    if count == 0 {
        // A wait for nothing would succeed at once, whatever arrives.
        return Err(InspectError::bad_request(
            "count",
            "`count` must be a whole number from 1",
        ));
    }
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
    filter.limit = filter.limit.max(count.min(MAX_LIMIT));
    let timeout = Duration::from_millis(timeout_ms);
    // A client that leaves ends its wait (actix-web would otherwise keep it until its timeout).
    let waited = tokio::select! {
        waited = emulator.wait_for(filter.clone(), count, timeout) => waited?,
        () = crate::connection::closed(&req) => {
            return Err(InspectError::bad_request("connection", "the client closed the connection"))
        }
        () = emulator.announcer().stopped() => {
            return Err(InspectError::unavailable("the server is stopping"))
        }
    };
    match waited.explanation {
        None => super::json(
            StatusCode::OK,
            &Page {
                total: waited.total.count,
                total_relation: super::total_relation(waited.total),
                items: waited.items,
            },
        ),
        Some(explanation) => super::json(
            StatusCode::REQUEST_TIMEOUT,
            &TimedOut {
                total: waited.total.count,
                items: waited.items,
                message: explanation.to_string(),
                explanation,
            },
        ),
    }
}

/// `GET /__inspect/waits`: how many waits are pending (a wait whose client left is not).
pub async fn pending(emulator: web::Data<Emulator>) -> Result<HttpResponse, InspectError> {
    super::json(
        StatusCode::OK,
        &serde_json::json!({"pending": emulator.pending_waits()}),
    )
}
