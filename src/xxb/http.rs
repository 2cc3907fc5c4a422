//! The HTTP face of the emulated API: `/x.php` and `/api.php` for every HTTP method. It captures
//! the request as PHP would see it, hands it to [`dispatch::handle`] as one store job, and writes
//! the real server's status, headers and bytes.

use super::answer;
use super::dispatch::{self, Handled};
use super::ip::CallerAddress;
use super::lang::Lang;
use super::request::{ApiRequest, EntryPoint, POST_MAX_SIZE};
use crate::connection::ConnectionSocket;
use crate::faults::Respond;
use crate::hub::Event;
use crate::scenario::expect::Arrived;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use std::time::Duration;
use time::OffsetDateTime;

/// The most body bytes read (and counted) before the rest is left unread and the request answered.
const MAX_BODY_READ: usize = 64 * 1024 * 1024;

pub async fn serve(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let entry_point = if req.path() == EntryPoint::ApiPhp.path() {
        EntryPoint::ApiPhp
    } else {
        EntryPoint::XPhp
    };
    let (body, body_size) = read_body(payload).await;
    let header = |name: &str| req.headers().get(name).map(|v| v.as_bytes());
    let lang = Lang::from_accept_language(header("accept-language"), state.config.lang);
    let remote = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let caller = CallerAddress::resolve(&remote, header("x-forwarded-for"), header("client-ip"));
    let request = ApiRequest::new(
        entry_point,
        req.method().to_string(),
        req.query_string().to_string(),
        lang,
        caller,
        body,
        body_size,
    );
    let fault = state.faults.take(request.param_text("f").as_deref());
    if let Some(Respond::Delay { delay_ms }) = fault {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }
    // With `serve --scenario`: what the scenario compares, kept before the request moves on.
    let observed = state.expectation.as_ref().map(|_| {
        let query: Vec<(String, String)> = request
            .params
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    String::from_utf8_lossy(&k.to_bytes()).into_owned(),
                    String::from_utf8_lossy(v.as_bytes()?).into_owned(),
                ))
            })
            .collect();
        let body = serde_json::from_slice::<serde_json::Value>(&request.body).ok();
        (request.param_text("f"), query, body)
    });
    let mode = state.config.validation;
    let handled = match state
        .store
        .run_append(move |tx| dispatch::handle(&request, mode, fault.as_ref(), tx))
        .await
    {
        Ok(handled) => handled,
        Err(e) => {
            tracing::error!("the store failed while answering a request: {e}");
            return HttpResponse::InternalServerError()
                .content_type("text/plain")
                .body(format!("xxb-mock: store failure: {e}"));
        }
    };
    announce(&state, &handled).await;
    if let (Some(expectation), Some((method, query, body))) = (&state.expectation, observed) {
        let arrived = Arrived {
            method: method.as_deref(),
            query: &query,
            body: body.as_ref(),
            journal_seq: handled.journal_seq,
        };
        let actions = expectation.observe(arrived);
        crate::scenario::expect::carry_out(actions, &state.store, &state.faults).await;
    }
    if handled.status == 0 {
        if let Some(socket) = req.conn_data::<ConnectionSocket>() {
            socket.shut_down();
        }
        return dropped();
    }
    let mut response =
        HttpResponse::build(StatusCode::from_u16(handled.status).unwrap_or(StatusCode::OK));
    for (name, value) in answer::headers(lang, OffsetDateTime::now_utc()) {
        response.append_header((name, value));
    }
    response.body(handled.body)
}

/// Wakes waiters when a notification was stored, and feeds the event stream when anyone listens.
async fn announce(state: &AppState, handled: &Handled) {
    if handled.notification_seq.is_some() {
        state.hub.notifications_changed();
    }
    if !state.hub.has_listeners() {
        return;
    }
    let (journal_seq, notification_seq) = (handled.journal_seq, handled.notification_seq);
    let read = state
        .store
        .run(move |tx| {
            let notification = match notification_seq {
                Some(seq) => tx.notification(seq)?,
                None => None,
            };
            Ok((tx.journal_entry(journal_seq)?, notification))
        })
        .await;
    if let Ok((entry, notification)) = read {
        if let Some(entry) = entry {
            state.hub.publish(Event::Request(Box::new(entry)));
        }
        if let Some(notification) = notification {
            state
                .hub
                .publish(Event::Notification(Box::new(notification)));
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
async fn read_body(mut payload: web::Payload) -> (Vec<u8>, usize) {
    let mut body = Vec::new();
    let mut size = 0usize;
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else { break };
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
    (body, size)
}
