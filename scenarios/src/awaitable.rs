//! `awaitable` (W8-S4, W8-S5): the course's `w1 … w4` chain, where the lesson is that
//! execution stops at the hand-written `yield` (here: `Poll::Pending`), not at `await`,
//! and that a future is a language construct: "you are the loop".
//!
//! `W1` is a `Future` written by hand that does its work in `steps` pieces: it wakes
//! itself and returns `Pending` `steps` times, then `Ready(1)`. `w2` awaits two of them
//! and adds the results, `w3` and `w4` each add one: the chain returns 4. Every `Pending`
//! climbs the whole `async fn` stack up to whoever drives it, and every later poll
//! descends it again.
//!
//! The chain is driven twice: as a task on the runtime under test (spawned inside
//! `Runtime::run`) and by [`poll_loop`] with a no-op waker, no runtime at all.
//! **Checked:** the bare loop gives 4 after exactly `2·steps + 1` polls of the outer
//! future and `2·(steps + 1)` polls of the hand-written ones, and the runtime gives the
//! same result with the same number of hand-written polls (no lost wake-up, no extra poll).
//! **Metrics:** ns per hand-written poll on the runtime (headline: the cost of one
//! wake + reschedule + poll through the stack), and the same on the bare loop.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use rtbench_core::language::poll_loop;
use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::measure::{timed, timed_sync};

/// Drives the `w1 … w4` chain on the runtime and with a bare poll loop.
pub struct Awaitable;

impl Scenario for Awaitable {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "awaitable",
        lesson: "W8-S5",
        summary: "a hand-written Future awaited through w2→w3→w4 gives the same result in the \
                  same number of polls on the runtime as in a bare poll loop",
        params: &[ParamSpec {
            name: "steps",
            help: "times each hand-written w1 returns Pending before Ready(1)",
            default: 1_000,
            quick: 1_000,
            test: 50,
            min: 1,
        }],
        requires: &[],
        elements: |params| expected_polls(params.get("steps")),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let steps = params.get("steps");
        let expected = Tally { value: 4, polls: expected_polls(steps) };

        let ((bare, loop_polls), bare_elapsed) = timed_sync(|| poll_loop(chain(steps)));
        ScenarioError::ensure(bare == expected, || {
            format!("bare poll loop gave {bare:?}, expected {expected:?}")
        })?;
        let expected_loop_polls = 2 * steps + 1;
        ScenarioError::ensure(loop_polls == expected_loop_polls, || {
            format!("bare poll loop polled the chain {loop_polls} times, expected {expected_loop_polls}")
        })?;

        // A spawned task, not the root itself: single-thread runtimes drive their
        // `block_on` future on a path of its own (tokio's parks its I/O driver on every
        // self-wake), which is not the task scheduling this scenario compares.
        let (on_runtime, elapsed) = runtime.run(async move { R::spawn(timed(chain(steps))).await })?;
        ScenarioError::ensure(on_runtime == bare, || {
            format!("on the runtime the chain gave {on_runtime:?}; the bare loop gave {bare:?}")
        })?;

        let bare_per_poll = Metric::nanos_per("ns/poll (bare loop)", bare_elapsed, bare.polls);
        Ok(Outcome::checked(format!(
            "w4() = 4 with {} hand-written polls, on the runtime and in a bare poll loop",
            bare.polls
        ))
        .metric(Metric::nanos_per("ns/poll", elapsed, on_runtime.polls))
        .note(format!(
            "a bare poll loop with a no-op waker takes {:.1} ns/poll: the difference is the \
             executor's wake-up and rescheduling",
            bare_per_poll.value
        ))
        .metric(bare_per_poll))
    }
}

/// What one run of the chain produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tally {
    /// What `w4` returned.
    value: u64,
    /// How many times the hand-written `W1`s were polled.
    polls: u64,
}

/// Two `W1`s, each polled once per `Pending` and once more for `Ready`.
fn expected_polls(steps: u64) -> u64 {
    2 * (steps + 1)
}

/// The course's `w1`: an awaitable written by hand, with no `async` in it.
struct W1<'a> {
    steps_left: u64,
    polls: &'a AtomicU64,
}

impl Future for W1<'_> {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        if self.steps_left == 0 {
            return Poll::Ready(1);
        }
        self.steps_left -= 1;
        // Without this wake-up a runtime would never poll us again; the bare loop
        // polls regardless (its waker does nothing).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

async fn w2(steps: u64, polls: &AtomicU64) -> u64 {
    W1 { steps_left: steps, polls }.await + W1 { steps_left: steps, polls }.await
}

async fn w3(steps: u64, polls: &AtomicU64) -> u64 {
    w2(steps, polls).await + 1
}

async fn w4(steps: u64, polls: &AtomicU64) -> u64 {
    w3(steps, polls).await + 1
}

/// Runs `w4` and counts the hand-written polls it took.
async fn chain(steps: u64) -> Tally {
    let polls = AtomicU64::new(0);
    let value = w4(steps, &polls).await;
    Tally { value, polls: polls.into_inner() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_course_chain_returns_on_the_third_send() {
        // The course's w1 yields once: two sends suspend, the third returns 4.
        let (tally, loop_polls) = poll_loop(chain(1));
        assert_eq!(tally, Tally { value: 4, polls: 4 });
        assert_eq!(loop_polls, 3);
    }

    #[test]
    fn every_pending_reaches_the_loop() {
        let (tally, loop_polls) = poll_loop(chain(5));
        assert_eq!(tally, Tally { value: 4, polls: expected_polls(5) });
        assert_eq!(loop_polls, 11);
    }

    #[test]
    fn a_chain_without_steps_never_suspends() {
        assert_eq!(poll_loop(chain(0)), (Tally { value: 4, polls: 2 }, 1));
    }
}
