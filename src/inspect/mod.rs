//! The inspection API under `/__inspect`: what the mock received and stored, as plain JSON
//! (UTF-8, unescaped, `application/json`), never PHP-encoded. One file per resource.

mod health;
mod notifications;
mod query;
mod requests;
mod reset;

use crate::store::StoreError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use serde::Serialize;

/// The `/__inspect` routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/__inspect")
            .route("/health", web::get().to(health::get))
            .route("/notifications", web::get().to(notifications::list))
            .route("/requests", web::get().to(requests::list))
            .route("/reset", web::post().to(reset::post)),
    );
}

/// A JSON answer.
pub(crate) fn json(
    status: StatusCode,
    value: &impl Serialize,
) -> Result<HttpResponse, InspectError> {
    let body = serde_json::to_string(value)
        .map_err(|e| InspectError::internal("encoding", e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .body(body))
}

/// A failure of the inspection API, answered as `{"error": ..., "field": ...}`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct InspectError {
    status: StatusCode,
    field: String,
    message: String,
}

impl InspectError {
    /// A 400 naming the parameter or field that was wrong.
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::BAD_REQUEST,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(field: &str, message: impl Into<String>) -> Self {
        InspectError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<StoreError> for InspectError {
    fn from(e: StoreError) -> Self {
        InspectError::internal("store", e.to_string())
    }
}

impl ResponseError for InspectError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::json!({"error": self.message, "field": self.field});
        HttpResponse::build(self.status)
            .content_type("application/json")
            .body(body.to_string())
    }
}

/// A list answer: `{"total": N, "items": [...]}`.
#[derive(Serialize)]
pub(crate) struct Page<T: Serialize> {
    pub total: usize,
    pub items: Vec<T>,
}
