//! The retention limit (`serve --retain`): at most so many journal entries and so many
//! notifications are kept, the oldest trimmed first.
//!
//! The store thread trims after a batch of request writes has been committed and answered, in a
//! transaction of its own, so trimming never touches what a transaction in progress wrote and no
//! send waits for it. Each step removes at most [`TRIM_STEP`] journal entries and as many
//! notifications, and only once there are more than the limit plus a small slack, so that under
//! load the deletes come in chunks rather than one row per batch. A database opened with more
//! rows than the limit is brought down to it step by step as requests arrive.
//!
//! Trimmed notifications go with their deliveries; the chats keep their message index (the
//! next message continues it, as if nothing had been trimmed), and the journal entries and
//! notifications that remain keep their seqs.

use super::readers::Shared;
use super::{Context, StoreError, Tallies, Tx};
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

/// The most journal entries, and the most notifications, one trimming step deletes.
pub const TRIM_STEP: u64 = 1000;

/// How many journal entries and notifications to keep: `--retain N` or `--retain unlimited`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retain {
    /// At most this many of each.
    Limit(u64),
    /// Everything, however much.
    Unlimited,
}

impl Retain {
    /// The default: enough for any test run, small enough for memory.
    pub const DEFAULT: Retain = Retain::Limit(100_000);

    /// The limit as a number, `None` when unlimited.
    pub fn limit(self) -> Option<u64> {
        match self {
            Retain::Limit(n) => Some(n),
            Retain::Unlimited => None,
        }
    }
}

impl Default for Retain {
    fn default() -> Self {
        Retain::DEFAULT
    }
}

impl FromStr for Retain {
    type Err = String;

    /// A whole number (`_` may group its digits: `1_000_000`), or `unlimited`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("unlimited") {
            return Ok(Retain::Unlimited);
        }
        let digits = text.replace('_', "");
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(n) = digits.parse() {
                return Ok(Retain::Limit(n));
            }
        }
        Err(format!(
            "{text:?} is neither a number of journal entries and notifications to keep nor `unlimited`"
        ))
    }
}

impl fmt::Display for Retain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retain::Limit(n) => write!(f, "{n}"),
            Retain::Unlimited => f.write_str("unlimited"),
        }
    }
}

/// The retention limit of a store, and how many journal entries and notifications it has trimmed
/// since the store was opened.
#[derive(Debug)]
pub struct Retention {
    retain: Retain,
    requests: AtomicU64,
    notifications: AtomicU64,
}

impl Retention {
    pub(super) fn new(retain: Retain) -> Self {
        Retention {
            retain,
            requests: AtomicU64::new(0),
            notifications: AtomicU64::new(0),
        }
    }

    pub fn retain(&self) -> Retain {
        self.retain
    }

    /// How many journal entries have been trimmed.
    pub fn trimmed_requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// How many notifications have been trimmed.
    pub fn trimmed_notifications(&self) -> u64 {
        self.notifications.load(Ordering::Relaxed)
    }

    /// One trimming step, in its own transaction (no other may be in progress). A failure rolls
    /// it back and is logged: the next step tries again.
    pub(super) fn trim(&self, conn: &Connection, tallies: &RefCell<Tallies>, shared: &Shared) {
        let Retain::Limit(limit) = self.retain else {
            return;
        };
        let tx = Tx::writer(conn, tallies);
        // Within the limit (after every batch but the few that pass it) there is nothing to
        // write: no transaction, and no commit through the readers' lock.
        if let Ok(false) = tx.over_limit(limit) {
            return;
        }
        let step = || -> Result<(u64, u64), StoreError> {
            let requests = tx.trim_journal(limit)?;
            let notifications = tx.trim_notifications(limit)?;
            Ok((requests, notifications))
        };
        if let Err(e) = conn.execute_batch("BEGIN") {
            tracing::warn!("cannot trim to the retention limit: {e}");
            return;
        }
        match step().and_then(|done| {
            // Through the readers' lock: their counts learn of the trim with its commit.
            shared
                .commit(tallies, || {
                    conn.execute_batch("COMMIT").context("committing the trim")
                })
                .map(|()| done)
        }) {
            Ok((requests, notifications)) => {
                self.requests.fetch_add(requests, Ordering::Relaxed);
                self.notifications
                    .fetch_add(notifications, Ordering::Relaxed);
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                tallies.borrow_mut().forget();
                tracing::warn!("cannot trim to the retention limit: {e}");
            }
        }
    }
}

/// How far past the limit the rows may go before a step trims them: a hundredth of the limit, at
/// most a step (none below 100).
fn slack(limit: u64) -> u64 {
    (limit / 100).min(TRIM_STEP)
}

/// How many rows one step deletes out of `stored` under `limit`: none within the slack, else down
/// to the limit, at most [`TRIM_STEP`].
fn excess(stored: i64, limit: u64) -> u64 {
    let stored = u64::try_from(stored).unwrap_or(0);
    if stored <= limit.saturating_add(slack(limit)) {
        0
    } else {
        (stored - limit).min(TRIM_STEP)
    }
}

impl Tx<'_> {
    /// How many journal entries there are, from the tallies or the counts.
    fn stored_requests(&self) -> Result<i64, StoreError> {
        if let Some(n) = self.tallies.borrow().requests {
            return Ok(n);
        }
        let n: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(sum(n), 0) FROM journal_counts")
            .context("counting the journal")?
            .query_row([], |r| r.get(0))
            .context("counting the journal")?;
        self.tallies.borrow_mut().requests = Some(n);
        Ok(n)
    }

    /// How many notifications there are, from the tallies or the counts.
    fn stored_notifications(&self) -> Result<i64, StoreError> {
        if let Some(n) = self.tallies.borrow().all {
            return Ok(n);
        }
        let n: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(sum(n), 0) FROM message_counts")
            .context("counting notifications")?
            .query_row([], |r| r.get(0))
            .context("counting notifications")?;
        self.tallies.borrow_mut().all = Some(n);
        Ok(n)
    }

    /// Whether the journal or the notifications are past `limit` and its slack.
    fn over_limit(&self, limit: u64) -> Result<bool, StoreError> {
        Ok(excess(self.stored_requests()?, limit) > 0
            || excess(self.stored_notifications()?, limit) > 0)
    }

    /// Deletes the oldest journal entries beyond `limit` (one step of them); answers how many.
    fn trim_journal(&self, limit: u64) -> Result<u64, StoreError> {
        const CONTEXT: &str = "trimming the journal";
        let stored = self.stored_requests()?;
        let doomed = excess(stored, limit);
        if doomed == 0 {
            return Ok(0);
        }
        let last: i64 = self
            .conn
            .prepare_cached("SELECT seq FROM journal ORDER BY seq LIMIT 1 OFFSET ?1")
            .context(CONTEXT)?
            .query_row([doomed as i64 - 1], |r| r.get(0))
            .context(CONTEXT)?;
        let deleted = self.delete_journal_where(
            "SELECT seq FROM journal WHERE seq <= ?",
            &[SqlValue::Integer(last)],
        )?;
        self.tallies.borrow_mut().requests = Some(stored - deleted as i64);
        Ok(deleted as u64)
    }

    /// Deletes the oldest notifications beyond `limit` (one step of them) with their deliveries;
    /// answers how many. The tallies lose them; the chats keep their indexes.
    fn trim_notifications(&self, limit: u64) -> Result<u64, StoreError> {
        const CONTEXT: &str = "trimming notifications";
        let stored = self.stored_notifications()?;
        let doomed = excess(stored, limit);
        if doomed == 0 {
            return Ok(0);
        }
        let seqs: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT seq FROM messages ORDER BY seq LIMIT ?1")
                .context(CONTEXT)?;
            let rows = stmt
                .query_map([doomed as i64], |r| r.get(0))
                .context(CONTEXT)?;
            rows.collect::<Result<_, _>>().context(CONTEXT)?
        };
        for chunk in seqs.chunks(500) {
            let deliveries = self.deliveries_per_user(chunk)?;
            self.delete_messages(chunk)?;
            let mut tallies = self.tallies.borrow_mut();
            for (user, n) in deliveries {
                if let Some(count) = tallies.per_user.get_mut(&user) {
                    *count -= n;
                }
            }
        }
        let mut tallies = self.tallies.borrow_mut();
        tallies.all = Some(stored - seqs.len() as i64);
        // The readers' counts cannot follow a delete: they start over.
        tallies.added.forgotten = true;
        Ok(seqs.len() as u64)
    }

    /// How many deliveries each user has among the messages `seqs` (at most 500).
    fn deliveries_per_user(&self, seqs: &[i64]) -> Result<HashMap<i64, i64>, StoreError> {
        const CONTEXT: &str = "counting deliveries";
        let placeholders = vec!["?"; seqs.len()].join(",");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT user_id, count(*) FROM recipients WHERE message_seq IN ({placeholders})
                 GROUP BY user_id"
            ))
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(seqs), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .context(CONTEXT)?;
        rows.collect::<Result<_, _>>().context(CONTEXT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retain_reads_a_number_or_unlimited() {
        assert_eq!("5".parse(), Ok(Retain::Limit(5)));
        assert_eq!("1_000_000".parse(), Ok(Retain::Limit(1_000_000)));
        assert_eq!("Unlimited".parse(), Ok(Retain::Unlimited));
        for bad in ["", "-1", "1e6", "lots", "_", "18446744073709551616"] {
            assert!(bad.parse::<Retain>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_step_waits_for_the_slack_and_then_trims_down_to_the_limit() {
        // Below 100 there is no slack: every row past the limit goes at once.
        assert_eq!((excess(5, 5), excess(8, 5)), (0, 3));
        // 100,000 allows 1,000 more before a step, which then takes them all.
        assert_eq!(excess(101_000, 100_000), 0);
        assert_eq!(excess(101_001, 100_000), 1_000);
        // Never more than a step at a time.
        assert_eq!(excess(1_000_000, 10), TRIM_STEP);
        assert_eq!(excess(-1, 0), 0);
    }
}
