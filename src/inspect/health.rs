//! `GET /__inspect/health`: whether the server is up, its version, and how many `/__inspect/wait`
//! requests (and `MockServer::wait_for` calls) are parked waiting for a notification.

use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub async fn get(state: web::Data<AppState>) -> Result<HttpResponse, super::InspectError> {
    super::json(
        StatusCode::OK,
        &serde_json::json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "waiters": state.hub.waiters(),
        }),
    )
}
