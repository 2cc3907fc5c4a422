//! `GET /__inspect/events`: a Server-Sent Events stream of every stored notification
//! (`event: notification`) and every journal entry (`event: request`), as the list items show them.
//!
//! Each frame is serialised once by the announcer, whatever the number of clients. A busy stream is
//! written in batches: what arrived while the last batch was written goes out together, at most
//! every [`BATCH_EVERY`], so a thousand open streams cost a thousand writes per batch, not per event.
//! A stream ends, and its connection closes, when the server stops, so that it does not hold the stop.

use crate::emulator::Emulator;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{web, HttpResponse};
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;
use tokio::time::Instant;

const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The shortest time between two writes to one stream; the first event after a quiet spell is sent
/// at once.
const BATCH_EVERY: Duration = Duration::from_millis(20);

pub async fn get(emulator: web::Data<Emulator>) -> HttpResponse {
    let receiver = emulator.announcer().subscribe();
    let stopping = emulator.announcer().stopping();
    // A comment first, so a client knows the stream is open before it sends anything.
    let opening = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(Bytes::from_static(b": connected\n\n"))
    });
    let start = (receiver, stopping, Instant::now() - BATCH_EVERY);
    let events =
        futures_util::stream::unfold(start, |(mut receiver, mut stopping, last)| async move {
            let chunk = tokio::select! {
                chunk = async {
                    tokio::time::sleep_until(last + BATCH_EVERY).await;
                    next_batch(&mut receiver).await
                } => chunk?,
                _ = stopping.wait_for(|stop| *stop) => return None,
            };
            Some((
                Ok::<_, std::io::Error>(chunk),
                (receiver, stopping, Instant::now()),
            ))
        });
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        // Closed once the stream ends: an idle kept-alive connection would hold the stop too.
        .force_close();
    response.streaming(futures_util::StreamExt::chain(opening, events))
}

/// The next event and every one already waiting behind it, as one chunk; a keep-alive comment
/// after a quiet spell; `None` when the server stops.
async fn next_batch(receiver: &mut Receiver<Bytes>) -> Option<Bytes> {
    let mut batch = BytesMut::new();
    match tokio::time::timeout(KEEP_ALIVE, receiver.recv()).await {
        Err(_) => return Some(Bytes::from_static(b": keep-alive\n\n")),
        Ok(Ok(frame)) => batch.extend_from_slice(&frame),
        Ok(Err(RecvError::Lagged(missed))) => batch.extend_from_slice(&missed_frames(missed)),
        Ok(Err(RecvError::Closed)) => return None,
    }
    loop {
        match receiver.try_recv() {
            Ok(frame) => batch.extend_from_slice(&frame),
            Err(TryRecvError::Lagged(missed)) => batch.extend_from_slice(&missed_frames(missed)),
            Err(TryRecvError::Empty | TryRecvError::Closed) => return Some(batch.freeze()),
        }
    }
}

fn missed_frames(missed: u64) -> Bytes {
    Bytes::from(format!(
        ": {missed} events were dropped for a slow reader\n\n"
    ))
}
