//! `/__inspect/faults`: arm answers that replace (or delay) the next calls to a method.

use super::InspectError;
use crate::emulator::Emulator;
use crate::faults::FaultSpec;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

/// `POST /__inspect/faults` with `{"method": ..., "app": ..., "times": ..., "respond": {...}}`; an
/// `app` the server does not hold is refused with the nearest code.
pub async fn post(
    body: web::Bytes,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| InspectError::bad_request("body", format!("invalid JSON: {e}")))?;
    let spec = FaultSpec::try_from(value).map_err(|e| {
        let field = if e.field == "fault" { "body" } else { &e.field };
        InspectError::unknown(field, e.message, e.nearest)
    })?;
    if let Some(app) = &spec.app {
        emulator.require_app(app).await?;
    }
    super::json(StatusCode::CREATED, &emulator.arm(spec))
}

/// `GET /__inspect/faults`: the armed faults with their remaining counts.
pub async fn get(emulator: web::Data<Emulator>) -> Result<HttpResponse, InspectError> {
    super::json(StatusCode::OK, &emulator.faults())
}

/// `DELETE /__inspect/faults`: clear them all.
pub async fn delete(emulator: web::Data<Emulator>) -> Result<HttpResponse, InspectError> {
    emulator.clear_faults();
    super::json(StatusCode::OK, &serde_json::json!({"cleared": true}))
}
