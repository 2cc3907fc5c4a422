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

use rusqlite::Connection;
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
}

type Completion = Box<dyn FnOnce(Result<(), Arc<str>>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> (bool, Completion) + Send>;

/// The most jobs one transaction takes, so one commit never holds a batch for long.
const MAX_BATCH: usize = 512;

/// A handle to the store thread. Cheap to clone; the thread stops when the last handle is dropped.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::Sender<Job>,
}

impl Store {
    /// Opens (and migrates) the database and starts its thread.
    pub fn open(location: &DbLocation) -> Result<Store, StoreError> {
        let conn = schema::open(location)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("xxb-mock-store".into())
            .spawn(move || run_jobs(conn, queue))
            .map_err(|e| StoreError::Invalid(format!("cannot start the store thread: {e}")))?;
        Ok(Store { jobs })
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

    fn submit<T, F>(
        &self,
        work: F,
        reply: oneshot::Sender<Result<T, StoreError>>,
    ) -> Result<(), StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Tx) -> Result<T, StoreError> + Send + 'static,
    {
        let job: Job = Box::new(move |conn| match work(&Tx { conn }) {
            Ok(value) => (
                true,
                Box::new(move |committed| {
                    let _ = reply.send(committed.map(|()| value).map_err(StoreError::Commit));
                }),
            ),
            Err(e) => (
                false,
                Box::new(move |_| {
                    let _ = reply.send(Err(e));
                }),
            ),
        });
        self.jobs.send(job).map_err(|_| StoreError::Stopped)
    }
}

fn run_jobs(mut conn: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let completions = run_batch(&mut conn, batch);
        for (completion, committed) in completions {
            completion(committed);
        }
    }
}

/// Runs a batch in one transaction, each job in its own savepoint, and says for each job whether
/// its writes were committed.
fn run_batch(conn: &mut Connection, batch: Vec<Job>) -> Vec<(Completion, Result<(), Arc<str>>)> {
    let mut tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => {
            let reason: Arc<str> = Arc::from(e.to_string());
            return batch
                .into_iter()
                .map(|job| {
                    // The job is never run; its reply channel closes and the caller sees `Stopped`.
                    drop(job);
                    (Box::new(|_| {}) as Completion, Err(reason.clone()))
                })
                .collect();
        }
    };
    let mut done = Vec::with_capacity(batch.len());
    for job in batch {
        let mut savepoint = match tx.savepoint() {
            Ok(sp) => sp,
            Err(e) => {
                drop(job);
                done.push((
                    Box::new(|_| {}) as Completion,
                    Err(Arc::from(e.to_string())),
                ));
                continue;
            }
        };
        // A panicking job loses only its own writes; its caller sees the store as stopped for it.
        match catch_unwind(AssertUnwindSafe(|| job(&savepoint))) {
            Ok((true, completion)) => {
                let kept = savepoint.commit().map_err(|e| Arc::from(e.to_string()));
                done.push((completion, kept));
            }
            Ok((false, completion)) => {
                let _ = savepoint.rollback();
                done.push((completion, Ok(())));
            }
            Err(_) => {
                let _ = savepoint.rollback();
                tracing::error!("a store job panicked; its writes were rolled back");
            }
        }
    }
    let committed: Result<(), Arc<str>> = tx.commit().map_err(|e| Arc::from(e.to_string()));
    done.into_iter()
        .map(|(completion, kept)| {
            let result = kept.and_then(|()| committed.clone());
            (completion, result)
        })
        .collect()
}
