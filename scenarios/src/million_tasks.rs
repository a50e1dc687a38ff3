//! `million_tasks` (W8-S1: coroutines let one "héberger des dizaines de milliers, voire
//! des centaines de milliers, de requêtes en parallèle"): N tasks (default 1 000 000)
//! alive at once, all parked on one shared [`Event`], then released together.
//!
//! What a task costs is measured from the outside, as a user would see it: the process's
//! resident memory (RSS, from `/proc/self/status`) once every task is parked, minus the
//! RSS before the first spawn, divided by N. It includes the runtime's task allocation,
//! the future's state and one event-listener registration per task; join handles are
//! dropped (tasks detached) so they are not counted. The figure is only meaningful in a
//! process of its own, which is how the `rtbench` runner runs every cell.
//!
//! Checks: every task parked before the release, and every task completed exactly once
//! after it (their indices sum to N(N-1)/2).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use event_listener::Event;
use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::scale::{resident_bytes, wait_until};

/// Parks N tasks on one event, then releases them all.
pub struct MillionTasks;

/// What the tasks share: the gate they park on and the counters the root waits for.
#[derive(Default)]
struct Gate {
    open: AtomicBool,
    released: Event,
    parked: AtomicUsize,
    all_parked: Event,
    completed: AtomicUsize,
    index_sum: AtomicUsize,
    all_completed: Event,
}

impl Gate {
    /// One task's life: park, wait for the release, report completion.
    async fn task(self: Arc<Self>, index: usize, tasks: usize) {
        if self.parked.fetch_add(1, Ordering::AcqRel) + 1 == tasks {
            self.all_parked.notify(usize::MAX);
        }
        wait_until(&self.released, || self.open.load(Ordering::Acquire)).await;
        self.index_sum.fetch_add(index, Ordering::Relaxed);
        if self.completed.fetch_add(1, Ordering::AcqRel) + 1 == tasks {
            self.all_completed.notify(usize::MAX);
        }
    }
}

impl Scenario for MillionTasks {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "million_tasks",
        lesson: "W8-S1",
        summary: "N tasks alive at once, parked on one event, then released; all must complete; \
                  bytes per task from the process RSS",
        params: &[ParamSpec {
            name: "tasks",
            help: "tasks alive at the same time",
            default: 1_000_000,
            quick: 100_000,
            test: 10_000,
            min: 1,
        }],
        requires: &[],
        elements: |params| params.get("tasks"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let tasks = params.count("tasks");
        let gate = Arc::new(Gate::default());
        let root_gate = Arc::clone(&gate);
        let (rss_before, rss_parked, elapsed) = runtime.run(async move {
            let gate = root_gate;
            let rss_before = resident_bytes()?;
            let start = Instant::now();
            for index in 0..tasks {
                drop(R::spawn(Arc::clone(&gate).task(index, tasks)));
            }
            wait_until(&gate.all_parked, || gate.parked.load(Ordering::Acquire) == tasks)
                .await;
            let rss_parked = resident_bytes()?;
            let parked_early = gate.completed.load(Ordering::Acquire);
            ScenarioError::ensure(parked_early == 0, || {
                format!("{parked_early} tasks completed before the release")
            })?;
            gate.open.store(true, Ordering::Release);
            gate.released.notify(usize::MAX);
            wait_until(&gate.all_completed, || {
                gate.completed.load(Ordering::Acquire) == tasks
            })
            .await;
            Ok::<_, ScenarioError>((rss_before, rss_parked, start.elapsed()))
        })?;
        let completed = gate.completed.load(Ordering::Acquire);
        ScenarioError::ensure(completed == tasks, || {
            format!("{completed} tasks completed, expected {tasks}")
        })?;
        let index_sum = gate.index_sum.load(Ordering::Acquire);
        let expected_sum = tasks * tasks.saturating_sub(1) / 2;
        ScenarioError::ensure(index_sum == expected_sum, || {
            format!("completed tasks' indices sum to {index_sum}, expected {expected_sum}")
        })?;
        let bytes_per_task = rss_parked.saturating_sub(rss_before) as f64 / tasks.max(1) as f64;
        Ok(Outcome::checked(format!(
            "{tasks} tasks were parked at once, then each completed exactly once"
        ))
        .metric(Metric::lower("bytes/task", bytes_per_task))
        .metric(Metric::nanos_per("ns/task", elapsed, tasks as u64))
        .note("bytes/task is the RSS growth while all tasks are parked (task, future, one listener)"))
    }
}
