//! `POST /__inspect/reset`: back to the fixtures, with messages and journal emptied.

use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use std::time::Instant;

pub async fn post(state: web::Data<AppState>) -> HttpResponse {
    let started = Instant::now();
    let fixtures = state.fixtures.clone();
    match state.store.run(move |tx| tx.reset(&fixtures)).await {
        Ok(()) => super::json(
            StatusCode::OK,
            &serde_json::json!({"status": "reset", "duration_us": started.elapsed().as_micros() as u64}),
        ),
        Err(e) => super::error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
    }
}
