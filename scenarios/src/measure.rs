//! Wall-clock timing shared by the scenarios, so that every one of them measures the
//! same way: an [`Instant`] taken just before the measured work and read just after it,
//! inside the task that does the work (never around `block_on`, which would add the
//! runtime's start-up and shut-down to the figure).

use std::future::Future;
use std::time::{Duration, Instant};

/// Awaits `future` and returns its output with the time it took.
///
/// ```
/// let (value, elapsed) = futures::executor::block_on(rtbench_scenarios::measure::timed(async { 7 }));
/// assert_eq!(value, 7);
/// assert!(elapsed.as_secs() < 60);
/// ```
pub async fn timed<F: Future>(future: F) -> (F::Output, Duration) {
    let start = Instant::now();
    let output = future.await;
    (output, start.elapsed())
}

/// Calls `work` and returns its result with the time it took.
///
/// ```
/// let (value, elapsed) = rtbench_scenarios::measure::timed_sync(|| 6 * 7);
/// assert_eq!(value, 42);
/// assert!(elapsed.as_secs() < 60);
/// ```
pub fn timed_sync<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let output = work();
    (output, start.elapsed())
}
