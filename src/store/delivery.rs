//! How the store thread hands its answers to the requests it committed: one wake-up per waiting
//! thread and batch, not one per request.
//!
//! The requests of one HTTP worker wait in that worker's [`Mailbox`]. After a commit the store
//! thread puts every answer of the batch in its mailbox and wakes one of the requests waiting
//! there; that one, when it runs, wakes the others from the worker's own thread, which costs no
//! system call. Woken one by one from the store thread, each request would cost a system call, and
//! the worker it wakes would often take the processor from the store thread before the batch's
//! other answers are out, so that they wait for the store thread's next turn.

use super::{StoreError, Stored};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

type Outcome = Result<Stored, StoreError>;

/// The answers of a batch for one mailbox, by ticket.
type Group = (Arc<Mailbox>, Vec<(u64, Outcome)>);

/// Where the requests of one thread wait for their answers.
#[derive(Default)]
struct Mailbox {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    /// Answers not yet taken, by ticket.
    answers: HashMap<u64, Outcome>,
    /// The requests waiting, by ticket.
    waiting: HashMap<u64, Waker>,
    /// Requests whose answers arrived, woken by whichever request of the mailbox runs first.
    to_wake: Vec<Waker>,
    /// Tickets whose request went away before its answer arrived.
    gone: HashSet<u64>,
}

impl Mailbox {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

thread_local! {
    static MAILBOX: Arc<Mailbox> = Arc::new(Mailbox::default());
}

/// Where the store thread sends one request's answer. Dropped unsent, it answers
/// [`StoreError::Stopped`].
pub(super) struct Reply {
    to: Option<(Arc<Mailbox>, u64)>,
}

/// A request's answer, to be awaited.
pub(super) struct Answer {
    mailbox: Arc<Mailbox>,
    ticket: u64,
    done: bool,
}

/// A reply and the answer it sends, in the mailbox of the calling thread.
pub(super) fn channel() -> (Reply, Answer) {
    let mailbox = MAILBOX.with(Arc::clone);
    let ticket = {
        let mut inner = mailbox.lock();
        inner.next += 1;
        inner.next
    };
    (
        Reply {
            to: Some((mailbox.clone(), ticket)),
        },
        Answer {
            mailbox,
            ticket,
            done: false,
        },
    )
}

/// Sends each reply its answer, waking one request per mailbox.
pub(super) fn deliver(answers: impl IntoIterator<Item = (Reply, Outcome)>) {
    let mut by_mailbox: Vec<Group> = Vec::new();
    for (mut reply, outcome) in answers {
        let Some((mailbox, ticket)) = reply.to.take() else {
            continue;
        };
        match by_mailbox
            .iter_mut()
            .find(|(m, _)| Arc::ptr_eq(m, &mailbox))
        {
            Some((_, group)) => group.push((ticket, outcome)),
            None => by_mailbox.push((mailbox, vec![(ticket, outcome)])),
        }
    }
    for (mailbox, group) in by_mailbox {
        let first = {
            let mut inner = mailbox.lock();
            for (ticket, outcome) in group {
                if inner.gone.remove(&ticket) {
                    continue;
                }
                inner.answers.insert(ticket, outcome);
                if let Some(waker) = inner.waiting.remove(&ticket) {
                    inner.to_wake.push(waker);
                }
            }
            inner.to_wake.pop()
        };
        if let Some(waker) = first {
            waker.wake();
        }
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        if self.to.is_some() {
            deliver([(Reply { to: self.to.take() }, Err(StoreError::Stopped))]);
        }
    }
}

fn wake_all(wakers: Vec<Waker>) {
    for waker in wakers {
        waker.wake();
    }
}

impl Future for Answer {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let ticket = self.ticket;
        let mut inner = self.mailbox.lock();
        let others = std::mem::take(&mut inner.to_wake);
        let polled = match inner.answers.remove(&ticket) {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                match inner.waiting.get_mut(&ticket) {
                    Some(waker) => waker.clone_from(cx.waker()),
                    None => {
                        inner.waiting.insert(ticket, cx.waker().clone());
                    }
                }
                Poll::Pending
            }
        };
        drop(inner);
        wake_all(others);
        if polled.is_ready() {
            self.done = true;
        }
        polled
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let others = {
            let mut inner = self.mailbox.lock();
            inner.waiting.remove(&self.ticket);
            if inner.answers.remove(&self.ticket).is_none() {
                inner.gone.insert(self.ticket);
            }
            std::mem::take(&mut inner.to_wake)
        };
        // Whoever this request was to wake is woken all the same.
        wake_all(others);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn stored(seq: i64) -> Outcome {
        Ok(Stored {
            journal_seq: seq,
            message: None,
        })
    }

    fn poll(answer: &mut Answer, count: &Arc<Count>) -> Poll<Outcome> {
        let waker = Waker::from(count.clone());
        Pin::new(answer).poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn a_batch_wakes_one_request_which_wakes_the_others() {
        let counts: Vec<Arc<Count>> = (0..3)
            .map(|_| Arc::new(Count(AtomicUsize::new(0))))
            .collect();
        let (replies, mut answers): (Vec<_>, Vec<_>) = (0..3).map(|_| channel()).unzip();
        for (answer, count) in answers.iter_mut().zip(&counts) {
            assert!(poll(answer, count).is_pending());
        }
        deliver(replies.into_iter().zip([stored(1), stored(2), stored(3)]));
        let woken = || {
            counts
                .iter()
                .map(|c| c.0.load(Ordering::SeqCst))
                .sum::<usize>()
        };
        assert_eq!(woken(), 1);
        let first = counts
            .iter()
            .position(|c| c.0.load(Ordering::SeqCst) == 1)
            .unwrap();
        let seq = |p: Poll<Outcome>| match p {
            Poll::Ready(Ok(s)) => s.journal_seq,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            seq(poll(&mut answers[first], &counts[first])),
            first as i64 + 1
        );
        assert_eq!(woken(), 3);
        for i in (0..3).filter(|&i| i != first) {
            assert_eq!(seq(poll(&mut answers[i], &counts[i])), i as i64 + 1);
        }
    }

    #[test]
    fn a_request_that_goes_away_still_wakes_the_others_and_leaves_nothing() {
        let counts: Vec<Arc<Count>> = (0..2)
            .map(|_| Arc::new(Count(AtomicUsize::new(0))))
            .collect();
        let (replies, mut answers): (Vec<_>, Vec<_>) = (0..2).map(|_| channel()).unzip();
        for (answer, count) in answers.iter_mut().zip(&counts) {
            assert!(poll(answer, count).is_pending());
        }
        deliver(replies.into_iter().zip([stored(1), stored(2)]));
        let first = counts
            .iter()
            .position(|c| c.0.load(Ordering::SeqCst) == 1)
            .unwrap();
        let other = 1 - first;
        drop(answers.remove(first));
        assert_eq!(counts[other].0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut answers[0], &counts[other]).is_ready());
        // An answer arriving for a request that has gone is dropped.
        let (reply, answer) = channel();
        drop(answer);
        deliver([(reply, stored(3))]);
        let mailbox = MAILBOX.with(Arc::clone);
        let inner = mailbox.lock();
        assert!(inner.answers.is_empty() && inner.waiting.is_empty() && inner.gone.is_empty());
    }

    #[test]
    fn a_reply_dropped_unsent_answers_that_the_store_stopped() {
        let (reply, mut answer) = channel();
        drop(reply);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        assert!(matches!(
            poll(&mut answer, &count),
            Poll::Ready(Err(StoreError::Stopped))
        ));
    }
}
