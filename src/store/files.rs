//! The database files the store's connections open: the `--db` file, or, by default, a private
//! scratch file that nobody else sees and that goes when the store does.
//!
//! The default keeps its data in a temporary file rather than in SQLite's memory database so that
//! the inspection API can read it on connections of its own while the writer writes (WAL lets
//! readers and one writer work at once; an in-memory database shared between connections would make
//! them wait for each other's table locks), and so that a million stored rows live in the operating
//! system's page cache rather than in the process. The file is made in a directory of its own
//! (readable by its owner only) under the temporary directory; a reset swaps in a fresh file and
//! removes the old one, and the directory is removed when the store stops. Nothing of it is meant
//! to outlive the process: it is written without waiting for the disk (`synchronous=OFF`).

use super::StoreError;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// One database file, as its connections open it.
#[derive(Debug)]
pub(crate) struct DbFile {
    path: PathBuf,
    /// A scratch file: written without waiting for the disk, removed when replaced.
    scratch: bool,
}

impl DbFile {
    /// The `--db` file: durable, left where it is.
    pub(crate) fn durable(path: PathBuf) -> DbFile {
        DbFile {
            path,
            scratch: false,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn is_scratch(&self) -> bool {
        self.scratch
    }

    /// The path of one of the file's companions: `-wal` or `-shm`.
    pub(crate) fn companion(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(suffix);
        PathBuf::from(name)
    }

    /// Removes a scratch file and its companions by name. Connections that have them open keep
    /// reading what they opened (the space is freed when the last one closes); a new connection
    /// can no longer open them.
    pub(crate) fn remove(&self) {
        if !self.scratch {
            return;
        }
        for path in [
            self.path.clone(),
            self.companion("-wal"),
            self.companion("-shm"),
        ] {
            if let Err(e) = std::fs::remove_file(&path) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!("cannot remove {}: {e}", path.display());
                }
            }
        }
    }
}

/// The private directory of the default's scratch files, removed with everything in it when the
/// last handle to it is dropped (when the store stops).
///
/// A process that ends without dropping it (killed, or exiting with its servers still running)
/// leaves the directory behind; the next store to start removes it. Each directory holds a lock
/// file that its process keeps locked while it lives, which is how a left one is told apart.
#[derive(Debug)]
pub(crate) struct Scratch {
    dir: tempfile::TempDir,
    made: AtomicU64,
    /// The lock on [`OWNER`], held while the directory is in use.
    _owner: std::fs::File,
}

/// The names of the scratch directories in the temporary directory start with this.
const PREFIX: &str = "xxb-mock-";

/// The lock file of a scratch directory.
const OWNER: &str = "owner.lock";

impl Scratch {
    /// Makes the directory, readable by its owner only, in the temporary directory (`TMPDIR`),
    /// and removes those that processes which have ended left there, on a thread of its own: a
    /// temporary directory may hold thousands of entries, which the start need not wait for (the
    /// new directory is locked before it has its name, so it is never taken for one left behind).
    pub(crate) fn new() -> Result<Scratch, StoreError> {
        let temp = std::env::temp_dir();
        let _ = std::thread::Builder::new()
            .name("xxb-mock-sweep".into())
            .spawn(move || remove_left_behind(&temp));
        let unusable = |e: std::io::Error| StoreError::Unusable {
            path: std::env::temp_dir().display().to_string(),
            reason: format!(
                "the default store keeps its data in a private directory there, which cannot be \
                 made ({e}); set TMPDIR to a writable directory, or give --db FILE"
            ),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(PREFIX);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let dir = builder.tempdir().map_err(unusable)?;
        // Locked before it takes its name, so no other process ever sees it unlocked.
        let unnamed = dir.path().join(format!("{OWNER}.new"));
        let owner = std::fs::File::create(&unnamed).map_err(unusable)?;
        lock(&owner).map_err(unusable)?;
        std::fs::rename(&unnamed, dir.path().join(OWNER)).map_err(unusable)?;
        Ok(Scratch {
            dir,
            made: AtomicU64::new(0),
            _owner: owner,
        })
    }

    /// Removes the directory and everything in it now (dropping it would too; removing it twice
    /// is harmless).
    pub(crate) fn remove(&self) {
        if let Err(e) = std::fs::remove_dir_all(self.dir.path()) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("cannot remove {}: {e}", self.dir.path().display());
            }
        }
    }

    /// A new file name in the directory (the file is made when it is opened).
    pub(crate) fn fresh(&self) -> DbFile {
        let n = self.made.fetch_add(1, Ordering::Relaxed) + 1;
        DbFile {
            path: self.dir.path().join(format!("store-{n}.db")),
            scratch: true,
        }
    }
}

/// An exclusive lock on `file`, without waiting.
fn lock(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock(2) on a descriptor `file` owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Removes the scratch directories in `temp` whose lock nobody holds: their process has ended.
fn remove_left_behind(temp: &Path) {
    if cfg!(not(unix)) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let dir = entry.path();
        // Only a scratch directory has the lock file; anything else is left alone.
        let Ok(owner) = std::fs::File::open(dir.join(OWNER)) else {
            continue;
        };
        if lock(&owner).is_ok() {
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                tracing::debug!("cannot remove {}: {e}", dir.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_files_are_private_and_go_with_their_directory() {
        let scratch = Scratch::new().unwrap();
        let dir = scratch.dir.path().to_path_buf();
        let file = scratch.fresh();
        assert_eq!(file.path().parent(), Some(dir.as_path()));
        assert_ne!(scratch.fresh().path(), file.path(), "each file is new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner may enter: {mode:o}");
        }
        for path in [file.path().to_path_buf(), file.companion("-wal")] {
            std::fs::write(path, b"x").unwrap();
        }
        file.remove();
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [OWNER]);
        std::fs::write(file.path(), b"x").unwrap();
        drop(scratch);
        assert!(!dir.exists());
    }

    #[test]
    #[cfg(unix)]
    fn a_directory_left_by_an_ended_process_is_removed_and_nothing_else() {
        let temp = tempfile::tempdir().unwrap();
        let left = temp.path().join(format!("{PREFIX}left"));
        std::fs::create_dir(&left).unwrap();
        std::fs::write(left.join(OWNER), b"").unwrap();
        std::fs::write(left.join("store-1.db"), b"x").unwrap();
        let unrelated = temp.path().join(format!("{PREFIX}something-else"));
        std::fs::create_dir(&unrelated).unwrap();
        let in_use = temp.path().join(format!("{PREFIX}in-use"));
        std::fs::create_dir(&in_use).unwrap();
        let held = std::fs::File::create(in_use.join(OWNER)).unwrap();
        lock(&held).unwrap();
        remove_left_behind(temp.path());
        assert!(!left.exists(), "nobody held its lock");
        assert!(unrelated.exists(), "not a scratch directory");
        assert!(in_use.exists(), "its lock is held");
    }

    #[test]
    fn a_durable_file_is_never_removed() {
        let path = std::env::temp_dir().join(format!("xxb-mock-durable-{}", std::process::id()));
        std::fs::write(&path, b"x").unwrap();
        DbFile::durable(path.clone()).remove();
        assert!(path.exists());
        std::fs::remove_file(path).unwrap();
    }
}
