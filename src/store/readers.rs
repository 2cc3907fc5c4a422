//! The read side of the store: a few read-only connections of their own, used from blocking tasks,
//! so that no query of the inspection API ever waits for the writer or makes a send wait for it.
//!
//! WAL lets these connections read while the writer writes: each read sees the database as it was
//! committed when the read began (its *snapshot*), whole, and everything acknowledged before it
//! began. The writer commits, and a reader begins its snapshot, under one lock ([`Shared`]) that
//! is held for nothing else, so each snapshot is given the counts ([`Totals`]) that hold for it.
//! The same lock says which file is current: a reset of the default swaps in a fresh file, and a
//! read that begins afterwards reads the fresh one, never one half reset.
//!
//! Every read has a deadline (its wait's, or [`READ_LIMIT`]); a query still running at its
//! deadline, or whose caller has gone, is stopped by SQLite's progress handler, so a read never
//! holds a connection for long.

use super::files::DbFile;
use super::totals::{Added, Seen, Totals};
use super::{StoreError, Tallies, Tx};
use rusqlite::{Connection, OpenFlags};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How many reads run at once; more wait for a connection (up to their deadline).
const READERS: usize = 4;

/// How long a read may run when nobody said: past it, the read is stopped.
pub const READ_LIMIT: Duration = Duration::from_secs(30);

/// Each read connection's page cache (the pages are in the system's cache as well).
const READER_CACHE_KIB: i64 = 16 * 1024;

/// How many SQLite virtual-machine steps pass between looks at a read's deadline.
const STEPS_BETWEEN_LOOKS: i32 = 1000;

/// What the writer and the readers share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// One permit per connection a read may use.
    permits: Arc<Semaphore>,
}

struct State {
    /// The file reads open.
    file: Arc<DbFile>,
    totals: Totals,
    /// Connections to `file` between reads.
    idle: Vec<ReadConn>,
}

/// A read-only connection, and the file it reads.
pub(crate) struct ReadConn {
    conn: Connection,
    file: Arc<DbFile>,
}

impl Shared {
    pub(crate) fn new(file: Arc<DbFile>) -> Shared {
        Shared {
            state: Mutex::new(State {
                file,
                totals: Totals::default(),
                idle: Vec::new(),
            }),
            permits: Arc::new(Semaphore::new(READERS)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The file reads open.
    pub(crate) fn current_file(&self) -> Arc<DbFile> {
        self.lock().file.clone()
    }

    /// Runs the writer's `commit`; if it succeeds, what the transaction added is published with
    /// it, before any snapshot can see the commit without it. What was added is emptied either
    /// way.
    pub(crate) fn commit<E>(
        &self,
        tallies: &RefCell<Tallies>,
        commit: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        let mut state = self.lock();
        let committed = commit();
        let mut tallies = tallies.borrow_mut();
        if committed.is_ok() {
            state.totals.committed(&mut tallies.added);
        } else {
            tallies.added = Added::default();
        }
        committed
    }

    /// Makes `file` the one reads open (a reset of the default): a read that begins from now on
    /// reads it. Answers the old file, and the idle connections to it, to be closed elsewhere.
    pub(crate) fn replace(&self, file: Arc<DbFile>) -> (Arc<DbFile>, Vec<ReadConn>) {
        let mut state = self.lock();
        state.totals.forget();
        let idle = std::mem::take(&mut state.idle);
        (std::mem::replace(&mut state.file, file), idle)
    }

    /// Runs `work` on a read connection, within `deadline` unless `cancelled` is set first.
    /// Blocking: call it from a blocking task.
    pub(crate) fn run<T>(
        &self,
        deadline: Instant,
        cancelled: &Arc<AtomicBool>,
        work: impl FnOnce(&Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (reader, seen) = self.begin()?;
        let stopped = Arc::new(AtomicBool::new(false));
        {
            let (cancelled, stopped) = (cancelled.clone(), stopped.clone());
            reader.conn.progress_handler(
                STEPS_BETWEEN_LOOKS,
                Some(move || {
                    let stop = cancelled.load(Ordering::Relaxed) || Instant::now() >= deadline;
                    if stop {
                        stopped.store(true, Ordering::Relaxed);
                    }
                    stop
                }),
            );
        }
        let snapshot = Snapshot { shared: self, seen };
        let tallies = RefCell::new(Tallies::default());
        let outcome = work(&Tx {
            conn: &reader.conn,
            tallies: &tallies,
            snapshot: Some(&snapshot),
        });
        reader.conn.progress_handler(0, None::<fn() -> bool>);
        self.end(reader);
        match outcome {
            Err(e) if stopped.load(Ordering::Relaxed) || e.is_interrupted() => {
                Err(StoreError::Interrupted)
            }
            outcome => outcome,
        }
    }

    /// A connection to the current file with its snapshot begun, and where the snapshot stands.
    fn begin(&self) -> Result<(ReadConn, Seen), StoreError> {
        loop {
            let (file, idle) = {
                let mut state = self.lock();
                (state.file.clone(), state.idle.pop())
            };
            let reader = match idle {
                Some(reader) => reader,
                None => match ReadConn::open(file.clone()) {
                    Ok(reader) => reader,
                    // A reset removed the file in between: read the new one.
                    Err(_) if !Arc::ptr_eq(&file, &self.current_file()) => continue,
                    Err(e) => return Err(e),
                },
            };
            let state = self.lock();
            if !Arc::ptr_eq(&reader.file, &state.file) {
                continue;
            }
            // Any read begins the snapshot; this one reads only the schema's version.
            let begun = reader.conn.execute_batch("BEGIN").and_then(|()| {
                reader
                    .conn
                    .query_row("PRAGMA schema_version", [], |_| Ok(()))
            });
            if let Err(e) = begun {
                drop(state);
                let _ = reader.conn.execute_batch("ROLLBACK");
                return Err(StoreError::Sql {
                    context: "beginning a read",
                    source: Arc::new(e),
                });
            }
            return Ok((reader, state.totals.seen()));
        }
    }

    /// Ends a read's snapshot and keeps its connection for the next read, if it is still of use.
    fn end(&self, reader: ReadConn) {
        if !reader.conn.is_autocommit() {
            let _ = reader.conn.execute_batch("ROLLBACK");
        }
        if !reader.conn.is_autocommit() {
            return;
        }
        let mut state = self.lock();
        if Arc::ptr_eq(&reader.file, &state.file) && state.idle.len() < READERS {
            state.idle.push(reader);
        }
    }
}

/// A read's place among the commits: the counts it may use.
pub(crate) struct Snapshot<'a> {
    shared: &'a Shared,
    seen: Seen,
}

impl Snapshot<'_> {
    /// How many notifications this snapshot holds, in all or for one recipient, if known
    /// without counting.
    pub(crate) fn total(&self, user: Option<i64>) -> Option<i64> {
        self.shared.lock().totals.total(self.seen, user)
    }

    /// Keeps a count made on this snapshot, for later reads.
    pub(crate) fn remember(&self, user: Option<i64>, counted: i64) {
        self.shared.lock().totals.remember(self.seen, user, counted);
    }
}

impl ReadConn {
    fn open(file: Arc<DbFile>) -> Result<ReadConn, StoreError> {
        let failed = |source| StoreError::Open {
            path: file.path().display().to_string(),
            source: Arc::new(source),
        };
        // Read-only: it never creates a file that a reset has just removed.
        let conn = Connection::open_with_flags(
            file.path(),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(failed)?;
        conn.busy_timeout(Duration::from_secs(1)).map_err(failed)?;
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(failed)?;
        conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)
            .map_err(failed)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(ReadConn { conn, file })
    }
}

/// Handed to a blocking read: set when its caller goes away, which stops the read.
pub(crate) struct Cancel(pub(crate) Arc<AtomicBool>);

impl Drop for Cancel {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Shared {
    /// A permit to use a read connection, waited for until `deadline`.
    pub(crate) async fn permit(
        &self,
        deadline: Instant,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, StoreError> {
        let acquire = self.permits.clone().acquire_owned();
        match tokio::time::timeout_at(deadline.into(), acquire).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(StoreError::Stopped),
            Err(_) => Err(StoreError::Interrupted),
        }
    }
}
