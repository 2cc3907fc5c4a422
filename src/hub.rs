//! Announcements of what the store has committed: a version number that wakes `/__inspect/wait`
//! the moment a notification is stored, and a broadcast of new notifications and journal entries
//! for `/__inspect/events`. Waiters are woken by the write itself, never by polling.

use crate::domain::{JournalEntry, Notification};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{broadcast, watch};

/// Something that happened, for the event stream.
#[derive(Clone, Debug)]
pub enum Event {
    Notification(Box<Notification>),
    Request(Box<JournalEntry>),
}

/// The announcer. One per server.
pub struct Hub {
    version: watch::Sender<u64>,
    events: broadcast::Sender<Event>,
    waiters: AtomicUsize,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            version: watch::Sender::new(0),
            events: broadcast::Sender::new(1024),
            waiters: AtomicUsize::new(0),
        }
    }
}

impl Hub {
    /// Says that stored notifications changed (added, deleted, reset): every waiter re-checks.
    pub fn notifications_changed(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    /// A receiver that wakes on the next change. Subscribe before reading, so no change is missed.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Counts a waiter that has read the store, found too few matches and now waits for a change,
    /// until the returned guard is dropped. `/__inspect/health` reports the count, so a client can
    /// know that a waiter is parked before it sends what should wake it.
    pub fn parked(&self) -> Parked<'_> {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        Parked(&self.waiters)
    }

    /// How many waiters are parked now.
    pub fn waiters(&self) -> usize {
        self.waiters.load(Ordering::SeqCst)
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
}

/// A parked waiter, counted until dropped (answered or timed out).
pub struct Parked<'a>(&'a AtomicUsize);

impl Drop for Parked<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
