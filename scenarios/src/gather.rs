//! `gather` (W8-S2, W8-S6: the course's `morceaux` run with `asyncio.gather`): several
//! coroutines each print a start, sleep, print a middle, sleep longer, print an end.
//! Run concurrently they all start at once and the whole takes as long as the longest
//! one, not the sum — because a sleep gives the hand back to the loop.
//!
//! Coroutine `i` (from 0) sleeps `(i + 1)·unit/2`, then `(i + 1)·unit` — the course's
//! 0.5 s and 1 s for the first, scaled to milliseconds. They are joined with
//! `futures::future::join_all` (gather) in one task, each event logged with an
//! [`Instant`].
//!
//! **Checked:** each coroutine logged start, middle, end in that order; every start
//! came before any middle; the elapsed time is at least the longest coroutine (sleeps
//! never end early) and less than the sum of all of them (they overlapped; a sleep that
//! blocked the thread, the course's `famine`, would fail here). The upper bound is
//! deliberately loose: CI machines are loaded.
//! **Metrics:** timer overshoot (elapsed − longest, µs; headline) and elapsed (ms).

use std::sync::{Arc, Mutex, PoisonError};
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
                  before any middle, and the whole takes the longest, not the sum",
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
        let log = Arc::new(Mutex::new(Vec::with_capacity(3 * coroutines)));
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
            "{coroutines} coroutines all started before any middle; {} ms elapsed, between \
             the longest ({} ms) and the sum ({} ms)",
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Start,
    Middle,
    End,
}

/// One line the course's coroutine would print.
#[derive(Clone, Copy, Debug)]
struct Event {
    coroutine: usize,
    phase: Phase,
    at: Instant,
}

type Log = Mutex<Vec<Event>>;

fn record(log: &Log, coroutine: usize, phase: Phase) {
    let event = Event { coroutine, phase, at: Instant::now() };
    log.lock().unwrap_or_else(PoisonError::into_inner).push(event);
}

/// The course's `morceaux`.
async fn morceau<R: Runtime>(coroutine: usize, durations: Durations, log: &Log) {
    record(log, coroutine, Phase::Start);
    R::sleep(durations.before_middle).await;
    record(log, coroutine, Phase::Middle);
    R::sleep(durations.before_end).await;
    record(log, coroutine, Phase::End);
}

/// The bounds the elapsed time was checked against.
#[derive(Debug)]
struct Timeline {
    longest: Duration,
    sum: Duration,
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
        ScenarioError::ensure(phases == [Phase::Start, Phase::Middle, Phase::End], || {
            format!("coroutine {coroutine} logged {phases:?}, expected start, middle, end")
        })?;
    }
    let of_phase = |phase| log.iter().filter(move |e: &&Event| e.phase == phase);
    let last_start = of_phase(Phase::Start).max_by_key(|e| e.at);
    let first_middle = of_phase(Phase::Middle).min_by_key(|e| e.at);
    if let (Some(start), Some(middle)) = (last_start, first_middle) {
        ScenarioError::ensure(start.at <= middle.at, || {
            format!(
                "coroutine {} started {:?} after coroutine {} logged its middle",
                start.coroutine,
                start.at - middle.at,
                middle.coroutine
            )
        })?;
    }
    let longest = plan.iter().map(|d| d.total()).max().unwrap_or_default();
    let sum = plan.iter().map(|d| d.total()).sum();
    ScenarioError::ensure(elapsed >= longest, || {
        format!("took {elapsed:?}, less than the longest coroutine ({longest:?}): a sleep ended early")
    })?;
    ScenarioError::ensure(elapsed < sum, || {
        format!("took {elapsed:?}, not less than the sum of all coroutines ({sum:?}): they did not overlap")
    })?;
    Ok(Timeline { longest, sum })
}

fn micros(duration: Duration) -> f64 {
    duration.as_nanos() as f64 / 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIT: Duration = Duration::from_millis(10);

    /// The log `plan` would produce with exact sleeps: all coroutines at once, or one
    /// after the other when `sequential`; and the elapsed time.
    fn log_of(plan: &[Durations], sequential: bool) -> (Vec<Event>, Duration) {
        let origin = Instant::now();
        let mut log = Vec::new();
        let mut offset = Duration::ZERO;
        for (coroutine, d) in plan.iter().enumerate() {
            let times = [offset, offset + d.before_middle, offset + d.total()];
            for (phase, at) in [Phase::Start, Phase::Middle, Phase::End].into_iter().zip(times) {
                log.push(Event { coroutine, phase, at: origin + at });
            }
            if sequential {
                offset += d.total();
            }
        }
        log.sort_by_key(|e| e.at);
        let elapsed = log.iter().map(|e| e.at).max().unwrap() - origin;
        (log, elapsed)
    }

    #[test]
    fn the_plan_scales_the_course_durations() {
        let plan = plan(2, Duration::from_millis(1_000));
        assert_eq!(plan[0].before_middle, Duration::from_millis(500));
        assert_eq!(plan[0].before_end, Duration::from_millis(1_000));
        assert_eq!(plan[1].total(), Duration::from_millis(3_000));
    }

    #[test]
    fn a_concurrent_timeline_passes() {
        let plan = plan(3, UNIT);
        let (log, elapsed) = log_of(&plan, false);
        let timeline = check_timeline(&plan, &log, elapsed).unwrap();
        assert_eq!(timeline.longest, elapsed);
        assert_eq!(timeline.sum, UNIT * 9);
    }

    #[test]
    fn a_sequential_timeline_fails() {
        let plan = plan(3, UNIT);
        let (log, elapsed) = log_of(&plan, true);
        let error = check_timeline(&plan, &log, elapsed).unwrap_err();
        assert!(error.to_string().contains("after coroutine 0 logged its middle"), "{error}");
    }

    #[test]
    fn taking_the_sum_fails_even_if_all_started_first() {
        let plan = plan(2, UNIT);
        let (log, _) = log_of(&plan, false);
        let error = check_timeline(&plan, &log, UNIT * 9 / 2).unwrap_err();
        assert!(error.to_string().contains("did not overlap"), "{error}");
    }

    #[test]
    fn ending_early_fails() {
        let plan = plan(2, UNIT);
        let (log, _) = log_of(&plan, false);
        let error = check_timeline(&plan, &log, UNIT).unwrap_err();
        assert!(error.to_string().contains("ended early"), "{error}");
    }
}
