//! The inspection API under `/__inspect`: what the mock received and stored, as plain JSON
//! (UTF-8, unescaped, `application/json`), never PHP-encoded. One file per resource.

mod health;
mod notifications;
mod query;
mod requests;
mod reset;

use actix_web::{web, HttpResponse};
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
pub(crate) fn json(status: actix_web::http::StatusCode, value: &impl Serialize) -> HttpResponse {
    match serde_json::to_string(value) {
        Ok(body) => HttpResponse::build(status)
            .content_type("application/json")
            .body(body),
        Err(e) => error(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "encoding",
            &e.to_string(),
        ),
    }
}

/// A JSON error naming what was wrong: `{"error": ..., "field": ...}`.
pub(crate) fn error(
    status: actix_web::http::StatusCode,
    field: &str,
    message: &str,
) -> HttpResponse {
    let body = serde_json::json!({"error": message, "field": field});
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// A list answer: `{"total": N, "items": [...]}`.
#[derive(Serialize)]
pub(crate) struct Page<T: Serialize> {
    pub total: usize,
    pub items: Vec<T>,
}
