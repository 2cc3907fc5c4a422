//! The HTTP face of the direct API: every path under `/im/`, every HTTP method. It captures the
//! request, hands it to the [`Emulator`], and writes its reply.

use super::request::{XxdRequest, MAX_BODY_READ};
use crate::config::{ValidationMode, VALIDATION_HEADER};
use crate::emulator::Emulator;
use crate::xxb::http::respond;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

/// `/im/{name}`.
pub async fn serve(
    req: HttpRequest,
    segment: web::Path<String>,
    payload: web::Payload,
    emulator: web::Data<Emulator>,
) -> HttpResponse {
    let (body, body_size) = read_body(payload).await;
    let remote = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let mut request = XxdRequest::new(
        req.path().to_string(),
        segment.into_inner(),
        req.method().to_string(),
        req.query_string().to_string(),
        remote,
        body,
        body_size,
    );
    request.validation = req
        .headers()
        .get(VALIDATION_HEADER)
        .and_then(|v| ValidationMode::from_header(v.as_bytes()));
    respond(&req, emulator.handle(request).await)
}

/// Reads at most [`MAX_BODY_READ`] bytes of the body, and how many were sent (more than the cap
/// when reading stopped there). A broken stream keeps what arrived.
async fn read_body(mut payload: web::Payload) -> (Vec<u8>, usize) {
    let mut body = Vec::new();
    let mut size = 0usize;
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else { break };
        size += chunk.len();
        if size > MAX_BODY_READ {
            body.clear();
            break;
        }
        body.extend_from_slice(&chunk);
    }
    (body, size)
}
