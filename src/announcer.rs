//! The announcer of what was committed: the frames of the event stream (`/__inspect/events`), each
//! serialised once for however many clients listen, and nothing at all when nobody does; and of the
//! server stopping, which ends every stream and long wait so that none holds the stop.

use crate::domain::{JournalEntry, Notification};
use actix_web::web::Bytes;
use serde::Serialize;
use tokio::sync::{broadcast, watch};

/// How many frames a slow reader may fall behind before it loses some (and is told so).
const BACKLOG: usize = 4096;

/// The announcer. One per server.
pub struct Announcer {
    frames: broadcast::Sender<Bytes>,
    /// Set when the server stops: event streams never end on their own, and an open one would
    /// hold a graceful stop for its whole grace period.
    stopping: watch::Sender<bool>,
}

impl Default for Announcer {
    fn default() -> Self {
        Announcer {
            frames: broadcast::Sender::new(BACKLOG),
            stopping: watch::Sender::new(false),
        }
    }
}

impl Announcer {
    /// Whether anyone listens to the event stream.
    pub fn has_listeners(&self) -> bool {
        self.frames.receiver_count() > 0
    }

    /// A journal entry, as `event: request`.
    pub fn request(&self, entry: &JournalEntry) {
        self.publish("request", entry);
    }

    /// A stored notification, as `event: notification`.
    pub fn notification(&self, notification: &Notification) {
        self.publish("notification", notification);
    }

    fn publish(&self, name: &str, value: &impl Serialize) {
        if !self.has_listeners() {
            return;
        }
        if let Ok(data) = serde_json::to_string(value) {
            let _ = self
                .frames
                .send(Bytes::from(format!("event: {name}\ndata: {data}\n\n")));
        }
    }

    /// The frames from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Bytes> {
        self.frames.subscribe()
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
