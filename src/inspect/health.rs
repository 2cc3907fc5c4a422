//! `GET /__inspect/health`: whether the server is up, its version, and how many waits are pending.

use crate::emulator::Emulator;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub async fn get(emulator: web::Data<Emulator>) -> Result<HttpResponse, super::InspectError> {
    super::json(
        StatusCode::OK,
        &serde_json::json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "waiting": emulator.pending_waits(),
        }),
    )
}
