//! The feed behind the event stream: the latest events in publication order, which every open stream
//! reads from its own position without copying them, and from which a stream that fell behind skips
//! to the newest events in one step, told exactly how many of each kind it skipped and where to catch
//! up from.
//!
//! Publishing an event costs the same whatever the number of streams: a push under a lock and a wake
//! of the streams that were idle. A stream reads at most a given number of events at a time (its share
//! of the fan-out budget, see `inspect::events`): when more are waiting, the oldest ones are skipped,
//! counted, never copied. Only the newest [`RETAIN`] events are kept: a stream further behind than that
//! skips the rest the same way.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// How many events are kept for streams that have not read them yet: more than any stream may read
/// at once (the budget's largest share), so that only a stream that fell behind ever skips.
pub const RETAIN: usize = 256;

/// What an event is about, its name on the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Notification,
    Request,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Notification => "notification",
            Kind::Request => "request",
        }
    }
}

/// One value per kind of event, serialised as `{"notification":…,"request":…}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PerKind<T> {
    pub notification: T,
    pub request: T,
}

impl<T> PerKind<T> {
    fn get_mut(&mut self, kind: Kind) -> &mut T {
        match kind {
            Kind::Notification => &mut self.notification,
            Kind::Request => &mut self.request,
        }
    }
}

/// What a stream skipped: how many events of each kind, and the `seq` of the latest of each kind
/// published before the first one skipped (0 when none was), from which the list endpoints'
/// `after=` returns the skipped ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Lagged {
    pub missed: PerKind<u64>,
    pub resume_after: PerKind<i64>,
}

/// A stream's place in the feed.
pub struct Cursor<T> {
    feed: Arc<Feed<T>>,
    /// The position of the next event to read.
    next: u64,
    /// How many events of each kind were published before `next`.
    published: PerKind<u64>,
    /// The `seq` of the latest event of each kind published before `next`.
    latest: PerKind<i64>,
}

/// What one read of the feed gives a stream: the events to send, and what it skipped before them.
#[derive(Debug)]
pub struct Read<T> {
    /// How many events of each kind the stream had read or skipped before this read.
    accounted: PerKind<u64>,
    /// Where a client catches up from if events were skipped.
    resume_after: PerKind<i64>,
    /// The events to send, each with how many of each kind were published before it.
    events: VecDeque<(Arc<T>, PerKind<u64>)>,
    /// How many of each kind were published before the read's end.
    published: PerKind<u64>,
}

impl<T> Read<T> {
    /// What was skipped, if anything: the events published between the stream's last read and
    /// the first event of this one.
    pub fn lagged(&self) -> Option<Lagged> {
        let before = self.events.front().map_or(self.published, |(_, p)| *p);
        let missed = PerKind {
            notification: before.notification - self.accounted.notification,
            request: before.request - self.accounted.request,
        };
        (missed != PerKind::default()).then_some(Lagged {
            missed,
            resume_after: self.resume_after,
        })
    }

    /// The events to send, oldest first.
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.events.iter().map(|(value, _)| &**value)
    }

    /// Skips the oldest events but the newest `newest` (at least one, if there was any).
    pub fn keep_newest(&mut self, newest: usize) {
        while self.events.len() > newest.max(1) {
            self.events.pop_front();
        }
    }
}

/// The feed. `T` is what an event carries (the stream renders it).
pub struct Feed<T> {
    ring: Mutex<Ring<T>>,
    /// The position after the newest event, readable without the lock.
    head: AtomicU64,
    arrived: Notify,
}

struct Ring<T> {
    events: VecDeque<Event<T>>,
    /// The position of `events[0]`.
    start: u64,
    published: PerKind<u64>,
    latest: PerKind<i64>,
    listeners: usize,
    /// The position of the first event published after the sequences were restarted (a reset):
    /// a stream that had read nothing since cannot catch up from a `seq` it saw before.
    restarted_at: u64,
}

struct Event<T> {
    value: Arc<T>,
    /// The ring's `published` just before this event.
    published: PerKind<u64>,
}

impl<T> Default for Feed<T> {
    fn default() -> Self {
        Feed {
            ring: Mutex::new(Ring {
                events: VecDeque::new(),
                start: 0,
                published: PerKind::default(),
                latest: PerKind::default(),
                listeners: 0,
                restarted_at: 0,
            }),
            head: AtomicU64::new(0),
            arrived: Notify::new(),
        }
    }
}

impl<T> Feed<T> {
    fn ring(&self) -> MutexGuard<'_, Ring<T>> {
        // A panic while the lock was held left the ring consistent (every change is one statement).
        self.ring
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Publishes an event of `kind` whose list item has `seq`: kept for the open streams, counted
    /// only when there are none.
    pub fn publish(&self, kind: Kind, seq: i64, value: impl FnOnce() -> T) {
        self.publish_all([(kind, seq, value)]);
    }

    /// Publishes events in the order given, under one lock and with one wake-up of the streams.
    pub fn publish_all<F: FnOnce() -> T>(&self, events: impl IntoIterator<Item = (Kind, i64, F)>) {
        let mut ring = self.ring();
        let mut evicted = Vec::new();
        for (kind, seq, value) in events {
            let published = ring.published;
            *ring.published.get_mut(kind) += 1;
            *ring.latest.get_mut(kind) = seq;
            if ring.listeners == 0 {
                // Nobody reads it (and the ring is empty): it only takes a position, so that
                // positions keep counting publications.
                ring.start += 1;
            } else {
                ring.events.push_back(Event {
                    value: Arc::new(value()),
                    published,
                });
                if ring.events.len() > RETAIN {
                    evicted.extend(ring.events.pop_front());
                    ring.start += 1;
                }
            }
        }
        self.head
            .store(ring.start + ring.events.len() as u64, Ordering::Release);
        let listening = ring.listeners > 0;
        drop(ring);
        // Freed (the requests they share, often) outside the lock, which the store thread waits for.
        drop(evicted);
        if listening {
            self.arrived.notify_waiters();
        }
    }

    /// The sequences start again at 1 (a reset).
    pub fn restart_sequences(&self) {
        let mut ring = self.ring();
        ring.latest = PerKind::default();
        ring.restarted_at = ring.start + ring.events.len() as u64;
    }

    /// How many streams are open.
    pub fn listeners(&self) -> usize {
        self.ring().listeners
    }
}

impl<T> Cursor<T> {
    /// A new stream's place: after every event published so far.
    pub fn new(feed: Arc<Feed<T>>) -> Self {
        let mut ring = feed.ring();
        ring.listeners += 1;
        let (next, published, latest) = (
            ring.start + ring.events.len() as u64,
            ring.published,
            ring.latest,
        );
        drop(ring);
        Cursor {
            feed,
            next,
            published,
            latest,
        }
    }

    /// How many streams are open, this one included.
    pub fn listeners(&self) -> usize {
        self.feed.listeners()
    }

    /// Completes once an event this stream has not read is published.
    pub async fn arrived(&self) {
        loop {
            let notified = self.feed.arrived.notified();
            tokio::pin!(notified);
            // Registered before looking, so that a publish in between is not missed.
            notified.as_mut().enable();
            if self.feed.head.load(Ordering::Acquire) > self.next {
                return;
            }
            notified.await;
        }
    }

    /// Reads at most `most` events (at least 1): every unread one if there are no more than that,
    /// else the newest `most`, the others skipped (see [`Read::lagged`]).
    pub fn read(&mut self, most: usize) -> Read<T> {
        let most = most.max(1) as u64;
        let ring = self.feed.ring();
        let head = ring.start + ring.events.len() as u64;
        let from = if self.next >= ring.start && head - self.next <= most {
            self.next
        } else {
            ring.start.max(head.saturating_sub(most))
        };
        let read = Read {
            accounted: self.published,
            resume_after: if self.next <= ring.restarted_at {
                PerKind::default()
            } else {
                self.latest
            },
            events: ring
                .events
                .range((from - ring.start) as usize..)
                .map(|event| (event.value.clone(), event.published))
                .collect(),
            published: ring.published,
        };
        self.next = head;
        self.published = ring.published;
        self.latest = ring.latest;
        read
    }
}

impl<T> Drop for Cursor<T> {
    fn drop(&mut self) {
        let mut ring = self.feed.ring();
        ring.listeners -= 1;
        if ring.listeners == 0 {
            // Nobody will read them: free them now rather than when they are pushed out.
            ring.start += ring.events.len() as u64;
            ring.events.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> Arc<Feed<i64>> {
        Arc::default()
    }

    /// Publishes requests and notifications alternately: request `seq` then its notification.
    fn sends(feed: &Feed<i64>, seqs: std::ops::RangeInclusive<i64>) {
        for seq in seqs {
            feed.publish(Kind::Request, seq, || seq);
            feed.publish(Kind::Notification, seq, || -seq);
        }
    }

    fn values(read: &Read<i64>) -> Vec<i64> {
        read.events().copied().collect()
    }

    #[test]
    fn a_stream_reads_everything_published_after_it_opened_when_it_is_within_its_share() {
        let feed = feed();
        sends(&feed, 1..=2);
        let mut cursor = Cursor::new(feed.clone());
        sends(&feed, 3..=4);
        let read = cursor.read(4);
        assert_eq!(read.lagged(), None);
        assert_eq!(values(&read), [3, -3, 4, -4]);
        assert_eq!(cursor.read(4).events().len(), 0);
    }

    #[test]
    fn beyond_its_share_a_stream_gets_the_newest_after_the_count_of_what_it_skipped() {
        let feed = feed();
        sends(&feed, 1..=2);
        let mut cursor = Cursor::new(feed.clone());
        sends(&feed, 3..=7);
        let read = cursor.read(3);
        assert_eq!(values(&read), [-6, 7, -7]);
        assert_eq!(
            read.lagged(),
            Some(Lagged {
                missed: PerKind {
                    notification: 3,
                    request: 4
                },
                resume_after: PerKind {
                    notification: 2,
                    request: 2
                },
            })
        );
        sends(&feed, 8..=9);
        let read = cursor.read(3);
        assert_eq!(values(&read), [-8, 9, -9]);
        assert_eq!(
            read.lagged().unwrap().resume_after,
            PerKind {
                notification: 7,
                request: 7
            }
        );
    }

    #[test]
    fn events_left_out_of_a_read_count_as_skipped() {
        let feed = feed();
        let mut cursor = Cursor::new(feed.clone());
        sends(&feed, 1..=3);
        let mut read = cursor.read(6);
        assert_eq!(read.lagged(), None);
        read.keep_newest(2);
        assert_eq!(values(&read), [3, -3]);
        assert_eq!(
            read.lagged().unwrap().missed,
            PerKind {
                notification: 2,
                request: 2
            }
        );
        read.keep_newest(0);
        assert_eq!(values(&read), [-3]);
    }

    #[test]
    fn a_stream_behind_what_is_kept_skips_what_was_dropped_too() {
        let feed = feed();
        let mut cursor = Cursor::new(feed.clone());
        let sent = RETAIN as i64;
        sends(&feed, 1..=sent);
        let read = cursor.read(RETAIN);
        assert_eq!(read.events().len(), RETAIN);
        let lagged = read.lagged().unwrap();
        let missed = lagged.missed.notification + lagged.missed.request;
        assert_eq!(missed as usize + RETAIN, 2 * RETAIN);
        assert_eq!(lagged.missed.request, RETAIN as u64 / 2);
    }

    #[test]
    fn what_nobody_listens_to_is_not_kept_but_counted() {
        let feed = feed();
        let kept = std::cell::Cell::new(0);
        feed.publish(Kind::Request, 1, || {
            kept.set(kept.get() + 1);
            1
        });
        assert_eq!(kept.get(), 0);
        let mut cursor = Cursor::new(feed.clone());
        sends(&feed, 2..=4);
        let read = cursor.read(1);
        assert_eq!(values(&read), [-4]);
        let lagged = read.lagged().unwrap();
        // The request published before the stream opened is neither read nor missed by it.
        assert_eq!(
            lagged.missed,
            PerKind {
                notification: 2,
                request: 3
            }
        );
        assert_eq!(
            lagged.resume_after,
            PerKind {
                notification: 0,
                request: 1
            }
        );
        drop(cursor);
        assert_eq!(feed.listeners(), 0);
        assert!(feed.ring().events.is_empty());
    }

    #[test]
    fn after_the_sequences_restart_a_stream_catches_up_from_the_start() {
        let feed = feed();
        let mut cursor = Cursor::new(feed.clone());
        sends(&feed, 1..=5);
        cursor.read(10);
        feed.restart_sequences();
        sends(&feed, 1..=3);
        let lagged = cursor.read(1).lagged().unwrap();
        assert_eq!(lagged.resume_after, PerKind::default());
        assert_eq!(
            lagged.missed,
            PerKind {
                notification: 2,
                request: 3
            }
        );
    }
}
