//! `timers` (W8-S6, the event loop's timer queue): N tasks each sleep a random 1–100 ms
//! (the course's `asyncio.sleep` in seconds, scaled to milliseconds). Every sleep must
//! end, none before its deadline; how *late* they end under load — the timer wheel's
//! granularity plus the time to get back to the task — is the figure compared.
//!
//! All N tasks start at once, so lateness includes the loop's backlog: a short sleep
//! that expires while thousands of tasks still wait for their first poll is queued
//! behind them. That is the scenario's point (a loop with 100 000 timers), not noise.
//! The durations come from a fixed-seed RNG, so every runtime sleeps the same set.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::try_join_all;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rtbench_core::{Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo};

use crate::measure::{Latencies, Unit};

/// The RNG seed: every runtime draws the same durations.
const SEED: u64 = 0x7133_2026;

/// How long past the longest sleep the run waits before declaring sleepers lost: far
/// beyond any lateness, so only a timer that never fires trips it.
const WAKE_GRACE: Duration = Duration::from_secs(30);

/// Spawns N sleeping tasks and records how late each one woke.
pub struct Timers;

impl Scenario for Timers {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "timers",
        lesson: "W8-S6",
        summary: "N tasks sleep a random 1..=max ms; none may wake early and all must wake",
        params: &[
            ParamSpec {
                name: "tasks",
                help: "sleeping tasks, all alive at once",
                default: 100_000,
                quick: 10_000,
                test: 1_000,
                min: 1,
            },
            ParamSpec {
                name: "max_ms",
                help: "longest sleep in ms (each sleep is uniform in 1..=max_ms)",
                default: 100,
                quick: 50,
                test: 100,
                min: 1,
            },
        ],
        requires: &[],
        elements: |params| params.get("tasks"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let tasks = params.count("tasks");
        let max_ms = params.get("max_ms").max(1);
        let mut rng = SmallRng::seed_from_u64(SEED);
        let sleeps: Vec<Duration> =
            (0..tasks).map(|_| Duration::from_millis(rng.gen_range(1..=max_ms))).collect();
        let woken = Arc::new(AtomicUsize::new(0));
        let task_woken = Arc::clone(&woken);
        let deadline = Duration::from_millis(max_ms) + WAKE_GRACE;
        let overshoots = runtime.run(async move {
            let handles: Vec<_> = sleeps
                .into_iter()
                .map(|sleep| {
                    let woken = Arc::clone(&task_woken);
                    R::spawn(async move {
                        let start = Instant::now();
                        R::sleep(sleep).await;
                        woken.fetch_add(1, Ordering::Relaxed);
                        start.elapsed().checked_sub(sleep).ok_or(sleep)
                    })
                })
                .collect();
            R::timeout(deadline, try_join_all(handles)).await
        });
        let overshoots = overshoots.map_err(|_| {
            let woken = woken.load(Ordering::Relaxed);
            ScenarioError::Check(format!("{woken} of {tasks} sleepers woke within {deadline:?}"))
        })??;
        let mut lateness = Latencies::new();
        for overshoot in overshoots {
            let late = overshoot.map_err(|sleep| {
                ScenarioError::Check(format!("a sleep of {sleep:?} ended before its deadline"))
            })?;
            lateness.record(late);
        }
        Ok(Outcome::checked(format!(
            "{tasks} sleeps of 1..={max_ms} ms all ended, none before its deadline"
        ))
        .metric(lateness.percentile("lateness p99 µs", 99.0, Unit::Micros))
        .metric(lateness.percentile("lateness p50 µs", 50.0, Unit::Micros)))
    }
}
