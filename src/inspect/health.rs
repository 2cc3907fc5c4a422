//! `GET /__inspect/health`: whether the server is up, and its version. It answers without the
//! admin token, for an orchestrator's probe, and then reveals nothing else; a caller allowed to
//! read `/__inspect` (no token configured, or the token given) also sees the retention limit and
//! how many journal entries and notifications it has trimmed since the server started.

use crate::emulator::Emulator;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

pub async fn get(
    req: HttpRequest,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, super::InspectError> {
    let mut health = json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")});
    if super::admin_allowed(&req) {
        let retention = emulator.retention();
        health["retention"] = json!({
            "limit": retention.retain().limit(),
            "trimmed": {
                "requests": retention.trimmed_requests(),
                "notifications": retention.trimmed_notifications(),
            },
        });
    }
    super::json(StatusCode::OK, &health)
}
