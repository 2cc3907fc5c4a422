//! How many notifications are stored, in all and per recipient, known without counting them, so
//! that `total` stays cheap at a million messages.
//!
//! Counting is done by readers, on their own snapshots; the writer only says what each commit
//! added. A count made on a snapshot is kept as a *base*: the count minus what had been added by
//! that snapshot. Any later snapshot's total is then the base plus what had been added by it. A
//! delete or a reset cannot be followed that way: its commit starts a new *epoch*, which drops
//! every base and every addition, and a count made on a snapshot of an older epoch is not kept.
//!
//! Everything here is changed under the lock that also orders the writer's commits with the
//! readers' snapshots (see `readers`), so a snapshot and the figures it is given always agree.

use std::collections::HashMap;

/// What a writer's transaction did to the stored notifications, told to the readers with its
/// commit. Dropped when it rolls back.
#[derive(Debug, Default)]
pub(crate) struct Added {
    /// Messages inserted.
    pub(crate) messages: i64,
    /// The recipient of each delivery inserted (one per message and user).
    pub(crate) deliveries: Vec<i64>,
    /// A delete or a reset: the counts known so far no longer hold.
    pub(crate) forgotten: bool,
}

/// Where a snapshot stands: what had been committed when it began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    epoch: u64,
    commit: u64,
    messages: i64,
}

/// What the readers know about the counts, as of the latest commit.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    epoch: u64,
    /// Commits published, of any kind.
    commit: u64,
    /// Messages added in this epoch.
    messages: i64,
    /// Per recipient: deliveries added in this epoch, and the commit of the latest one.
    delivered: HashMap<i64, (i64, u64)>,
    /// Every message counted on a snapshot, less the messages added by it.
    all_base: Option<i64>,
    /// The same per recipient.
    user_base: HashMap<i64, i64>,
}

impl Totals {
    /// A commit happened; `added` is what it did (and is emptied).
    pub(crate) fn committed(&mut self, added: &mut Added) {
        self.commit += 1;
        if added.forgotten {
            self.forget();
        } else {
            self.messages += added.messages;
            for &user in &added.deliveries {
                let entry = self.delivered.entry(user).or_default();
                entry.0 += 1;
                entry.1 = self.commit;
            }
        }
        *added = Added::default();
    }

    /// Everything known is dropped (a reset swapped the database, or a commit deleted).
    pub(crate) fn forget(&mut self) {
        self.epoch += 1;
        self.messages = 0;
        self.delivered.clear();
        self.all_base = None;
        self.user_base.clear();
    }

    /// Where a snapshot beginning now stands.
    pub(crate) fn seen(&self) -> Seen {
        Seen {
            epoch: self.epoch,
            commit: self.commit,
            messages: self.messages,
        }
    }

    /// How many notifications the snapshot `seen` holds, in all or for one recipient, if known.
    pub(crate) fn total(&self, seen: Seen, user: Option<i64>) -> Option<i64> {
        if seen.epoch != self.epoch {
            return None;
        }
        match user {
            None => self.all_base.map(|base| base + seen.messages),
            Some(user) => {
                let base = *self.user_base.get(&user)?;
                Some(base + self.delivered_by(seen, user)?)
            }
        }
    }

    /// Keeps what a count on the snapshot `seen` found, when it can tell later snapshots anything.
    pub(crate) fn remember(&mut self, seen: Seen, user: Option<i64>, counted: i64) {
        if seen.epoch != self.epoch {
            return;
        }
        match user {
            None => self.all_base = Some(counted - seen.messages),
            Some(user) => {
                if let Some(delivered) = self.delivered_by(seen, user) {
                    self.user_base.insert(user, counted - delivered);
                }
            }
        }
    }

    /// The deliveries to `user` added by the snapshot `seen`, when known: when none was added
    /// since (only the latest figure is kept).
    fn delivered_by(&self, seen: Seen, user: i64) -> Option<i64> {
        match self.delivered.get(&user) {
            None => Some(0),
            Some(&(count, latest)) if latest <= seen.commit => Some(count),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(totals: &mut Totals, to: &[i64]) {
        totals.committed(&mut Added {
            messages: 1,
            deliveries: to.to_vec(),
            forgotten: false,
        });
    }

    #[test]
    fn a_count_on_an_old_snapshot_tells_every_later_one() {
        let mut totals = Totals::default();
        sent(&mut totals, &[1, 2]);
        let old = totals.seen();
        assert_eq!(totals.total(old, None), None, "nothing counted yet");
        sent(&mut totals, &[2]);
        sent(&mut totals, &[3]);
        // The old snapshot held one message (its count, made while others were committed).
        totals.remember(old, None, 1);
        assert_eq!(totals.total(old, None), Some(1));
        assert_eq!(totals.total(totals.seen(), None), Some(3));
        sent(&mut totals, &[1]);
        assert_eq!(totals.total(totals.seen(), None), Some(4));
    }

    #[test]
    fn a_recipients_count_is_kept_only_when_nothing_reached_them_since() {
        let mut totals = Totals::default();
        sent(&mut totals, &[1, 2]);
        let old = totals.seen();
        sent(&mut totals, &[2]);
        totals.remember(old, Some(1), 1);
        totals.remember(old, Some(2), 1);
        let now = totals.seen();
        assert_eq!(totals.total(now, Some(1)), Some(1));
        assert_eq!(
            totals.total(now, Some(2)),
            None,
            "user 2 got one after the count"
        );
        totals.remember(now, Some(2), 2);
        sent(&mut totals, &[2, 3]);
        assert_eq!(totals.total(totals.seen(), Some(2)), Some(3));
        assert_eq!(
            totals.total(now, Some(2)),
            None,
            "not known for that snapshot"
        );
        assert_eq!(totals.total(totals.seen(), Some(3)), None, "never counted");
    }

    #[test]
    fn a_delete_drops_everything_and_refuses_counts_from_before_it() {
        let mut totals = Totals::default();
        sent(&mut totals, &[1]);
        let before = totals.seen();
        totals.remember(before, None, 1);
        totals.remember(before, Some(1), 1);
        totals.committed(&mut Added {
            forgotten: true,
            ..Added::default()
        });
        let after = totals.seen();
        assert_eq!(totals.total(after, None), None);
        assert_eq!(totals.total(after, Some(1)), None);
        totals.remember(before, None, 1);
        assert_eq!(
            totals.total(after, None),
            None,
            "a count from before the delete"
        );
        totals.remember(after, None, 0);
        sent(&mut totals, &[1]);
        assert_eq!(totals.total(totals.seen(), None), Some(1));
    }
}
