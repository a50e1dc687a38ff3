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
//! - each job starts within one unit (at least [`HANDOFF_FLOOR`]) of the moment its slot
//!   was actually freed: the window hands a freed slot on, rather than waiting for more
//!   jobs to end. The bound is generous because a loaded CI machine can delay any
//!   wake-up by tens of ms; the worst hand-off itself is reported.
//!
//! Lateness is not asserted against the ideal timeline itself, since timer lateness
//! accumulates along the chain of jobs (the `timers` scenario measures it); it shows in
//! the figures: the makespan against the ideal one, and the worst hand-off delay.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
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

/// The least hand-off delay the check tolerates, whatever the unit: on a loaded 2-core
/// machine, a wake-up can come this late without the window being at fault.
const HANDOFF_FLOOR: Duration = Duration::from_millis(50);

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
            "{} jobs, never more than {} in flight, none before the ideal window timeline, \
             each within half a {} ms unit of its slot's release, with a queue and a semaphore",
            shape.jobs,
            shape.width,
            millis(shape.unit)
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
        let durations = self.durations();
        let (jobs, width) = (self.jobs, self.width);
        let ideal_starts = greedy_slots(jobs, width, |index, slot| slot + durations[index]);
        let freed = greedy_slots(jobs, width, |index, _| run.jobs[index].end);
        let tolerance = self.unit.max(HANDOFF_FLOOR);
        let mut worst_handoff = Duration::ZERO;
        for (index, job) in run.jobs.iter().enumerate() {
            let (ideal, freed) = (ideal_starts[index], freed[index]);
            let start = job.start;
            ScenarioError::ensure(start >= ideal, || {
                format!("{variant}: job {index} started at {start:?}, before its ideal {ideal:?}")
            })?;
            let handoff = start.saturating_sub(freed);
            ScenarioError::ensure(handoff <= tolerance, || {
                format!(
                    "{variant}: job {index} started {handoff:?} after its slot was freed \
                     (allowed {tolerance:?})"
                )
            })?;
            worst_handoff = worst_handoff.max(handoff);
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
        let start = Instant::now();
        let mut jobs = Vec::with_capacity(durations.len());
        for duration in durations {
            let slot = slots.take().await;
            let in_flight = Arc::clone(&in_flight);
            jobs.push(R::spawn(async move {
                let started = start.elapsed();
                in_flight.enter();
                R::sleep(duration).await;
                let times = JobTimes { start: started, end: start.elapsed() };
                in_flight.leave();
                S::release(slot).await;
                times
            }));
        }
        let jobs = try_join_all(jobs).await?;
        let makespan = start.elapsed();
        Ok(Timeline { jobs, makespan, max_in_flight: in_flight.max.load(Ordering::SeqCst) })
    })
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
        Timeline { jobs, makespan, max_in_flight: shape.width }
    }

    #[test]
    fn a_prompt_hand_off_passes_and_a_late_one_fails() {
        let shape = Shape { jobs: 8, width: 2, unit: Duration::from_millis(100) };
        let prompt = shape.check(run_with_late_start(&shape, 5, Duration::ZERO), "queue");
        assert_eq!(prompt.unwrap().worst_handoff, Duration::ZERO);
        let tolerated = run_with_late_start(&shape, 5, Duration::from_millis(90));
        assert_eq!(shape.check(tolerated, "queue").unwrap().worst_handoff.as_millis(), 90);
        let late = run_with_late_start(&shape, 5, Duration::from_millis(250));
        match shape.check(late, "queue") {
            Err(ScenarioError::Check(message)) => assert!(message.contains("job 5"), "{message}"),
            _ => panic!("a hand-off 2.5 units late must fail the check"),
        }
    }
}
