//! Opening the database and bringing its schema up to date from the numbered, embedded SQL files
//! in `migrations/`. `PRAGMA user_version` records how many have been applied.

use super::files::DbFile;
use super::{Context, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::sync::Arc;

/// The writer's page cache, in KiB (see `open`).
const WRITER_CACHE_KIB: i64 = 8 * 1024;

/// The migrations, in order (the number in each file name is its position), with what applying
/// each is called in an error.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "applying migration 0001_init",
        include_str!("migrations/0001_init.sql"),
    ),
    (
        "applying migration 0002_api",
        include_str!("migrations/0002_api.sql"),
    ),
    (
        "applying migration 0003_filters",
        include_str!("migrations/0003_filters.sql"),
    ),
    (
        "applying migration 0004_title_backlog",
        include_str!("migrations/0004_title_backlog.sql"),
    ),
    (
        "applying migration 0005_counts_by_user",
        include_str!("migrations/0005_counts_by_user.sql"),
    ),
];

/// Opens the writer's connection to `file`, in WAL mode, and migrates it.
pub(super) fn open(file: &DbFile) -> Result<Connection, StoreError> {
    // Through the VFS that writes each commit's WAL frames with one call (see `wal_writes`).
    let opened = match super::wal_writes::vfs() {
        Some(vfs) => Connection::open_with_flags_and_vfs(file.path(), OpenFlags::default(), vfs),
        None => Connection::open(file.path()),
    };
    let conn = opened.map_err(|source| StoreError::Open {
        path: file.path().display().to_string(),
        source: Arc::new(source),
    })?;
    // SQLite opens a file it may not write read-only, and every write then fails: refuse now.
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        return Err(StoreError::Unusable {
            path: file.path().display().to_string(),
            reason: "it cannot be written (check its permissions and its file system)".into(),
        });
    }
    // NORMAL: a commit of the `--db` file survives the process being killed. OFF: a scratch file
    // is never read after the process is gone, so it is never waited for, not even while it is
    // switched to WAL (before this, that switch waited for the disk: about 8 ms of every start).
    let synchronous = if file.is_scratch() { "OFF" } else { "NORMAL" };
    conn.pragma_update(None, "synchronous", synchronous)
        .context("setting synchronous mode")?;
    // When the WAL starts over, its file is cut back to 32 MiB (twice the length at which the writer
    // makes it start over), should reads have kept it from starting over for a while.
    conn.query_row("PRAGMA journal_size_limit = 33554432", [], |_| Ok(()))
        .context("limiting the WAL's size")?;
    // WAL: readers never block the writer, nor it them.
    conn.pragma_update(None, "journal_mode", "WAL")
        .context("setting WAL mode")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .context("setting the busy timeout")?;
    // Checkpoints run on their own thread (`Store::open`), not in the writer's commits.
    // (Through `query_row`: this pragma answers a row.)
    conn.query_row("PRAGMA wal_autocheckpoint = 0", [], |_| Ok(()))
        .context("turning off automatic checkpoints")?;
    conn.pragma_update(None, "foreign_keys", "OFF")
        .context("setting foreign keys")?;
    // Savepoint journals and sorts stay in memory instead of temporary files.
    conn.pragma_update(None, "temp_store", "MEMORY")
        .context("setting the temp store")?;
    // 8 MiB of page cache. The writer's pages are few (the last leaves of each table and index,
    // where rows are added, and the first ones, where retention trims), and SQLite makes every
    // commit cost in proportion to the cache's size: splitting a page renumbers pages through
    // the number past 1 GiB, and the commit then drops cached pages past the end of the
    // database by visiting every slot of the cache's hash table. With 64 MiB that was a tenth
    // of the writer's time at the default retention.
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)
        .context("setting the cache size")?;
    conn.set_prepared_statement_cache_capacity(64);
    migrate(&conn)?;
    // The seqs a delete sets aside before it changes what selected them (this connection's own).
    conn.execute_batch("CREATE TEMP TABLE doomed (seq INTEGER PRIMARY KEY)")
        .context("creating the table of rows to delete")?;
    Ok(conn)
}

/// A migrated database in SQLite's memory, for tests of the SQL alone.
#[cfg(test)]
pub(super) fn open_in_memory() -> Connection {
    let conn = Connection::open_in_memory().expect("an in-memory database");
    migrate(&conn).expect("the migrations apply");
    conn.execute_batch("CREATE TEMP TABLE doomed (seq INTEGER PRIMARY KEY)")
        .expect("the table of rows to delete");
    conn
}

/// Takes an exclusive advisory lock on the database file for this process's lifetime (while the
/// returned file is open): two servers writing one file would each keep a directory and tallies
/// the other invalidates. SQLite's own locks are of another kind (POSIX), so they are not affected.
pub(super) fn own(path: &std::path::Path) -> Result<std::fs::File, StoreError> {
    let unusable = |reason: String| StoreError::Unusable {
        path: path.display().to_string(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| unusable(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock(2) on a descriptor this function owns.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if locked != 0 {
            return Err(unusable(
                "another xxb-mock is using it (stop that one, or give this one another --db)"
                    .into(),
            ));
        }
    }
    Ok(file)
}

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let applied: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .context("reading the schema version")?;
    let applied = usize::try_from(applied).unwrap_or(0);
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Invalid(format!(
            "the database has schema version {applied}, newer than this xxb-mock knows ({}); use a newer xxb-mock or another --db",
            MIGRATIONS.len()
        )));
    }
    for (number, (context, sql)) in MIGRATIONS.iter().enumerate().skip(applied) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            number + 1
        ))
        .context(context)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_written_before_the_direct_api_existed_came_through_x_php() {
        let path =
            std::env::temp_dir().join(format!("xxb-mock-schema-1-{}.db", std::process::id()));
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(&format!(
                "{} PRAGMA user_version = 1;",
                include_str!("migrations/0001_init.sql")
            ))
            .unwrap();
            old.execute_batch(
                "INSERT INTO journal (received_at, http_method, path, query, lang, client_ip, body, body_size,
                     body_truncated, status, response, outcome, findings, duration_us)
                 VALUES ('t', 'GET', '/x.php', '', 'zh-cn', '127.0.0.1', x'', 0, 0, 200, x'', 'accepted', '[]', 1);
                 INSERT INTO messages (kind, cgid, idx, content, content_type, data, app, received_at, request_seq)
                 VALUES ('notification', 'notification', 1, '', 'text', '{}', 'myAppCode', 't', 1);",
            )
            .unwrap();
        }
        let conn = open(&DbFile::durable(path.clone())).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        let apis: (String, String) = conn
            .query_row(
                "SELECT (SELECT api FROM journal), (SELECT api FROM messages)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let version = usize::try_from(version).unwrap();
        assert_eq!(
            (version, apis),
            (MIGRATIONS.len(), ("x.php".into(), "x.php".into()))
        );
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[test]
    fn a_database_file_is_in_wal_mode_without_automatic_checkpoints() {
        let path = std::env::temp_dir().join(format!("xxb-mock-schema-{}.db", std::process::id()));
        let conn = open(&DbFile::durable(path.clone())).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        let auto: i64 = conn
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), auto), ("wal", 0));
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
