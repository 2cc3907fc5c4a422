//! The writer's WAL, written one commit at a time.
//!
//! SQLite writes each WAL frame with two `write` calls (its 24-byte header, then its page), so a
//! commit of twenty pages costs forty system calls, and each touches one or two pages of the file
//! in the kernel. This module registers a VFS, [`NAME`], that wraps the system's default one and
//! changes one thing, for WAL files only: frames appended one after the other are gathered in
//! memory and written with one call as soon as the commit's last frame has been given (its header
//! carries the database's size, which only a commit frame's does). Anything else writes what was
//! gathered first: a write elsewhere in the file (a new WAL's header, a checksum rewritten), a
//! read, a sync, a truncation, asking the size, a file control, closing. Every other file, and
//! every other call, goes straight to the default VFS.
//!
//! So when SQLite's commit returns, every byte of it has been handed to the system, as before:
//! readers (which publish nothing and open through the default VFS) see a commit only once the
//! WAL index says so, after that; and the bytes, their offsets, their order and the syncs around
//! them are those SQLite asked for. Only the writer's connection opens its database through this
//! VFS.

use rusqlite::ffi;
use std::ffi::{c_int, c_void, CStr};
use std::sync::OnceLock;

/// The VFS's name, for `Connection::open_with_flags_and_vfs`.
pub(super) const NAME: &CStr = c"xxb-mock-wal";

/// The most bytes gathered before they are written anyway: the most the unix VFS writes with
/// one call (it keeps only the low 17 bits of a write's size).
const GATHER_AT_MOST: usize = 0x1ffff;

/// The size of a WAL frame's header, which precedes its page.
const FRAME_HEADER: usize = 24;

/// Registers the VFS, once; answers its name, or `None` if SQLite has no default VFS to wrap or
/// refused the registration (the writer then opens its database through the default).
pub(super) fn vfs() -> Option<&'static str> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered = *REGISTERED.get_or_init(|| {
        // SAFETY: `sqlite3_vfs_find(NULL)` answers the default VFS, which lives as long as the
        // process. The registered copy is leaked: SQLite keeps a pointer to it for good.
        unsafe {
            let default = ffi::sqlite3_vfs_find(std::ptr::null());
            if default.is_null() {
                return false;
            }
            let mut wrapper: ffi::sqlite3_vfs = *default;
            wrapper.szOsFile = (header_size() + (*default).szOsFile as usize) as c_int;
            wrapper.zName = NAME.as_ptr();
            wrapper.pAppData = default.cast();
            wrapper.xOpen = Some(open);
            let wrapper = Box::leak(Box::new(wrapper));
            ffi::sqlite3_vfs_register(wrapper, 0) == ffi::SQLITE_OK
        }
    });
    registered.then(|| NAME.to_str().expect("an ASCII name"))
}

/// A WAL file as this VFS opens it: its methods, then the default VFS's file, which follows it
/// in the same allocation (SQLite allocates `szOsFile` bytes for every file).
#[repr(C)]
struct WalFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    gathered: Gathered,
}

/// Writes not yet made: `bytes`, to be written at `offset`.
#[derive(Default)]
struct Gathered {
    offset: i64,
    bytes: Vec<u8>,
    /// Where the file's frames end, gathered ones included: a write there appends a frame.
    end: i64,
    /// The last write was the header of a commit frame: its page completes the commit, and is
    /// written at once with whatever is gathered (even if what was gathered before it had to be
    /// written first to make room).
    commit_page_next: bool,
}

/// Where the default VFS's file begins in a [`WalFile`]'s allocation.
const fn header_size() -> usize {
    let size = std::mem::size_of::<WalFile>();
    size.div_ceil(16) * 16
}

/// The default VFS's file of `file`.
///
/// # Safety
/// `file` was opened by [`open`] as a WAL file and not yet closed.
unsafe fn real(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    unsafe { (*file.cast::<WalFile>()).real }
}

/// The default VFS's methods of `file`.
///
/// # Safety
/// As for [`real`].
unsafe fn methods(file: *mut ffi::sqlite3_file) -> &'static ffi::sqlite3_io_methods {
    unsafe { &*(*real(file)).pMethods }
}

/// Writes what `file` has gathered, in one call. What fails to be written is dropped (SQLite
/// writes the frames of a failed commit again when it retries).
///
/// # Safety
/// As for [`real`].
unsafe fn flush(file: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        let wal = file.cast::<WalFile>();
        if (*wal).gathered.bytes.is_empty() {
            return ffi::SQLITE_OK;
        }
        let mut bytes = std::mem::take(&mut (*wal).gathered.bytes);
        let rc = write_through(file, &bytes, (*wal).gathered.offset);
        // The buffer is kept for the next commit.
        bytes.clear();
        (*wal).gathered.bytes = bytes;
        rc
    }
}

/// Writes `bytes` at `offset` through the default VFS.
///
/// # Safety
/// As for [`real`].
unsafe fn write_through(file: *mut ffi::sqlite3_file, bytes: &[u8], offset: i64) -> c_int {
    unsafe {
        match methods(file).xWrite {
            Some(write) => write(
                real(file),
                bytes.as_ptr().cast(),
                bytes.len() as c_int,
                offset,
            ),
            None => ffi::SQLITE_IOERR_WRITE,
        }
    }
}

unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    unsafe {
        let default = (*vfs).pAppData.cast::<ffi::sqlite3_vfs>();
        let Some(open_default) = (*default).xOpen else {
            return ffi::SQLITE_CANTOPEN;
        };
        if flags & ffi::SQLITE_OPEN_WAL == 0 {
            // Any other file is the default VFS's own, in the same place.
            return open_default(default, name, file, flags, out_flags);
        }
        let real = file
            .cast::<u8>()
            .add(header_size())
            .cast::<ffi::sqlite3_file>();
        let rc = open_default(default, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            // SQLite does not close a file whose methods are null.
            (*file).pMethods = std::ptr::null();
            return rc;
        }
        file.cast::<WalFile>().write(WalFile {
            base: ffi::sqlite3_file {
                pMethods: &WAL_METHODS,
            },
            real,
            gathered: Gathered::default(),
        });
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        let flushed = flush(file);
        let closed = match methods(file).xClose {
            Some(close) => close(real(file)),
            None => ffi::SQLITE_OK,
        };
        std::ptr::drop_in_place(file.cast::<WalFile>());
        if flushed != ffi::SQLITE_OK {
            flushed
        } else {
            closed
        }
    }
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    unsafe {
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), amount.max(0) as usize);
        let wal = file.cast::<WalFile>();
        let appends = offset == (*wal).gathered.end && offset > 0;
        let fits = (*wal).gathered.bytes.len() + bytes.len() <= GATHER_AT_MOST;
        if !appends || !fits {
            let rc = flush(file);
            if rc != ffi::SQLITE_OK {
                return rc;
            }
        }
        // A frame header's bytes 4..8 hold the database's size after a commit, 0 otherwise.
        let commit_header = bytes.len() == FRAME_HEADER && bytes[4..8] != [0; 4];
        if !appends {
            // A new WAL's header (at 0: the frames start again after it), a frame's header
            // rewritten in place, or the first frame this connection writes into a WAL that
            // already holds some: written as it comes (if it is a commit frame's header, its page
            // is written at once after it).
            (*wal).gathered.commit_page_next = commit_header;
            (*wal).gathered.end = match offset {
                0 => bytes.len() as i64,
                _ => (*wal).gathered.end.max(offset + bytes.len() as i64),
            };
            return write_through(file, bytes, offset);
        }
        let gathered = &mut (*wal).gathered;
        if gathered.bytes.is_empty() {
            gathered.offset = offset;
        }
        gathered.bytes.extend_from_slice(bytes);
        gathered.end = offset + bytes.len() as i64;
        if std::mem::take(&mut gathered.commit_page_next) {
            // The commit frame's page: the commit is whole.
            return flush(file);
        }
        gathered.commit_page_next = commit_header;
        ffi::SQLITE_OK
    }
}

/// Defines a method that writes what was gathered, then calls the default VFS's.
macro_rules! flushing {
    ($name:ident, $method:ident, ($($arg:ident: $ty:ty),*)) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file, $($arg: $ty),*) -> c_int {
            unsafe {
                let rc = flush(file);
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
                match methods(file).$method {
                    Some(method) => method(real(file), $($arg),*),
                    None => ffi::SQLITE_IOERR,
                }
            }
        }
    };
}

/// Defines a method that calls the default VFS's, and nothing else.
macro_rules! forwarding {
    ($name:ident, $method:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty, $missing:expr) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file, $($arg: $ty),*) -> $ret {
            unsafe {
                match methods(file).$method {
                    Some(method) => method(real(file), $($arg),*),
                    None => $missing,
                }
            }
        }
    };
}

flushing!(read, xRead, (data: *mut c_void, amount: c_int, offset: ffi::sqlite3_int64));

/// Writes what was gathered, then truncates: the frames end at `size` at the most.
unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    unsafe {
        let rc = flush(file);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let wal = file.cast::<WalFile>();
        (*wal).gathered.end = (*wal).gathered.end.min(size);
        match methods(file).xTruncate {
            Some(truncate) => truncate(real(file), size),
            None => ffi::SQLITE_IOERR_TRUNCATE,
        }
    }
}
flushing!(sync, xSync, (flags: c_int));
flushing!(file_size, xFileSize, (size: *mut ffi::sqlite3_int64));
flushing!(file_control, xFileControl, (op: c_int, arg: *mut c_void));
forwarding!(lock, xLock, (level: c_int) -> c_int, ffi::SQLITE_IOERR);
forwarding!(unlock, xUnlock, (level: c_int) -> c_int, ffi::SQLITE_IOERR);
forwarding!(check_reserved_lock, xCheckReservedLock, (out: *mut c_int) -> c_int, ffi::SQLITE_IOERR);
forwarding!(sector_size, xSectorSize, () -> c_int, 4096);
forwarding!(device_characteristics, xDeviceCharacteristics, () -> c_int, 0);
forwarding!(shm_map, xShmMap, (region: c_int, size: c_int, extend: c_int, out: *mut *mut c_void) -> c_int, ffi::SQLITE_IOERR);
forwarding!(shm_lock, xShmLock, (offset: c_int, n: c_int, flags: c_int) -> c_int, ffi::SQLITE_IOERR);
forwarding!(shm_unmap, xShmUnmap, (delete: c_int) -> c_int, ffi::SQLITE_OK);
forwarding!(fetch, xFetch, (offset: ffi::sqlite3_int64, amount: c_int, out: *mut *mut c_void) -> c_int, {
    *out = std::ptr::null_mut();
    ffi::SQLITE_OK
});
forwarding!(unfetch, xUnfetch, (offset: ffi::sqlite3_int64, page: *mut c_void) -> c_int, ffi::SQLITE_OK);

/// (SQLite calls the shared memory's methods on the database's file, never on the WAL's.)
unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    unsafe {
        if let Some(barrier) = methods(file).xShmBarrier {
            barrier(real(file));
        }
    }
}

static WAL_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(fetch),
    xUnfetch: Some(unfetch),
};

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, OpenFlags};
    use std::path::PathBuf;
    use tempfile::TempDir;

    /// A directory of its own for the test `name` (removed when dropped), its database's path,
    /// and a connection to it through the VFS.
    fn writer(name: &str) -> (TempDir, PathBuf, Connection) {
        let dir = tempfile::Builder::new()
            .prefix(&format!("xxb-mock-wal-{name}-"))
            .tempdir()
            .unwrap();
        let path = dir.path().join("wal.db");
        let vfs = super::vfs().expect("the VFS is registered");
        let writer = Connection::open_with_flags_and_vfs(&path, OpenFlags::default(), vfs).unwrap();
        (dir, path, writer)
    }

    /// Whatever the size of a commit, every frame of it is in the file when the commit returns:
    /// commits of 1 to 80 pages put a commit frame on each side of every boundary of what one call
    /// may write.
    #[test]
    fn a_commit_is_written_whole_before_it_returns() {
        let (dir, path, writer) = writer("whole");
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA wal_autocheckpoint = 0;
                 CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);",
            )
            .unwrap();
        static FRAMES: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
        fn committed(_: &rusqlite::hooks::Wal, n: std::ffi::c_int) -> rusqlite::Result<()> {
            FRAMES.store(i64::from(n), std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
        writer.wal_hook(Some(committed));
        let page: i64 = writer
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        let wal = dir.path().join("wal.db-wal");
        let whole = || 32 + FRAMES.load(std::sync::atomic::Ordering::SeqCst) * (24 + page);
        // A WAL that already holds frames, written by another connection: this one's first frame
        // is not where it has written last (a commit of one page, its frame written first).
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("PRAGMA wal_autocheckpoint = 0; INSERT INTO t (body) VALUES (x'00');")
            .unwrap();
        writer
            .execute("UPDATE t SET body = x'01' WHERE id = 1", [])
            .unwrap();
        let length = std::fs::metadata(&wal).unwrap().len() as i64;
        assert!(
            length >= whole(),
            "the first commit: {length} bytes of {}",
            whole()
        );
        for rows in 1..=80 {
            writer.execute_batch("BEGIN").unwrap();
            for _ in 0..rows {
                // A row of most of a page: each takes a page of its own.
                writer
                    .execute("INSERT INTO t (body) VALUES (zeroblob(?1))", [page - 200])
                    .unwrap();
            }
            writer.execute_batch("COMMIT").unwrap();
            let length = std::fs::metadata(&wal).unwrap().len() as i64;
            assert!(
                length >= whole(),
                "after {rows} rows: {length} bytes of {}",
                whole()
            );
        }
        drop((writer, other));
    }

    /// Large and small commits through the VFS, each read back whole by a connection through the
    /// default VFS (as the readers and the checkpoints read), across checkpoints that start the
    /// WAL over and truncate it.
    #[test]
    fn what_the_writer_commits_is_what_readers_read() {
        let (_dir, path, writer) = writer("readers");
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
                 PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 1000000;
                 PRAGMA cache_size = 16;
                 CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);",
            )
            .unwrap();
        let reader = Connection::open(&path).unwrap();
        let body = |id: i64, len: usize| -> Vec<u8> {
            (0..len).map(|i| (i as i64 * 31 + id) as u8).collect()
        };
        let mut id = 0;
        // A commit of one small row, of many rows (far past what one write call may carry, and
        // past the cache, so that pages are spilled into the WAL before the commit), and so on.
        for (round, rows, len) in [(0, 1, 10), (1, 200, 3000), (2, 3, 70_000), (3, 1, 1)]
            .into_iter()
            .cycle()
            .take(24)
        {
            writer.execute_batch("BEGIN").unwrap();
            for _ in 0..rows {
                id += 1;
                writer
                    .execute(
                        "INSERT INTO t (id, body) VALUES (?1, ?2)",
                        (id, body(id, len)),
                    )
                    .unwrap();
            }
            writer.execute_batch("COMMIT").unwrap();
            let (count, last): (i64, Vec<u8>) = reader
                .query_row(
                    "SELECT count(*), (SELECT body FROM t ORDER BY id DESC LIMIT 1) FROM t",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((count, last), (id, body(id, len)), "round {round}");
            if id % 3 == 0 {
                // Copied into the database, the WAL then starts over (and is cut to its limit).
                reader
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    .unwrap();
            }
        }
        let check: String = reader
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let sum = |conn: &Connection| -> i64 {
            conn.query_row("SELECT sum(length(body)) FROM t", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(sum(&writer), sum(&reader));
        drop((writer, reader));
        // Opened again (the WAL recovered from the file alone), everything is there.
        let again = Connection::open(&path).unwrap();
        let count: i64 = again
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, id);
        drop(again);
    }
}
