//! The SQLite store: one writer connection owned by one thread, fed through a channel, and a few
//! read connections of its own for the inspection API ([`readers`]).
//!
//! Nothing waits on a lock for long: a caller sends work and awaits its answer. Two kinds of work
//! arrive at the writer:
//! - a request's writes ([`RequestWrite`], decided elsewhere): the store thread drains every one that
//!   is waiting, applies them in one transaction and commits once, so a batch costs one commit. If
//!   one of them fails, the transaction is rolled back and the others are applied again without it:
//!   a request is written whole or not at all, whatever else shares its batch;
//! - jobs (closures over a [`Tx`]) for the inspection API's changes and the runtime changes, each in
//!   its own savepoint of one transaction.
//!
//! Reads ([`Store::read`]) never go to the writer: they run on read-only connections, in blocking
//! tasks, each on a snapshot of what was committed when it began (so a read issued after a write
//! was acknowledged sees it), and are stopped at their deadline.
//!
//! After each batch of request writes, once its senders are answered, the store thread trims the
//! oldest journal entries and notifications beyond the retention limit ([`Retain`]), at most
//! [`retention::TRIM_STEP`] of each per batch, in a transaction of its own.
//!
//! The write-ahead log stays short: a checkpoint thread copies it back into the database file
//! without holding anyone, and once it is [`WAL_RESTART_AT`] long the writer copies back the last
//! frames itself, between two batches, after the reads in progress have ended (new ones wait a
//! moment), so that its next commit starts it over ([`bound_wal`]). The writer's connection writes
//! each commit's frames with one call ([`wal_writes`]).
//!
//! Nothing is acknowledged before it is committed. After a commit that changed the organisation
//! the store thread publishes a new [`Directory`], before it answers, so whoever was told "done"
//! decides from the new one. Both kinds of database are files in WAL mode, which lets the readers
//! read while the writer writes: with `--db FILE` that file, which survives restarts; by default a
//! private scratch file ([`files`]) that goes when the store does.

mod changes;
mod commit;
mod counts;
mod delivery;
mod directory;
mod files;
#[cfg(test)]
mod filter_tests;
mod journal;
mod messages;
mod readers;
mod retention;
mod schema;
mod totals;
mod wal_writes;

pub use commit::{ClockMove, RequestWrite, Stored};

pub use journal::JournalFilter;
pub use messages::{NotificationFilter, Total, TOTAL_BOUND};
pub use readers::READ_LIMIT;
pub use retention::{Retain, Retention};

use crate::domain::Directory;
use crate::fixtures::Fixtures;
use files::{DbFile, Scratch};
use readers::{Cancel, Shared, Snapshot};
use rusqlite::Connection;
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use tokio::sync::oneshot;

/// Where the database lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbLocation {
    /// The default: for as long as the server runs, in a private scratch file (see `files`) that
    /// goes when it stops. Named for what it is to its users: nothing of it is kept.
    Memory,
    /// `--db FILE`: durable, kept across restarts.
    File(PathBuf),
}

/// A failure of the store.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: String,
        source: Arc<rusqlite::Error>,
    },
    /// A database file that opens but cannot serve: read-only, or in use by another xxb-mock.
    #[error("cannot use the database {path}: {reason}")]
    Unusable { path: String, reason: String },
    #[error("{context}: {source}")]
    Sql {
        context: &'static str,
        source: Arc<rusqlite::Error>,
    },
    #[error("the transaction could not be committed: {0}")]
    Commit(Arc<str>),
    #[error("the store thread has stopped")]
    Stopped,
    /// A read was stopped at its deadline (or when its caller went away) before it finished.
    #[error("the read was stopped before it finished: it took longer than it may")]
    Interrupted,
    #[error("{0}")]
    Invalid(String),
    /// A change that contradicts the stored state (an unknown user, a taken account).
    #[error("{message}")]
    Rejected { field: String, message: String },
    /// A change names a chat that does not exist.
    #[error("there is no chat {0:?}")]
    UnknownChat(String),
    /// A time-mode call was decided against an application clock that has moved since: the
    /// decision is to be made again.
    #[error("the application's time-mode clock moved while the request was decided")]
    ClockMoved,
}

impl StoreError {
    /// Whether a query was stopped before it finished (see [`StoreError::Interrupted`]).
    pub fn is_interrupted(&self) -> bool {
        match self {
            StoreError::Interrupted => true,
            StoreError::Sql { source, .. } => {
                source.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
            }
            _ => false,
        }
    }
}

/// Adds the operation's name to a rusqlite error.
pub(crate) trait Context<T> {
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sql {
            context,
            source: Arc::new(source),
        })
    }
}

/// The typed operations of the store, available inside a job or a read. Handlers never see SQL.
pub struct Tx<'c> {
    conn: &'c Connection,
    tallies: &'c RefCell<Tallies>,
    /// On a read connection: the snapshot, with the counts known for it.
    snapshot: Option<&'c Snapshot<'c>>,
}

impl<'c> Tx<'c> {
    /// The writer's transaction on `conn`.
    fn writer(conn: &'c Connection, tallies: &'c RefCell<Tallies>) -> Tx<'c> {
        Tx {
            conn,
            tallies,
            snapshot: None,
        }
    }
}

/// A table whose rows after a seq are counted from the smaller side (see [`Tx::count_after`]).
pub(crate) struct Sides {
    pub(crate) table: &'static str,
    /// A narrow index beginning with a column that `every_row` holds for every row, then `seq`.
    pub(crate) index: &'static str,
    pub(crate) every_row: &'static str,
    /// The table of counts whose `n` adds up to the table's rows.
    pub(crate) counts: &'static str,
    pub(crate) context: &'static str,
}

impl Tx<'_> {
    /// Runs each of `statements` (each prepared once and cached) with `params`, in order; answers
    /// how many rows the last one changed.
    pub(crate) fn execute_each<S: AsRef<str>>(
        &self,
        statements: &[S],
        params: impl rusqlite::Params + Clone,
        context: &'static str,
    ) -> Result<usize, StoreError> {
        let mut changed = 0;
        for sql in statements {
            changed = self
                .conn
                .prepare_cached(sql.as_ref())
                .context(context)?
                .execute(params.clone())
                .context(context)?;
        }
        Ok(changed)
    }

    /// How many rows of `sides.table` come after `after`: counted on whichever side of it has
    /// fewer rows (the other side is all of them, from the counts, less this one), through the
    /// narrow index rather than the rows themselves.
    pub(crate) fn count_after(&self, sides: &Sides, after: i64) -> Result<i64, StoreError> {
        let Sides {
            table,
            index,
            every_row,
            counts,
            context,
        } = *sides;
        let (first, last): (Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached(&format!(
                "SELECT (SELECT min(seq) FROM {table}), (SELECT max(seq) FROM {table})"
            ))
            .context(context)?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context(context)?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(0);
        };
        let count = |side: &str| -> Result<i64, StoreError> {
            self.conn
                .prepare_cached(&format!(
                    "SELECT count(*) FROM {table} INDEXED BY {index} WHERE {every_row} AND seq {side} ?1"
                ))
                .context(context)?
                .query_row([after], |r| r.get(0))
                .context(context)
        };
        if after.saturating_sub(first) >= last.saturating_sub(after) {
            return count(">");
        }
        let all: i64 = self
            .conn
            .prepare_cached(&format!("SELECT coalesce(sum(n), 0) FROM {counts}"))
            .context(context)?
            .query_row([], |r| r.get(0))
            .context(context)?;
        Ok(all - count("<=")?)
    }
}

/// What the writer's transaction in progress did, beyond its rows: what it added to the stored
/// notifications (told to the readers' counts when it commits, see [`totals`]), and whether it
/// changed the organisation or an application's clock.
#[derive(Debug, Default)]
pub(crate) struct Tallies {
    /// What it added, for the readers' counts.
    pub(crate) added: totals::Added,
    /// How many journal entries there are (the writer's own count, for the retention limit).
    pub(crate) requests: Option<i64>,
    /// How many notifications there are (the same).
    pub(crate) all: Option<i64>,
    pub(crate) per_user: HashMap<i64, i64>,
    /// What the writes add to the tables of counts, written before the transaction commits.
    pub(crate) counts: counts::Pending,
    pub(crate) organisation_changed: bool,
    pub(crate) clocks_moved: bool,
    /// Everything was emptied and seeded again: the seqs start again at 1.
    pub(crate) restarted: bool,
}

impl Tallies {
    /// The transaction deleted notifications (or everything): the counts known so far are
    /// dropped when it commits.
    pub(crate) fn forget(&mut self) {
        self.added.forgotten = true;
        self.requests = None;
        self.all = None;
        self.per_user.clear();
    }
}

/// The directory as last published by the store thread.
type Published = Arc<RwLock<Directory>>;

type Completion = Box<dyn FnOnce(Result<(), Arc<str>>) + Send>;
/// A job's work: whether its writes are to be kept, and what to do once they are committed.
type Job = Box<dyn FnOnce(&Connection, &RefCell<Tallies>) -> (bool, Completion) + Send>;

/// A request's writes, and who waits for them.
struct Commit {
    write: Arc<RequestWrite>,
    reply: delivery::Reply,
}

/// A fresh scratch database, seeded, with the writer's connection to it.
type Fresh = Box<dyn FnOnce() -> Result<(Connection, Arc<DbFile>), StoreError> + Send>;

/// What the store thread is asked to do.
enum Command {
    Run(Job),
    Commit(Commit),
    /// Swap in a fresh scratch database (a reset of the default), answering when done.
    Replace(Fresh, oneshot::Sender<Result<(), StoreError>>),
}

/// Told on the store thread, in the order of the commits, of every request committed and of every
/// reset: what it builds from them is in commit order, whatever order the requests' own tasks run
/// in afterwards (the event stream, see `announcer`).
pub trait CommitListener: Send + Sync {
    /// A transaction committed these requests, in the order of their seqs. Called before any of
    /// them is answered.
    fn committed(&self, batch: &[(Arc<RequestWrite>, Stored)]);
    /// The database was replaced by a fresh one (a reset): the seqs start again at 1.
    fn restarted(&self);
}

/// The listener of the commits, once one is set.
type Listener = Arc<std::sync::OnceLock<Arc<dyn CommitListener>>>;

/// The most jobs one transaction takes, so one commit never holds a batch for long.
const MAX_BATCH: usize = 512;

/// A handle to the store thread. Cheap to clone; the thread stops when the last handle is dropped.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::Sender<Command>,
    directory: Published,
    /// What the writer shares with the read connections.
    shared: Arc<Shared>,
    /// The retention limit and what it trimmed.
    retention: Arc<Retention>,
    /// Who is told of the commits, on the store thread.
    listener: Listener,
    /// Keeps the checkpoint thread alive while any handle is.
    _checkpoints: Arc<mpsc::Sender<()>>,
    /// With a database file: an exclusive advisory lock on it, held while any handle is, so that a
    /// second xxb-mock refuses to start on the same file.
    _owner: Option<Arc<std::fs::File>>,
    /// By default: the private directory of the scratch files, removed when the last handle goes
    /// or when the store is closed.
    scratch: Option<Arc<ScratchDir>>,
}

/// The default's scratch directory, and the read side that must stop opening its files before
/// they are removed (a connection that began a read after the removal would make them again).
struct ScratchDir {
    scratch: Scratch,
    shared: Arc<Shared>,
}

impl ScratchDir {
    fn close(&self) {
        self.shared.close();
        self.scratch.remove();
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        self.close();
    }
}

impl Store {
    /// Opens (and migrates) the database and starts its thread, which keeps at most `retain`
    /// journal entries and notifications.
    pub fn open(location: &DbLocation, retain: Retain) -> Result<Store, StoreError> {
        let (file, scratch) = match location {
            DbLocation::File(path) => (DbFile::durable(path.clone()), None),
            DbLocation::Memory => {
                let scratch = Scratch::new()?;
                (scratch.fresh(), Some(scratch))
            }
        };
        let file = Arc::new(file);
        let conn = schema::open(&file)?;
        let owner = match location {
            DbLocation::File(path) => Some(Arc::new(schema::own(path)?)),
            DbLocation::Memory => None,
        };
        let directory = Published::default();
        *directory.write().unwrap_or_else(|e| e.into_inner()) =
            Tx::writer(&conn, &RefCell::default()).load_directory()?;
        let shared = Arc::new(Shared::new(file));
        let scratch = scratch.map(|scratch| {
            Arc::new(ScratchDir {
                scratch,
                shared: shared.clone(),
            })
        });
        let (jobs, queue) = mpsc::channel::<Command>();
        let publish = directory.clone();
        let writer_shared = shared.clone();
        let retention = Arc::new(Retention::new(retain));
        let trim = retention.clone();
        let listener = Listener::default();
        let listening = listener.clone();
        std::thread::Builder::new()
            .name("xxb-mock-store".into())
            .spawn(move || run_jobs(conn, queue, publish, writer_shared, &trim, &listening))
            .map_err(|e| StoreError::Invalid(format!("cannot start the store thread: {e}")))?;
        let checkpoints = Arc::new(start_checkpoints(shared.clone())?);
        Ok(Store {
            jobs,
            directory,
            shared,
            retention,
            listener,
            _checkpoints: checkpoints,
            _owner: owner,
            scratch,
        })
    }

    /// The organisation as last committed.
    pub fn directory(&self) -> Directory {
        self.directory
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The retention limit, and how many journal entries and notifications it has trimmed.
    pub fn retention(&self) -> &Retention {
        &self.retention
    }

    /// Tells `listener` of every commit and reset from now on, on the store thread. Only the first
    /// listener set is kept.
    pub fn listen(&self, listener: Arc<dyn CommitListener>) {
        let _ = self.listener.set(listener);
    }

    /// Writes a decided request (journal entry, message, application clock) whole, or nothing of it.
    pub async fn commit(&self, write: Arc<RequestWrite>) -> Result<Stored, StoreError> {
        let (reply, answer) = delivery::channel();
        self.jobs
            .send(Command::Commit(Commit { write, reply }))
            .map_err(|_| StoreError::Stopped)?;
        answer.await
    }

    /// Runs `work` on the store thread and waits for it to be committed.
    /// An `Err` from `work` rolls back everything it wrote.
    pub async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Tx) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.submit(work, reply)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// Reads with `work` on a read connection, off the writer, on a snapshot of everything
    /// committed when it begins; stopped ([`StoreError::Interrupted`]) if it is still running
    /// after [`READ_LIMIT`]. `work` writes nothing: the connection is read-only.
    pub async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Tx) -> Result<T, StoreError> + Send + 'static,
    {
        self.read_until(std::time::Instant::now() + READ_LIMIT, work)
            .await
    }

    /// [`Store::read`], stopped at `deadline` (also while it waits for a connection). Dropping the
    /// future (a client that left) stops the read too.
    pub async fn read_until<T, F>(
        &self,
        deadline: std::time::Instant,
        work: F,
    ) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Tx) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self.shared.permit(deadline).await?;
        let cancel = Cancel(Arc::new(AtomicBool::new(false)));
        let cancelled = cancel.0.clone();
        let shared = self.shared.clone();
        let read = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            yield_to_sends();
            shared.run(deadline, &cancelled, work)
        });
        let outcome = read
            .await
            .map_err(|_| StoreError::Invalid("a read failed unexpectedly".into()))?;
        drop(cancel);
        outcome
    }

    /// Back to `fixtures`: the organisation re-seeded, messages and journal emptied, sequences
    /// restarted. By default this swaps in a fresh scratch file, so it takes the same time however
    /// much was stored; a `--db` file is emptied table by table. Either way a read sees the old
    /// state or the new one, never a mix.
    pub async fn reset(&self, fixtures: Arc<Fixtures>) -> Result<(), StoreError> {
        let Some(scratch) = self.scratch.clone() else {
            return self.run(move |tx| tx.reset(&fixtures)).await;
        };
        let (reply, answer) = oneshot::channel();
        let fresh: Fresh = Box::new(move || {
            let file = Arc::new(scratch.scratch.fresh());
            let seeded = schema::open(&file).and_then(|conn| {
                let tallies = RefCell::default();
                let tx = Tx::writer(&conn, &tallies);
                conn.execute_batch("BEGIN").context("seeding")?;
                tx.seed(&fixtures)?;
                conn.execute_batch("COMMIT").context("seeding")?;
                Ok(conn)
            });
            match seeded {
                Ok(conn) => Ok((conn, file)),
                Err(e) => {
                    file.remove();
                    Err(e)
                }
            }
        });
        self.jobs
            .send(Command::Replace(fresh, reply))
            .map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// The server has stopped: reads are refused from now on, and the default's scratch directory is
    /// removed now, even if a handle outlives this (the process may end before it is dropped).
    pub fn close(&self) {
        self.shared.close();
        if let Some(scratch) = &self.scratch {
            scratch.close();
        }
    }

    fn submit<T, F>(
        &self,
        work: F,
        reply: oneshot::Sender<Result<T, StoreError>>,
    ) -> Result<(), StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Tx) -> Result<T, StoreError> + Send + 'static,
    {
        let run = Box::new(move |conn: &Connection, tallies: &RefCell<Tallies>| {
            match work(&Tx::writer(conn, tallies)) {
                Ok(value) => (
                    true,
                    Box::new(move |committed: Result<(), Arc<str>>| {
                        let _ = reply.send(committed.map(|()| value).map_err(StoreError::Commit));
                    }) as Completion,
                ),
                Err(e) => (
                    false,
                    Box::new(move |_| {
                        let _ = reply.send(Err(e));
                    }) as Completion,
                ),
            }
        });
        self.jobs
            .send(Command::Run(run))
            .map_err(|_| StoreError::Stopped)
    }
}

fn run_jobs(
    mut conn: Connection,
    queue: mpsc::Receiver<Command>,
    publish: Published,
    shared: Arc<Shared>,
    retention: &Retention,
    listener: &Listener,
) {
    prepare_writer(&conn);
    let tallies = RefCell::new(Tallies::default());
    let mut pending = None;
    let mut titles_indexed = std::time::Instant::now();
    // Reads are held back until the WAL can start over (see `bound_wal`).
    let mut holding = false;
    loop {
        let first = match pending.take() {
            Some(command) => command,
            // While reads are held, the writer looks again soon even if nothing arrives.
            None if holding => match queue.recv_timeout(WAL_LOOK_AGAIN) {
                Ok(command) => command,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    holding = bound_wal(&conn, &shared);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    shared.resume_reads();
                    return;
                }
            },
            None => match queue.recv() {
                Ok(command) => command,
                Err(_) => return,
            },
        };
        // What arrives while a batch runs joins it, if it is of the same kind: under load, one
        // commit serves many. The first of another kind waits for the next batch.
        match first {
            Command::Replace(fresh, reply) => {
                tallies.borrow_mut().forget();
                let result = fresh().map(|(new, file)| {
                    prepare_writer(&new);
                    let old = std::mem::replace(&mut conn, new);
                    // From here on, reads open the fresh file; the old one is removed at once
                    // (reads still running finish on what they have open).
                    let (old_file, old_readers) = shared.replace(file);
                    old_file.remove();
                    // It is gone: nothing to copy back into it when it closes.
                    let _ = old.set_db_config(
                        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                        true,
                    );
                    // Closing a large database takes a while: not on this thread.
                    std::thread::spawn(move || drop((old, old_readers)));
                    tallies.borrow_mut().organisation_changed = true;
                });
                publish_changes(&conn, &tallies, &publish);
                if result.is_ok() {
                    if let Some(listener) = listener.get() {
                        listener.restarted();
                    }
                }
                let _ = reply.send(result);
            }
            Command::Run(job) => {
                let mut more = || match queue.try_recv() {
                    Ok(Command::Run(job)) => Some(job),
                    Ok(other) => {
                        pending = Some(other);
                        None
                    }
                    Err(_) => None,
                };
                let completions = run_batch(&mut conn, &tallies, &shared, job, &mut more);
                publish_changes(&conn, &tallies, &publish);
                let restarted = std::mem::take(&mut tallies.borrow_mut().restarted);
                if let Some(listener) = listener.get().filter(|_| restarted) {
                    listener.restarted();
                }
                for (completion, committed) in completions {
                    completion(committed);
                }
            }
            Command::Commit(commit) => {
                let mut batch = vec![commit];
                let mut yielded = false;
                loop {
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(Command::Commit(commit)) => batch.push(commit),
                            Ok(other) => {
                                pending = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    // Under load (more than one request waiting), the workers are deciding more:
                    // handing them the processor once lets those join this batch, whose commit
                    // then writes its pages once for them all. (Handing it over again brings
                    // hardly any more.)
                    if yielded || pending.is_some() || batch.len() < 2 || batch.len() >= MAX_BATCH {
                        break;
                    }
                    yielded = true;
                    std::thread::yield_now();
                }
                let answers = commit_batch(&conn, &tallies, &shared, batch, listener.get());
                publish_changes(&conn, &tallies, &publish);
                delivery::deliver(answers);
                let mut behind = retention.trim_step(&conn, &tallies, &shared);
                // Still past the limit: trimmed on, a step at a time, while nothing waits, or
                // at once when the batches add more than single steps trim.
                while behind > 0 {
                    if behind <= 2 * retention::TRIM_STEP {
                        if pending.is_some() {
                            break;
                        }
                        if let Ok(command) = queue.try_recv() {
                            pending = Some(command);
                            break;
                        }
                    }
                    behind = retention.trim_step(&conn, &tallies, &shared);
                }
                if titles_indexed.elapsed() >= INDEX_TITLES_EVERY {
                    index_titles(&conn, &tallies);
                    titles_indexed = std::time::Instant::now();
                }
            }
        }
        holding = bound_wal(&conn, &shared);
    }
}

/// The niceness of the threads that run reads: a long `/__inspect` query yields the processor to
/// the emulated API's requests and the writer (on a machine with few cores, four clients running
/// slow queries would otherwise take it from the sends).
#[cfg(target_os = "linux")]
const READ_NICENESS: libc::c_int = 10;

/// Lowers the priority of the current thread, once, for reads: the threads of the blocking pool
/// that reads run on serve nothing else. (Raising it again would need a privilege, so it stays.)
fn yield_to_sends() {
    #[cfg(target_os = "linux")]
    {
        thread_local! {
            static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        LOWERED.with(|lowered| {
            if !lowered.replace(true) {
                // SAFETY: setpriority(2) on this thread's own id; a failure leaves it as it was.
                unsafe {
                    let tid = libc::gettid() as libc::id_t;
                    libc::setpriority(libc::PRIO_PROCESS, tid, READ_NICENESS);
                }
            }
        });
    }
}

/// How often the titles written meanwhile are added to the trigram index, in one step.
const INDEX_TITLES_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Adds the titles written since the last time to the trigram index, in a transaction of its own
/// (after the batch's senders have their answers). What it moves is read the same either way, so
/// readers need not learn of it; if it fails, the next round tries again.
fn index_titles(conn: &Connection, tallies: &RefCell<Tallies>) {
    let indexed = || -> Result<(), StoreError> {
        conn.execute_batch("BEGIN").context("indexing titles")?;
        Tx::writer(conn, tallies).index_titles()?;
        conn.execute_batch("COMMIT").context("indexing titles")
    };
    if let Err(e) = indexed() {
        let _ = conn.execute_batch("ROLLBACK");
        tracing::warn!("cannot index titles: {e}");
    }
}

/// After a commit: a new directory when the organisation changed, or new application clocks.
fn publish_changes(conn: &Connection, tallies: &RefCell<Tallies>, publish: &Published) {
    let (organisation, clocks) = {
        let mut tallies = tallies.borrow_mut();
        let flags = (tallies.organisation_changed, tallies.clocks_moved);
        tallies.organisation_changed = false;
        tallies.clocks_moved = false;
        flags
    };
    if !organisation && !clocks {
        return;
    }
    let tx = Tx::writer(conn, tallies);
    let fresh = if organisation {
        tx.load_directory()
    } else {
        let current = publish.read().unwrap_or_else(|e| e.into_inner()).clone();
        tx.apps().map(|apps| current.with_apps(apps))
    };
    match fresh {
        Ok(directory) => *publish.write().unwrap_or_else(|e| e.into_inner()) = directory,
        // The old directory stays; the next change tries again.
        Err(e) => {
            tracing::error!("cannot read the organisation back: {e}");
            tallies.borrow_mut().organisation_changed = true;
        }
    }
}

type Answer = (delivery::Reply, Result<Stored, StoreError>);

/// Applies a batch of request writes in one transaction. A write that fails is answered with its
/// error and the transaction rolled back; the others are applied again without it, so no request
/// is ever written in part, and none loses its writes to another's failure.
fn commit_batch(
    conn: &Connection,
    tallies: &RefCell<Tallies>,
    shared: &Shared,
    mut batch: Vec<Commit>,
    listener: Option<&Arc<dyn CommitListener>>,
) -> Vec<Answer> {
    let step = |sql: &str| -> Result<(), StoreError> {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute([]))
            .map(|_| ())
            .map_err(|e| StoreError::Commit(Arc::from(e.to_string())))
    };
    // A rolled-back transaction added nothing and moved no clock.
    let rolled_back = || {
        let mut tallies = tallies.borrow_mut();
        tallies.added = totals::Added::default();
        tallies.counts.clear();
        tallies.clocks_moved = false;
    };
    let mut answers = Vec::with_capacity(batch.len());
    while !batch.is_empty() {
        if let Err(e) = step("BEGIN") {
            answers.extend(batch.drain(..).map(|c| (c.reply, Err(e.clone()))));
            break;
        }
        let tx = Tx::writer(conn, tallies);
        let mut stored = Vec::with_capacity(batch.len());
        let mut failed = None;
        for (i, commit) in batch.iter().enumerate() {
            match catch_unwind(AssertUnwindSafe(|| tx.commit_request(&commit.write))) {
                Ok(Ok(done)) => stored.push(done),
                Ok(Err(e)) => {
                    failed = Some((i, e));
                    break;
                }
                Err(_) => {
                    tracing::error!("writing a request panicked; it was not written");
                    failed = Some((i, StoreError::Invalid("writing the request failed".into())));
                    break;
                }
            }
        }
        if let Some((i, error)) = failed {
            let _ = step("ROLLBACK");
            rolled_back();
            answers.push((batch.remove(i).reply, Err(error)));
            continue;
        }
        let flushed = tx
            .flush_counts()
            .map_err(|e| StoreError::Commit(Arc::from(e.to_string())));
        if let Err(e) = flushed.and_then(|()| shared.commit(tallies, || step("COMMIT"))) {
            let _ = step("ROLLBACK");
            rolled_back();
            answers.extend(batch.drain(..).map(|c| (c.reply, Err(e.clone()))));
            break;
        }
        if let Some(listener) = listener {
            let committed: Vec<_> = batch
                .iter()
                .map(|c| c.write.clone())
                .zip(stored.iter().copied())
                .collect();
            listener.committed(&committed);
        }
        answers.extend(batch.drain(..).zip(stored).map(|(c, s)| (c.reply, Ok(s))));
    }
    answers
}

/// How much of the WAL is written since it last started over, at which the writer makes it start
/// over. Under a steady stream of commits it never would on its own: the writer begins again at
/// the WAL's start only when every frame has been copied back and no read is using any, and the
/// checkpoint thread, copying while the writer writes, never catches up with it. So the writer
/// itself copies back the last frames, between two batches (see [`bound_wal`]), and its next
/// commit starts the WAL over. (The file is then cut back to `journal_size_limit`.)
const WAL_RESTART_AT: i64 = 16 * 1024 * 1024;

/// How much of the WAL is written since it last started over, past which the writer, to make it
/// start over, waits for the reads in progress rather than write on (see [`bound_wal`]). What it
/// writes while it waits for the checkpoint thread stays below 64 MiB.
const WAL_WAIT_AT: i64 = 40 * 1024 * 1024;

/// How soon the writer looks again whether the WAL can start over, while reads are held back and
/// nothing arrives.
const WAL_LOOK_AGAIN: std::time::Duration = std::time::Duration::from_millis(2);

/// How long the checkpoint thread's last checkpoint, which truncates the WAL of a `--db` file when
/// the store closes, waits for the writer and readers.
const CHECKPOINT_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

/// How often the write-ahead log is copied back into the database file. Often, so that when the
/// WAL is to start over the writer has only the last few milliseconds of frames left to copy (every
/// 100 ms, it had up to a tenth of a second's, and the sends' p99 at full speed rose from 14 to 20 ms).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

thread_local! {
    /// How many frames the WAL of the writer's connection holds (this thread's, the writer's),
    /// as of its last commit, or 0 once they have all been copied back.
    static WAL_FRAMES: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
    /// The page size of the writer's database, which each frame holds.
    static WAL_PAGE_SIZE: std::cell::Cell<i64> = const { std::cell::Cell::new(4096) };
}

/// SQLite's word after each of the writer's commits: the WAL holds `frames` frames.
fn wal_committed(_: &rusqlite::hooks::Wal, frames: std::ffi::c_int) -> rusqlite::Result<()> {
    WAL_FRAMES.set(i64::from(frames));
    Ok(())
}

/// Keeps the WAL short, between two batches: once it holds [`WAL_RESTART_AT`], reads that have
/// not begun are held back; once none is in progress, the writer copies the WAL back whole (the
/// checkpoint thread has copied most of it already), so that its next commit starts the WAL over,
/// and lets the reads go. Answers whether reads are still held (the writer then looks again soon).
/// While reads are in progress the writer goes on writing, up to [`WAL_WAIT_AT`].
fn bound_wal(conn: &Connection, shared: &Shared) -> bool {
    let written = || WAL_FRAMES.get() * WAL_PAGE_SIZE.get();
    if written() < WAL_RESTART_AT {
        shared.resume_reads();
        return false;
    }
    if !shared.hold_reads() {
        // Reads that began before the hold are still running. Until the WAL is long, the writer
        // goes on meanwhile; past that, it waits for them (the sends wait with it), so that the
        // WAL stays within bounds however slow the reads are.
        if written() < WAL_WAIT_AT || !shared.wait_for_reads(readers::HOLD_LIMIT) {
            return true;
        }
    }
    // PASSIVE: with no read in progress and no write (this is the writer), it copies every frame,
    // unless the checkpoint thread is copying at the moment; then the next look tries again. Past
    // `WAL_WAIT_AT` the writer waits for that copy to end instead (SQLite answers busy at once,
    // whatever the mode, while another connection checkpoints): at full speed the two could
    // otherwise take turns for a second while the WAL grew past 100 MiB.
    let waiting_since = std::time::Instant::now();
    let copied = loop {
        let copied = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        });
        let busy = match &copied {
            Ok((busy, _, _)) => *busy != 0,
            Err(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy),
        };
        if !busy || written() < WAL_WAIT_AT || waiting_since.elapsed() >= readers::HOLD_LIMIT {
            break copied;
        }
        std::thread::sleep(WRITER_RETRY);
    };
    match copied {
        Ok((0, frames, copied)) if frames == copied => {
            WAL_FRAMES.set(0);
            shared.resume_reads();
            false
        }
        Ok(_) => true,
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => true,
        Err(e) => {
            tracing::warn!("checkpoint failed: {e}");
            shared.resume_reads();
            false
        }
    }
}

/// How long the writer sleeps between two attempts at a lock a checkpoint holds, and how many
/// attempts it makes (about 5 s in all). SQLite's own busy timeout sleeps 1, 2, 5, 10, 20... ms
/// between attempts, which adds up to twice the wait; the writer should go on as soon as the
/// checkpoint lets go.
const WRITER_RETRY: std::time::Duration = std::time::Duration::from_micros(200);
const WRITER_ATTEMPTS: i32 = 25_000;

fn writer_retries(attempt: i32) -> bool {
    if attempt >= WRITER_ATTEMPTS {
        return false;
    }
    std::thread::sleep(WRITER_RETRY);
    true
}

/// Makes the writer's connection wait for a lock a checkpoint holds in short steps, and tell how
/// long its WAL is after each commit.
fn prepare_writer(conn: &Connection) {
    if let Err(e) = conn.busy_handler(Some(writer_retries)) {
        tracing::warn!("cannot set the writer's busy handler: {e}");
    }
    WAL_FRAMES.set(0);
    if let Ok(size) = conn.pragma_query_value(None, "page_size", |r| r.get(0)) {
        WAL_PAGE_SIZE.set(size);
    }
    conn.wal_hook(Some(wal_committed));
}

/// Copies what it can of the WAL back into the database file, holding no one (a passive
/// checkpoint). What it could not copy, the next round does.
fn copy_back(conn: &Connection) {
    match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        Ok(()) => {}
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {}
        Err(e) => tracing::warn!("checkpoint failed: {e}"),
    }
}

/// Starts the thread that checkpoints the current database file's WAL, on its own connection, so
/// the writer's commits never wait for one. It follows a reset to the fresh file, and stops when the
/// returned sender (held by every `Store`) is dropped or the store is closed.
fn start_checkpoints(shared: Arc<Shared>) -> Result<mpsc::Sender<()>, StoreError> {
    let open = |file: &DbFile| -> Result<Connection, StoreError> {
        // Never made: a file a reset has just removed stays removed.
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(file.path(), flags).map_err(|source| StoreError::Open {
                path: file.path().display().to_string(),
                source: Arc::new(source),
            })?;
        conn.busy_timeout(CHECKPOINT_WAIT)
            .context("setting the busy timeout")?;
        // A scratch file is never waited for (see `schema::open`): its checkpoints do not sync it.
        if file.is_scratch() {
            conn.pragma_update(None, "synchronous", "OFF")
                .context("setting synchronous mode")?;
        }
        // A first checkpoint now opens the WAL and its index: one made later, after a scratch
        // file was removed, would make the index again.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        Ok(conn)
    };
    let mut file = shared.current_file();
    let mut conn = open(&file)?;
    let (alive, stop) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("xxb-mock-checkpoint".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
                if shared.is_closed() {
                    return;
                }
                let current = shared.current_file();
                if !Arc::ptr_eq(&current, &file) {
                    match open(&current) {
                        Ok(fresh) => {
                            let _ = conn.set_db_config(
                                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                                true,
                            );
                            (conn, file) = (fresh, current);
                        }
                        Err(e) => {
                            tracing::warn!("checkpoints: {e}");
                            continue;
                        }
                    }
                }
                // Copied without holding anyone (passive); the writer copies the last frames
                // itself when the WAL is to start over (`bound_wal`), and then this thread
                // stays out of its way.
                if !shared.reads_held() {
                    copy_back(&conn);
                }
            }
            if !file.is_scratch() {
                let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            }
        })
        .map_err(|e| StoreError::Invalid(format!("cannot start the checkpoint thread: {e}")))?;
    Ok(alive)
}

/// Runs a batch of jobs in one transaction, each in its own savepoint, and says for each job whether
/// its writes were committed. The savepoint statements are prepared once and cached.
fn run_batch(
    conn: &mut Connection,
    tallies: &RefCell<Tallies>,
    shared: &Shared,
    first: Job,
    more: &mut dyn FnMut() -> Option<Job>,
) -> Vec<(Completion, Result<(), Arc<str>>)> {
    let step = |sql: &str| -> Result<(), Arc<str>> {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute([]))
            .map(|_| ())
            .map_err(|e| Arc::from(e.to_string()))
    };
    if let Err(reason) = step("BEGIN") {
        // The job is never run; its reply channel closes and the caller sees `Stopped`.
        drop(first);
        return vec![(Box::new(|_| {}) as Completion, Err(reason))];
    }
    let mut done = Vec::new();
    let mut next = Some(first);
    while let Some(job) = next.take() {
        if let Err(reason) = step("SAVEPOINT job") {
            done.push((Box::new(|_| {}) as Completion, Err(reason)));
            continue;
        }
        let before = (
            tallies.borrow().organisation_changed,
            tallies.borrow().clocks_moved,
            tallies.borrow().restarted,
        );
        // A failing or panicking job loses only its own writes; a panic's caller sees the store
        // as stopped for it.
        // The job's counts are written within its savepoint, so that they go if it does.
        let outcome =
            catch_unwind(AssertUnwindSafe(|| job(conn, tallies))).map(|(kept, completion)| {
                let flushed = match kept {
                    true => Tx::writer(conn, tallies)
                        .flush_counts()
                        .map_err(|e| Arc::from(e.to_string())),
                    false => Ok(()),
                };
                (kept, completion, flushed)
            });
        match outcome {
            Ok((true, completion, Ok(()))) => done.push((completion, step("RELEASE job"))),
            outcome => {
                let _ = step("ROLLBACK TO job").and_then(|()| step("RELEASE job"));
                let mut tallies = tallies.borrow_mut();
                // What the job added is not told apart from the rest: every count is dropped.
                tallies.forget();
                tallies.counts.clear();
                (
                    tallies.organisation_changed,
                    tallies.clocks_moved,
                    tallies.restarted,
                ) = before;
                drop(tallies);
                match outcome {
                    Ok((_, completion, Err(reason))) => done.push((completion, Err(reason))),
                    Ok((_, completion, Ok(()))) => done.push((completion, Ok(()))),
                    Err(_) => tracing::error!("a store job panicked; its writes were rolled back"),
                }
            }
        }
        if done.len() < MAX_BATCH {
            next = more();
        }
    }
    let committed = shared.commit(tallies, || step("COMMIT"));
    if committed.is_err() {
        let _ = step("ROLLBACK");
        let mut tallies = tallies.borrow_mut();
        tallies.organisation_changed = false;
        tallies.clocks_moved = false;
        tallies.restarted = false;
    }
    done.into_iter()
        .map(|(completion, kept)| (completion, kept.and_then(|()| committed.clone())))
        .collect()
}

#[cfg(all(test, target_os = "linux"))]
mod priority_tests {
    /// A thread that has run a read yields the processor (niceness 10); the thread that asked for it
    /// does not.
    #[test]
    fn reads_run_at_a_lower_priority_than_their_callers() {
        fn niceness() -> libc::c_int {
            // SAFETY: getpriority(2) on this thread's own id.
            unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
        }
        let caller = niceness();
        let reader = std::thread::spawn(|| {
            super::yield_to_sends();
            super::yield_to_sends();
            niceness()
        })
        .join()
        .unwrap();
        assert_eq!(reader, caller.max(super::READ_NICENESS));
        assert_eq!(niceness(), caller);
    }
}
