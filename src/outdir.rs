//! The results directory (`--out DIR`) as one process at a time owns it.
//!
//! Two runs writing one `results.jsonl` interleave their lines and lose cells, so `run`
//! and `report` take an exclusive lock on `DIR/.rtbench.lock` (an OS file lock: it goes
//! with the process, however that ends) and say who holds it when they cannot.
//! A directory rtbench creates gets a `.gitignore` of `*`: results written inside a
//! checkout are measurements, not sources, and do not show up as untracked files.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::results::FILE_NAME;

/// The lock file's name.
const LOCK_FILE: &str = ".rtbench.lock";

/// Why a directory could not be taken.
#[derive(Debug)]
pub enum OutDirError {
    /// Another process holds it (a usage error: exit 2).
    InUse(String),
    /// It could not be created or locked.
    Io(String, io::Error),
}

impl std::fmt::Display for OutDirError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutDirError::InUse(message) => f.write_str(message),
            OutDirError::Io(what, error) => write!(f, "{what}: {error}"),
        }
    }
}

/// A results directory this process holds the lock of, until dropped.
#[derive(Debug)]
pub struct OutDir {
    path: PathBuf,
    _lock: File,
}

impl OutDir {
    /// Creates `dir` if needed (with its `.gitignore`) and locks it; `InUse` when another
    /// process has it.
    pub fn lock(dir: &Path) -> Result<Self, OutDirError> {
        let io_error = |what: &str, path: &Path| {
            let what = format!("{what} {}", path.display());
            move |error| OutDirError::Io(what, error)
        };
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(io_error("cannot create", dir))?;
            let ignore = dir.join(".gitignore");
            fs::write(&ignore, "# Written by rtbench: measurements, not sources.\n*\n")
                .map_err(io_error("cannot write", &ignore))?;
        }
        let lock_path = dir.join(LOCK_FILE);
        let mut lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error("cannot open", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(&lock_path).unwrap_or_default();
                return Err(OutDirError::InUse(format!(
                    "{} is in use by another rtbench ({}); wait for it to finish, or use \
                     another --out",
                    dir.display(),
                    holder.trim()
                )));
            }
            Err(TryLockError::Error(error)) => {
                return Err(io_error("cannot lock", &lock_path)(error));
            }
        }
        let holder = format!(
            "pid {}: rtbench {}\n",
            std::process::id(),
            std::env::args().skip(1).collect::<Vec<_>>().join(" ")
        );
        lock.set_len(0)
            .and_then(|()| lock.write_all(holder.as_bytes()))
            .map_err(io_error("cannot write", &lock_path))?;
        Ok(OutDir { path: dir.to_owned(), _lock: lock })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `DIR/results.jsonl`.
    pub fn results_file(&self) -> PathBuf {
        self.path.join(FILE_NAME)
    }

    /// Renames `results.jsonl` to `results-replaced-<unix time>.jsonl` (never over an
    /// existing file) and returns the new path: what `--force` keeps of the old run.
    pub fn set_results_aside(&self) -> io::Result<PathBuf> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let aside = (0..)
            .map(|n| match n {
                0 => self.path.join(format!("results-replaced-{now}.jsonl")),
                n => self.path.join(format!("results-replaced-{now}-{n}.jsonl")),
            })
            .find(|path| !path.exists())
            .expect("some name is free");
        fs::rename(self.results_file(), &aside)?;
        Ok(aside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_has_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = OutDir::lock(&out).unwrap();
        assert_eq!(fs::read_to_string(out.join(".gitignore")).unwrap().lines().last(), Some("*"));
        // A second open file description conflicts with the first even in one process.
        match OutDir::lock(&out) {
            Err(OutDirError::InUse(message)) => {
                assert!(message.contains(&format!("pid {}", std::process::id())), "{message}");
            }
            other => panic!("expected InUse, got {other:?}"),
        }
        drop(first);
        OutDir::lock(&out).expect("free again once the holder is gone");
    }

    #[test]
    fn setting_results_aside_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::lock(dir.path()).unwrap();
        fs::write(out.results_file(), "one").unwrap();
        let first = out.set_results_aside().unwrap();
        fs::write(out.results_file(), "two").unwrap();
        let second = out.set_results_aside().unwrap();
        assert_ne!(first, second);
        assert_eq!(fs::read_to_string(first).unwrap(), "one");
        assert_eq!(fs::read_to_string(second).unwrap(), "two");
        assert!(!out.results_file().exists());
    }
}
