//! Measurement shared by the scenarios, so that every figure in the tables is computed
//! the same way:
//! - wall-clock timing ([`timed`], [`timed_sync`]): an [`Instant`] taken just before the
//!   measured work and read just after it, inside the task that does the work (never
//!   around `block_on`, which would add the runtime's start-up and shut-down);
//! - latency distributions ([`Latencies`]): durations go into an HDR histogram
//!   (`hdrhistogram`, 3 significant digits) and come out as percentile [`Metric`]s.
//!
//! ```
//! use std::time::Duration;
//! use rtbench_scenarios::measure::{Latencies, Unit};
//!
//! let mut latencies = Latencies::new();
//! for millis in 1..=100 {
//!     latencies.record(Duration::from_millis(millis));
//! }
//! let p50 = latencies.percentile("p50 µs", 50.0, Unit::Micros);
//! assert!((49_900.0..=50_100.0).contains(&p50.value), "{}", p50.value);
//! let p99 = latencies.percentile("p99 ns", 99.0, Unit::Nanos);
//! assert!((98_900_000.0..=99_100_000.0).contains(&p99.value), "{}", p99.value);
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use rtbench_core::Metric;

/// The unit a percentile is reported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Nanoseconds: for sub-microsecond costs (cancel, wake-ups).
    Nanos,
    /// Microseconds: for timer lateness.
    Micros,
}

impl Unit {
    fn of_nanos(self, nanos: u64) -> f64 {
        match self {
            Unit::Nanos => nanos as f64,
            Unit::Micros => nanos as f64 / 1_000.0,
        }
    }
}

/// The longest duration told apart, in nanoseconds: one hour.
const LONGEST_NANOS: u64 = 3_600_000_000_000;

/// A distribution of durations, recorded in nanoseconds.
#[derive(Clone, Debug)]
pub struct Latencies {
    histogram: Histogram<u64>,
}

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Latencies {
    /// An empty distribution of durations from 0 to an hour.
    pub fn new() -> Self {
        let histogram = Histogram::new_with_bounds(1, LONGEST_NANOS, 3)
            .expect("1 ns to 1 h at 3 significant digits is a valid range");
        Latencies { histogram }
    }

    /// Adds one duration (durations beyond an hour are recorded as an hour).
    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.histogram.saturating_record(nanos);
    }

    /// The `percentile` (0–100) as a lower-is-better metric called `name`.
    pub fn percentile(&self, name: &'static str, percentile: f64, unit: Unit) -> Metric {
        Metric::lower(name, unit.of_nanos(self.histogram.value_at_percentile(percentile)))
    }
}

/// Milliseconds as a float, for metrics and messages.
pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

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
