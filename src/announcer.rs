//! The announcer of what was committed: a version number that wakes `/__inspect/wait`
//! the moment a notification is stored, and a broadcast of new notifications and journal entries
//! for `/__inspect/events`, which ends every stream when the server stops. Waiters are woken by the
//! write itself, never by polling.

use crate::domain::{JournalEntry, Notification};
use tokio::sync::{broadcast, watch};

/// Something that happened, for the event stream.
#[derive(Clone, Debug)]
pub enum Event {
    Notification(Box<Notification>),
    Request(Box<JournalEntry>),
}

/// The announcer. One per server.
pub struct Announcer {
    version: watch::Sender<u64>,
    events: broadcast::Sender<Event>,
    /// Set when the server stops: event streams never end on their own, and an open one would
    /// hold a graceful stop for its whole grace period.
    stopping: watch::Sender<bool>,
}

impl Default for Announcer {
    fn default() -> Self {
        Announcer {
            version: watch::Sender::new(0),
            events: broadcast::Sender::new(1024),
            stopping: watch::Sender::new(false),
        }
    }
}

impl Announcer {
    /// Says that stored notifications changed (added, deleted, reset): every waiter re-checks.
    pub fn notifications_changed(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    /// A receiver that wakes on the next change. Subscribe before reading, so no change is missed.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Whether anyone listens to the event stream (reading the events costs a store round trip).
    pub fn has_listeners(&self) -> bool {
        self.events.receiver_count() > 0
    }

    pub fn publish(&self, event: Event) {
        let _ = self.events.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Ends every event stream, open or opened from now on.
    pub fn stop_streams(&self) {
        self.stopping.send_replace(true);
    }

    /// Whether streams must stop: `wait_for(|stop| *stop)` completes once [`Announcer::stop_streams`]
    /// has been called (at once if it already was).
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }
}
