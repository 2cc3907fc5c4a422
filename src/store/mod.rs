//! The SQLite store: one connection owned by one thread, fed jobs through a channel.
//!
//! Requests never wait on a lock: a handler sends a job (a closure over a [`Tx`]) and awaits its
//! answer. The store thread drains every job that is waiting, runs each inside its own savepoint
//! of one transaction, commits once, and only then answers them all, so a batch costs one commit
//! and nothing is acknowledged before it is durable. With `--db FILE` the database is in WAL mode
//! and survives restarts; the default is in memory.

mod changes;
mod directory;
mod journal;
mod messages;
mod schema;

pub use journal::JournalFilter;
pub use messages::NotificationFilter;

use crate::fixtures::Fixtures;
use rusqlite::Connection;
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Where the database lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbLocation {
    Memory,
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
    #[error("{context}: {source}")]
    Sql {
        context: &'static str,
        source: Arc<rusqlite::Error>,
    },
    #[error("the transaction could not be committed: {0}")]
    Commit(Arc<str>),
    #[error("the store thread has stopped")]
    Stopped,
    #[error("{0}")]
    Invalid(String),
    /// A change that contradicts the stored state (an unknown user, a taken account).
    #[error("{message}")]
    Rejected { field: String, message: String },
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

/// The typed operations of the store, available inside a job. Handlers never see SQL.
pub struct Tx<'c> {
    conn: &'c Connection,
    memo: &'c RefCell<Memo>,
}

/// What the store thread remembers between jobs, so the request path reads less SQL: counts of
/// stored notifications (so `total` stays cheap at hundreds of thousands of messages) and the
/// directory of users and applications. Everything is loaded from SQL on first use; anything that
/// could make it wrong (a rollback, a change, a delete, a reset) forgets it.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    pub(crate) all: Option<i64>,
    pub(crate) per_user: HashMap<i64, i64>,
    pub(crate) directory: Option<Directory>,
}

/// Users and applications, as the entry check and recipient resolution look them up.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    pub(crate) users: HashMap<i64, crate::domain::User>,
    pub(crate) by_account: HashMap<String, i64>,
    pub(crate) apps: HashMap<String, crate::domain::App>,
}

impl Memo {
    pub(crate) fn forget(&mut self) {
        self.all = None;
        self.per_user.clear();
        self.directory = None;
    }
}

type Completion = Box<dyn FnOnce(Result<(), Arc<str>>) + Send>;
/// A job's work: whether its writes are to be kept, and what to do once they are committed.
type Work = Box<dyn FnOnce(&Connection, &RefCell<Memo>) -> (bool, Completion) + Send>;

/// A job, and whether it runs in its own savepoint (see [`Store::run_append`]).
struct Job {
    guarded: bool,
    work: Work,
}

/// What the store thread is asked to do.
enum Command {
    Run(Job),
    /// Swap in a new connection (an in-memory reset), answering when done.
    Replace(
        Box<dyn FnOnce() -> Result<Connection, StoreError> + Send>,
        oneshot::Sender<Result<(), StoreError>>,
    ),
}

/// The most jobs one transaction takes, so one commit never holds a batch for long.
const MAX_BATCH: usize = 512;

/// A handle to the store thread. Cheap to clone; the thread stops when the last handle is dropped.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::Sender<Command>,
    location: DbLocation,
    /// Keeps the checkpoint thread of a database file alive while any handle is.
    _checkpoints: Option<Arc<mpsc::Sender<()>>>,
}

impl Store {
    /// Opens (and migrates) the database and starts its thread.
    pub fn open(location: &DbLocation) -> Result<Store, StoreError> {
        let conn = schema::open(location)?;
        let (jobs, queue) = mpsc::channel::<Command>();
        std::thread::Builder::new()
            .name("xxb-mock-store".into())
            .spawn(move || run_jobs(conn, queue))
            .map_err(|e| StoreError::Invalid(format!("cannot start the store thread: {e}")))?;
        let checkpoints = match location {
            DbLocation::File(path) => Some(Arc::new(start_checkpoints(path.clone())?)),
            DbLocation::Memory => None,
        };
        Ok(Store {
            jobs,
            location: location.clone(),
            _checkpoints: checkpoints,
        })
    }

    /// Runs `work` on the store thread and waits for it to be committed.
    /// An `Err` from `work` rolls back everything it wrote.
    pub async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Tx) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.submit(true, work, reply)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// [`Store::run`] without a savepoint, for the request path: `work` must only write at its end
    /// and undo its own writes when it fails. Saves two statements and the savepoint's page copies
    /// on every request.
    pub async fn run_append<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Tx) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.submit(false, work, reply)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// Back to `fixtures`: the organisation re-seeded, messages and journal emptied, sequences
    /// restarted. In memory this swaps in a fresh database, so it takes the same time however much
    /// was stored; a file is emptied table by table.
    pub async fn reset(&self, fixtures: Arc<Fixtures>) -> Result<(), StoreError> {
        if let DbLocation::File(_) = self.location {
            return self.run(move |tx| tx.reset(&fixtures)).await;
        }
        let (reply, answer) = oneshot::channel();
        let fresh = Box::new(move || {
            let conn = schema::open(&DbLocation::Memory)?;
            Tx {
                conn: &conn,
                memo: &RefCell::default(),
            }
            .seed(&fixtures)?;
            Ok(conn)
        });
        self.jobs
            .send(Command::Replace(fresh, reply))
            .map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    fn submit<T, F>(
        &self,
        guarded: bool,
        work: F,
        reply: oneshot::Sender<Result<T, StoreError>>,
    ) -> Result<(), StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Tx) -> Result<T, StoreError> + Send + 'static,
    {
        let run = Box::new(move |conn: &Connection, memo: &RefCell<Memo>| {
            match work(&Tx { conn, memo }) {
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
        let job = Job { guarded, work: run };
        self.jobs
            .send(Command::Run(job))
            .map_err(|_| StoreError::Stopped)
    }
}

fn run_jobs(mut conn: Connection, queue: mpsc::Receiver<Command>) {
    let memo = RefCell::new(Memo::default());
    let mut pending = None;
    loop {
        let first = match pending.take() {
            Some(command) => command,
            None => match queue.recv() {
                Ok(command) => command,
                Err(_) => return,
            },
        };
        let first = match first {
            Command::Run(job) => job,
            Command::Replace(fresh, reply) => {
                memo.borrow_mut().forget();
                let result = fresh().map(|new| {
                    let old = std::mem::replace(&mut conn, new);
                    // Freeing a large in-memory database takes a while: not on this thread.
                    std::thread::spawn(move || drop(old));
                });
                let _ = reply.send(result);
                continue;
            }
        };
        // Jobs that arrive while the batch runs join it: under load, one commit serves many.
        let mut more = || match queue.try_recv() {
            Ok(Command::Run(job)) => Some(job),
            Ok(replace) => {
                pending = Some(replace);
                None
            }
            Err(_) => None,
        };
        let completions = run_batch(&mut conn, &memo, first, &mut more);
        for (completion, committed) in completions {
            completion(committed);
        }
    }
}

/// How often the write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Starts the thread that checkpoints a database file's WAL, on its own connection, so the writer's
/// commits never wait for one. It stops when the returned sender (held by every `Store`) is dropped.
fn start_checkpoints(path: PathBuf) -> Result<mpsc::Sender<()>, StoreError> {
    let conn = Connection::open(&path).map_err(|source| StoreError::Open {
        path: path.display().to_string(),
        source: Arc::new(source),
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .context("setting the busy timeout")?;
    let (alive, stop) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("xxb-mock-checkpoint".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!("checkpoint failed: {e}");
                }
            }
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        })
        .map_err(|e| StoreError::Invalid(format!("cannot start the checkpoint thread: {e}")))?;
    Ok(alive)
}

/// Runs a batch in one transaction, each job in its own savepoint, and says for each job whether
/// its writes were committed. The savepoint statements are prepared once and cached: on the hot
/// path they cost as much as the jobs' own statements otherwise.
fn run_batch(
    conn: &mut Connection,
    memo: &RefCell<Memo>,
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
        if !job.guarded {
            match catch_unwind(AssertUnwindSafe(|| (job.work)(conn, memo))) {
                Ok((kept, completion)) => {
                    if !kept {
                        memo.borrow_mut().forget();
                    }
                    done.push((completion, Ok(())));
                }
                Err(_) => {
                    // Its writes cannot be told apart: the whole batch is rolled back.
                    tracing::error!("a store job panicked; its batch was rolled back");
                    let _ = step("ROLLBACK");
                    memo.borrow_mut().forget();
                    let reason: Arc<str> = Arc::from("the batch was rolled back: a job failed");
                    return done
                        .into_iter()
                        .map(|(completion, _)| (completion, Err(reason.clone())))
                        .collect();
                }
            }
            if done.len() < MAX_BATCH {
                next = more();
            }
            continue;
        }
        if let Err(reason) = step("SAVEPOINT job") {
            done.push((Box::new(|_| {}) as Completion, Err(reason)));
            continue;
        }
        // A panicking job loses only its own writes; its caller sees the store as stopped for it.
        match catch_unwind(AssertUnwindSafe(|| (job.work)(conn, memo))) {
            Ok((true, completion)) => done.push((completion, step("RELEASE job"))),
            Ok((false, completion)) => {
                let _ = step("ROLLBACK TO job").and_then(|()| step("RELEASE job"));
                memo.borrow_mut().forget();
                done.push((completion, Ok(())));
            }
            Err(_) => {
                let _ = step("ROLLBACK TO job").and_then(|()| step("RELEASE job"));
                memo.borrow_mut().forget();
                tracing::error!("a store job panicked; its writes were rolled back");
            }
        }
        if done.len() < MAX_BATCH {
            next = more();
        }
    }
    let committed = step("COMMIT");
    if committed.is_err() {
        let _ = step("ROLLBACK");
        memo.borrow_mut().forget();
    }
    done.into_iter()
        .map(|(completion, kept)| (completion, kept.and_then(|()| committed.clone())))
        .collect()
}
