//! The application core: one service that owns what a running mock is (the store and its
//! directory, the announcer of what was committed, the armed faults, the followed scenario) and offers the operations
//! every front end uses. `/__inspect`, `/__ui`, the Rust [`MockServer`](crate::MockServer) and
//! `serve --scenario` are thin adapters over it; none of them reaches the store on its own.
//!
//! A request to the emulated API goes through three stages, each in one place:
//! 1. **decide** ([`xxb::decide`]): a pure function of the request, the directory and the mode;
//! 2. **commit** ([`Store::commit`]): the journal entry, the message and an application's clock, in
//!    one transaction; if it fails nothing of the request is written and the client gets a 500;
//! 3. **observe**: the committed rows, as they were written, wake waiters, feed the event stream
//!    and advance the followed scenario, without going back to the store.

use crate::announcer::Announcer;
use crate::config::Config;
use crate::domain::{Change, ChatState, JournalEntry, Notification, Outcome, State};
use crate::faults::{Fault, FaultSpec, Faults, Respond};
use crate::fixtures::{self, Fixtures};
use crate::scenario::expect::{Action, Arrived, Expectation};
use crate::scenario::run::fixtures_of;
use crate::startup::StartError;
use crate::store::{JournalFilter, NotificationFilter, RequestWrite, Store, StoreError, Stored};
use crate::waiters::{Joined, Waiters, Wake};
use crate::xxb::decide::{decide, Decision, Reply};
use crate::xxb::request::ApiRequest;
use std::sync::Arc;
use std::time::Duration;

/// How many times a time-mode call is decided again when another call moved its application's
/// clock between its decision and its commit.
const CLOCK_RETRIES: usize = 8;

/// A running mock's state and operations.
pub struct Emulator {
    store: Store,
    /// The fixtures the server started with; `reset` goes back to them.
    fixtures: Arc<Fixtures>,
    config: Config,
    announcer: Announcer,
    faults: Faults,
    waiters: Waiters,
    /// The scenario the server follows, with `serve --scenario`.
    expectation: Option<Expectation>,
}

/// What a change did.
#[derive(Clone, Debug, PartialEq)]
pub enum Applied {
    /// How many users, chats or applications were saved.
    Saved(usize),
    /// The chat as it is after the change.
    Chat(Box<ChatState>),
    /// Whether there was something to remove.
    Removed(bool),
}

/// How a wait ended: with at least the count asked for, or with what matched when time ran out.
#[derive(Clone, Debug, PartialEq)]
pub struct Waited {
    pub satisfied: bool,
    pub total: usize,
    pub items: Vec<Notification>,
}

impl Emulator {
    /// Loads the fixtures (or the scenario's), opens and seeds the store unless it already holds
    /// data, and applies the followed scenario's steps that come before its first call.
    pub async fn open(config: Config) -> Result<Emulator, StartError> {
        let (fixtures, expectation) = match &config.scenario {
            Some(scenario) => {
                let (expectation, actions) = Expectation::new((**scenario).clone());
                (fixtures_of(scenario)?, Some((expectation, actions)))
            }
            None => (Fixtures::load(&config.fixtures)?, None),
        };
        let fixtures = Arc::new(fixtures);
        let store = Store::open(&config.db)?;
        let seed = fixtures.clone();
        store
            .run(move |tx| {
                if tx.is_seeded()? {
                    Ok(())
                } else {
                    tx.seed(&seed)
                }
            })
            .await?;
        let (expectation, first_actions) = match expectation {
            Some((expectation, actions)) => (Some(expectation), actions),
            None => (None, Vec::new()),
        };
        let emulator = Emulator {
            store,
            fixtures,
            config,
            announcer: Announcer::default(),
            faults: Faults::default(),
            waiters: Waiters::default(),
            expectation,
        };
        emulator.carry_out(first_actions).await;
        Ok(emulator)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The fixtures the server started with.
    pub fn fixtures(&self) -> &Fixtures {
        &self.fixtures
    }

    /// Announcements of what was committed (for the event stream).
    pub fn announcer(&self) -> &Announcer {
        &self.announcer
    }

    /// The scenario followed with `serve --scenario`.
    pub fn expectation(&self) -> Option<&Expectation> {
        self.expectation.as_ref()
    }

    /// Answers a request to the emulated API: decided, committed whole, then observed.
    pub async fn handle(&self, request: ApiRequest) -> Reply {
        let fault = self.faults.take(request.param_text("f").as_deref());
        if let Some(Respond::Delay { delay_ms }) = fault {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        for _ in 0..CLOCK_RETRIES {
            let directory = self.store.directory();
            let mode = request.validation.unwrap_or(self.config.validation);
            let Decision { reply, write } = decide(&request, &directory, mode, fault.as_ref());
            let write = Arc::new(write);
            match self.store.commit(write.clone()).await {
                Ok(stored) => {
                    self.observe(&request, &write, stored).await;
                    return reply;
                }
                // Another call moved the application's clock: decide again from the new one.
                Err(StoreError::ClockMoved) => continue,
                Err(e) => return store_failure(&e),
            }
        }
        store_failure(&StoreError::ClockMoved)
    }

    /// Feeds waiters, the event stream and the followed scenario from what was just committed.
    async fn observe(&self, request: &ApiRequest, write: &RequestWrite, stored: Stored) {
        let notification =
            write
                .message
                .as_ref()
                .zip(stored.message)
                .map(|(message, (seq, index))| {
                    message.stored(seq, index, &write.journal.received_at, stored.journal_seq)
                });
        if let Some(notification) = &notification {
            self.waiters.committed(notification);
        }
        if self.announcer.has_listeners() {
            self.announcer
                .request(&write.journal.entry(stored.journal_seq));
            if let Some(notification) = &notification {
                self.announcer.notification(notification);
            }
        }
        if let Some(expectation) = &self.expectation {
            let query: Vec<(String, String)> = request
                .params
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        String::from_utf8_lossy(&k.to_bytes()).into_owned(),
                        String::from_utf8_lossy(v.as_bytes()?).into_owned(),
                    ))
                })
                .collect();
            let body = serde_json::from_slice::<serde_json::Value>(&request.body).ok();
            let method = request.param_text("f");
            let actions = expectation.observe(Arrived {
                method: method.as_deref(),
                query: &query,
                body: body.as_ref(),
                journal_seq: stored.journal_seq,
            });
            self.carry_out(actions).await;
        }
    }

    /// Carries out what a followed scenario's steps program: faults armed, state changed.
    async fn carry_out(&self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Fault(spec) => {
                    self.arm(spec);
                }
                Action::State(changes) => {
                    for change in changes {
                        if let Err(e) = self.apply(change).await {
                            tracing::warn!("the scenario's state step could not be applied: {e}");
                        }
                    }
                }
            }
        }
    }

    /// Back to the fixtures: the organisation re-seeded, notifications, journal and faults emptied.
    pub async fn reset(&self) -> Result<(), StoreError> {
        self.store.reset(self.fixtures.clone()).await?;
        self.faults.clear();
        self.waiters.recount();
        Ok(())
    }

    /// Arms a fault.
    pub fn arm(&self, spec: FaultSpec) -> Fault {
        self.faults.arm(spec)
    }

    /// The armed faults, with their remaining counts.
    pub fn faults(&self) -> Vec<Fault> {
        self.faults.list()
    }

    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// Applies a change to the organisation; the next request decides from the changed one.
    pub async fn apply(&self, change: Change) -> Result<Applied, StoreError> {
        match change {
            Change::Users(users) => {
                let saved = users.len();
                self.store.run(move |tx| tx.upsert_users(&users)).await?;
                Ok(Applied::Saved(saved))
            }
            Change::Groups(chats) => {
                let saved = chats.len();
                self.store
                    .run(move |tx| chats.iter().try_for_each(|chat| tx.upsert_chat(chat)))
                    .await?;
                Ok(Applied::Saved(saved))
            }
            Change::Group { gid, patch } => {
                let chat = self
                    .store
                    .run(move |tx| {
                        if !tx.patch_chat(&gid, &patch)? {
                            return Err(StoreError::UnknownChat(gid));
                        }
                        let chat = tx.state()?.chats.into_iter().find(|c| c.chat.gid == gid);
                        chat.ok_or(StoreError::UnknownChat(gid))
                    })
                    .await?;
                Ok(Applied::Chat(Box::new(chat)))
            }
            Change::Apps(specs) => {
                let saved = specs.len();
                self.store
                    .run(move |tx| {
                        let default_account = fixtures::entry::default_account(&tx.all_users()?);
                        let apps: Vec<_> = specs
                            .into_iter()
                            .map(|spec| spec.bind(default_account.as_deref()))
                            .collect();
                        tx.upsert_apps(&apps)
                    })
                    .await?;
                Ok(Applied::Saved(saved))
            }
            Change::Remove(removal) => {
                let removed = self.store.run(move |tx| tx.remove(&removal)).await?;
                Ok(Applied::Removed(removed))
            }
        }
    }

    /// Users, chats with their memberships, applications.
    pub async fn state(&self) -> Result<State, StoreError> {
        self.store.run(|tx| tx.state()).await
    }

    /// The notifications matching `filter`: how many in all, and the page asked for.
    pub async fn notifications(
        &self,
        filter: NotificationFilter,
    ) -> Result<(usize, Vec<Notification>), StoreError> {
        self.store.run(move |tx| tx.notifications(&filter)).await
    }

    /// Every notification matching `filter`, page after page, oldest first.
    pub async fn all_notifications(
        &self,
        filter: NotificationFilter,
    ) -> Result<Vec<Notification>, StoreError> {
        let first = filter.after;
        every_page(
            first,
            |n: &Notification| n.seq,
            |after| {
                self.notifications(NotificationFilter {
                    after,
                    ..filter.clone()
                })
            },
        )
        .await
    }

    pub async fn notification(&self, seq: i64) -> Result<Option<Notification>, StoreError> {
        self.store.run(move |tx| tx.notification(seq)).await
    }

    /// Deletes every stored notification (the journal stays); answers how many.
    pub async fn delete_notifications(&self) -> Result<usize, StoreError> {
        let deleted = self.store.run(|tx| tx.delete_notifications()).await?;
        self.waiters.recount();
        Ok(deleted)
    }

    /// The journal entries matching `filter`: how many in all, and the page asked for.
    pub async fn requests(
        &self,
        filter: JournalFilter,
    ) -> Result<(usize, Vec<JournalEntry>), StoreError> {
        self.store.run(move |tx| tx.journal(&filter)).await
    }

    /// Every journal entry matching `filter`, page after page, oldest first.
    pub async fn all_requests(
        &self,
        filter: JournalFilter,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let first = filter.after;
        every_page(
            first,
            |e: &JournalEntry| e.seq,
            |after| {
                self.requests(JournalFilter {
                    after,
                    ..filter.clone()
                })
            },
        )
        .await
    }

    /// Waits until at least `count` notifications match `filter`, or until `timeout`. The wait is
    /// matched in memory against each committed notification (see [`Waiters`]), never by polling or
    /// by a query per commit; dropping the future (a client that left) ends it.
    pub async fn wait_for(
        &self,
        filter: NotificationFilter,
        count: usize,
        timeout: Duration,
    ) -> Result<Waited, StoreError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let satisfied = loop {
            let (mut waiting, total) = match self.waiters.join(&filter, count) {
                Joined::Counted(waiting, total) => (waiting, total),
                Joined::Uncounted(waiting) => {
                    let counting = NotificationFilter {
                        limit: 0,
                        ..filter.clone()
                    };
                    let count_now = self.store.run(move |tx| {
                        Ok((tx.notifications(&counting)?.0, tx.last_message_seq()?))
                    });
                    match tokio::time::timeout_at(deadline, count_now).await {
                        Ok(counted) => {
                            let (total, up_to) = counted?;
                            let total = waiting.counted(total, up_to);
                            (waiting, total)
                        }
                        // The time is up before the store could count: nothing is known to match.
                        Err(_) => {
                            return Ok(Waited {
                                satisfied: false,
                                total: 0,
                                items: Vec::new(),
                            })
                        }
                    }
                }
            };
            if total >= count {
                break true;
            }
            match tokio::time::timeout_at(deadline, &mut waiting.woken).await {
                Ok(Ok(Wake::Satisfied)) => break true,
                // Deleted or reset in between: count again.
                Ok(Ok(Wake::Recount)) | Ok(Err(_)) => continue,
                Err(_) => break false,
            }
        };
        let (total, items) = self.notifications(filter).await?;
        Ok(Waited {
            satisfied: satisfied || total >= count,
            total,
            items,
        })
    }

    /// How many waits are pending.
    pub fn pending_waits(&self) -> usize {
        self.waiters.pending()
    }

    /// Why a wait for `count` notifications matching `filter` saw only `matched`: what was stored,
    /// and the rejected requests with their findings, which are usually the reason.
    pub async fn explain_wait(
        &self,
        filter: &NotificationFilter,
        count: usize,
        timeout: Duration,
        matched: usize,
    ) -> String {
        let mut message = format!(
            "waited {} ms for {count} notification(s) matching {filter:?}: {matched} of {count} arrived.",
            timeout.as_millis(),
        );
        let latest = NotificationFilter {
            limit: 10,
            descending: true,
            ..NotificationFilter::default()
        };
        if let Ok((total, stored)) = self.notifications(latest).await {
            message.push_str(&format!("\nstored notifications ({total}):"));
            for n in stored {
                let to: Vec<&str> = n.recipients.iter().map(|r| r.account.as_str()).collect();
                message.push_str(&format!(
                    "\n  #{} {} to {:?} in {}",
                    n.seq, n.title, to, n.cgid
                ));
            }
        }
        let rejected = JournalFilter {
            outcome: Some(Outcome::Rejected),
            limit: 10,
            descending: true,
            ..JournalFilter::default()
        };
        if let Ok((total, entries)) = self.requests(rejected).await {
            message.push_str(&format!("\nrejected requests ({total}):"));
            for entry in entries {
                message.push_str(&format!(
                    "\n  #{} {} {} -> {}",
                    entry.seq, entry.http_method, entry.query, entry.response
                ));
                for f in entry.findings {
                    message.push_str(&format!(
                        "\n      [{:?}] {}: {}",
                        f.severity, f.code, f.message
                    ));
                }
            }
        }
        message
    }
}

/// Every item of a listing, from the cursor `after` on: `page` reads one page after a cursor, `seq`
/// is an item's cursor.
async fn every_page<T, Page>(
    mut after: Option<i64>,
    seq: fn(&T) -> i64,
    mut page: impl FnMut(Option<i64>) -> Page,
) -> Result<Vec<T>, StoreError>
where
    Page: std::future::Future<Output = Result<(usize, Vec<T>), StoreError>>,
{
    let mut all = Vec::new();
    loop {
        let (_, items) = page(after).await?;
        let Some(last) = items.last() else {
            return Ok(all);
        };
        after = Some(seq(last));
        all.extend(items);
    }
}

/// The answer when the store cannot write a request: nothing of it was kept.
fn store_failure(error: &StoreError) -> Reply {
    tracing::error!("the store failed while answering a request: {error}");
    Reply::Http {
        status: 500,
        headers: vec![("Content-Type", "text/plain".to_string())],
        body: format!("xxb-mock: store failure, nothing of this request was kept: {error}")
            .into_bytes(),
    }
}
