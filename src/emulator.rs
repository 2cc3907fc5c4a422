//! The application core: one service that owns what a running mock is (the store and its
//! directory, the announcer of what was committed, the armed faults, the followed scenario) and offers the operations
//! every front end uses. `/__inspect`, `/__ui`, the Rust [`MockServer`](crate::MockServer) and
//! `serve --scenario` are thin adapters over it; none of them reaches the store on its own.
//!
//! A request to an emulated API (`/x.php`, or the direct API `/im/...`) goes through three stages,
//! each in one place:
//! 1. **decide** ([`xxb::decide`], or [`xxd::decide`] for the direct API, chosen by the request's
//!    entry point, [`Incoming`]): a pure function of the request, the directory and the mode;
//! 2. **commit** ([`Store::commit`]): the journal entry, the message and an application's clock, in
//!    one transaction; if it fails nothing of the request is written and the client gets a 500.
//!    The store thread hands each committed batch to the event stream before answering it, so the
//!    stream's events are in the order of their seqs;
//! 3. **observe**: the committed rows, as they were written, wake waiters and advance the
//!    followed scenario, without going back to the store.

use crate::announcer::Announcer;
use crate::config::{Config, Emulation};
use crate::domain::{
    Change, ChatState, JournalEntry, Notification, State, Unmatched, UnmatchedRequest,
    WaitExplanation,
};
use crate::faults::{Fault, FaultSpec, Faults, Respond};
use crate::fixtures::{self, Fixtures};
use crate::request_log::RequestLog;
use crate::scenario::expect::{Action, Arrived, Expectation};
use crate::scenario::run::fixtures_of;
use crate::startup::StartError;
use crate::store::{
    DbLocation, JournalFilter, NotificationFilter, RequestWrite, Store, StoreError, Stored, Tx,
};
use crate::waiters::{Joined, Waiters, Wake};
use crate::xxb::decide::{decide, Decision, Reply};
use crate::xxb::request::{ApiRequest, EntryPoint};
use crate::xxd::{self, Operation, XxdRequest};
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
    log: RequestLog,
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

/// What a reset goes back over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResetScope {
    /// Everything: the organisation re-seeded from the fixtures, notifications, journal and faults
    /// emptied, sequences restarted.
    Everything,
    /// One application's traffic, for test suites that share one mock, each with its own
    /// application: its notifications and journal entries deleted, the faults armed for it
    /// cleared, its time-mode clock back to its fixture value (0 for an application added at
    /// runtime). The organisation, other applications' traffic, faults armed for every
    /// application and the sequences stay.
    App(String),
}

/// What a reset forgot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Forgotten {
    Everything,
    /// How many of the application's notifications, journal entries and faults.
    App {
        notifications: usize,
        requests: usize,
        faults: usize,
    },
}

/// Why a server does not start on a database: it was seeded with other fixtures.
#[derive(Debug, thiserror::Error)]
pub struct FixturesDiffer {
    /// The database file.
    pub db: String,
    /// Where the fixtures the server was given come from.
    pub fixtures: String,
    /// The database records no fingerprint of its fixtures (it was seeded before they were kept).
    pub unrecorded: bool,
}

impl std::fmt::Display for FixturesDiffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} holds other fixtures than {}", self.db, self.fixtures)?;
        if self.unrecorded {
            f.write_str(" (it records none: an older xxb-mock seeded it)")?;
        }
        f.write_str(
            "; add --reseed (XXB_MOCK_RESEED=true) to replace them, which empties its notifications \
             and journal, or start with the fixtures it was seeded with",
        )
    }
}

/// How many journal entries a wait's explanation shows.
const EXPLAINED_REQUESTS: usize = 20;

/// How a wait ended: with at least the count asked for, or with what matched when time ran out
/// and why the rest did not arrive.
#[derive(Clone, Debug, PartialEq)]
pub struct Waited {
    pub satisfied: bool,
    pub total: usize,
    /// The first page of what matched.
    pub items: Vec<Notification>,
    /// When the time ran out: why.
    pub explanation: Option<WaitExplanation>,
}

impl Emulator {
    /// Loads the fixtures (or the scenario's), opens the store and seeds it unless it already
    /// holds data, and applies the followed scenario's steps that come before its first call. A
    /// database seeded with other fixtures is refused, or with `reseed` emptied and seeded anew.
    pub async fn open(config: Config) -> Result<Emulator, StartError> {
        let (fixtures, expectation) = match &config.scenario {
            Some(scenario) => {
                let (expectation, actions) = Expectation::new((**scenario).clone());
                (fixtures_of(scenario)?, Some((expectation, actions)))
            }
            None => (Fixtures::load(&config.fixtures)?, None),
        };
        let fixtures = Arc::new(fixtures.stored_as(config.charset));
        let store = Store::open(&config.db, config.retain)?;
        let seed = fixtures.clone();
        let reseed = config.reseed;
        // `Some(recorded fingerprint)` when the database holds other fixtures and stays as it is.
        let differs = store
            .run(move |tx| {
                if !tx.is_seeded()? {
                    return tx.seed(&seed).map(|()| None);
                }
                let recorded = tx.seeded_fingerprint()?;
                if recorded.as_deref() == Some(seed.fingerprint().as_str()) {
                    Ok(None)
                } else if reseed {
                    tx.reset(&seed).map(|()| None)
                } else {
                    Ok(Some(recorded))
                }
            })
            .await?;
        if let Some(recorded) = differs {
            let db = match &config.db {
                DbLocation::File(path) => path.display().to_string(),
                DbLocation::Memory => ":memory:".into(),
            };
            let fixtures = match &config.scenario {
                Some(_) => "the scenario's fixtures".to_string(),
                None => config.fixtures.to_string(),
            };
            return Err(StartError::FixturesDiffer(FixturesDiffer {
                db,
                fixtures,
                unrecorded: recorded.is_none(),
            }));
        }
        let (expectation, first_actions) = match expectation {
            Some((expectation, actions)) => (Some(expectation), actions),
            None => (None, Vec::new()),
        };
        // The event stream is fed by the store thread, in commit order.
        let announcer = Announcer::default();
        store.listen(announcer.listener());
        let emulator = Emulator {
            store,
            fixtures,
            config,
            announcer,
            faults: Faults::default(),
            waiters: Waiters::default(),
            log: RequestLog::default(),
            expectation,
        };
        emulator.carry_out(first_actions).await;
        Ok(emulator)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The retention limit, and what it has trimmed.
    pub fn retention(&self) -> &crate::store::Retention {
        self.store.retention()
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

    /// Answers a request to the emulated server (whatever its path, through either API): decided,
    /// committed whole, then observed.
    pub async fn handle(&self, request: impl Into<Incoming>) -> Reply {
        let request = request.into();
        // Faults are armed for the APIs' calls; a path that runs no script takes none.
        let fault = request
            .fault_target()
            .and_then(|(method, app)| self.faults.take(method.as_deref(), app.as_deref()));
        if let Some(Respond::Delay { delay_ms }) = fault {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        let emulation = Emulation {
            validation: request.validation().unwrap_or(self.config.validation),
            ..self.config.emulation()
        };
        for _ in 0..CLOCK_RETRIES {
            let directory = self.store.directory();
            let Decision { reply, write } = request.decide(&directory, &emulation, fault.as_ref());
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

    /// Feeds waiters and the followed scenario from what was just committed (the event stream was
    /// fed on the store thread, in commit order).
    async fn observe(&self, request: &Incoming, write: &Arc<RequestWrite>, stored: Stored) {
        self.log.record(stored.journal_seq, &write.journal);
        // The notification as stored, only when a waiter looks at it.
        let notification = write
            .message
            .as_ref()
            .zip(stored.message)
            .filter(|_| self.waiters.any())
            .map(|(message, (seq, index))| {
                message.stored(seq, index, &write.journal.received_at, stored.journal_seq)
            });
        if let Some(notification) = &notification {
            self.waiters.committed(notification);
        }
        // A request that ran no script is none of the calls a scenario expects. (What the
        // scenario compares is read from the request only when a scenario is followed.)
        if let Some((expectation, (method, query, body))) = self
            .expectation
            .as_ref()
            .and_then(|expectation| Some((expectation, request.arrival()?)))
        {
            let actions = expectation.observe(Arrived {
                api: write.journal.api,
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

    /// Back to the fixtures, everything or one application's traffic (see [`ResetScope`]). A
    /// scope naming no application is refused, with the nearest code.
    pub async fn reset(&self, scope: ResetScope) -> Result<Forgotten, StoreError> {
        let forgotten = match scope {
            ResetScope::Everything => {
                self.store.reset(self.fixtures.clone()).await?;
                self.faults.clear();
                Forgotten::Everything
            }
            ResetScope::App(code) => {
                let called_time = self
                    .fixtures
                    .apps
                    .iter()
                    .find(|a| a.code == code)
                    .map_or(0, |a| a.called_time);
                let app = code.clone();
                let (notifications, requests) = self
                    .store
                    .run(move |tx| tx.reset_app(&app, called_time))
                    .await?;
                Forgotten::App {
                    notifications,
                    requests,
                    faults: self.faults.clear_app(&code),
                }
            }
        };
        self.waiters.recount();
        Ok(forgotten)
    }

    /// Refuses an application code the store does not hold, naming the nearest one.
    pub async fn require_app(&self, code: &str) -> Result<(), StoreError> {
        let code = code.to_string();
        self.store.read(move |tx| tx.require_app(&code)).await?;
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
        match change.stored_as(self.config.charset) {
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
                            .map(|spec| spec.bind(default_account.as_ref()))
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
        self.store.read(|tx| tx.state()).await
    }

    /// The notifications matching `filter`: how many in all, and the page asked for.
    pub async fn notifications(
        &self,
        filter: NotificationFilter,
    ) -> Result<(usize, Vec<Notification>), StoreError> {
        self.store.read(move |tx| tx.notifications(&filter)).await
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
        self.store.read(move |tx| tx.notification(seq)).await
    }

    /// Deletes the notifications `filter` matches (every page of them; the journal stays);
    /// answers how many.
    pub async fn delete_notifications(
        &self,
        filter: NotificationFilter,
    ) -> Result<usize, StoreError> {
        let deleted = self
            .store
            .run(move |tx| tx.delete_notifications(&filter))
            .await?;
        self.waiters.recount();
        Ok(deleted)
    }

    /// Deletes the journal entries `filter` matches (every page of them; the notifications they
    /// stored stay); answers how many.
    pub async fn delete_requests(&self, filter: JournalFilter) -> Result<usize, StoreError> {
        self.store.run(move |tx| tx.delete_journal(&filter)).await
    }

    /// The journal entries matching `filter`: how many in all, and the page asked for.
    pub async fn requests(
        &self,
        filter: JournalFilter,
    ) -> Result<(usize, Vec<JournalEntry>), StoreError> {
        self.store.read(move |tx| tx.journal(&filter)).await
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
    /// by a query per commit; dropping the future (a client that left) ends it, and stops its read.
    ///
    /// The time is kept even when the filter is slow to count: the first count is stopped when the
    /// time is up, and the wait then answers at once with what it knows. Otherwise, once the time
    /// is up, what matched and why the rest did not arrive are read within [`ANSWER_GRACE`].
    pub async fn wait_for(
        &self,
        filter: NotificationFilter,
        count: usize,
        timeout: Duration,
    ) -> Result<Waited, StoreError> {
        let deadline = std::time::Instant::now() + timeout;
        // How many matched when the wait last looked; `None` when the store could not count in time.
        let mut known = None;
        let satisfied = loop {
            let (mut waiting, total) = match self.waiters.join(&filter, count) {
                Joined::Counted(waiting, total) => (waiting, total),
                Joined::Uncounted(waiting) => {
                    let counting = NotificationFilter {
                        limit: 0,
                        ..filter.clone()
                    };
                    let counted = self
                        .store
                        .read_until(deadline, move |tx| {
                            Ok((tx.notifications(&counting)?.0, tx.last_message_seq()?))
                        })
                        .await;
                    match counted {
                        Ok((total, up_to)) => {
                            let total = waiting.counted(total, up_to);
                            (waiting, total)
                        }
                        Err(StoreError::Interrupted) => break false,
                        Err(e) => return Err(e),
                    }
                }
            };
            known = Some(total);
            if total >= count {
                break true;
            }
            match tokio::time::timeout_at(deadline.into(), &mut waiting.woken).await {
                Ok(Ok(Wake::Satisfied)) => break true,
                // Deleted or reset in between: count again.
                Ok(Ok(Wake::Recount)) | Ok(Err(_)) => continue,
                Err(_) => break false,
            }
        };
        if satisfied {
            let (total, items) = self.notifications(filter).await?;
            return Ok(Waited {
                satisfied: true,
                total,
                items,
                explanation: None,
            });
        }
        let Some(known) = known else {
            // The filter could not even be counted in time: reading more would take as long.
            return Ok(Waited {
                satisfied: false,
                total: 0,
                items: Vec::new(),
                explanation: Some(unread(&filter, count, timeout, 0)),
            });
        };
        let reading = filter.clone();
        let answer = self
            .store
            .read_until(std::time::Instant::now() + ANSWER_GRACE, move |tx| {
                let (total, items) = tx.notifications(&reading)?;
                // Enough arrived as the time ran out.
                if total >= count {
                    return Ok((total, items, None));
                }
                let explanation = match explain(tx, &reading, count, timeout) {
                    Ok(explanation) => explanation,
                    Err(e) if e.is_interrupted() => unread(&reading, count, timeout, total),
                    Err(e) => return Err(e),
                };
                Ok((total, items, Some(explanation)))
            })
            .await;
        let (total, items, explanation) = match answer {
            Ok(answer) => answer,
            Err(StoreError::Interrupted) => (
                known,
                Vec::new(),
                Some(unread(&filter, count, timeout, known)),
            ),
            Err(e) => return Err(e),
        };
        Ok(Waited {
            satisfied: explanation.is_none(),
            total,
            items,
            explanation,
        })
    }

    /// The server has stopped: the store refuses reads and removes the default's scratch files now.
    pub fn close(&self) {
        self.store.close();
    }

    /// How many waits are pending.
    pub fn pending_waits(&self) -> usize {
        self.waiters.pending()
    }

    /// Why a wait for `count` notifications matching `filter` that took `waited` came up short
    /// (see [`WaitExplanation`]), read now.
    pub async fn explain_wait(
        &self,
        filter: &NotificationFilter,
        count: usize,
        waited: Duration,
    ) -> Result<WaitExplanation, StoreError> {
        let filter = filter.clone();
        self.store
            .read(move |tx| explain(tx, &filter, count, waited))
            .await
    }
}

/// How long, once a wait's time is up, reading what matched and why the rest did not arrive may
/// take: past it the wait answers with what it knows, and says so.
pub const ANSWER_GRACE: Duration = Duration::from_secs(1);

/// Why a wait for `count` notifications matching `filter` that took `waited` came up short: how
/// many matched, and the requests since the one that stored the latest match (since the journal
/// began when none did) — the filter's application's only, when it names one — each with its
/// findings and the notification it stored instead, if any. None of them stored a matching
/// notification, or it would be the latest match. Read on one snapshot.
fn explain(
    tx: &Tx,
    filter: &NotificationFilter,
    count: usize,
    waited: Duration,
) -> Result<WaitExplanation, StoreError> {
    let latest = NotificationFilter {
        limit: 1,
        descending: true,
        ..filter.clone()
    };
    let (matched, last_match) = tx.notifications(&latest)?;
    let since = JournalFilter {
        app: filter.app.clone(),
        after: last_match.first().map(|n| n.request_seq),
        limit: EXPLAINED_REQUESTS,
        descending: true,
        ..JournalFilter::default()
    };
    let (total, mut entries) = tx.journal(&since)?;
    entries.reverse();
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let mut stored = tx.notifications_stored_by(&seqs)?;
    let items = entries
        .into_iter()
        .map(|entry| {
            let notification = stored.remove(&entry.seq);
            UnmatchedRequest::new(entry, notification)
        })
        .collect();
    Ok(WaitExplanation {
        count,
        waited_ms: millis(waited),
        filter: filter.parameters(),
        matched,
        unmatched: Unmatched { total, items },
        incomplete: None,
    })
}

/// The explanation of a wait whose filter the store could not read in time: `matched` as far as
/// it was counted, and no requests.
fn unread(
    filter: &NotificationFilter,
    count: usize,
    waited: Duration,
    matched: usize,
) -> WaitExplanation {
    WaitExplanation {
        count,
        waited_ms: millis(waited),
        filter: filter.parameters(),
        matched,
        unmatched: Unmatched {
            total: 0,
            items: Vec::new(),
        },
        incomplete: Some(
            "the store could not read the matching notifications in time (the filter reads many \
             rows): `matched` is what was counted before the time ran out, and the requests that \
             stored no match were not read"
                .into(),
        ),
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A request to one of the emulated APIs, by the entry point it arrived at: each is decided by its
/// own API's pure decision, into the same [`Decision`].
pub enum Incoming {
    /// `/x.php` (and the retired `/api.php`).
    XPhp(ApiRequest),
    /// The chat daemon's direct API, `/im/...`.
    Xxd(XxdRequest),
}

impl From<ApiRequest> for Incoming {
    fn from(request: ApiRequest) -> Self {
        Incoming::XPhp(request)
    }
}

impl From<XxdRequest> for Incoming {
    fn from(request: XxdRequest) -> Self {
        Incoming::Xxd(request)
    }
}

impl Incoming {
    /// The method and the application faults are armed for; `None` for a path that runs no
    /// script. A fault names `/x.php`'s method, and applies to the direct API's operation that does
    /// the same (`getGroupChats` to `/im/getChatGroups`).
    fn fault_target(&self) -> Option<(Option<String>, Option<String>)> {
        match self {
            Incoming::XPhp(request) if request.entry_point == EntryPoint::Unrouted => None,
            Incoming::XPhp(request) => Some((request.method_name(), request.param_text("code"))),
            Incoming::Xxd(request) => Some((
                Some(
                    Operation::named(&request.segment)
                        .map_or(request.segment.clone(), |op| op.x_php_method().to_string()),
                ),
                request.query.text("code"),
            )),
        }
    }

    /// The validation mode the request asked for (`X-Xxb-Mock-Validation`), if any.
    fn validation(&self) -> Option<crate::config::ValidationMode> {
        match self {
            Incoming::XPhp(request) => request.validation,
            Incoming::Xxd(request) => request.validation,
        }
    }

    fn decide(
        &self,
        directory: &crate::domain::Directory,
        emulation: &Emulation,
        fault: Option<&Respond>,
    ) -> Decision {
        match self {
            Incoming::XPhp(request) => decide(request, directory, emulation, fault),
            Incoming::Xxd(request) => xxd::decide::decide(request, directory, emulation, fault),
        }
    }

    /// What a followed scenario compares with its next call: the method (or operation), the query
    /// and the body; `None` for a path that runs no script.
    #[allow(clippy::type_complexity)]
    fn arrival(
        &self,
    ) -> Option<(
        Option<String>,
        Vec<(String, String)>,
        Option<serde_json::Value>,
    )> {
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        match self {
            Incoming::XPhp(request) if request.entry_point == EntryPoint::Unrouted => None,
            Incoming::XPhp(request) => {
                let query = request
                    .params
                    .iter()
                    .filter_map(|(k, v)| Some((text(&k.to_bytes()), text(v.as_bytes()?))))
                    .collect();
                let body = serde_json::from_slice(&request.arrival.body).ok();
                Some((request.method_name(), query, body))
            }
            Incoming::Xxd(request) => {
                let query = request
                    .query
                    .pairs()
                    .iter()
                    .map(|(k, v)| (text(k), text(v)))
                    .collect();
                let body = serde_json::from_slice(&request.arrival.body).ok();
                Some((Some(request.segment.clone()), query, body))
            }
        }
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
        headers: vec![(
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::HeaderValue::from_static("text/plain"),
        )],
        body: format!("xxb-mock: store failure, nothing of this request was kept: {error}")
            .into_bytes(),
    }
}
