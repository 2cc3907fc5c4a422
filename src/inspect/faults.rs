//! `/__inspect/faults`: arm answers that replace (or delay) the next calls to a method.

use super::InspectError;
use crate::faults::Respond;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArmBody {
    /// The method (`f`) to fault; missing means every call.
    method: Option<String>,
    /// How many calls; missing means 1, `null` until cleared.
    #[serde(default = "once", deserialize_with = "nullable")]
    times: Option<u32>,
    respond: serde_json::Value,
}

fn once() -> Option<u32> {
    Some(1)
}

fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Option::<u32>::deserialize(d)
}

/// `POST /__inspect/faults` with `{"method": ..., "times": ..., "respond": {...}}`.
pub async fn post(
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, InspectError> {
    let arm: ArmBody =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&body))
            .map_err(|e| {
                let path = e.path().to_string();
                InspectError::bad_request(
                    if path == "." { "body" } else { &path },
                    e.into_inner().to_string(),
                )
            })?;
    let respond: Respond = serde_json::from_value(arm.respond).map_err(|_| {
        InspectError::bad_request(
            "respond",
            "`respond` must be {\"body\": ...}, {\"status\": N, \"body\"?: ...}, {\"delay_ms\": N} or {\"drop\": true}",
        )
    })?;
    if let Respond::Status { status, .. } = respond {
        if StatusCode::from_u16(status).is_err() || status < 100 {
            return Err(InspectError::bad_request(
                "respond.status",
                format!("{status} is not an HTTP status"),
            ));
        }
    }
    if respond == (Respond::Drop { drop: false }) {
        return Err(InspectError::bad_request(
            "respond.drop",
            "`drop` must be true",
        ));
    }
    if arm.times == Some(0) {
        return Err(InspectError::bad_request(
            "times",
            "`times` must be at least 1, or null for until cleared",
        ));
    }
    let fault = state.faults.arm(arm.method, arm.times, respond);
    super::json(StatusCode::CREATED, &fault)
}

/// `GET /__inspect/faults`: the armed faults with their remaining counts.
pub async fn get(state: web::Data<AppState>) -> Result<HttpResponse, InspectError> {
    super::json(StatusCode::OK, &state.faults.list())
}

/// `DELETE /__inspect/faults`: clear them all.
pub async fn delete(state: web::Data<AppState>) -> Result<HttpResponse, InspectError> {
    state.faults.clear();
    super::json(StatusCode::OK, &serde_json::json!({"cleared": true}))
}
