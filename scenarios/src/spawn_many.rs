//! `spawn_many` (W8-S6, `ensure_future`): the root spawns N tasks and awaits them all.
//! Same parameter as tokio's `spawn_many` bench (10 000).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rtbench_core::{Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo};

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
        let tasks = params.count("tasks");
        let runs = Arc::new(AtomicUsize::new(0));
        let task_runs = Arc::clone(&runs);
        let (elapsed, index_sum) = runtime.run(async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|index| {
                    let runs = Arc::clone(&task_runs);
                    R::spawn(async move {
                        runs.fetch_add(1, Ordering::Relaxed);
                        index
                    })
                })
                .collect();
            let mut index_sum = 0;
            for handle in handles {
                index_sum += handle.await?;
            }
            Ok::<_, ScenarioError>((start.elapsed(), index_sum))
        })?;
        let runs = runs.load(Ordering::Relaxed);
        ScenarioError::ensure(runs == tasks, || format!("{runs} task bodies ran, expected {tasks}"))?;
        let expected_sum = tasks * tasks.saturating_sub(1) / 2;
        ScenarioError::ensure(index_sum == expected_sum, || {
            format!("handles returned indices summing to {index_sum}, expected {expected_sum}")
        })?;
        Ok(Outcome::checked(format!("{tasks} tasks each ran once and returned their index"))
            .metric(Metric::nanos_per("ns/spawn", elapsed, tasks as u64)))
    }
}
