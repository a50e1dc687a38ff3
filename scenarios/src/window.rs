//! `window` (W8-S8, the course's "window of 4 slots"): jobs lasting 1, 2, 3, 1, 2, 3, …
//! units (the course's seconds, scaled: `unit_ms`) run with at most W in flight — how
//! one fetches 100 000 URLs with 100 requests at a time. A dispatcher takes a slot,
//! starts the next job, and each job gives its slot back when it ends. (In the course
//! every job takes its own slot; with many waiting jobs, which one gets a freed slot is
//! then up to the scheduler, so no timeline could be predicted. The dispatcher grants
//! slots in job order on every runtime.)
//!
//! Two ways of holding the slots are measured: the course's queue of size W (taking a
//! slot is a `put`, releasing it a `get` — "counter-intuitive, but that is how a slot is
//! materialised") and a semaphore with W permits (`async_lock::Semaphore`), which is
//! what one would write today.
//!
//! Checked for each, against the greedy window rule (job `i` gets the slot freed by
//! the `(i - W + 1)`-th job to end; the first W start at once), computed here both on
//! the ideal durations and on the ends actually observed:
//! - never more than W jobs in flight;
//! - no job starts before its ideal time (sleeps never end early, so the real timeline
//!   can only lag the ideal one — with W = 4 that ideal is the course's "4 jobs in the
//!   first second, then one more each time a job ends");
//! - the dispatcher waited for a slot only while all W were held: the window hands a
//!   freed slot on, rather than waiting for more jobs to end. This is read from counts,
//!   not the clock: before each poll of a `take` that then returned `Pending`, the
//!   dispatcher reads how many slots are held (counted up once it has a slot, down once
//!   a job has given its slot back, so never fewer than really held; only the dispatcher
//!   takes slots, so no fewer were held when the take found none free).
//!
//! How *soon* a freed slot reaches the next job — one wake-up of the dispatcher — is a
//! figure, never a check: on a loaded machine any wake-up can come arbitrarily late.
//! Nor is lateness asserted against the ideal timeline, since timer lateness
//! accumulates along the chain of jobs (the `timers` scenario measures it); it shows in
//! the figures: the makespan against the ideal one, and the worst hand-off delay (from
//! the end of the job that freed a slot, by the greedy rule on the ends observed, to the
//! start of the job that got it).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_lock::{Semaphore, SemaphoreGuardArc};
use futures::future::try_join_all;
use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::measure::millis;

/// Jobs through a window of W slots, held by a queue and by a semaphore.
pub struct Window;

impl Scenario for Window {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "window",
        lesson: "W8-S8",
        summary: "jobs of 1,2,3,1,2,3... units with at most W in flight (queue and semaphore)",
        params: &[
            ParamSpec {
                name: "jobs",
                help: "jobs to run (durations cycle 1, 2, 3 units)",
                default: 10,
                quick: 10,
                test: 10,
                min: 1,
            },
            ParamSpec {
                name: "width",
                help: "jobs in flight at most (the window)",
                default: 4,
                quick: 4,
                test: 4,
                min: 1,
            },
            ParamSpec {
                name: "unit_ms",
                help: "one unit of job duration in ms (the course's second)",
                default: 10,
                quick: 10,
                test: 40,
                min: 1,
            },
        ],
        requires: &[],
        elements: |params| params.get("jobs"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let shape = Shape {
            jobs: params.count("jobs"),
            width: params.count("width").max(1),
            unit: params.millis("unit_ms"),
        };
        let queue = shape.check(run_window::<R, QueueSlots>(runtime, &shape)?, "queue")?;
        let semaphore =
            shape.check(run_window::<R, SemaphoreSlots>(runtime, &shape)?, "semaphore")?;
        Ok(Outcome::checked(format!(
            "{} jobs of 1-3 units of {} ms, never more than {} in flight, none before the \
             ideal window timeline, the dispatcher waiting only while every slot was held, \
             with a queue and a semaphore",
            shape.jobs,
            millis(shape.unit),
            shape.width
        ))
        .metric(Metric::lower("queue makespan/ideal", queue.makespan_ratio))
        .metric(Metric::lower("semaphore makespan/ideal", semaphore.makespan_ratio))
        .metric(Metric::lower("queue worst hand-off ms", millis(queue.worst_handoff)))
        .metric(Metric::lower("semaphore worst hand-off ms", millis(semaphore.worst_handoff))))
    }
}

/// The job list and the window.
struct Shape {
    jobs: usize,
    width: usize,
    unit: Duration,
}

impl Shape {
    /// Job `index` lasts 1, 2 or 3 units, cycling.
    fn units(&self, index: usize) -> u32 {
        (index % 3) as u32 + 1
    }

    fn durations(&self) -> Vec<Duration> {
        (0..self.jobs).map(|index| self.unit * self.units(index)).collect()
    }

    /// Checks one variant's run against the window rule.
    fn check(&self, run: Timeline, variant: &str) -> Result<Verdict, ScenarioError> {
        ScenarioError::ensure(run.max_in_flight <= self.width, || {
            let (seen, width) = (run.max_in_flight, self.width);
            format!("{variant}: {seen} jobs were in flight at once, window {width}")
        })?;
        if let Some(held) = run.fewest_held_while_waiting {
            ScenarioError::ensure(held >= self.width, || {
                let width = self.width;
                format!(
                    "{variant}: the dispatcher waited for a slot while only {held} of {width} \
                     were held: it did not hand a freed slot on"
                )
            })?;
        }
        let durations = self.durations();
        let (jobs, width) = (self.jobs, self.width);
        let ideal_starts = greedy_slots(jobs, width, |index, slot| slot + durations[index]);
        let freed = greedy_slots(jobs, width, |index, _| run.jobs[index].end);
        let mut worst_handoff = Duration::ZERO;
        for (index, job) in run.jobs.iter().enumerate() {
            let (ideal, start) = (ideal_starts[index], job.start);
            ScenarioError::ensure(start >= ideal, || {
                format!("{variant}: job {index} started at {start:?}, before its ideal {ideal:?}")
            })?;
            worst_handoff = worst_handoff.max(start.saturating_sub(freed[index]));
        }
        let ideal_ends = ideal_starts.iter().zip(&durations).map(|(&start, &took)| start + took);
        let ideal_makespan = ideal_ends.max().unwrap_or_default();
        Ok(Verdict {
            makespan_ratio: run.makespan.as_secs_f64() / ideal_makespan.as_secs_f64().max(1e-9),
            worst_handoff,
        })
    }
}

/// The greedy window rule: the time each job gets its slot, when job `i` ends at
/// `end_of(i, its slot time)`. The first `width` jobs get theirs at 0; job `i` after
/// them gets the slot freed by the `(i - width + 1)`-th job to end. A min-heap of ends
/// suffices: a job ends after it got its slot, so later ends never precede earlier
/// hand-outs.
fn greedy_slots(
    jobs: usize,
    width: usize,
    mut end_of: impl FnMut(usize, Duration) -> Duration,
) -> Vec<Duration> {
    let mut ends = BinaryHeap::new();
    let mut slots = Vec::with_capacity(jobs);
    for index in 0..jobs {
        let slot = match ends.len() < width {
            true => Duration::ZERO,
            false => ends.pop().map_or(Duration::ZERO, |Reverse(end)| end),
        };
        slots.push(slot);
        ends.push(Reverse(end_of(index, slot)));
    }
    slots
}

/// When one job ran, from the dispatcher's start.
#[derive(Clone, Copy, Debug)]
struct JobTimes {
    start: Duration,
    end: Duration,
}

/// What one variant's run looked like.
struct Timeline {
    /// Each job's times, in job order.
    jobs: Vec<JobTimes>,
    /// Until the last job ended.
    makespan: Duration,
    /// The most jobs seen running at once.
    max_in_flight: usize,
    /// The fewest slots held before a poll of `take` that then waited; `None` if no
    /// take ever waited.
    fewest_held_while_waiting: Option<usize>,
}

/// One variant's figures.
struct Verdict {
    makespan_ratio: f64,
    worst_handoff: Duration,
}

/// Counts the jobs running now and the most ever running at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl InFlight {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A way of holding W slots.
trait Slots: Send + Sync + Sized + 'static {
    /// What a running job holds.
    type Slot: Send + 'static;

    /// `width` free slots.
    fn with_width(width: usize) -> Self;

    /// Waits for a free slot and takes it.
    fn take(&self) -> impl Future<Output = Self::Slot> + Send;

    /// Gives the slot back.
    fn release(slot: Self::Slot) -> impl Future<Output = ()> + Send;
}

/// The course's window: a queue of size W; `put` takes a slot, `get` releases one.
struct QueueSlots {
    put: async_channel::Sender<()>,
    get: async_channel::Receiver<()>,
}

impl Slots for QueueSlots {
    type Slot = async_channel::Receiver<()>;

    fn with_width(width: usize) -> Self {
        let (put, get) = async_channel::bounded(width);
        QueueSlots { put, get }
    }

    async fn take(&self) -> Self::Slot {
        self.put.send(()).await.expect("the queue stays open: the window holds both ends");
        self.get.clone()
    }

    async fn release(get: Self::Slot) {
        get.recv().await.expect("the queue holds the item of this job's slot");
    }
}

/// A semaphore with W permits.
struct SemaphoreSlots(Arc<Semaphore>);

impl Slots for SemaphoreSlots {
    type Slot = SemaphoreGuardArc;

    fn with_width(width: usize) -> Self {
        SemaphoreSlots(Arc::new(Semaphore::new(width)))
    }

    fn take(&self) -> impl Future<Output = Self::Slot> + Send {
        self.0.acquire_arc()
    }

    async fn release(permit: Self::Slot) {
        drop(permit);
    }
}

/// Dispatches every job through a window held by `S` and records the timeline.
fn run_window<R: Runtime, S: Slots>(runtime: &R, shape: &Shape) -> Result<Timeline, ScenarioError> {
    let durations = shape.durations();
    let width = shape.width;
    runtime.run(async move {
        let slots = S::with_width(width);
        let in_flight = Arc::new(InFlight::default());
        // Slots taken and not yet given back, counted late both ways (see `take`).
        let held = Arc::new(AtomicUsize::new(0));
        let mut fewest_held_while_waiting = None;
        let start = Instant::now();
        let mut jobs = Vec::with_capacity(durations.len());
        for duration in durations {
            let slot = take(&slots, &held, &mut fewest_held_while_waiting).await;
            held.fetch_add(1, Ordering::SeqCst);
            let (in_flight, held) = (Arc::clone(&in_flight), Arc::clone(&held));
            jobs.push(R::spawn(async move {
                let started = start.elapsed();
                in_flight.enter();
                R::sleep(duration).await;
                let times = JobTimes { start: started, end: start.elapsed() };
                in_flight.leave();
                S::release(slot).await;
                held.fetch_sub(1, Ordering::SeqCst);
                times
            }));
        }
        let jobs = try_join_all(jobs).await?;
        let makespan = start.elapsed();
        let max_in_flight = in_flight.max.load(Ordering::SeqCst);
        Ok(Timeline { jobs, makespan, max_in_flight, fewest_held_while_waiting })
    })
}

/// Takes a slot, lowering `fewest_while_waiting` to the slots `held` counted before a
/// poll that then waited, if one did. `held` is raised by the dispatcher once it has a
/// slot and lowered by a job once it has given its slot back, so it is never below the
/// slots really held; and as only the dispatcher takes slots, no fewer were held when
/// the take found none free. A window that hands freed slots on waits only while all
/// are held.
async fn take<S: Slots>(
    slots: &S,
    held: &AtomicUsize,
    fewest_while_waiting: &mut Option<usize>,
) -> S::Slot {
    let mut take = pin!(slots.take());
    poll_fn(|cx| {
        let before = held.load(Ordering::SeqCst);
        let poll = take.as_mut().poll(cx);
        if poll.is_pending() {
            *fewest_while_waiting = Some(fewest_while_waiting.map_or(before, |n| n.min(before)));
        }
        poll
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The course's run: 10 jobs of 1, 2, 3, … seconds through 4 slots.
    #[test]
    fn the_ideal_window_is_the_courses_timeline() {
        let shape = Shape { jobs: 10, width: 4, unit: Duration::from_secs(1) };
        let durations = shape.durations();
        let starts = greedy_slots(10, 4, |index, slot| slot + durations[index]);
        let seconds: Vec<u64> = starts.iter().map(Duration::as_secs).collect();
        assert_eq!(seconds, [0, 0, 0, 0, 1, 1, 2, 3, 3, 3]);
        let running_during = |second: u64| {
            let second = Duration::from_secs(second);
            (0..10).filter(|&i| starts[i] <= second && second < starts[i] + durations[i]).count()
        };
        let in_flight: Vec<usize> = (0..6).map(running_during).collect();
        assert_eq!(in_flight, [4, 4, 4, 4, 2, 1], "4 jobs a second, then the tail");
    }

    /// A run whose jobs start exactly when their slot frees, except job `late` which
    /// starts `delay` later.
    fn run_with_late_start(shape: &Shape, late: usize, delay: Duration) -> Timeline {
        let durations = shape.durations();
        let mut jobs: Vec<JobTimes> = Vec::new();
        // The greedy rule hands out slots from the ends recorded here.
        greedy_slots(shape.jobs, shape.width, |index, slot| {
            let start = if index == late { slot + delay } else { slot };
            jobs.push(JobTimes { start, end: start + durations[index] });
            start + durations[index]
        });
        let makespan = jobs.iter().map(|job| job.end).max().unwrap_or_default();
        let fewest_held_while_waiting = Some(shape.width);
        Timeline { jobs, makespan, max_in_flight: shape.width, fewest_held_while_waiting }
    }

    fn failure(check: Result<Verdict, ScenarioError>) -> String {
        match check {
            Err(ScenarioError::Check(message)) => message,
            Err(other) => panic!("not a check failure: {other}"),
            Ok(_) => panic!("the check passed"),
        }
    }

    /// However late a freed slot reaches its job, the run passes: lateness is load's.
    #[test]
    fn a_late_hand_off_is_reported_not_failed() {
        let shape = Shape { jobs: 8, width: 2, unit: Duration::from_millis(100) };
        let prompt = shape.check(run_with_late_start(&shape, 5, Duration::ZERO), "queue");
        assert_eq!(prompt.unwrap().worst_handoff, Duration::ZERO);
        let late = run_with_late_start(&shape, 5, Duration::from_millis(2_500));
        assert_eq!(shape.check(late, "queue").unwrap().worst_handoff.as_millis(), 2_500);
    }

    #[test]
    fn waiting_with_a_free_slot_fails() {
        let shape = Shape { jobs: 8, width: 2, unit: Duration::from_millis(100) };
        let mut run = run_with_late_start(&shape, 5, Duration::ZERO);
        run.fewest_held_while_waiting = Some(1);
        let message = failure(shape.check(run, "semaphore"));
        assert!(message.contains("while only 1 of 2 were held"), "{message}");
    }

    #[test]
    fn starting_before_the_ideal_or_overrunning_the_window_fails() {
        let shape = Shape { jobs: 8, width: 2, unit: Duration::from_millis(100) };
        let mut early = run_with_late_start(&shape, 5, Duration::ZERO);
        early.jobs[5].start -= Duration::from_millis(1);
        assert!(failure(shape.check(early, "queue")).contains("job 5 started"));
        let mut overrun = run_with_late_start(&shape, 5, Duration::ZERO);
        overrun.max_in_flight = 3;
        assert!(failure(shape.check(overrun, "queue")).contains("3 jobs were in flight"));
    }
}
