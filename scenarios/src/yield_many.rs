//! `yield_many` (W8-S6, W8-S7): `tasks` tasks each give the hand back to the loop
//! `yields` times with `R::yield_now()` (tokio's `yield_many` bench: 200 × 1 000).
//!
//! A yield is only worth its name if other tasks run while the caller waits. Each task
//! therefore notes, around every yield, a per-thread step counter that all the tasks
//! of this scenario bump: if the counter moved by more than the task's own step, or the
//! task came back on another thread, somebody else ran in between — the yield
//! *interleaved*.
//!
//! **Checked:** every task completed exactly `yields` yields; on a single-thread
//! runtime every task interleaved (the contract: `yield_now` lets every other ready
//! task run first, and with two tasks or more another one is always ready); on a
//! multi-thread runtime, where a task may legitimately run alone on its worker, at
//! least one did. A `yield_now` that returns at once fails the check.
//! **Metric:** ns per yield.

use std::cell::Cell;

use rtbench_core::{
    Class, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::measure::timed;

/// Many tasks, each yielding many times.
pub struct YieldMany;

impl Scenario for YieldMany {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "yield_many",
        lesson: "W8-S6",
        summary: "T tasks each yield K times; all complete, and yields let other tasks run",
        params: &[
            ParamSpec {
                name: "tasks",
                help: "tasks spawned by the root",
                default: 200,
                quick: 200,
                test: 10,
                min: 1,
            },
            ParamSpec {
                name: "yields",
                help: "yield_now calls per task",
                default: 1_000,
                quick: 100,
                test: 20,
                min: 1,
            },
        ],
        requires: &[],
        elements: |params| params.get("tasks") * params.get("yields"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let tasks = params.get("tasks");
        let yields = params.get("yields");
        let (tallies, elapsed) = runtime.run(timed(async move {
            let handles: Vec<_> = (0..tasks).map(|_| R::spawn(yielder::<R>(yields))).collect();
            let mut tallies = Vec::with_capacity(handles.len());
            for handle in handles {
                tallies.push(handle.await?);
            }
            Ok::<_, ScenarioError>(tallies)
        }));
        let tallies = tallies?;

        if let Some((task, tally)) = tallies.iter().enumerate().find(|(_, t)| t.completed != yields) {
            return Err(ScenarioError::Check(format!(
                "task {task} completed {} yields, expected {yields}",
                tally.completed
            )));
        }
        let interleaved = tallies.iter().filter(|t| t.interleaved > 0).count() as u64;
        if tasks >= 2 && yields >= 1 {
            let needed = match R::INFO.class {
                Class::SingleThread => tasks,
                Class::MultiThread => 1,
            };
            ScenarioError::ensure(interleaved >= needed, || {
                format!(
                    "only {interleaved} of {tasks} tasks saw another task run while they \
                     yielded (needed {needed}): yield_now did not give the hand back"
                )
            })?;
        }
        Ok(Outcome::checked(format!(
            "{tasks} tasks each completed {yields} yields; {interleaved} saw other tasks run \
             meanwhile"
        ))
        .metric(Metric::nanos_per("ns/yield", elapsed, tasks * yields)))
    }
}

/// What one task observed.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    /// Yields that returned.
    completed: u64,
    /// Yields during which another task ran.
    interleaved: u64,
}

async fn yielder<R: Runtime>(yields: u64) -> Tally {
    let mut tally = Tally::default();
    for _ in 0..yields {
        let before = step();
        R::yield_now().await;
        let after = step();
        tally.completed += 1;
        if after != (before.0, before.1 + 1) {
            tally.interleaved += 1;
        }
    }
    tally
}

thread_local! {
    /// Steps taken on this thread by the tasks of this scenario.
    static STEPS_HERE: Cell<u64> = const { Cell::new(0) };
}

/// Counts one step on this thread; returns the thread's identity (the address of its
/// counter, cheaper than `thread::current()`) and its step count.
fn step() -> (usize, u64) {
    STEPS_HERE.with(|steps| {
        steps.set(steps.get() + 1);
        (steps as *const Cell<u64> as usize, steps.get())
    })
}
