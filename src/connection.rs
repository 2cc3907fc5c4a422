//! The TCP connection a request arrived on, remembered per connection (its descriptor only, not a
//! duplicate of it: a connection costs one descriptor), so that an injected `drop` fault can close it
//! without sending a byte of an answer, and a long wait can tell that its client has gone; and the
//! deadline on a request body that stops arriving, so that stalled uploads cost nothing lasting.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use futures_util::StreamExt;
use std::any::Any;
use std::time::Duration;

/// The connection's socket, as its descriptor number. It stays valid for as long as a request of the
/// connection is being handled: the connection (which owns the socket) outlives its requests.
#[cfg(unix)]
pub struct ConnectionSocket(std::os::fd::RawFd);

#[cfg(not(unix))]
pub struct ConnectionSocket;

/// The `on_connect` hook: remembers the socket of every new connection.
pub fn remember(connection: &dyn Any, data: &mut actix_web::dev::Extensions) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        if let Some(socket) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            data.insert(ConnectionSocket(socket.as_raw_fd()));
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (connection, data);
    }
}

impl ConnectionSocket {
    /// Shuts the connection down in both directions: the client sees it closed with no answer.
    pub fn shut_down(&self) {
        // SAFETY: the descriptor belongs to the connection this request is being handled on, which
        // is open until the request's response is done; shutdown(2) does not close it.
        #[cfg(unix)]
        unsafe {
            libc::shutdown(self.0, libc::SHUT_RDWR);
        }
    }

    /// Whether the client has closed its side: a peek at the socket reads end-of-stream. Data the
    /// client sent meanwhile (a pipelined request) is left where it is.
    pub fn peer_closed(&self) -> bool {
        #[cfg(unix)]
        {
            let mut byte = 0u8;
            // SAFETY: as in `shut_down`; a one-byte peek into a local buffer.
            let read = unsafe {
                libc::recv(
                    self.0,
                    (&mut byte as *mut u8).cast(),
                    1,
                    libc::MSG_PEEK | libc::MSG_DONTWAIT,
                )
            };
            read == 0
        }
        #[cfg(not(unix))]
        false
    }
}

/// How often a waiting request looks whether its client is still there.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// Resolves once the client of `req` has closed its connection (never, where that cannot be told).
pub async fn closed(req: &actix_web::HttpRequest) {
    let Some(socket) = req.conn_data::<ConnectionSocket>() else {
        return std::future::pending().await;
    };
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        if socket.peer_closed() {
            return;
        }
    }
}

/// Whether a body error is the deadline of [`body_deadline`].
pub fn is_stall(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

/// The middleware: a body that makes no progress for the configured time (`--body-timeout-ms`,
/// 10 s by default) ends with an error, which the handlers answer 408 (the emulated API) or as a
/// refused body (`/__inspect`).
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    let has_body = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .is_some_and(|n| n.as_bytes() != b"0")
        || req
            .headers()
            .contains_key(actix_web::http::header::TRANSFER_ENCODING);
    if !has_body {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let stall = req
        .app_data::<actix_web::web::Data<crate::emulator::Emulator>>()
        .map_or(Duration::from_secs(10), |e| e.config().body_timeout);
    let payload = req.take_payload();
    let deadline = futures_util::stream::unfold(Some(payload), move |payload| async move {
        let mut payload = payload?;
        match tokio::time::timeout(stall, payload.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(payload))),
            Ok(None) => None,
            Err(_) => Some((
                Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request body stopped arriving",
                ))),
                None,
            )),
        }
    });
    req.set_payload(Payload::Stream {
        payload: Box::pin(deadline),
    });
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Raises this process's soft limit of open descriptors to its hard limit, so that the number of
/// connections is bounded by the machine's configuration, not by a conservative default.
pub fn raise_descriptor_limit() {
    #[cfg(unix)]
    // SAFETY: getrlimit/setrlimit on a local struct.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
