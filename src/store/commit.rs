//! A decided request's writes, applied as one unit: the journal entry, the message with its
//! deliveries when a send was accepted, and an application's time-mode clock when it moved.

use super::{Context, StoreError, Tx};
use crate::domain::{AppCode, JournalRecord, NewMessage};
use rusqlite::params;

/// Everything one request writes. Decided before it reaches the store; the store only writes it.
#[derive(Clone, Debug)]
pub struct RequestWrite {
    pub journal: JournalRecord,
    pub message: Option<NewMessage>,
    pub clock: Option<ClockMove>,
}

/// A time-mode call accepted: the application's last accepted timestamp goes from `from` (what the
/// decision saw) to `to`, provided nobody moved it in between. (`to` may be smaller: upstream
/// compares a non-numeric timestamp as a string and stores its numeric prefix.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockMove {
    pub app: AppCode,
    pub from: i64,
    pub to: i64,
}

/// Where a request's writes landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stored {
    pub journal_seq: i64,
    /// The message's `seq` and its index in its chat, for an accepted send.
    pub message: Option<(i64, i64)>,
}

impl Tx<'_> {
    /// Writes `write` in the transaction in progress. An error leaves partial writes behind: the
    /// caller rolls the transaction back (see `commit_batch`).
    pub(super) fn commit_request(&self, write: &RequestWrite) -> Result<Stored, StoreError> {
        if let Some(clock) = &write.clock {
            let moved = self
                .conn
                .prepare_cached(
                    "UPDATE apps SET called_time = ?3 WHERE code = ?1 AND called_time = ?2",
                )
                .context("moving an application's clock")?
                .execute(params![clock.app, clock.from, clock.to])
                .context("moving an application's clock")?;
            if moved == 0 {
                return Err(StoreError::ClockMoved);
            }
            self.tallies.borrow_mut().clocks_moved = true;
        }
        let journal_seq = self.insert_journal(&write.journal)?;
        let message = match &write.message {
            Some(message) => {
                Some(self.insert_message(message, journal_seq, &write.journal.received_at)?)
            }
            None => None,
        };
        Ok(Stored {
            journal_seq,
            message,
        })
    }
}
