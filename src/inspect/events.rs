//! `GET /__inspect/events`: a Server-Sent Events stream of every stored notification
//! (`event: notification`) and every journal entry (`event: request`), as the list items show them.

use crate::announcer::Event;
use crate::emulator::Emulator;
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub async fn get(emulator: web::Data<Emulator>) -> HttpResponse {
    let receiver = emulator.announcer().subscribe();
    // A comment first, so a client knows the stream is open before it sends anything.
    let opening = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(Bytes::from_static(b": connected\n\n"))
    });
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        loop {
            let chunk = match tokio::time::timeout(KEEP_ALIVE, receiver.recv()).await {
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
            return Some((Ok::<_, std::io::Error>(chunk), receiver));
        }
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .streaming(futures_util::StreamExt::chain(opening, events))
}

fn frame(event: &Event) -> Option<Bytes> {
    let (name, data) = match event {
        Event::Notification(n) => ("notification", serde_json::to_string(n).ok()?),
        Event::Request(r) => ("request", serde_json::to_string(r).ok()?),
    };
    Some(Bytes::from(format!("event: {name}\ndata: {data}\n\n")))
}
