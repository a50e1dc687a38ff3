//! `gather` (W8-S2, W8-S6: the course's `morceaux` run with `asyncio.gather`): several
//! coroutines each print a start, sleep, print a middle, sleep longer, print an end.
//! Run concurrently they all start at once and the whole takes as long as the longest
//! one, not the sum — because a sleep gives the hand back to the loop.
//!
//! Coroutine `i` (from 0) sleeps `(i + 1)·unit/2`, then `(i + 1)·unit` — the course's
//! 0.5 s and 1 s for the first, scaled to milliseconds. They are joined with
//! `futures::future::join_all` (gather) in one task. Each event is logged in the order
//! it happened, and so is what each sleep did on its first poll: returned `Pending`
//! (the coroutine *parked*, handing the thread back), or returned `Ready` at once —
//! either because its time was already up when it was first polled (the thread had
//! been away longer than the sleep: nothing to wait for), or while it was not (it
//! *held* the thread until its time was up).
//!
//! **Checked**, on the order of the log, never on how long anything took:
//! - each coroutine logged start, its first sleep, middle, its second sleep, end;
//! - every coroutine started before any coroutine resumed from a parked sleep: gather
//!   polls them all before polling any again, so while one waits the others start. A
//!   gather that awaited them one after the other resumes the first before starting the
//!   second — unless no sleep but the last coroutine's ever parked, a run this check
//!   cannot tell from a concurrent one and lets pass;
//! - some sleep parked, or none held the thread: a sleep that blocks (the course's
//!   `famine`) holds it every time, and then nothing can overlap. A sleep that does not
//!   block returns `Ready` on a poll begun before its deadline only if the thread is
//!   preempted inside that very poll until the deadline; failing needs that, and every
//!   other sleep of the run expired before it was first polled;
//! - the elapsed time is at least the longest coroutine: sleeps never end early (load
//!   can only lengthen it).
//!
//! How much less than the sum of all the coroutines it took is a figure, not a check:
//! on a loaded machine any wake-up can come arbitrarily late.
//! **Metrics:** timer overshoot (elapsed − longest, µs; headline) and elapsed (ms).

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::{Duration, Instant};

use futures::future::join_all;
use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::measure::timed;

/// The course's `morceaux`, several at once.
pub struct Gather;

impl Scenario for Gather {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "gather",
        lesson: "W8-S2",
        summary: "N coroutines log start/middle/end around two sleeps, gathered: all start \
                  before any resumes, and the whole takes the longest, not the sum",
        params: &[
            ParamSpec {
                name: "coroutines",
                help: "coroutines gathered (at least 2)",
                default: 4,
                quick: 4,
                test: 4,
                min: 2,
            },
            ParamSpec {
                name: "unit_ms",
                help: "time unit in ms: coroutine i sleeps (i+1)·unit/2 then (i+1)·unit",
                default: 10,
                quick: 10,
                test: 25,
                min: 1,
            },
        ],
        requires: &[],
        elements: |params| params.get("coroutines"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let coroutines = params.count("coroutines");
        ScenarioError::ensure(coroutines >= 2, || {
            format!("coroutines={coroutines}: gather needs at least 2 to show any overlap")
        })?;
        let plan = plan(coroutines, params.millis("unit_ms"));
        let log = Arc::new(Mutex::new(Vec::with_capacity(5 * coroutines)));
        let root_plan = plan.clone();
        let root_log = Arc::clone(&log);
        let elapsed = runtime.run(async move {
            let morceaux = root_plan
                .iter()
                .enumerate()
                .map(|(coroutine, durations)| morceau::<R>(coroutine, *durations, &root_log));
            let (_, elapsed) = timed(join_all(morceaux)).await;
            elapsed
        });
        let log = std::mem::take(&mut *log.lock().unwrap_or_else(PoisonError::into_inner));
        let timeline = check_timeline(&plan, &log, elapsed)?;
        Ok(Outcome::checked(format!(
            "{coroutines} coroutines all started before any resumed from a sleep ({} of {} \
             sleeps parked); {} ms elapsed, at least the longest ({} ms; the sum is {} ms)",
            timeline.parked,
            2 * coroutines,
            elapsed.as_millis(),
            timeline.longest.as_millis(),
            timeline.sum.as_millis()
        ))
        .metric(Metric::lower("µs overshoot", micros(elapsed.saturating_sub(timeline.longest))))
        .metric(Metric::lower("ms elapsed", elapsed.as_secs_f64() * 1_000.0)))
    }
}

/// The two sleeps of one coroutine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Durations {
    before_middle: Duration,
    before_end: Duration,
}

impl Durations {
    fn total(self) -> Duration {
        self.before_middle + self.before_end
    }
}

/// Coroutine `i` sleeps `(i + 1)·unit/2`, then `(i + 1)·unit`.
fn plan(coroutines: usize, unit: Duration) -> Vec<Durations> {
    (1..=coroutines as u32)
        .map(|n| Durations { before_middle: unit * n / 2, before_end: unit * n })
        .collect()
}

/// A line the course's coroutine would print, or what one of its sleeps did when first
/// polled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Start,
    Middle,
    End,
    /// The sleep returned `Pending`: the coroutine handed the thread back.
    Parked,
    /// The sleep returned `Ready`, its deadline already past when the poll began.
    Overdue,
    /// The sleep returned `Ready` although the poll began before its deadline: it kept
    /// the thread until then.
    Held,
}

impl Phase {
    fn is_sleep(self) -> bool {
        matches!(self, Phase::Parked | Phase::Overdue | Phase::Held)
    }
}

/// One entry of the log; the log's order is the order things happened in.
#[derive(Clone, Copy, Debug)]
struct Event {
    coroutine: usize,
    phase: Phase,
}

type Log = Mutex<Vec<Event>>;

fn record(log: &Log, coroutine: usize, phase: Phase) {
    log.lock().unwrap_or_else(PoisonError::into_inner).push(Event { coroutine, phase });
}

/// The course's `morceaux`.
async fn morceau<R: Runtime>(coroutine: usize, durations: Durations, log: &Log) {
    record(log, coroutine, Phase::Start);
    sleep::<R>(durations.before_middle, coroutine, log).await;
    record(log, coroutine, Phase::Middle);
    sleep::<R>(durations.before_end, coroutine, log).await;
    record(log, coroutine, Phase::End);
}

/// `R::sleep(duration)`, logging what its first poll did.
async fn sleep<R: Runtime>(duration: Duration, coroutine: usize, log: &Log) {
    // Taken before the sleep exists, so its own deadline is no earlier than this one.
    let due = Instant::now() + duration;
    let mut sleep = pin!(R::sleep(duration));
    let mut first_poll = true;
    poll_fn(|cx| {
        if !first_poll {
            return sleep.as_mut().poll(cx);
        }
        first_poll = false;
        let overdue = Instant::now() >= due;
        let poll = sleep.as_mut().poll(cx);
        let phase = match (poll, overdue) {
            (Poll::Pending, _) => Phase::Parked,
            (Poll::Ready(()), true) => Phase::Overdue,
            (Poll::Ready(()), false) => Phase::Held,
        };
        record(log, coroutine, phase);
        poll
    })
    .await;
}

/// What the checks found.
#[derive(Debug)]
struct Timeline {
    longest: Duration,
    sum: Duration,
    /// Sleeps that returned `Pending` on their first poll.
    parked: usize,
}

/// Checks the log and the elapsed time against the plan.
fn check_timeline(
    plan: &[Durations],
    log: &[Event],
    elapsed: Duration,
) -> Result<Timeline, ScenarioError> {
    for coroutine in 0..plan.len() {
        let phases: Vec<Phase> =
            log.iter().filter(|e| e.coroutine == coroutine).map(|e| e.phase).collect();
        let in_order = matches!(
            phases.as_slice(),
            [Phase::Start, first, Phase::Middle, second, Phase::End]
                if first.is_sleep() && second.is_sleep()
        );
        ScenarioError::ensure(in_order, || {
            format!("coroutine {coroutine} logged {phases:?}, expected start, sleep, middle, sleep, end")
        })?;
    }
    for (at, parked) in log.iter().enumerate().filter(|(_, e)| e.phase == Phase::Parked) {
        // The shape checked above puts a middle or an end after every sleep.
        let next = log[at + 1..].iter().position(|e| e.coroutine == parked.coroutine);
        let resumed = at + 1 + next.unwrap_or_default();
        if let Some(late) = log[resumed..].iter().find(|e| e.phase == Phase::Start) {
            return Err(ScenarioError::Check(format!(
                "coroutine {} resumed from a sleep before coroutine {} had started: the \
                 coroutines ran one after the other",
                parked.coroutine, late.coroutine
            )));
        }
    }
    let count = |phase| log.iter().filter(|e| e.phase == phase).count();
    let (parked, held) = (count(Phase::Parked), count(Phase::Held));
    ScenarioError::ensure(parked > 0 || held == 0, || {
        format!(
            "no sleep handed the thread back, and {held} of {} kept it until their time was \
             up: the sleeps block, so the coroutines cannot overlap",
            2 * plan.len()
        )
    })?;
    let longest = plan.iter().map(|d| d.total()).max().unwrap_or_default();
    let sum = plan.iter().map(|d| d.total()).sum();
    ScenarioError::ensure(elapsed >= longest, || {
        format!("took {elapsed:?}, less than the longest coroutine ({longest:?}): a sleep ended early")
    })?;
    Ok(Timeline { longest, sum, parked })
}

fn micros(duration: Duration) -> f64 {
    duration.as_nanos() as f64 / 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    use Phase::{End, Held, Middle, Overdue, Parked, Start};

    const UNIT: Duration = Duration::from_millis(10);

    fn log_of(events: &[(usize, Phase)]) -> Vec<Event> {
        events.iter().map(|&(coroutine, phase)| Event { coroutine, phase }).collect()
    }

    /// What join_all logs when every sleep parks: all start, then each resumes in turn
    /// (coroutine `i` ends `i`-th, its sleeps being the `i`-th shortest).
    fn gathered(coroutines: usize) -> Vec<Event> {
        let mut events = Vec::new();
        for coroutine in 0..coroutines {
            events.extend([(coroutine, Start), (coroutine, Parked)]);
        }
        for coroutine in 0..coroutines {
            events.extend([(coroutine, Middle), (coroutine, Parked)]);
        }
        for coroutine in 0..coroutines {
            events.push((coroutine, End));
        }
        log_of(&events)
    }

    /// Each coroutine from start to end before the next starts, each sleep doing `sleep`.
    fn one_after_another(coroutines: usize, sleep: Phase) -> Vec<Event> {
        let phases = [Start, sleep, Middle, sleep, End];
        let events: Vec<_> =
            (0..coroutines).flat_map(|c| phases.map(|phase| (c, phase))).collect();
        log_of(&events)
    }

    fn longest(plan: &[Durations]) -> Duration {
        plan.iter().map(|d| d.total()).max().unwrap()
    }

    #[test]
    fn the_plan_scales_the_course_durations() {
        let plan = plan(2, Duration::from_millis(1_000));
        assert_eq!(plan[0].before_middle, Duration::from_millis(500));
        assert_eq!(plan[0].before_end, Duration::from_millis(1_000));
        assert_eq!(plan[1].total(), Duration::from_millis(3_000));
    }

    #[test]
    fn a_gathered_run_passes_however_long_it_took() {
        let plan = plan(3, UNIT);
        for elapsed in [longest(&plan), UNIT * 1_000] {
            let timeline = check_timeline(&plan, &gathered(3), elapsed).unwrap();
            assert_eq!((timeline.parked, timeline.sum), (6, UNIT * 9));
        }
    }

    /// The run that failed the former wall-clock check: the thread was away longer than
    /// coroutine 0's first sleep before polling it, so coroutine 0 logged its middle
    /// before the others started.
    #[test]
    fn a_sleep_overdue_when_first_polled_passes() {
        let plan = plan(3, UNIT);
        let log = log_of(&[
            (0, Start),
            (0, Overdue),
            (0, Middle),
            (0, Parked),
            (1, Start),
            (1, Parked),
            (2, Start),
            (2, Parked),
            (1, Middle),
            (1, Parked),
            (0, End),
            (2, Middle),
            (2, Parked),
            (1, End),
            (2, End),
        ]);
        check_timeline(&plan, &log, longest(&plan)).unwrap();
        // However overloaded: every sleep overdue, so nothing to tell apart.
        check_timeline(&plan, &one_after_another(3, Overdue), UNIT * 1_000).unwrap();
    }

    #[test]
    fn a_sequential_gather_fails() {
        let plan = plan(3, UNIT);
        let error = check_timeline(&plan, &one_after_another(3, Parked), UNIT * 9).unwrap_err();
        assert!(error.to_string().contains("coroutine 0 resumed from a sleep before coroutine 1"), "{error}");
    }

    #[test]
    fn sleeps_that_hold_the_thread_fail() {
        let plan = plan(3, UNIT);
        let error = check_timeline(&plan, &one_after_another(3, Held), UNIT * 9).unwrap_err();
        assert!(error.to_string().contains("6 of 6 kept it"), "{error}");
    }

    #[test]
    fn a_missing_sleep_or_end_fails() {
        let plan = plan(2, UNIT);
        let mut log = gathered(2);
        log.retain(|e| !(e.coroutine == 1 && e.phase == End));
        let error = check_timeline(&plan, &log, longest(&plan)).unwrap_err();
        assert!(error.to_string().contains("coroutine 1 logged"), "{error}");
    }

    #[test]
    fn ending_early_fails() {
        let plan = plan(2, UNIT);
        let error = check_timeline(&plan, &gathered(2), UNIT).unwrap_err();
        assert!(error.to_string().contains("ended early"), "{error}");
    }
}
