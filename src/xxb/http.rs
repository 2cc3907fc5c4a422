//! The HTTP face of the emulated API: `/x.php` and `/api.php` for every HTTP method. It captures
//! the request as PHP would see it, hands it to the [`Emulator`], and writes its reply.

use super::decide::Reply;
use super::ip::CallerAddress;
use super::lang::Lang;
use super::request::{ApiRequest, EntryPoint, POST_MAX_SIZE};
use crate::config::{ValidationMode, VALIDATION_HEADER};
use crate::connection::ConnectionSocket;
use crate::emulator::Emulator;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

/// The most body bytes read (and counted) before the rest is left unread and the request answered.
const MAX_BODY_READ: usize = 64 * 1024 * 1024;

pub async fn serve(
    req: HttpRequest,
    payload: web::Payload,
    emulator: web::Data<Emulator>,
) -> HttpResponse {
    let entry_point = if req.path() == EntryPoint::ApiPhp.path() {
        EntryPoint::ApiPhp
    } else {
        EntryPoint::XPhp
    };
    let Some((body, body_size)) = read_body(payload).await else {
        // The client stopped sending its body: answered as a stalled request head is.
        return HttpResponse::RequestTimeout().force_close().finish();
    };
    let header = |name: &str| req.headers().get(name).map(|v| v.as_bytes());
    let lang = Lang::from_accept_language(header("accept-language"), emulator.config().lang);
    let remote = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let caller = CallerAddress::resolve(&remote, header("x-forwarded-for"), header("client-ip"));
    let mut request = ApiRequest::new(
        entry_point,
        req.method().to_string(),
        req.query_string().to_string(),
        lang,
        caller,
        body,
        body_size,
    );
    request.validation = header(VALIDATION_HEADER).and_then(ValidationMode::from_header);
    respond(&req, emulator.handle(request).await)
}

/// Writes a reply of the emulated APIs (`/x.php` and the direct API's alike).
pub(crate) fn respond(req: &HttpRequest, reply: Reply) -> HttpResponse {
    match reply {
        Reply::Http {
            status,
            headers,
            body,
        } => {
            let mut response =
                HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
            for (name, value) in headers {
                response.append_header((name, value));
            }
            response.body(body)
        }
        Reply::Drop => {
            if let Some(socket) = req.conn_data::<ConnectionSocket>() {
                socket.shut_down();
            }
            dropped()
        }
    }
}

/// A response whose body fails before its first byte: the connection is closed without an answer.
fn dropped() -> HttpResponse {
    let failing = futures_util::stream::once(async {
        Err::<actix_web::web::Bytes, std::io::Error>(std::io::Error::other(
            "fault injected: connection dropped",
        ))
    });
    HttpResponse::Ok().streaming(failing)
}

/// Reads the body: the bytes the server's code will see (nothing when over `post_max_size`) and
/// how many bytes were sent. A broken stream keeps what arrived.
/// `None` when the client stopped sending (see `connection::body_deadline`).
async fn read_body(mut payload: web::Payload) -> Option<(Vec<u8>, usize)> {
    let mut body = Vec::new();
    let mut size = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) if crate::connection::is_stall(&e) => return None,
            Err(_) => break,
        };
        size += chunk.len();
        if size <= POST_MAX_SIZE {
            body.extend_from_slice(&chunk);
        }
        if size > MAX_BODY_READ {
            break;
        }
    }
    if size > POST_MAX_SIZE {
        body.clear();
    }
    Some((body, size))
}
