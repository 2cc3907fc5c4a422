//! Pending waits for notifications, matched in memory against what is committed.
//!
//! Waits are grouped by filter: a committed notification is compared once with each distinct filter,
//! never by a query per waiter, so a thousand clients waiting for the same thing cost one comparison
//! per send. A group learns its starting count from one query (with the highest `seq` that query
//! saw), then counts the matching notifications committed after it. A delete or a reset makes every
//! group start over.

use crate::domain::Notification;
use crate::store::NotificationFilter;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Why a waiter is woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// As many notifications as it asked for match.
    Satisfied,
    /// Stored notifications were deleted: count again.
    Recount,
}

/// The filter of a wait, as it is compared with a committed notification: the list filter without
/// its page size and order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    user: Option<String>,
    gid: Option<String>,
    kind: Option<crate::domain::MessageKind>,
    app: Option<String>,
    title: Option<String>,
    api: Option<crate::domain::Api>,
    after: Option<i64>,
    /// How far the group's starting count counts matches one by one (the store stops such a count
    /// at a bound, see `TOTAL_BOUND`): a wait for more than the bound counts in a group of its own,
    /// up to its `count`, so that a count stopped short never keeps it waiting.
    counts_up_to: usize,
}

impl Key {
    fn of(filter: &NotificationFilter, count: usize) -> Self {
        Key {
            counts_up_to: count.max(crate::store::TOTAL_BOUND),
            user: filter.user.clone(),
            gid: filter.gid.clone(),
            kind: filter.kind,
            app: filter.app.clone(),
            title: filter.title.clone(),
            api: filter.api,
            after: filter.after,
        }
    }

    /// Whether `n` matches, as the store's query would decide.
    fn matches(&self, n: &Notification) -> bool {
        self.after.is_none_or(|after| n.seq > after)
            && self.kind.is_none_or(|kind| n.kind == kind)
            && self.gid.as_ref().is_none_or(|gid| n.cgid == *gid)
            && self.app.as_ref().is_none_or(|app| n.app == *app)
            && self.api.is_none_or(|api| n.api == api)
            && self
                .user
                .as_ref()
                .is_none_or(|user| match user.parse::<i64>() {
                    Ok(id) => n.recipients.iter().any(|r| r.id == id),
                    Err(_) => n.recipients.iter().any(|r| r.account == *user),
                })
            && self
                .title
                .as_ref()
                .is_none_or(|part| title_text(&n.title).is_some_and(|t| t.contains(part.as_str())))
    }
}

/// The title as SQLite's `json_extract` gives it to `instr`: a string as itself, a number or a
/// boolean as its digits, an object or array as its JSON text, `null` as nothing.
fn title_text(title: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match title {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        other => Some(other.to_string()),
    }
}

/// The waits that share one filter.
#[derive(Default)]
struct Group {
    /// The highest `seq` the starting count saw; `None` until it is known.
    counted_up_to: Option<i64>,
    total: usize,
    /// Matching notifications committed before the starting count was known.
    early: Vec<i64>,
    waiting: HashMap<u64, (usize, oneshot::Sender<Wake>)>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    groups: HashMap<Key, Group>,
}

/// The pending waits of one server.
#[derive(Clone, Default)]
pub struct Waiters {
    registry: Arc<Mutex<Registry>>,
}

/// A wait in progress: dropping it (the client left, the time ran out) removes it.
pub struct Waiting {
    waiters: Waiters,
    key: Key,
    id: u64,
    /// Woken when satisfied or when it has to count again.
    pub woken: oneshot::Receiver<Wake>,
}

/// Where a new wait stands.
pub enum Joined {
    /// Its group does not know its starting count yet: count, then call [`Waiting::counted`].
    Uncounted(Waiting),
    /// The group already counts this many matching notifications.
    Counted(Waiting, usize),
}

impl Waiters {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a wait for `count` notifications matching `filter`.
    pub fn join(&self, filter: &NotificationFilter, count: usize) -> Joined {
        let key = Key::of(filter, count);
        let (wake, woken) = oneshot::channel();
        let mut registry = self.lock();
        registry.next_id += 1;
        let id = registry.next_id;
        let group = registry.groups.entry(key.clone()).or_default();
        group.waiting.insert(id, (count, wake));
        let known = group.counted_up_to.map(|_| group.total);
        drop(registry);
        let waiting = Waiting {
            waiters: self.clone(),
            key,
            id,
            woken,
        };
        match known {
            Some(total) => Joined::Counted(waiting, total),
            None => Joined::Uncounted(waiting),
        }
    }

    /// A notification was committed: every group it matches counts it, and wakes the waits it
    /// satisfies.
    pub fn committed(&self, notification: &Notification) {
        let mut registry = self.lock();
        for (key, group) in registry.groups.iter_mut() {
            if !key.matches(notification) {
                continue;
            }
            match group.counted_up_to {
                None => group.early.push(notification.seq),
                Some(up_to) if notification.seq > up_to => {
                    group.total += 1;
                    wake_satisfied(group);
                }
                Some(_) => {}
            }
        }
    }

    /// Stored notifications were deleted or reset: every wait counts again.
    pub fn recount(&self) {
        let mut registry = self.lock();
        for (_, group) in registry.groups.drain() {
            for (_, (_, wake)) in group.waiting {
                let _ = wake.send(Wake::Recount);
            }
        }
    }

    /// Whether any wait is pending.
    pub fn any(&self) -> bool {
        !self.lock().groups.is_empty()
    }

    /// How many waits are pending.
    pub fn pending(&self) -> usize {
        self.lock().groups.values().map(|g| g.waiting.len()).sum()
    }
}

fn wake_satisfied(group: &mut Group) {
    let total = group.total;
    let satisfied: Vec<u64> = group
        .waiting
        .iter()
        .filter(|(_, (count, _))| total >= *count)
        .map(|(id, _)| *id)
        .collect();
    for id in satisfied {
        if let Some((_, wake)) = group.waiting.remove(&id) {
            let _ = wake.send(Wake::Satisfied);
        }
    }
}

impl Waiting {
    /// The starting count of this wait's group: `total` matching notifications with a `seq` up to
    /// `up_to`. Answers the group's count (which may already know more).
    pub fn counted(&self, total: usize, up_to: i64) -> usize {
        let mut registry = self.waiters.lock();
        let Some(group) = registry.groups.get_mut(&self.key) else {
            // Reset in between: this wait has been told to count again.
            return total;
        };
        if group.counted_up_to.is_none() {
            group.counted_up_to = Some(up_to);
            group.total = total + group.early.drain(..).filter(|seq| *seq > up_to).count();
        }
        let total = group.total;
        wake_satisfied(group);
        total
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut registry = self.waiters.lock();
        if let Some(group) = registry.groups.get_mut(&self.key) {
            group.waiting.remove(&self.id);
            if group.waiting.is_empty() {
                registry.groups.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MessageKind, Recipient};
    use serde_json::json;

    fn notification(seq: i64, to: i64, title: serde_json::Value) -> Notification {
        Notification {
            seq,
            kind: MessageKind::Notification,
            cgid: "notification".into(),
            index: 1,
            title,
            subtitle: json!(""),
            content: String::new(),
            content_type: "text".into(),
            url: json!(""),
            actions: json!([]),
            sender: json!({}),
            recipients: vec![Recipient {
                id: to,
                account: format!("user{to}").into(),
                realname: String::new(),
            }],
            app: "app".into(),
            api: crate::domain::Api::XPhp,
            received_at: String::new(),
            request_seq: seq,
        }
    }

    fn filter(user: Option<&str>, title: Option<&str>) -> NotificationFilter {
        NotificationFilter {
            user: user.map(str::to_string),
            title: title.map(str::to_string),
            limit: 100,
            ..NotificationFilter::default()
        }
    }

    #[test]
    fn matching_follows_the_stores_query() {
        let key = Key::of(&filter(Some("user3"), Some("buil")), 1);
        assert!(key.matches(&notification(1, 3, json!("build"))));
        assert!(!key.matches(&notification(1, 4, json!("build"))));
        assert!(!key.matches(&notification(1, 3, json!("deploy"))));
        assert!(!key.matches(&notification(1, 3, json!(null))));
        let by_id = Key::of(&filter(Some("3"), Some("12")), 1);
        assert!(by_id.matches(&notification(1, 3, json!(123))));
        assert!(by_id.matches(&notification(1, 3, json!({"a": 12}))));
        let direct = Key::of(
            &NotificationFilter {
                api: Some(crate::domain::Api::Xxd),
                ..filter(None, None)
            },
            1,
        );
        assert!(!direct.matches(&notification(1, 3, json!("build"))));
        let sent_directly = Notification {
            api: crate::domain::Api::Xxd,
            ..notification(1, 3, json!("build"))
        };
        assert!(direct.matches(&sent_directly));
    }

    #[test]
    fn a_group_counts_what_its_starting_count_did_not_see() {
        let waiters = Waiters::default();
        let Joined::Uncounted(mut waiting) = waiters.join(&filter(Some("3"), None), 2) else {
            panic!("a new group has no count");
        };
        // Committed while the starting count runs: seq 5 was seen by it, seq 6 was not.
        waiters.committed(&notification(5, 3, json!("a")));
        waiters.committed(&notification(6, 3, json!("b")));
        waiters.committed(&notification(7, 4, json!("c")));
        assert_eq!(waiting.counted(1, 5), 2);
        assert_eq!(waiting.woken.try_recv(), Ok(Wake::Satisfied));
        // A second wait on the same filter joins the counted group.
        let Joined::Counted(second, total) = waiters.join(&filter(Some("3"), None), 3) else {
            panic!("the group is counted");
        };
        assert_eq!(total, 2);
        drop(waiting);
        waiters.committed(&notification(8, 3, json!("d")));
        let mut second = second;
        assert_eq!(second.woken.try_recv(), Ok(Wake::Satisfied));
        drop(second);
        assert_eq!(waiters.pending(), 0);
    }

    #[test]
    fn a_recount_wakes_every_wait_and_a_dropped_wait_leaves_nothing() {
        let waiters = Waiters::default();
        let Joined::Uncounted(mut first) = waiters.join(&filter(None, None), 1) else {
            panic!();
        };
        let _ = waiters.join(&filter(None, Some("x")), 1);
        assert_eq!(waiters.pending(), 1, "the second wait was dropped at once");
        waiters.recount();
        assert_eq!(first.woken.try_recv(), Ok(Wake::Recount));
        drop(first);
        assert_eq!(waiters.pending(), 0);
    }
}
