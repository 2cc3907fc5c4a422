//! The retention limit (`serve --retain`): at most so many journal entries and so many
//! notifications are kept, the oldest trimmed first.
//!
//! The store thread trims after a batch of request writes has been committed and answered, in a
//! transaction of its own, so trimming never touches what a transaction in progress wrote and no
//! send waits for it. Each step removes at most [`TRIM_STEP`] journal entries and as many
//! notifications (a few milliseconds' work, so that a send arriving meanwhile waits little), and
//! only once there are more than the limit plus a small slack, so that under load a step trims
//! what a few batches added rather than one row per batch. Steps follow one another while nothing
//! waits, or when the batches come faster than single steps trim; a database opened with more
//! rows than the limit is brought down to it that way.
//!
//! A step deletes the oldest rows as one range of seqs (`seq <= last`), which each table's own
//! b-tree holds together, and takes them off the tables of counts the way writes add theirs: into
//! the transaction's pending counts as it reads them, written once before it commits (see
//! `counts`), rather than with `GROUP BY`, whose sort costs several times the reading (see
//! `benches/trim-cost.sh`).
//!
//! Trimmed notifications go with their deliveries; the chats keep their message index (the
//! next message continues it, as if nothing had been trimmed), and the journal entries and
//! notifications that remain keep their seqs.

use super::readers::Shared;
use super::{Context, StoreError, Tallies, Tx};
use rusqlite::Connection;
use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

/// The most journal entries, and the most notifications, one trimming step deletes.
pub const TRIM_STEP: u64 = 256;

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
    #[cfg(test)]
    pub(super) fn trim(&self, conn: &Connection, tallies: &RefCell<Tallies>, shared: &Shared) {
        self.trim_step(conn, tallies, shared);
    }

    /// [`Retention::trim`], answering how many rows (journal entries or notifications, whichever
    /// more) the next step would find to trim: 0 within the limit and its slack, or after a
    /// failure.
    pub(super) fn trim_step(
        &self,
        conn: &Connection,
        tallies: &RefCell<Tallies>,
        shared: &Shared,
    ) -> u64 {
        let Retain::Limit(limit) = self.retain else {
            return 0;
        };
        let tx = Tx::writer(conn, tallies);
        // Within the limit (after every batch but the few that pass it) there is nothing to
        // write: no transaction, and no commit through the readers' lock.
        if let Ok(false) = tx.over_limit(limit) {
            return 0;
        }
        let step = || -> Result<(u64, u64), StoreError> {
            let requests = tx.trim_journal(limit)?;
            let notifications = tx.trim_notifications(limit)?;
            tx.flush_counts()?;
            tx.drop_empty_journal_counts("trimming the journal")?;
            tx.drop_empty_message_counts("trimming notifications")?;
            Ok((requests, notifications))
        };
        if let Err(e) = conn.execute_batch("BEGIN") {
            tracing::warn!("cannot trim to the retention limit: {e}");
            return 0;
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
                let left = |stored: Result<i64, StoreError>| over(stored.unwrap_or(0), limit);
                left(tx.stored_requests()).max(left(tx.stored_notifications()))
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                let mut tallies = tallies.borrow_mut();
                tallies.forget();
                tallies.counts.clear();
                tracing::warn!("cannot trim to the retention limit: {e}");
                0
            }
        }
    }
}

/// How far past the limit the rows may go before a step trims them: a hundredth of the limit, at
/// most half a step (none below 100), so that under load a step trims the rows of a few batches
/// at once (each step is a transaction, with a commit's fixed cost) and never many.
fn slack(limit: u64) -> u64 {
    (limit / 100).min(TRIM_STEP / 2)
}

/// How many rows past `limit` there are to trim among `stored`: none within the slack, else all
/// of them.
fn over(stored: i64, limit: u64) -> u64 {
    let stored = u64::try_from(stored).unwrap_or(0);
    if stored <= limit.saturating_add(slack(limit)) {
        0
    } else {
        stored - limit
    }
}

/// How many rows one step deletes out of `stored` under `limit`: none within the slack, else down
/// to the limit, at most [`TRIM_STEP`].
fn excess(stored: i64, limit: u64) -> u64 {
    over(stored, limit).min(TRIM_STEP)
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

    /// The seq of the `n`th oldest row of `table` (`n` >= 1, at most the rows there are): the
    /// rows a step trims are those up to it, one range of the table's own b-tree.
    fn nth_oldest(&self, table: &str, n: u64, context: &'static str) -> Result<i64, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT seq FROM {table} ORDER BY seq LIMIT 1 OFFSET ?1"
            ))
            .context(context)?
            .query_row([n.saturating_sub(1) as i64], |r| r.get(0))
            .context(context)
    }

    /// Deletes the oldest journal entries beyond `limit` (one step of them) with their findings,
    /// and takes them off the counts; answers how many.
    fn trim_journal(&self, limit: u64) -> Result<u64, StoreError> {
        const CONTEXT: &str = "trimming the journal";
        let stored = self.stored_requests()?;
        let doomed = excess(stored, limit);
        if doomed == 0 {
            return Ok(0);
        }
        let last = self.nth_oldest("journal", doomed, CONTEXT)?;
        // The counts lose them with the transaction's other changes (see `counts`), rather than
        // through `GROUP BY`, whose sort cost several times the reading of the rows
        // (`benches/trim-cost.sh`).
        self.each_trimmed(
            "SELECT j.seq, j.outcome, ifnull(j.method, ''), ifnull(j.app, ''), j.api, f.code
             FROM journal j LEFT JOIN journal_findings f ON f.seq = j.seq
             WHERE j.seq <= ?1 ORDER BY j.seq",
            last,
            CONTEXT,
            |columns, codes: &[String]| {
                let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
                self.tallies
                    .borrow_mut()
                    .counts
                    .request_gone(columns, &codes);
            },
        )?;
        // The main table comes last: its count is the answer.
        let deleted = self.execute_each(
            &[
                "DELETE FROM journal_findings WHERE seq <= ?1",
                "DELETE FROM journal WHERE seq <= ?1",
            ],
            [last],
            CONTEXT,
        )?;
        self.tallies.borrow_mut().requests = Some(stored - deleted as i64);
        Ok(deleted as u64)
    }

    /// Reads the rows to trim through `sql` (`?1` is `last`; each row a seq, the four columns its
    /// tables of counts are keyed by, then one joined value or NULL; ordered by seq) and calls
    /// `each` once per seq, with its columns and its joined values.
    fn each_trimmed<T: rusqlite::types::FromSql>(
        &self,
        sql: &str,
        last: i64,
        context: &'static str,
        mut each: impl FnMut([&str; 4], &[T]),
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).context(context)?;
        let mut rows = stmt.query([last]).context(context)?;
        let mut current: Option<(i64, [String; 4], Vec<T>)> = None;
        while let Some(row) = rows.next().context(context)? {
            let seq: i64 = row.get(0).context(context)?;
            if current.as_ref().is_none_or(|(at, _, _)| *at != seq) {
                if let Some((_, columns, joined)) = current.take() {
                    each(columns.each_ref().map(String::as_str), &joined);
                }
                let column = |i| -> Result<String, StoreError> {
                    Ok(row
                        .get_ref(i)
                        .context(context)?
                        .as_str()
                        .unwrap_or_default()
                        .to_string())
                };
                current = Some((
                    seq,
                    [column(1)?, column(2)?, column(3)?, column(4)?],
                    Vec::new(),
                ));
            }
            if let (Some((_, _, joined)), Some(value)) = (
                current.as_mut(),
                row.get::<_, Option<T>>(5).context(context)?,
            ) {
                joined.push(value);
            }
        }
        if let Some((_, columns, joined)) = current {
            each(columns.each_ref().map(String::as_str), &joined);
        }
        Ok(())
    }

    /// Deletes the oldest notifications beyond `limit` (one step of them) with their deliveries
    /// and titles, and takes them off the counts; answers how many. The tallies lose them; the
    /// chats keep their indexes.
    fn trim_notifications(&self, limit: u64) -> Result<u64, StoreError> {
        const CONTEXT: &str = "trimming notifications";
        let stored = self.stored_notifications()?;
        let doomed = excess(stored, limit);
        if doomed == 0 {
            return Ok(0);
        }
        let last = self.nth_oldest("messages", doomed, CONTEXT)?;
        self.each_trimmed(
            "SELECT m.seq, m.kind, m.cgid, m.app, m.api, r.user_id
             FROM messages m LEFT JOIN recipients r ON r.message_seq = m.seq
             WHERE m.seq <= ?1 ORDER BY m.seq",
            last,
            CONTEXT,
            |columns, users: &[i64]| {
                self.tallies
                    .borrow_mut()
                    .counts
                    .message_gone(columns, users);
            },
        )?;
        let deleted = self.execute_each(
            &[
                "DELETE FROM message_titles WHERE rowid <= ?1",
                "DELETE FROM recipients WHERE message_seq <= ?1",
                "DELETE FROM messages WHERE seq <= ?1",
            ],
            [last],
            CONTEXT,
        )?;
        let mut tallies = self.tallies.borrow_mut();
        tallies.all = Some(stored - deleted as i64);
        // The readers' counts cannot follow a delete: they start over.
        tallies.added.forgotten = true;
        Ok(deleted as u64)
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
        // 1,000 allows 10 more; 100,000 allows half a step more (128) before a step, which
        // then takes them all.
        assert_eq!((excess(1_010, 1_000), excess(1_011, 1_000)), (0, 11));
        assert_eq!(excess(100_128, 100_000), 0);
        assert_eq!(excess(100_129, 100_000), 129);
        // Never more than a step at a time, however many are past the limit.
        assert_eq!(excess(1_000_000, 10), TRIM_STEP);
        assert_eq!(over(1_000_000, 10), 999_990);
        assert_eq!((excess(-1, 0), over(-1, 0)), (0, 0));
    }
}
