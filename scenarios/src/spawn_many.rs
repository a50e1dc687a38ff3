//! `spawn_many` (W8-S6, `ensure_future`): the root spawns N tasks and awaits them all.
//! Same parameter as tokio's `spawn_many` bench (10 000).
//!
//! On a per-core flavour it shards: each shard's root spawns its share of the N tasks on
//! its own executor, and each shard's index sum is checked, then the total. Elsewhere
//! there is one shard and one root spawning all N, as in tokio's bench (the native twins
//! do the same); the work-stealing pools spread the tasks by stealing. For one spawner
//! per thread on every flavour, see `fan_out`.
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
    Sharding,
};

use crate::shards::{check_each, placement_note, run_timed, span};

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

    const SHARDING: Sharding = Sharding::Sharded;

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let spawned = Spawned::new(params);
        let root = spawned.sharded();
        let runs = run_timed(runtime, move |shard| {
            let bodies = root.bodies_in(shard.share(root.tasks));
            async move {
                let handles: Vec<_> = bodies.map(R::spawn).collect();
                let mut index_sum = 0;
                for handle in handles {
                    index_sum += handle.await?;
                }
                Ok::<_, ScenarioError>(index_sum)
            }
        });
        check_each(&runs, |run| {
            let index_sum = run.output.as_ref().map_err(|e| ScenarioError::Check(e.to_string()))?;
            let expected: usize = run.shard.share(spawned.tasks).sum();
            ScenarioError::ensure(*index_sum == expected, || {
                format!("its handles returned indices summing to {index_sum}, expected {expected}")
            })
        })?;
        let index_sum = runs.iter().map(|run| *run.output.as_ref().expect("checked above")).sum();
        let mut outcome = spawned.outcome(index_sum, span(&runs))?;
        outcome.notes.extend(placement_note(&runs));
        Ok(outcome)
    }
}

/// One run's tasks: their bodies, and the count of bodies that ran.
#[derive(Clone)]
pub struct Spawned {
    tasks: usize,
    runs: Arc<AtomicUsize>,
}

impl Spawned {
    /// The run of `params` (`tasks` bodies), none run yet.
    pub fn new(params: &Params) -> Self {
        Spawned { tasks: params.count("tasks"), runs: Arc::new(AtomicUsize::new(0)) }
    }

    /// A handle on the same run (the same counter) for the shards to share.
    fn sharded(&self) -> Arc<Spawned> {
        Arc::new(self.clone())
    }

    /// The task bodies, one per task to spawn: each counts its run and returns its index.
    pub fn bodies(
        &self,
    ) -> impl Iterator<Item = impl Future<Output = usize> + Send + 'static> + Send + 'static {
        self.bodies_in(0..self.tasks)
    }

    /// The bodies of the tasks whose indices are in `indices`.
    fn bodies_in(
        &self,
        indices: std::ops::Range<usize>,
    ) -> impl Iterator<Item = impl Future<Output = usize> + Send + 'static> + Send + 'static {
        let runs = Arc::clone(&self.runs);
        indices.map(move |index| {
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
