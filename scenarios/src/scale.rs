//! What the scale scenarios (`million_tasks`, `c10k`) share: the process's resident
//! memory, for their bytes-per-task figures, and a way to park many tasks on one event.
//!
//! Memory is read from `/proc/self/status` (`VmRSS`) rather than through an allocator hook: it is
//! what the operating system charges the process, whatever allocator or runtime-internal
//! arenas are involved. The figure is only meaningful in a process of its own (the
//! `rtbench` runner runs each cell in a child process).

use event_listener::Event;
use rtbench_core::ScenarioError;

/// Waits until `done()` holds; whoever may make it true notifies `event` afterwards.
/// Thousands of tasks can wait on one event: each holds one listener while it waits.
pub async fn wait_until(event: &Event, done: impl Fn() -> bool) {
    while !done() {
        let listener = event.listen();
        if done() {
            break;
        }
        listener.await;
    }
}

/// The resident set size of this process, in bytes.
///
/// Returns [`ScenarioError::Unsupported`] where `/proc/self/status` does not exist or has
/// no `VmRSS` line (non-Linux systems).
pub fn resident_bytes() -> Result<usize, ScenarioError> {
    let unsupported =
        || ScenarioError::Unsupported("RSS is read from /proc/self/status (Linux only)".into());
    let status = std::fs::read_to_string("/proc/self/status").map_err(|_| unsupported())?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse::<usize>().ok())
        .map(|kib| kib * 1024)
        .ok_or_else(unsupported)
}

#[cfg(test)]
mod tests {
    #[test]
    fn resident_memory_grows_when_pages_are_touched() {
        let Ok(before) = super::resident_bytes() else { return };
        let block = std::hint::black_box(vec![1u8; 64 << 20]);
        let after = super::resident_bytes().unwrap();
        assert!(after >= before + (32 << 20), "before {before}, after {after}");
        drop(block);
    }
}
