//! `yield_many` (W8-S6, W8-S7): `tasks` tasks each give the hand back to the loop
//! `yields` times with `R::yield_now()` (tokio's `yield_many` bench: 200 × 1 000).
//!
//! A yield is only worth its name if other tasks can run while the caller waits. Two
//! things are observed around every yield:
//! - whether it **suspended** the task: `yield_now`'s future returned `Pending` before
//!   `Ready`. A yield that returns at once never hands its thread back, so nothing else
//!   can run there; a correct one always suspends. This depends on the future alone,
//!   never on scheduling, so it is checked on every flavour.
//! - whether another task **interleaved**: each task notes, around every yield, a
//!   per-thread step counter that all the tasks of this scenario bump; if the counter
//!   moved by more than the task's own step, or the task came back on another thread,
//!   somebody else ran in between.
//!
//! **Checked:** every task completed exactly `yields` yields, and every one suspended.
//! On a single-thread runtime every task also interleaved: the root spawns all the
//! tasks before any runs, so whenever one yields the others are ready on that same
//! thread (not started yet, or yielding themselves), and the contract (`yield_now` lets
//! every other ready task run first) makes one of them run before it resumes. On a
//! multi-thread runtime interleaving is reported, not required: the contract covers the
//! tasks ready on the yielding worker, and which tasks those are is the scheduler's
//! choice — a task may have a worker to itself while the others queue on another (an
//! async-std run under load saw none of its 10 tasks interleave). Asking for any there
//! would fail by luck, not because the runtime is wrong.
//! **Metric:** ns per yield.
//!
//! [`yielder`] (one task, generic over the yield) and [`outcome`] (the check) are public
//! so that the native twins (`rtbench-native`) run the same tasks through the same check.

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

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
            let handles: Vec<_> =
                (0..tasks).map(|_| R::spawn(yielder(yields, R::yield_now))).collect();
            let mut tallies = Vec::with_capacity(handles.len());
            for handle in handles {
                tallies.push(handle.await?);
            }
            Ok::<_, ScenarioError>(tallies)
        }));
        outcome(R::INFO.class, yields, &tallies?, elapsed)
    }
}

/// Checks what the tasks observed (see the module docs) and reports ns/yield over `elapsed`.
pub fn outcome(
    class: Class,
    yields: u64,
    tallies: &[Tally],
    elapsed: Duration,
) -> Result<Outcome, ScenarioError> {
    let interleaved = check(class, yields, tallies)?;
    let tasks = tallies.len() as u64;
    Ok(Outcome::checked(format!(
        "{tasks} tasks each completed {yields} yields, each of which suspended the task; \
         {interleaved} saw other tasks run meanwhile"
    ))
    .metric(Metric::nanos_per("ns/yield", elapsed, tasks * yields)))
}

/// What one task observed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Yields that returned.
    completed: u64,
    /// Yields whose future returned `Pending` before `Ready`.
    suspended: u64,
    /// Yields during which another task ran.
    interleaved: u64,
}

/// Checks what the tasks observed against what the contract promises on a runtime of
/// `class` (see the module docs); returns how many tasks interleaved.
fn check(class: Class, yields: u64, tallies: &[Tally]) -> Result<usize, ScenarioError> {
    for (task, tally) in tallies.iter().enumerate() {
        ScenarioError::ensure(tally.completed == yields, || {
            format!("task {task} completed {} yields, expected {yields}", tally.completed)
        })?;
        ScenarioError::ensure(tally.suspended == yields, || {
            format!(
                "task {task}: {} of its {yields} yields returned at once, without suspending \
                 the task: yield_now did not give the hand back",
                yields - tally.suspended
            )
        })?;
    }
    let interleaved = tallies.iter().filter(|t| t.interleaved > 0).count();
    if class == Class::SingleThread && tallies.len() >= 2 {
        ScenarioError::ensure(interleaved == tallies.len(), || {
            format!(
                "only {interleaved} of {} tasks saw another task run while they yielded, on a \
                 single thread where the others were ready: yield_now did not let them run first",
                tallies.len()
            )
        })?;
    }
    Ok(interleaved)
}

/// One task: `yields` awaits of `yield_now()`, each observed (see [`Tally`]).
pub async fn yielder<Y: Future<Output = ()>>(yields: u64, yield_now: impl Fn() -> Y) -> Tally {
    let mut tally = Tally::default();
    for _ in 0..yields {
        let before = step();
        let suspended = suspends(yield_now()).await;
        let after = step();
        tally.completed += 1;
        tally.suspended += u64::from(suspended);
        if after != (before.0, before.1 + 1) {
            tally.interleaved += 1;
        }
    }
    tally
}

/// Awaits `future`; says whether it returned `Pending` at least once on the way.
async fn suspends(future: impl Future<Output = ()>) -> bool {
    let mut future = pin!(future);
    let mut suspended = false;
    poll_fn(|cx| match future.as_mut().poll(cx) {
        Poll::Ready(()) => Poll::Ready(suspended),
        Poll::Pending => {
            suspended = true;
            Poll::Pending
        }
    })
    .await
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

#[cfg(test)]
mod tests {
    use futures::executor::block_on;
    use rtbench_core::language::YieldOnce;

    use super::*;

    /// A tally of `yields` yields that all suspended, interleaved as given.
    fn tally(yields: u64, interleaved: u64) -> Tally {
        Tally { completed: yields, suspended: yields, interleaved }
    }

    #[test]
    fn a_yield_that_returns_at_once_fails_on_every_class() {
        let tallies = [block_on(yielder(5, || std::future::ready(()))); 3];
        assert_eq!(tallies[0], Tally { completed: 5, suspended: 0, interleaved: 0 });
        for class in [Class::SingleThread, Class::MultiThread] {
            match check(class, 5, &tallies) {
                Err(ScenarioError::Check(message)) => {
                    assert!(message.contains("5 of its 5 yields returned at once"), "{message}")
                }
                other => panic!("{class:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_yield_that_suspends_is_counted() {
        let observed = block_on(yielder(5, YieldOnce::default));
        assert_eq!((observed.completed, observed.suspended), (5, 5));
    }

    #[test]
    fn single_thread_needs_every_task_to_interleave() {
        let all = [tally(20, 3), tally(20, 1), tally(20, 20)];
        assert_eq!(check(Class::SingleThread, 20, &all).unwrap(), 3);
        let one_alone = [tally(20, 3), tally(20, 0), tally(20, 20)];
        let error = check(Class::SingleThread, 20, &one_alone).unwrap_err();
        assert!(error.to_string().contains("only 2 of 3 tasks"), "{error}");
    }

    #[test]
    fn a_lone_task_has_nobody_to_interleave_with() {
        assert_eq!(check(Class::SingleThread, 20, &[tally(20, 0)]).unwrap(), 0);
    }

    /// The async-std flake: under load every task had a worker to itself.
    #[test]
    fn multi_thread_accepts_tasks_that_never_met() {
        assert_eq!(check(Class::MultiThread, 20, &[tally(20, 0); 10]).unwrap(), 0);
    }

    #[test]
    fn a_lost_yield_fails() {
        let short = [tally(20, 1), Tally { completed: 19, suspended: 19, interleaved: 1 }];
        let error = check(Class::MultiThread, 20, &short).unwrap_err();
        assert!(error.to_string().contains("task 1 completed 19 yields"), "{error}");
    }
}
