//! The announcer of what was committed: the frames of the event stream (`/__inspect/events`), each
//! serialised once for however many clients listen, and nothing at all when nobody does.

use crate::domain::{JournalEntry, Notification};
use actix_web::web::Bytes;
use serde::Serialize;
use tokio::sync::broadcast;

/// How many frames a slow reader may fall behind before it loses some (and is told so).
const BACKLOG: usize = 4096;

/// The announcer. One per server.
pub struct Announcer {
    frames: broadcast::Sender<Bytes>,
}

impl Default for Announcer {
    fn default() -> Self {
        Announcer {
            frames: broadcast::Sender::new(BACKLOG),
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
}
