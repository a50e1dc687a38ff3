//! `spawn_many` (W8-S6, `ensure_future`): the root spawns N tasks and awaits them all.
//! Same parameter as tokio's `spawn_many` bench (10 000).
//!
//! The task bodies and the check are [`Spawned`]'s, public so that the native twins
//! (`rtbench-native`) spawn the very same bodies and pass the very same check: a twin
//! cannot look faster by doing less.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::measure::timed;

/// Spawns `tasks` tasks from one root task and awaits every handle.
pub struct SpawnMany;

impl Scenario for SpawnMany {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "spawn_many",
        lesson: "W8-S6",
        summary: "the root spawns N tasks and awaits them all; each must run exactly once",
        params: &[ParamSpec {
            name: "tasks",
            help: "tasks spawned by the root",
            default: 10_000,
            quick: 10_000,
            test: 1_000,
            min: 1,
        }],
        requires: &[],
        elements: |params| params.get("tasks"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let spawned = Spawned::new(params);
        let bodies = spawned.bodies();
        let (index_sum, elapsed) = runtime.run(timed(async move {
            let handles: Vec<_> = bodies.map(R::spawn).collect();
            let mut index_sum = 0;
            for handle in handles {
                index_sum += handle.await?;
            }
            Ok::<_, ScenarioError>(index_sum)
        }));
        spawned.outcome(index_sum?, elapsed)
    }
}

/// One run's tasks: their bodies, and the count of bodies that ran.
pub struct Spawned {
    tasks: usize,
    runs: Arc<AtomicUsize>,
}

impl Spawned {
    /// The run of `params` (`tasks` bodies), none run yet.
    pub fn new(params: &Params) -> Self {
        Spawned { tasks: params.count("tasks"), runs: Arc::new(AtomicUsize::new(0)) }
    }

    /// The task bodies, one per task to spawn: each counts its run and returns its index.
    pub fn bodies(
        &self,
    ) -> impl Iterator<Item = impl Future<Output = usize> + Send + 'static> + Send + 'static {
        let runs = Arc::clone(&self.runs);
        (0..self.tasks).map(move |index| {
            let runs = Arc::clone(&runs);
            async move {
                runs.fetch_add(1, Ordering::Relaxed);
                index
            }
        })
    }

    /// Checks that every body ran once and that the awaited handles returned indices
    /// summing to `index_sum`; reports ns/spawn over `elapsed`.
    pub fn outcome(&self, index_sum: usize, elapsed: Duration) -> Result<Outcome, ScenarioError> {
        let (tasks, runs) = (self.tasks, self.runs.load(Ordering::Relaxed));
        ScenarioError::ensure(runs == tasks, || format!("{runs} task bodies ran, expected {tasks}"))?;
        let expected_sum = tasks * tasks.saturating_sub(1) / 2;
        ScenarioError::ensure(index_sum == expected_sum, || {
            format!("handles returned indices summing to {index_sum}, expected {expected_sum}")
        })?;
        Ok(Outcome::checked(format!("{tasks} tasks each ran once and returned their index"))
            .metric(Metric::nanos_per("ns/spawn", elapsed, tasks as u64)))
    }
}
