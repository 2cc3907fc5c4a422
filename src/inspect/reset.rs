//! `POST /__inspect/reset`: back to the fixtures, with messages, journal and faults emptied.

use crate::emulator::Emulator;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use std::time::Instant;

pub async fn post(emulator: web::Data<Emulator>) -> Result<HttpResponse, super::InspectError> {
    let started = Instant::now();
    emulator.reset().await?;
    let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    super::json(
        StatusCode::OK,
        &serde_json::json!({"status": "reset", "duration_us": duration_us}),
    )
}
