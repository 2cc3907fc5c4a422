//! `GET /__inspect/wait`: answers as soon as enough notifications match, woken by the write itself.

use super::notifications;
use super::query::Params;
use super::{InspectError, Page};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use std::time::Duration;
use tokio::time::Instant;

/// The longest a request may wait.
pub const MAX_TIMEOUT_MS: u64 = 300_000;
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// `count` (default 1) notifications matching the filters of `/notifications`, within `timeout_ms`
/// (default 10,000): `200` with them, or `408` with what matched when the time is up.
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
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
    let deadline = Instant::now() + Duration::from_millis(timeout_ms);
    // Subscribe before the first read, so a notification stored in between still wakes us.
    let mut changes = state.hub.watch();
    let mut parked = None;
    loop {
        changes.borrow_and_update();
        let current = filter.clone();
        let (total, items) = state
            .store
            .run(move |tx| tx.notifications(&current))
            .await?;
        if total >= count {
            return super::json(StatusCode::OK, &Page { total, items });
        }
        parked.get_or_insert_with(|| state.hub.parked());
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => continue,
            Ok(Err(_)) | Err(_) => {
                return super::json(StatusCode::REQUEST_TIMEOUT, &Page { total, items })
            }
        }
    }
}
