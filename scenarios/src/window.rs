//! `window` (W8-S8, the course's "window of 4 slots"): jobs lasting 1, 2, 3, 1, 2, 3, …
//! units (the course's seconds, scaled: `unit_ms`) run with at most W in flight — how
//! one fetches 100 000 URLs with 100 requests at a time. A dispatcher takes a slot,
//! starts the next job, and each job gives its slot back when it ends.
//!
//! Two ways of holding the slots are measured: the course's queue of size W (taking a
//! slot is a `put`, releasing it a `get` — "counter-intuitive, but that is how a slot is
//! materialised") and a semaphore with W permits (`async_lock::Semaphore`), which is
//! what one would write today.
//!
//! Checked for each: never more than W jobs in flight; and the jobs start on the ideal
//! timeline — the greedy window simulated here: with W = 4 that is the course's "4 jobs
//! in the first second, then one more each time a job ends". No start may come before
//! its ideal time (sleeps never end early); each must come within half a unit after it.
//! The figures are the makespan against the ideal one, and the worst start lag.

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
            },
            ParamSpec {
                name: "width",
                help: "jobs in flight at most (the window)",
                default: 4,
                quick: 4,
                test: 4,
            },
            ParamSpec {
                name: "unit_ms",
                help: "one unit of job duration in ms (the course's second)",
                default: 10,
                quick: 10,
                test: 20,
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
            "{} jobs, never more than {} in flight, started on the ideal timeline \
             (within half a {} ms unit) with a queue and with a semaphore",
            shape.jobs,
            shape.width,
            millis(shape.unit)
        ))
        .metric(Metric::lower("queue makespan/ideal", queue.makespan_ratio))
        .metric(Metric::lower("semaphore makespan/ideal", semaphore.makespan_ratio))
        .metric(Metric::lower("queue worst start lag ms", millis(queue.worst_lag)))
        .metric(Metric::lower("semaphore worst start lag ms", millis(semaphore.worst_lag))))
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

    /// The greedy window's timeline: job `i` starts as soon as a slot is free, slots
    /// granted in job order. Returns each job's start and the makespan, in units.
    fn ideal(&self) -> (Vec<u32>, u32) {
        let mut ends = BinaryHeap::new();
        let mut starts = Vec::with_capacity(self.jobs);
        for index in 0..self.jobs {
            let start = if ends.len() < self.width {
                0
            } else {
                ends.pop().map_or(0, |Reverse(end)| end)
            };
            ends.push(Reverse(start + self.units(index)));
            starts.push(start);
        }
        let makespan = ends.into_iter().map(|Reverse(end)| end).max().unwrap_or(0);
        (starts, makespan)
    }

    /// Checks one variant's run against the ideal timeline.
    fn check(&self, run: Timeline, variant: &str) -> Result<Verdict, ScenarioError> {
        ScenarioError::ensure(run.max_in_flight <= self.width, || {
            format!("{variant}: {} jobs were in flight at once, window {}", run.max_in_flight, self.width)
        })?;
        let (ideal_starts, ideal_makespan) = self.ideal();
        let tolerance = self.unit / 2;
        let mut worst_lag = Duration::ZERO;
        for (index, (&actual, &ideal)) in run.starts.iter().zip(&ideal_starts).enumerate() {
            let ideal = self.unit * ideal;
            let lag = actual.checked_sub(ideal).ok_or_else(|| {
                ScenarioError::Check(format!(
                    "{variant}: job {index} started at {actual:?}, before its ideal {ideal:?}"
                ))
            })?;
            ScenarioError::ensure(lag <= tolerance, || {
                format!("{variant}: job {index} started at {actual:?}, ideal {ideal:?}: more than half a unit late")
            })?;
            worst_lag = worst_lag.max(lag);
        }
        let ideal_makespan = self.unit * ideal_makespan;
        Ok(Verdict {
            makespan_ratio: run.makespan.as_secs_f64() / ideal_makespan.as_secs_f64().max(1e-9),
            worst_lag,
        })
    }
}

/// What one variant's run looked like.
struct Timeline {
    /// Each job's start, from the dispatcher's start.
    starts: Vec<Duration>,
    /// Until the last job ended.
    makespan: Duration,
    /// The most jobs seen running at once.
    max_in_flight: usize,
}

/// One variant's figures.
struct Verdict {
    makespan_ratio: f64,
    worst_lag: Duration,
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
                in_flight.leave();
                S::release(slot).await;
                started
            }));
        }
        let starts = try_join_all(jobs).await?;
        let makespan = start.elapsed();
        Ok(Timeline { starts, makespan, max_in_flight: in_flight.max.load(Ordering::SeqCst) })
    })
}
