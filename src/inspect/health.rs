//! `GET /__inspect/health`: whether the server is up, and its version (nothing else: it answers
//! without the admin token, for an orchestrator's probe).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

pub async fn get() -> Result<HttpResponse, super::InspectError> {
    super::json(
        StatusCode::OK,
        &serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}),
    )
}
