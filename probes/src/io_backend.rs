//! Which kernel interface a runtime's reactor uses, read from `/proc/self`: an epoll
//! instance whose interest list holds the runtime's socket (`/proc/self/fdinfo`), or
//! io_uring instances the runtime opened (`anon_inode:[io_uring]` in `/proc/self/fd`).

use std::fmt;
use std::path::Path;

/// The observed I/O backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IoBackend {
    /// A socket of the runtime is registered with an epoll instance.
    Epoll,
    /// The runtime opened io_uring instances.
    IoUring,
    /// The runtime has no reactor of its own (nothing to observe).
    None,
    /// Neither was seen (or `/proc` is not available); the text says what was seen.
    Unknown(String),
}

impl fmt::Display for IoBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoBackend::Epoll => f.write_str("epoll"),
            IoBackend::IoUring => f.write_str("io_uring"),
            IoBackend::None => f.write_str("none of its own"),
            IoBackend::Unknown(seen) => write!(f, "unknown ({seen})"),
        }
    }
}

/// The process's open file descriptors and what they are, at one moment.
#[derive(Clone, Debug, Default)]
pub struct FdSnapshot {
    entries: Vec<(i32, String)>,
}

impl FdSnapshot {
    /// Reads `/proc/self/fd` (empty where there is no `/proc`).
    pub fn take() -> Self {
        let entries = std::fs::read_dir("/proc/self/fd")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let fd = entry.file_name().to_str()?.parse().ok()?;
                let target = std::fs::read_link(entry.path()).ok()?;
                Some((fd, target.to_string_lossy().into_owned()))
            })
            .collect();
        FdSnapshot { entries }
    }

    fn count(&self, kind: &str) -> usize {
        self.entries.iter().filter(|(_, target)| target == kind).count()
    }

    fn epolls(&self) -> impl Iterator<Item = i32> + '_ {
        self.entries.iter().filter(|(_, t)| t == EPOLL).map(|(fd, _)| *fd)
    }
}

const EPOLL: &str = "anon_inode:[eventpoll]";
const IO_URING: &str = "anon_inode:[io_uring]";

impl IoBackend {
    /// Classifies from `socket` (a socket the runtime registered, if it exposes one)
    /// and the fd tables before the runtime was built and while it runs.
    pub fn observe(socket: Option<i32>, before: &FdSnapshot, now: &FdSnapshot) -> Self {
        if !Path::new("/proc/self/fdinfo").exists() {
            return IoBackend::Unknown("no /proc/self/fdinfo".to_owned());
        }
        if let Some(socket) = socket {
            if now.epolls().any(|epoll| epoll_watches(epoll, socket)) {
                return IoBackend::Epoll;
            }
        }
        if now.count(IO_URING) > before.count(IO_URING) {
            return IoBackend::IoUring;
        }
        IoBackend::Unknown(format!(
            "{} epoll and {} io_uring instances open",
            now.count(EPOLL),
            now.count(IO_URING)
        ))
    }
}

/// Whether the epoll instance `epoll` has `fd` in its interest list (`tfd:` lines).
fn epoll_watches(epoll: i32, fd: i32) -> bool {
    let Ok(info) = std::fs::read_to_string(format!("/proc/self/fdinfo/{epoll}")) else {
        return false;
    };
    info.lines().any(|line| {
        line.strip_prefix("tfd:")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<i32>().ok())
            == Some(fd)
    })
}
