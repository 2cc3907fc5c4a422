//! The announcer of what was committed: the events of the event stream (`/__inspect/events`), and the
//! server stopping, which ends every stream and long wait so that none holds the stop.
//!
//! Announcing costs the request path the same whatever the number of streams, and almost nothing: the
//! committed write is shared with the [`feed`], not copied, and an event's frame is rendered (its JSON
//! serialised) only when a stream first sends it, once for every stream that sends it. Streams that
//! skip an event (they fell behind, see `inspect::events`) never render it.

mod feed;

pub use feed::{Cursor, Lagged, Read};

use feed::Kind;

use crate::store::{CommitListener, RequestWrite, Stored};
use actix_web::web::Bytes;
use feed::Feed;
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use tokio::sync::watch;
use tokio::time::Instant;

/// The announcer. One per server.
pub struct Announcer {
    feed: Arc<Feed<Frame>>,
    /// Set when the server stops: event streams never end on their own, and an open one would
    /// hold a graceful stop for its whole grace period.
    stopping: watch::Sender<bool>,
    /// When the announcer was made: the origin of the streams' shared grid of write times.
    epoch: Instant,
}

impl Default for Announcer {
    fn default() -> Self {
        Announcer {
            feed: Arc::default(),
            stopping: watch::Sender::new(false),
            epoch: Instant::now(),
        }
    }
}

/// An event's frame on the stream (`event: NAME\ndata: JSON\n\n`), rendered when first sent.
pub struct Frame {
    write: Arc<RequestWrite>,
    stored: Stored,
    kind: Kind,
    rendered: OnceLock<Bytes>,
}

impl Frame {
    /// The frame's bytes.
    pub fn bytes(&self) -> &Bytes {
        self.rendered.get_or_init(|| {
            let data = match self.kind {
                Kind::Request => json(&self.write.journal.entry(self.stored.journal_seq)),
                Kind::Notification => match (&self.write.message, self.stored.message) {
                    (Some(message), Some((seq, index))) => json(&message.stored(
                        seq,
                        index,
                        &self.write.journal.received_at,
                        self.stored.journal_seq,
                    )),
                    // Not published without a stored message.
                    _ => String::from("null"),
                },
            };
            Bytes::from(format!("event: {}\ndata: {data}\n\n", self.kind.name()))
        })
    }
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| String::from("null"))
}

/// Publishes the committed requests' events, on the store thread.
struct Publisher {
    feed: Arc<Feed<Frame>>,
}

impl CommitListener for Publisher {
    /// Each request's journal entry (`event: request`), then the notification it stored, if any
    /// (`event: notification`).
    fn committed(&self, batch: &[(Arc<RequestWrite>, Stored)]) {
        let frame = |write: &Arc<RequestWrite>, stored: &Stored, kind| {
            let write = write.clone();
            let stored = *stored;
            move || Frame {
                write,
                stored,
                kind,
                rendered: OnceLock::new(),
            }
        };
        self.feed
            .publish_all(batch.iter().flat_map(|(write, stored)| {
                let request = (
                    Kind::Request,
                    stored.journal_seq,
                    frame(write, stored, Kind::Request),
                );
                let notification = stored.message.map(|(seq, _)| {
                    (
                        Kind::Notification,
                        seq,
                        frame(write, stored, Kind::Notification),
                    )
                });
                std::iter::once(request).chain(notification)
            }));
    }

    fn restarted(&self) {
        self.feed.restart_sequences();
    }
}

impl Announcer {
    /// What the store thread tells of its commits and resets (see [`CommitListener`]): the event
    /// stream is built there, so its order is the order of the seqs.
    pub fn listener(&self) -> Arc<dyn CommitListener> {
        Arc::new(Publisher {
            feed: self.feed.clone(),
        })
    }

    /// A new stream's place in the feed: the events from now on.
    pub fn subscribe(&self) -> Cursor<Frame> {
        Cursor::new(self.feed.clone())
    }

    /// When the announcer was made.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// Ends every event stream and long wait: the server is stopping.
    pub fn stop_streams(&self) {
        self.stopping.send_replace(true);
    }

    /// Completes once the server stops.
    pub async fn stopped(&self) {
        let mut stopping = self.stopping.subscribe();
        let _ = stopping.wait_for(|stop| *stop).await;
    }

    /// A receiver of the stop, for streams that outlive a borrow of the announcer.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }
}
