//! Process limits that decide whether some cells can run at all, read (and, for open
//! files, raised) before the cells that need them.
//!
//! - Open files: `c10k`'s server holds one descriptor per connection (its load
//!   generator, another process, the other; two when the generator runs in the same
//!   process), `tcp_echo` two per client. Every worker raises its
//!   soft limit to the hard one before running a cell (harmless elsewhere); the scenario
//!   then checks its exact need and reports `n/a` with the numbers if it is still short.
//! - Locked memory and io_uring: glommio needs both; its adapter's constructor reports
//!   `Unavailable(reason)`, which the runner shows as `n/a`. They are recorded here so a
//!   reader of the results can see why.

use serde::{Deserialize, Serialize};

/// The limits recorded with every run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// `RLIMIT_NOFILE` soft limit.
    pub open_files_soft: Option<u64>,
    /// `RLIMIT_NOFILE` hard limit.
    pub open_files_hard: Option<u64>,
    /// `RLIMIT_MEMLOCK` soft limit, bytes.
    pub memlock_soft: Option<u64>,
    /// `RLIMIT_MEMLOCK` hard limit, bytes.
    pub memlock_hard: Option<u64>,
    /// `/proc/sys/kernel/io_uring_disabled` (0 = enabled); `None` where it does not exist.
    pub io_uring_disabled: Option<u8>,
}

impl Limits {
    /// The limits of this process now.
    pub fn current() -> Self {
        let (open_files_soft, open_files_hard) = get(rlimit::Resource::NOFILE);
        let (memlock_soft, memlock_hard) = get(rlimit::Resource::MEMLOCK);
        let io_uring_disabled = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled")
            .ok()
            .and_then(|text| text.trim().parse().ok());
        Limits { open_files_soft, open_files_hard, memlock_soft, memlock_hard, io_uring_disabled }
    }

    /// One line for `rtbench list` and the report.
    pub fn summary(&self) -> String {
        let show = |limit: Option<u64>, scale: u64, unit: &str| match limit {
            Some(value) if value == rlimit::INFINITY => "unlimited".to_owned(),
            Some(value) => format!("{}{unit}", value / scale),
            None => "?".to_owned(),
        };
        let io_uring = match self.io_uring_disabled {
            Some(0) => "enabled",
            Some(_) => "disabled by sysctl",
            None => "unknown",
        };
        format!(
            "open files {} soft / {} hard; locked memory {} / {}; io_uring {io_uring}",
            show(self.open_files_soft, 1, ""),
            show(self.open_files_hard, 1, ""),
            show(self.memlock_soft, 1024, " KiB"),
            show(self.memlock_hard, 1024, " KiB"),
        )
    }
}

fn get(resource: rlimit::Resource) -> (Option<u64>, Option<u64>) {
    resource.get().map_or((None, None), |(soft, hard)| (Some(soft), Some(hard)))
}

/// Raises this process's soft open-file limit to its hard limit. Failure is not an
/// error here: the cells that need more say so themselves, with numbers.
pub fn raise_open_files() {
    if let Ok((soft, hard)) = rlimit::Resource::NOFILE.get() {
        if soft < hard {
            let _ = rlimit::Resource::NOFILE.set(hard, hard);
        }
    }
}
