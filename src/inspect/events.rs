//! `GET /__inspect/events`: a Server-Sent Events stream of every stored notification
//! (`event: notification`) and every journal entry (`event: request`), as the list items show them,
//! in the order they were committed.
//!
//! The fan-out has a budget that does not grow with the number of streams: together, the open
//! streams write at most [`WRITES_PER_SECOND`] times and send at most [`EVENTS_PER_SECOND`] events
//! and [`BYTES_PER_SECOND`] bytes a second, whether one stream is open or a thousand (each event is
//! rendered once for all of them; see `announcer`). Each stream gets an equal share: it writes at most
//! every [`Budget::every`] (never more often than every [`BATCH_EVERY`]), and each write carries at
//! most [`Budget::events`] events and [`Budget::bytes`] bytes (but at least one event), everything that
//! arrived since the last write when that is not more. The first event after a quiet spell goes out
//! at once. When more arrived, the stream skips to the newest ones and says so first, in one frame:
//!
//! ```text
//! event: lagged
//! data: {"missed":{"notification":3,"request":5},"resume_after":{"notification":41,"request":77}}
//! ```
//!
//! `missed` counts the events of each kind it skipped; `/__inspect/notifications?after=41` and
//! `/__inspect/requests?after=77` list them (and the newer ones the stream sends next). A client
//! that reads slower than the server writes (the connection's buffers full) falls behind the same
//! way. A keep-alive comment goes out after a quiet spell; a stream ends, and its connection closes,
//! when the server stops, so that it does not hold the stop.

use crate::announcer::{Frame, Lagged, Read};
use crate::emulator::Emulator;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{web, HttpResponse};
use std::time::Duration;
use tokio::time::Instant;

const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The shortest time between two writes to one stream.
const BATCH_EVERY: Duration = Duration::from_millis(20);
/// How many writes every open stream together makes at most, a second.
const WRITES_PER_SECOND: u32 = 500;
/// How many events every open stream together sends at most, a second.
const EVENTS_PER_SECOND: u32 = 5_000;
/// How many bytes of events every open stream together sends at most, a second (but always at
/// least one event a write, however large).
const BYTES_PER_SECOND: u32 = 16 << 20;

/// One stream's share of the fan-out budget, when `streams` are open.
#[derive(Debug, PartialEq, Eq)]
struct Budget {
    /// The shortest time between two writes.
    every: Duration,
    /// The most events in one write.
    events: usize,
    /// The most bytes of events in one write (but at least one event).
    bytes: usize,
}

impl Budget {
    fn of(streams: usize) -> Budget {
        let streams = u32::try_from(streams.max(1)).unwrap_or(u32::MAX);
        let every = BATCH_EVERY.max(Duration::from_secs(1) * streams / WRITES_PER_SECOND);
        let millis = u64::try_from(every.as_millis()).unwrap_or(u64::MAX);
        let share = |per_second: u32| {
            let share = u64::from(per_second).saturating_mul(millis) / 1000 / u64::from(streams);
            usize::try_from(share.max(1)).unwrap_or(usize::MAX)
        };
        Budget {
            every,
            events: share(EVENTS_PER_SECOND),
            bytes: share(BYTES_PER_SECOND),
        }
    }
}

pub async fn get(emulator: web::Data<Emulator>) -> HttpResponse {
    let cursor = emulator.announcer().subscribe();
    let stopping = emulator.announcer().stopping();
    // A comment first, so a client knows the stream is open before it sends anything.
    let opening = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(Bytes::from_static(b": connected\n\n"))
    });
    // `last`: when events were last written (a keep-alive does not count, so that the first event
    // after a quiet spell still goes out at once).
    let epoch = emulator.announcer().epoch();
    let start = (cursor, stopping, None::<Instant>);
    let events = futures_util::stream::unfold(
        start,
        move |(mut cursor, mut stopping, last)| async move {
            let (chunk, last) = tokio::select! {
                written = async {
                    let budget = Budget::of(cursor.listeners());
                    if let Some(last) = last {
                        tokio::time::sleep_until(next_write(epoch, last + budget.every)).await;
                    }
                    match tokio::time::timeout(KEEP_ALIVE, cursor.arrived()).await {
                        Err(_) => (Bytes::from_static(b": keep-alive\n\n"), last),
                        Ok(()) => (render(cursor.read(budget.events), budget.bytes), Some(Instant::now())),
                    }
                } => written,
                _ = stopping.wait_for(|stop| *stop) => return None,
            };
            Some((Ok::<_, std::io::Error>(chunk), (cursor, stopping, last)))
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

/// When a stream due to write at `due` writes: at the first tick at or after it of a grid of
/// [`BATCH_EVERY`] ticks from `epoch`, the same for every stream. The streams due in one tick read the
/// feed at nearly the same moment, so they send the same newest events and render each once.
fn next_write(epoch: Instant, due: Instant) -> Instant {
    let ticks = due
        .saturating_duration_since(epoch)
        .as_nanos()
        .div_ceil(BATCH_EVERY.as_nanos());
    epoch + BATCH_EVERY * u32::try_from(ticks).unwrap_or(u32::MAX)
}

/// One write: the newest events read that fit in `bytes` (at least one), after the `lagged` frame
/// if any were skipped.
fn render(mut read: Read<Frame>, bytes: usize) -> Bytes {
    let mut size = 0;
    let fit = read
        .events()
        .rev()
        .take_while(|frame| {
            size += frame.bytes().len();
            size <= bytes
        })
        .count();
    read.keep_newest(fit);
    let mut chunk = BytesMut::new();
    if let Some(lagged) = read.lagged() {
        chunk.extend_from_slice(&lagged_frame(&lagged));
    }
    for frame in read.events() {
        chunk.extend_from_slice(frame.bytes());
    }
    chunk.freeze()
}

fn lagged_frame(lagged: &Lagged) -> Bytes {
    let data = serde_json::to_string(lagged).unwrap_or_default();
    Bytes::from(format!("event: lagged\ndata: {data}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_stream_writes_every_20_ms_and_takes_the_whole_event_budget() {
        assert_eq!(
            Budget::of(1),
            Budget {
                every: Duration::from_millis(20),
                events: 100,
                bytes: 335_544,
            }
        );
        assert_eq!(Budget::of(0), Budget::of(1));
    }

    #[test]
    fn streams_write_on_a_shared_grid_of_ticks() {
        let epoch = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(next_write(epoch, epoch), epoch);
        assert_eq!(next_write(epoch, epoch + ms(1)), epoch + ms(20));
        assert_eq!(next_write(epoch, epoch + ms(20)), epoch + ms(20));
        assert_eq!(next_write(epoch, epoch + ms(1013)), epoch + ms(1020));
    }

    #[test]
    fn the_streams_share_the_budget_so_that_the_total_stays_the_same() {
        for streams in [1_usize, 2, 7, 20, 21, 50, 333, 1000, 5000, 100_000] {
            let budget = Budget::of(streams);
            let n = streams as f64;
            let writes = n / budget.every.as_secs_f64();
            let events = writes * budget.events as f64;
            let bytes = writes * budget.bytes as f64;
            assert!(budget.every >= BATCH_EVERY, "{streams}: {budget:?}");
            assert!(
                writes <= f64::from(WRITES_PER_SECOND) + 1e-6,
                "{streams}: {writes}"
            );
            // At least one event a write, whatever the number of streams.
            assert!(
                events <= f64::from(EVENTS_PER_SECOND) + 1e-6 || budget.events == 1,
                "{streams}: {events}"
            );
            assert!(
                bytes <= f64::from(BYTES_PER_SECOND) + 1e-6 || budget.bytes == 1,
                "{streams}: {bytes}"
            );
        }
        assert_eq!(
            Budget::of(1000),
            Budget {
                every: Duration::from_secs(2),
                events: 10,
                bytes: 33_554,
            }
        );
    }
}
