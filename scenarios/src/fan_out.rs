//! `fan_out` and `fan_out_skewed`: work that can spread over cores, and work that
//! cannot be split evenly up front — the two cases that decide between work stealing
//! and one executor per core.
//!
//! M independent tasks each do a fixed slice of CPU work (W steps of a 64-bit linear
//! congruential generator, a dependent multiply-add chain kept step by step),
//! yielding once halfway; the total work is constant whatever the thread count. The work
//! is handed out by *spawners*, one per thread of the flavour: each is a task that
//! spawns its share of the M tasks and awaits them. On a per-core flavour each shard
//! runs its own spawner, whose tasks stay on its executor; on a work-stealing flavour
//! the spawners and their tasks share one pool and idle workers steal.
//!
//! - `fan_out` (this module): the tasks are split evenly between spawners;
//! - `fan_out_skewed` ([`crate::fan_out_skewed`]): spawner 0 gets `skew` % of them and the others share the rest —
//!   the counter-case where work stealing should win, since a shard cannot hand its
//!   surplus to an idle one.
//!
//! The check: every task's result is the generator's state after exactly W steps from
//! its own seed, computed independently in O(log W) by jump-ahead; each spawner's sum of
//! results is checked, per shard, and the total over all tasks.

use std::hint::black_box;
use std::ops::Range;

use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
    Sharding, Shard,
};

use crate::shards::{check_each, placement_note, run_timed, span};

/// Evenly split CPU-bound tasks.
pub struct FanOut;

pub(crate) const TASKS: ParamSpec = ParamSpec {
    name: "tasks",
    help: "independent tasks in all",
    default: 2_000,
    quick: 400,
    test: 16,
    min: 1,
};

pub(crate) const WORK: ParamSpec = ParamSpec {
    name: "work",
    help: "generator steps per task (a few ns each)",
    default: 50_000,
    quick: 20_000,
    test: 1_000,
    min: 2,
};

impl Scenario for FanOut {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "fan_out",
        lesson: "multi-core",
        summary: "M independent CPU-bound tasks split evenly between one spawner per thread; \
                  every task's result checked",
        params: &[TASKS, WORK],
        requires: &[],
        elements: |params| params.get("tasks"),
    };
    const SHARDING: Sharding = Sharding::Sharded;

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        fan_out(runtime, params, Split::Even)
    }
}

/// How the tasks are divided between spawners.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Split {
    /// As evenly as the count allows.
    Even,
    /// Spawner 0 takes `percent` % (rounded up); the others share the rest evenly.
    Skewed { percent: u64 },
}

impl Split {
    /// The task indices of spawner `part` of `parts`.
    fn tasks_of(self, part: usize, parts: usize, tasks: usize) -> Range<usize> {
        let even = |index, count, total| Shard { index, count, cpu: None }.share(total);
        match self {
            Split::Skewed { percent } if parts > 1 => {
                let heavy = (tasks as u64 * percent).div_ceil(100) as usize;
                match part {
                    0 => 0..heavy,
                    _ => {
                        let rest = even(part - 1, parts - 1, tasks - heavy);
                        heavy + rest.start..heavy + rest.end
                    }
                }
            }
            _ => even(part, parts, tasks),
        }
    }
}

/// What one spawner did: its tasks and the sum of their results.
#[derive(Debug)]
struct Part {
    tasks: Range<usize>,
    sum: u64,
}

/// Runs the tasks of `params` split by `split`, checks them and reports ns/task.
pub(crate) fn fan_out<R: Runtime>(
    runtime: &R,
    params: &Params,
    split: Split,
) -> Result<Outcome, ScenarioError> {
    let (tasks, work) = (params.count("tasks"), params.get("work"));
    let parts = runtime.threads();
    let runs = run_timed(runtime, move |shard| async move {
        let spawners: Vec<_> = shard
            .share(parts)
            .map(|part| R::spawn(spawner::<R>(split.tasks_of(part, parts, tasks), work)))
            .collect();
        let mut done = Vec::with_capacity(spawners.len());
        for spawner in spawners {
            done.push(spawner.await??);
        }
        Ok::<_, ScenarioError>(done)
    });
    check_each(&runs, |run| {
        let parts = run.output.as_ref().map_err(|e| ScenarioError::Check(e.to_string()))?;
        for part in parts {
            let expected: u64 = part.tasks.clone().map(|task| expected(task, work)).fold(0, u64::wrapping_add);
            ScenarioError::ensure(part.sum == expected, || {
                format!("tasks {:?}: results sum to {:#x}, expected {expected:#x}", part.tasks, part.sum)
            })?;
        }
        Ok(())
    })?;
    let sizes: Vec<usize> = runs
        .iter()
        .flat_map(|run| run.output.as_ref().expect("checked above"))
        .map(|part| part.tasks.len())
        .collect();
    let (ran, heaviest) = (sizes.iter().sum::<usize>(), sizes.iter().copied().max().unwrap_or(0));
    ScenarioError::ensure(ran == tasks, || format!("{ran} tasks ran, expected {tasks}"))?;
    let elapsed = span(&runs);
    let mut outcome = Outcome::checked(format!(
        "{tasks} tasks × {work} steps over {parts} spawner(s) in {} shard(s): each task's \
         result, each spawner's sum and the total checked",
        runs.len()
    ))
    .metric(Metric::nanos_per("ns/task", elapsed, tasks as u64))
    .note(format!("the busiest spawner had {heaviest} of {tasks} tasks"));
    outcome.notes.extend(placement_note(&runs));
    Ok(outcome)
}

/// Spawns one task per index of `tasks` and sums their results.
async fn spawner<R: Runtime>(tasks: Range<usize>, work: u64) -> Result<Part, ScenarioError> {
    let handles: Vec<_> = tasks.clone().map(|task| R::spawn(task_body::<R>(task, work))).collect();
    let mut sum = 0u64;
    for handle in handles {
        sum = sum.wrapping_add(handle.await?);
    }
    Ok(Part { tasks, sum })
}

/// `work` generator steps from the task's seed, yielding once halfway.
async fn task_body<R: Runtime>(task: usize, work: u64) -> u64 {
    let half = steps(seed(task), work / 2);
    R::yield_now().await;
    steps(half, work - work / 2)
}

const MULTIPLIER: u64 = 6_364_136_223_846_793_005;
const INCREMENT: u64 = 1_442_695_040_888_963_407;

fn seed(task: usize) -> u64 {
    (task as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d
}

/// `count` steps of the generator from `state`, one after the other: each step's state
/// passes through `black_box`, or the optimiser folds several steps into one (an affine
/// map composed with itself is one affine map) and the work shrinks with the build.
fn steps(state: u64, count: u64) -> u64 {
    let mut state = state;
    for _ in 0..count {
        state = black_box(state.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT));
    }
    state
}

/// What a task must return: the state `work` steps after its seed, by jump-ahead
/// (the composition of `work` affine maps, squared up in O(log work)).
fn expected(task: usize, work: u64) -> u64 {
    let (mut multiplier, mut increment) = (MULTIPLIER, INCREMENT);
    let (mut total_multiplier, mut total_increment) = (1u64, 0u64);
    let mut left = work;
    while left > 0 {
        if left & 1 == 1 {
            total_multiplier = total_multiplier.wrapping_mul(multiplier);
            total_increment = total_increment.wrapping_mul(multiplier).wrapping_add(increment);
        }
        increment = multiplier.wrapping_add(1).wrapping_mul(increment);
        multiplier = multiplier.wrapping_mul(multiplier);
        left >>= 1;
    }
    total_multiplier.wrapping_mul(seed(task)).wrapping_add(total_increment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jump_ahead_agrees_with_stepping() {
        for work in [0, 1, 2, 3, 17, 1_000, 4_097] {
            assert_eq!(expected(5, work), steps(seed(5), work), "work={work}");
        }
    }

    #[test]
    fn splits_cover_every_task_once() {
        for split in [Split::Even, Split::Skewed { percent: 90 }, Split::Skewed { percent: 100 }] {
            for parts in 1..=5 {
                let ranges: Vec<_> = (0..parts).map(|p| split.tasks_of(p, parts, 37)).collect();
                let mut next = 0;
                for range in &ranges {
                    assert_eq!(range.start, next, "{split:?} {parts}: {ranges:?}");
                    next = range.end;
                }
                assert_eq!(next, 37, "{split:?} {parts}: {ranges:?}");
            }
        }
        assert_eq!(Split::Skewed { percent: 90 }.tasks_of(0, 2, 100), 0..90);
        assert_eq!(Split::Skewed { percent: 90 }.tasks_of(0, 1, 100), 0..100);
    }
}
