//! `GET /__inspect/scenario`: how far the application under test got through the scenario the
//! server follows (`serve --scenario`).

use super::InspectError;
use crate::emulator::Emulator;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub async fn get(emulator: web::Data<Emulator>) -> Result<HttpResponse, InspectError> {
    match emulator.expectation() {
        Some(expectation) => super::json(StatusCode::OK, &expectation.report()),
        None => Err(InspectError::not_found(
            "scenario",
            "this server follows no scenario (start it with `serve --scenario FILE`)",
        )),
    }
}
