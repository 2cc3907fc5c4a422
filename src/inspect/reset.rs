//! `POST /__inspect/reset`: back to the fixtures, with messages, journal and faults emptied.

use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use std::time::Instant;

pub async fn post(state: web::Data<AppState>) -> Result<HttpResponse, super::InspectError> {
    let started = Instant::now();
    let fixtures = state.fixtures.clone();
    state.store.reset(fixtures).await?;
    state.faults.clear();
    state.hub.notifications_changed();
    let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    super::json(
        StatusCode::OK,
        &serde_json::json!({"status": "reset", "duration_us": duration_us}),
    )
}
