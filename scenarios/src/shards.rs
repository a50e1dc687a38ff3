//! Sharded runs ([`Runtime::run_sharded`]), timed, checked and described the same way
//! by every scenario that shards.
//!
//! Each shard times its own root ([`ShardRun`]); the figure of the run is the wall time
//! from the first shard's start to the last one's end ([`span`]), so a shard that
//! finishes late (more work, a slower CPU) counts. Checks run per shard, their failures
//! naming the shard ([`check_each`]), and then on the total, by the scenario.

use std::future::Future;
use std::time::{Duration, Instant};

use rtbench_core::{Runtime, ScenarioError, Shard};

/// What one shard's root produced, and when it ran.
#[derive(Debug)]
pub struct ShardRun<T> {
    /// Which shard it was.
    pub shard: Shard,
    /// Its root's output.
    pub output: T,
    /// When its root started and ended (after its future was built).
    pub start: Instant,
    pub end: Instant,
}

/// Runs `root` once per shard of `runtime`, each timed inside its shard.
pub fn run_timed<R, F, Fut>(runtime: &R, root: F) -> Vec<ShardRun<Fut::Output>>
where
    R: Runtime,
    F: Fn(Shard) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    runtime.run_sharded(move |shard| {
        let work = root(shard);
        async move {
            let start = Instant::now();
            let output = work.await;
            ShardRun { shard, output, start, end: Instant::now() }
        }
    })
}

/// From the first shard's start to the last one's end.
pub fn span<T>(runs: &[ShardRun<T>]) -> Duration {
    let start = runs.iter().map(|run| run.start).min();
    let end = runs.iter().map(|run| run.end).max();
    match (start, end) {
        (Some(start), Some(end)) => end.saturating_duration_since(start),
        _ => Duration::ZERO,
    }
}

/// `check` on every shard; the first failure, prefixed with `shard i/N: ` when there
/// are several.
pub fn check_each<T>(
    runs: &[ShardRun<T>],
    check: impl Fn(&ShardRun<T>) -> Result<(), ScenarioError>,
) -> Result<(), ScenarioError> {
    for run in runs {
        check(run).map_err(|error| in_shard(run.shard, error))?;
    }
    Ok(())
}

/// Each shard's output, once every shard succeeded; else the first shard's error, named
/// as [`check_each`] names it.
pub fn outputs<T>(
    runs: Vec<ShardRun<Result<T, ScenarioError>>>,
) -> Result<Vec<ShardRun<T>>, ScenarioError> {
    runs.into_iter()
        .map(|ShardRun { shard, output, start, end }| match output {
            Ok(output) => Ok(ShardRun { shard, output, start, end }),
            Err(error) => Err(in_shard(shard, error)),
        })
        .collect()
}

/// `error` prefixed with `shard i/N: ` when it is a failed check and there are several
/// shards.
fn in_shard(shard: Shard, error: ScenarioError) -> ScenarioError {
    match (error, shard.count) {
        (error, 1) => error,
        (ScenarioError::Check(message), count) => {
            ScenarioError::Check(format!("shard {}/{count}: {message}", shard.index))
        }
        (other, _) => other,
    }
}

/// Where the shards ran, for the outcome's notes; `None` for an unsharded run.
pub fn placement_note<T>(runs: &[ShardRun<T>]) -> Option<String> {
    let count = runs.len();
    if count < 2 {
        return None;
    }
    let cpus: Option<Vec<String>> =
        runs.iter().map(|run| run.shard.cpu.map(|cpu| cpu.to_string())).collect();
    Some(match cpus {
        Some(cpus) => format!("{count} shards pinned to CPUs {}", cpus.join(",")),
        None => format!("{count} shards, not pinned (the process may use fewer CPUs than that)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(index: usize, start: Instant, millis: u64) -> ShardRun<()> {
        let shard = Shard { index, count: 2, cpu: Some(index) };
        ShardRun { shard, output: (), start, end: start + Duration::from_millis(millis) }
    }

    #[test]
    fn the_span_runs_from_the_first_start_to_the_last_end() {
        let t0 = Instant::now();
        let runs = [run(0, t0 + Duration::from_millis(2), 3), run(1, t0, 10)];
        assert_eq!(span(&runs), Duration::from_millis(10));
        assert_eq!(placement_note(&runs).unwrap(), "2 shards pinned to CPUs 0,1");
    }

    #[test]
    fn a_failed_check_names_its_shard() {
        let t0 = Instant::now();
        let runs = [run(0, t0, 1), run(1, t0, 1)];
        let error = check_each(&runs, |run| {
            ScenarioError::ensure(run.shard.index == 0, || "lost a task".into())
        });
        assert_eq!(error.unwrap_err().to_string(), "check failed: shard 1/2: lost a task");
    }

    #[test]
    fn outputs_are_kept_in_shard_order_unless_a_shard_failed() {
        let t0 = Instant::now();
        let with = |outputs: [Result<u8, &str>; 2]| {
            let runs = outputs.into_iter().enumerate().map(|(index, output)| {
                let output = output.map_err(|message| ScenarioError::Check(message.into()));
                let ShardRun { shard, start, end, .. } = run(index, t0, 1);
                ShardRun { shard, output, start, end }
            });
            outputs_of(runs.collect())
        };
        assert_eq!(with([Ok(3), Ok(4)]).unwrap(), [3, 4]);
        assert_eq!(with([Ok(3), Err("no")]).unwrap_err(), "check failed: shard 1/2: no");
    }

    fn outputs_of(runs: Vec<ShardRun<Result<u8, ScenarioError>>>) -> Result<Vec<u8>, String> {
        let runs = outputs(runs).map_err(|error| error.to_string())?;
        Ok(runs.into_iter().map(|run| run.output).collect())
    }
}
