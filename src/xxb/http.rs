//! The HTTP face of the emulated API: every request outside `/__inspect` and `/__ui`, whatever its
//! path and HTTP method. It captures the request as PHP would see it, hands it to the
//! [`Emulator`], and writes its reply. Which entry a path reaches is the route table's business
//! (`crate::routes`); the handlers here only say which one it was.

use super::decide::Reply;
use super::ip::CallerAddress;
use super::lang::Lang;
use super::request::{ApiRequest, EntryPoint, Received, MAX_BODY_READ};
use crate::config::{ValidationMode, VALIDATION_HEADER};
use crate::connection::ConnectionSocket;
use crate::emulator::Emulator;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

/// `/x.php` (and `/x.php/...`).
pub async fn serve_x_php(
    req: HttpRequest,
    payload: web::Payload,
    emulator: web::Data<Emulator>,
) -> HttpResponse {
    serve(EntryPoint::XPhp, req, payload, emulator).await
}

/// `/api.php` (and `/api.php/...`).
pub async fn serve_api_php(
    req: HttpRequest,
    payload: web::Payload,
    emulator: web::Data<Emulator>,
) -> HttpResponse {
    serve(EntryPoint::ApiPhp, req, payload, emulator).await
}

/// Any other path: journaled, with what the client probably meant, and answered as the real
/// server's web server answers a path that runs no script. (A path of the mock's own that no
/// route serves, such as `/__inspect/nope`, is a plain 404 and no request to the emulated server.)
pub async fn serve_unrouted(
    req: HttpRequest,
    payload: web::Payload,
    emulator: web::Data<Emulator>,
) -> HttpResponse {
    if crate::routes::is_own(req.path()) {
        return HttpResponse::NotFound().finish();
    }
    serve(EntryPoint::Unrouted, req, payload, emulator).await
}

/// Captures the request that arrived at `entry_point`, has it answered and journaled, and writes
/// the reply.
pub async fn serve(
    entry_point: EntryPoint,
    req: HttpRequest,
    payload: web::Payload,
    emulator: web::Data<Emulator>,
) -> HttpResponse {
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
    let mut request = ApiRequest::new(Received {
        entry_point,
        path: req.path().to_string(),
        http_method: req.method().to_string(),
        raw_query: req.query_string().to_string(),
        lang,
        caller,
        content_type: header("content-type").map(<[u8]>::to_vec),
        body,
        body_size,
    });
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
            for header in headers {
                response.append_header(header);
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

/// Reads the body: at most [`MAX_BODY_READ`] bytes of it, and how many bytes were sent (more than
/// the cap when reading stopped there). A broken stream keeps what arrived; `None` when the client
/// stopped sending (see `connection::body_deadline`).
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
        if size > MAX_BODY_READ {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Some((body, size))
}
