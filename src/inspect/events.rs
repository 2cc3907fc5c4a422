//! `GET /__inspect/events`: a Server-Sent Events stream of every stored notification
//! (`event: notification`) and every journal entry (`event: request`), as the list items show them.
//! A stream ends, and its connection closes, when the server stops, so that it does not hold the stop.

use crate::announcer::Event;
use crate::emulator::Emulator;
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub async fn get(emulator: web::Data<Emulator>) -> HttpResponse {
    let receiver = emulator.announcer().subscribe();
    let stopping = emulator.announcer().stopping();
    // A comment first, so a client knows the stream is open before it sends anything.
    let opening = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(Bytes::from_static(b": connected\n\n"))
    });
    let events = futures_util::stream::unfold(
        (receiver, stopping),
        |(mut receiver, mut stopping)| async move {
            loop {
                let next = tokio::select! {
                    next = tokio::time::timeout(KEEP_ALIVE, receiver.recv()) => next,
                    _ = stopping.wait_for(|stop| *stop) => return None,
                };
                let chunk = match next {
                    Err(_) => Bytes::from_static(b": keep-alive\n\n"),
                    Ok(Ok(event)) => match frame(&event) {
                        Some(chunk) => chunk,
                        None => continue,
                    },
                    Ok(Err(RecvError::Lagged(missed))) => Bytes::from(format!(
                        ": {missed} events were dropped for a slow reader\n\n"
                    )),
                    Ok(Err(RecvError::Closed)) => return None,
                };
                return Some((Ok::<_, std::io::Error>(chunk), (receiver, stopping)));
            }
        },
    );
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        // Closed once the stream ends: an idle kept-alive connection would hold the stop too.
        .force_close();
    response.streaming(futures_util::StreamExt::chain(opening, events))
}

fn frame(event: &Event) -> Option<Bytes> {
    let (name, data) = match event {
        Event::Notification(n) => ("notification", serde_json::to_string(n).ok()?),
        Event::Request(r) => ("request", serde_json::to_string(r).ok()?),
    };
    Some(Bytes::from(format!("event: {name}\ndata: {data}\n\n")))
}
