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
//! The WAL can only start over when no read is using it. Under a steady stream of writes, reads
//! that overlap one another would use it for ever, and it would grow for as long as they kept
//! coming; so when the writer finds it long, it holds new reads back ([`Shared::hold_reads`]) until
//! those in progress have ended and it has copied the WAL back whole, then lets them go
//! ([`Shared::resume_reads`]). A held read waits at most [`HOLD_LIMIT`].
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
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How many reads run at once; more wait for a connection (up to their deadline).
const READERS: usize = 4;

/// How long a read may run when nobody said: past it, the read is stopped.
pub const READ_LIMIT: Duration = Duration::from_secs(30);

/// Each read connection's page cache (the pages are in the system's cache as well).
const READER_CACHE_KIB: i64 = 8 * 1024;

/// How many SQLite virtual-machine steps pass between looks at a read's deadline.
const STEPS_BETWEEN_LOOKS: i32 = 1000;

/// The longest a read waits to begin while the writer holds reads back: past it, it begins anyway.
pub(crate) const HOLD_LIMIT: Duration = Duration::from_secs(1);

/// What the writer and the readers share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// One permit per connection a read may use.
    permits: Arc<Semaphore>,
    /// Woken when held reads may begin.
    resumed: Condvar,
}

struct State {
    /// The file reads open.
    file: Arc<DbFile>,
    totals: Totals,
    /// Connections to `file` between reads.
    idle: Vec<ReadConn>,
    /// The store has stopped: no read begins any more.
    closed: bool,
    /// Reads begun and not yet ended (each holds a snapshot, which may be in the WAL).
    reading: usize,
    /// New reads wait before they begin (see [`Shared::hold_reads`]).
    held: bool,
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
                closed: false,
                reading: 0,
                held: false,
            }),
            permits: Arc::new(Semaphore::new(READERS)),
            resumed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The file reads open.
    pub(crate) fn current_file(&self) -> Arc<DbFile> {
        self.lock().file.clone()
    }

    /// The store has stopped: no read begins from now on (one that began finishes on what it has
    /// open), and the idle connections are closed.
    pub(crate) fn close(&self) {
        let idle = {
            let mut state = self.lock();
            state.closed = true;
            state.held = false;
            std::mem::take(&mut state.idle)
        };
        self.resumed.notify_all();
        drop(idle);
    }

    /// Makes reads that have not begun wait (at most [`HOLD_LIMIT`]) until [`Shared::resume_reads`],
    /// and answers whether none is in progress: then no read uses the WAL, nor will until they
    /// resume, so the writer can copy it back whole and start it over.
    pub(crate) fn hold_reads(&self) -> bool {
        let mut state = self.lock();
        state.held = true;
        state.reading == 0
    }

    /// Whether reads are held back.
    pub(crate) fn reads_held(&self) -> bool {
        self.lock().held
    }

    /// Waits, at most `limit`, until no read is in progress; answers whether none is.
    pub(crate) fn wait_for_reads(&self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        let mut state = self.lock();
        while state.reading > 0 && !state.closed {
            let now = Instant::now();
            if now >= until {
                return false;
            }
            state = self
                .resumed
                .wait_timeout(state, until - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        state.reading == 0
    }

    /// Lets held reads begin.
    pub(crate) fn resume_reads(&self) {
        let mut state = self.lock();
        if state.held {
            state.held = false;
            drop(state);
            self.resumed.notify_all();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
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
        let (reader, seen) = self.begin(deadline)?;
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
        // A read that panics still ends (and is no longer counted as reading).
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            work(&Tx {
                conn: &reader.conn,
                tallies: &tallies,
                snapshot: Some(&snapshot),
            })
        }));
        reader.conn.progress_handler(0, None::<fn() -> bool>);
        self.end(reader);
        let outcome = outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        match outcome {
            Err(e) if stopped.load(Ordering::Relaxed) || e.is_interrupted() => {
                Err(StoreError::Interrupted)
            }
            outcome => outcome,
        }
    }

    /// A connection to the current file with its snapshot begun, and where the snapshot stands;
    /// once reads are no longer held back (or the hold has lasted [`HOLD_LIMIT`], or `deadline`
    /// has come).
    fn begin(&self, deadline: Instant) -> Result<(ReadConn, Seen), StoreError> {
        let waited_until = deadline.min(Instant::now() + HOLD_LIMIT);
        loop {
            let (file, idle) = {
                let mut state = self.lock();
                if state.closed {
                    return Err(StoreError::Stopped);
                }
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
            let mut state = self.lock();
            while state.held && !state.closed {
                let now = Instant::now();
                if now >= waited_until {
                    break;
                }
                state = self
                    .resumed
                    .wait_timeout(state, waited_until - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            if state.closed {
                return Err(StoreError::Stopped);
            }
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
            let mut state = state;
            state.reading += 1;
            return Ok((reader, state.totals.seen()));
        }
    }

    /// Ends a read's snapshot and keeps its connection for the next read, if it is still of use.
    fn end(&self, reader: ReadConn) {
        if !reader.conn.is_autocommit() {
            let _ = reader.conn.execute_batch("ROLLBACK");
        }
        let mut state = self.lock();
        state.reading -= 1;
        if state.reading == 0 && state.held {
            // The writer may be waiting for the last one.
            self.resumed.notify_all();
        }
        // A connection still in a transaction would keep its snapshot: it is closed.
        if reader.conn.is_autocommit()
            && !state.closed
            && Arc::ptr_eq(&reader.file, &state.file)
            && state.idle.len() < READERS
        {
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

#[cfg(test)]
mod tests {
    use super::super::{DbLocation, Retain, Store};
    use super::*;
    use std::sync::mpsc;

    /// How long a test waits for something that must happen, before it calls it a deadlock.
    const DEADLOCK: Duration = Duration::from_secs(60);

    fn meta_rows(tx: &Tx) -> Result<i64, StoreError> {
        tx.conn
            .query_row("SELECT count(*) FROM meta", [], |r| r.get(0))
            .map_err(|e| StoreError::Invalid(e.to_string()))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_answers_while_the_writer_is_held() {
        let store = Store::open(&DbLocation::Memory, Retain::Unlimited).unwrap();
        let (release, held) = mpsc::channel::<()>();
        // The writer stays inside this job until the read below has answered.
        let writing = store.clone();
        let writer = tokio::spawn(async move {
            writing
                .run(move |_| Ok(held.recv_timeout(DEADLOCK).is_ok()))
                .await
        });
        let read = store.read(meta_rows).await;
        release.send(()).unwrap();
        assert!(read.is_ok(), "{read:?}");
        assert!(
            writer.await.unwrap().unwrap(),
            "the read waited for the writer"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_sees_what_was_committed_before_it_began_and_nothing_after() {
        for location in [DbLocation::Memory, DbLocation::File(temp_db())] {
            let store = Store::open(&location, Retain::Unlimited).unwrap();
            let insert = |key: &'static str| {
                store.run(move |tx| {
                    tx.conn
                        .execute("INSERT INTO meta (key, value) VALUES (?1, 'v')", [key])
                        .map_err(|e| StoreError::Invalid(e.to_string()))
                })
            };
            insert("first").await.unwrap();
            let before = store.read(meta_rows).await.unwrap();
            let (began, read_on) = (mpsc::channel::<()>(), mpsc::channel::<()>());
            let (began_tx, began_rx) = began;
            let (go_on, wait) = read_on;
            let reader = store.clone();
            let reading = tokio::spawn(async move {
                reader
                    .read(move |tx| {
                        let first = meta_rows(tx)?;
                        began_tx.send(()).unwrap();
                        wait.recv_timeout(DEADLOCK).unwrap();
                        Ok((first, meta_rows(tx)?))
                    })
                    .await
            });
            tokio::task::spawn_blocking(move || began_rx.recv_timeout(DEADLOCK).unwrap())
                .await
                .unwrap();
            insert("second").await.unwrap();
            go_on.send(()).unwrap();
            let (first, again) = reading.await.unwrap().unwrap();
            assert_eq!((first, again), (before, before), "one snapshot per read");
            assert_eq!(store.read(meta_rows).await.unwrap(), before + 1);
            drop(store);
            if let DbLocation::File(path) = location {
                remove_db(&path);
            }
        }
    }

    #[tokio::test]
    async fn a_read_still_running_at_its_deadline_is_stopped_and_its_connection_serves_again() {
        let store = Store::open(&DbLocation::Memory, Retain::Unlimited).unwrap();
        let endless = store.read_until(Instant::now() + Duration::from_millis(50), |tx| {
            tx.conn
                .query_row(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
                     SELECT count(*) FROM n",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(|e| StoreError::Sql {
                    context: "counting for ever",
                    source: Arc::new(e),
                })
        });
        assert!(matches!(endless.await, Err(StoreError::Interrupted)));
        for _ in 0..READERS * 2 {
            assert!(store.read(meta_rows).await.is_ok());
        }
    }

    #[tokio::test]
    async fn a_read_whose_caller_left_is_stopped() {
        let store = Store::open(&DbLocation::Memory, Retain::Unlimited).unwrap();
        let (stopped_tx, stopped) = mpsc::channel();
        let endless = store.read(move |tx| {
            let outcome = tx.conn.query_row(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
                 SELECT count(*) FROM n",
                [],
                |r| r.get::<_, i64>(0),
            );
            stopped_tx.send(outcome.is_err()).unwrap();
            Ok(())
        });
        // Polled once (the read starts), then dropped.
        let _ = tokio::time::timeout(Duration::from_millis(50), endless).await;
        let stopped = tokio::task::spawn_blocking(move || stopped.recv_timeout(DEADLOCK))
            .await
            .unwrap();
        assert_eq!(stopped, Ok(true));
    }

    #[tokio::test]
    async fn a_reset_of_the_default_swaps_in_a_fresh_file_and_removes_the_old_one() {
        let store = Store::open(&DbLocation::Memory, Retain::Unlimited).unwrap();
        let first = store.shared.current_file();
        store
            .run(|tx| {
                tx.conn
                    .execute("INSERT INTO meta (key, value) VALUES ('old', 'v')", [])
                    .map_err(|e| StoreError::Invalid(e.to_string()))
            })
            .await
            .unwrap();
        let old_rows = |tx: &Tx| {
            tx.conn
                .query_row("SELECT count(*) FROM meta WHERE key = 'old'", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(|e| StoreError::Invalid(e.to_string()))
        };
        // A connection to the old file is kept idle across the reset.
        assert_eq!(store.read(old_rows).await.unwrap(), 1);
        store
            .reset(Arc::new(crate::fixtures::Fixtures::default()))
            .await
            .unwrap();
        let fresh = store.shared.current_file();
        assert_ne!(fresh.path(), first.path());
        assert!(!first.path().exists());
        assert!(!first.companion("-wal").exists());
        assert_eq!(store.read(old_rows).await.unwrap(), 0);
        let dir = fresh.path().parent().unwrap().to_path_buf();
        drop((store, first, fresh));
        assert!(!dir.exists(), "the scratch directory goes with the store");
    }

    #[tokio::test]
    async fn a_closed_store_refuses_reads_and_its_scratch_directory_is_gone_while_handles_remain() {
        let store = Store::open(&DbLocation::Memory, Retain::Unlimited).unwrap();
        let kept = store.clone();
        let dir = store
            .shared
            .current_file()
            .path()
            .parent()
            .unwrap()
            .to_path_buf();
        assert!(store.read(meta_rows).await.is_ok());
        store.close();
        assert!(!dir.exists());
        assert!(matches!(
            kept.read(meta_rows).await,
            Err(StoreError::Stopped)
        ));
    }

    /// Under a steady stream of writes and reads that overlap one another (so that at every
    /// moment some read is using the WAL), the WAL still starts over and its file stays within
    /// 64 MiB, while 96 MiB are written, in both kinds of database.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_wal_starts_over_while_overlapping_reads_keep_coming() {
        for location in [DbLocation::Memory, DbLocation::File(temp_db())] {
            let store = Store::open(&location, Retain::Unlimited).unwrap();
            let wal = store.shared.current_file().companion("-wal");
            let stop = Arc::new(AtomicBool::new(false));
            let mut readers = Vec::new();
            for _ in 0..3 {
                let (store, stop) = (store.clone(), stop.clone());
                readers.push(tokio::spawn(async move {
                    let mut reads = 0;
                    while !stop.load(Ordering::Relaxed) {
                        store
                            .read(|tx| {
                                let rows = meta_rows(tx);
                                std::thread::sleep(Duration::from_millis(3));
                                rows
                            })
                            .await
                            .unwrap();
                        reads += 1;
                    }
                    reads
                }));
            }
            let mut largest = 0;
            for i in 0..96 {
                store
                    .run(move |tx| {
                        tx.conn
                            .execute(
                                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                                (format!("blob {}", i % 4), "x".repeat(1024 * 1024)),
                            )
                            .map_err(|e| StoreError::Invalid(e.to_string()))
                    })
                    .await
                    .unwrap();
                largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
            }
            stop.store(true, Ordering::Relaxed);
            for reader in readers {
                assert!(reader.await.unwrap() > 0, "the reads went on");
            }
            assert!(largest > 0, "{location:?}: there is a WAL");
            assert!(
                largest <= 64 * 1024 * 1024,
                "{location:?}: the WAL reached {largest} bytes"
            );
            drop(store);
            if let DbLocation::File(path) = location {
                remove_db(&path);
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn held_reads_wait_for_the_writer_and_the_writer_knows_when_none_is_in_progress() {
        let store = Store::open(&DbLocation::Memory, Retain::Unlimited).unwrap();
        let shared = store.shared.clone();
        let (began_tx, began) = mpsc::channel::<()>();
        let (end_tx, end) = mpsc::channel::<()>();
        let running = store.clone();
        let first = tokio::spawn(async move {
            running
                .read(move |tx| {
                    began_tx.send(()).unwrap();
                    end.recv_timeout(DEADLOCK).unwrap();
                    meta_rows(tx)
                })
                .await
        });
        tokio::task::spawn_blocking(move || began.recv_timeout(DEADLOCK).unwrap())
            .await
            .unwrap();
        // A read is in progress: the writer would have to wait for it.
        assert!(!shared.hold_reads());
        assert!(!shared.wait_for_reads(Duration::ZERO));
        end_tx.send(()).unwrap();
        first.await.unwrap().unwrap();
        let waiting = shared.clone();
        let none = tokio::task::spawn_blocking(move || waiting.wait_for_reads(DEADLOCK)).await;
        assert!(none.unwrap(), "the read ended");
        assert!(shared.hold_reads(), "none is in progress, and none begins");
        // A read asked for now waits until the reads resume, then answers.
        let held = tokio::spawn({
            let store = store.clone();
            async move { store.read(meta_rows).await }
        });
        shared.resume_reads();
        assert!(held.await.unwrap().is_ok());
        assert!(!shared.reads_held());
    }

    #[tokio::test]
    async fn a_read_held_longer_than_the_hold_limit_begins_anyway() {
        let store = Store::open(&DbLocation::Memory, Retain::Unlimited).unwrap();
        assert!(store.shared.hold_reads());
        // Nobody resumes them: the read begins after HOLD_LIMIT.
        let began = Instant::now();
        assert!(store.read(meta_rows).await.is_ok());
        assert!(began.elapsed() >= HOLD_LIMIT);
        store.shared.resume_reads();
    }

    fn temp_db() -> std::path::PathBuf {
        let file = tempfile::Builder::new().suffix(".db").tempfile().unwrap();
        let (_, path) = file.keep().unwrap();
        std::fs::remove_file(&path).unwrap();
        path
    }

    fn remove_db(path: &std::path::Path) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
