//! `POST /__inspect/reset`: back to the fixtures, with messages, journal and faults emptied; or,
//! with `?app=CODE`, only that application's traffic (see [`ResetScope`]).

use super::query::Params;
use crate::emulator::{Emulator, Forgotten, ResetScope};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use std::time::Instant;

/// What a reset reads: the application whose traffic alone is reset.
pub const PARAMETERS: [&str; 1] = ["app"];

pub async fn post(
    req: HttpRequest,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, super::InspectError> {
    let app = Params::parse(req.query_string())?.text("app");
    let scope = match &app {
        Some(code) => ResetScope::App(code.clone()),
        None => ResetScope::Everything,
    };
    let started = Instant::now();
    let forgotten = emulator.reset(scope).await?;
    let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let answer = match forgotten {
        Forgotten::Everything => {
            serde_json::json!({"status": "reset", "duration_us": duration_us})
        }
        Forgotten::App {
            notifications,
            requests,
            faults,
        } => serde_json::json!({
            "status": "reset",
            "app": app,
            "deleted": {"notifications": notifications, "requests": requests, "faults": faults},
            "duration_us": duration_us,
        }),
    };
    super::json(StatusCode::OK, &answer)
}
