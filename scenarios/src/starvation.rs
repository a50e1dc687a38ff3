//! The course's `famine` (W8-S2, and the `countdown`/`compute` example of W8-S9): a
//! well-behaved ticker (sleeps 1 ms, records the time, again) beside a task that does
//! 50 ms of blocking work. How long the ticker goes without a tick is what the runtime's
//! design decides: a single-thread loop is frozen by a task that does not yield, a
//! work-stealing pool moves the ticker to another worker, and the cures — slicing the
//! work with `yield_now`, or offloading it with `spawn_blocking` — work differently on
//! each.
//!
//! The three ways of doing the work are three catalogue scenarios
//! ([`starvation_blocking`](crate::starvation_blocking),
//! [`starvation_sliced`](crate::starvation_sliced),
//! [`starvation_offloaded`](crate::starvation_offloaded)) sharing the code here, rather
//! than one scenario with three figures: each variant then gets its own row in the
//! results table with its worst gap as the headline, so the contrast between runtimes is
//! visible for every variant at once, and a runtime without `spawn_blocking` is `n/a`
//! for the offloaded row alone (through `requires`) instead of hiding a missing figure.
//!
//! What every runtime must do, and is checked: the ticker makes all its ticks, the
//! blocking work completes, and — for the offloaded variant only — the ticker keeps
//! ticking while the work runs. That is judged by the ticker's count, read by the work
//! as it starts and ends, not by a window of time: the offloaded work blocks its thread
//! for `block_ms` and then on until it has seen a tick (at most [`TICK_WAIT`] more), so
//! a ticker that is merely slow on a loaded machine always shows a tick, and only one
//! frozen by the work shows none. The gap itself is a measurement, never asserted.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rtbench_core::{
    JoinError, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::measure::millis;

/// Minimum number of ticks (the ticker also keeps going until the work is done).
pub const TICKS: ParamSpec = ParamSpec {
    name: "ticks",
    help: "ticks the ticker makes at least (it also ticks until the blocking work is done)",
    default: 100,
    quick: 50,
    test: 20,
    min: 1,
};

/// The ticker's period.
pub const TICK_MS: ParamSpec = ParamSpec {
    name: "tick_ms",
    help: "ticker period in ms",
    default: 1,
    quick: 1,
    test: 1,
    min: 1,
};

/// How long the blocking work lasts.
pub const BLOCK_MS: ParamSpec = ParamSpec {
    name: "block_ms",
    help: "blocking work in ms (std::thread::sleep)",
    default: 50,
    quick: 30,
    test: 50,
    min: 1,
};

/// The ticker's ticks before the work starts, so that it is running when the work begins.
const WARMUP_TICKS: u32 = 5;

/// How long past the expected end the run waits before declaring the ticker stuck.
const GRACE: Duration = Duration::from_secs(30);

/// How long past `block_ms` the offloaded work waits to see a tick: far beyond any
/// scheduling delay, so only a ticker frozen by the work leaves it waiting that long.
pub const TICK_WAIT: Duration = Duration::from_secs(10);

/// The ticks the ticker has made, which the blocking work reads as it starts and ends.
#[derive(Clone, Debug, Default)]
pub struct Ticks(Arc<AtomicUsize>);

impl Ticks {
    fn made(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn tick(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// When the blocking work ran, and the ticker's count as it started and as it ended.
#[derive(Clone, Copy, Debug)]
pub struct WorkSpan {
    start: Instant,
    end: Instant,
    ticks_at_start: usize,
    ticks_at_end: usize,
}

impl WorkSpan {
    /// From this span's start to `later`'s end.
    pub fn until(self, later: WorkSpan) -> WorkSpan {
        WorkSpan { end: later.end, ticks_at_end: later.ticks_at_end, ..self }
    }

    /// Ticks the ticker made while the work ran.
    fn ticks_during(&self) -> usize {
        self.ticks_at_end - self.ticks_at_start
    }
}

/// Blocks the calling thread for `duration`, as a long computation would.
pub fn block(duration: Duration, ticks: &Ticks) -> WorkSpan {
    block_until(duration, ticks, Duration::ZERO)
}

/// Blocks the calling thread for `duration`, then on until the ticker has ticked since
/// it started (at most [`TICK_WAIT`] more): work that another thread runs, after which
/// the ticker must have ticked unless it was frozen.
pub fn block_until_ticked(duration: Duration, ticks: &Ticks) -> WorkSpan {
    block_until(duration, ticks, TICK_WAIT)
}

/// Blocks for `duration`, then on until a tick has come or `wait` more has passed.
fn block_until(duration: Duration, ticks: &Ticks, wait: Duration) -> WorkSpan {
    let ticks_at_start = ticks.made();
    let start = Instant::now();
    std::thread::sleep(duration);
    while ticks.made() == ticks_at_start && start.elapsed() < duration + wait {
        std::thread::sleep(Duration::from_millis(1));
    }
    WorkSpan { start, end: Instant::now(), ticks_at_start, ticks_at_end: ticks.made() }
}

/// One way of doing the blocking work: a catalogue scenario.
pub trait Hog: 'static {
    /// The scenario's catalogue entry.
    const INFO: ScenarioInfo;
    /// Whether every runtime must keep the ticker going during the work.
    const TICKER_MUST_RUN_DURING_WORK: bool;

    /// How the work is laid out, read from the parameters before the run.
    type Plan: Send + 'static;

    /// Lays out `block` worth of blocking work.
    fn plan(block: Duration, params: &Params) -> Self::Plan;

    /// Does the planned blocking work, from inside a task, this variant's way, beside the
    /// ticker that counts `ticks`.
    fn hog<R: Runtime>(
        plan: Self::Plan,
        ticks: Ticks,
    ) -> impl Future<Output = Result<WorkSpan, JoinError>> + Send + 'static;
}

/// The ticker-beside-blocking-work scenario, with the work done the `H` way.
pub struct Starvation<H>(PhantomData<H>);

impl<H: Hog> Scenario for Starvation<H> {
    const INFO: ScenarioInfo = H::INFO;

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let ticks = params.count("ticks");
        let tick = params.millis("tick_ms");
        let block = params.millis("block_ms");
        let plan = H::plan(block, params);
        let tick_times = Arc::new(Mutex::new(Vec::with_capacity(ticks + 1)));
        let recorded = Arc::clone(&tick_times);
        let deadline = tick * (ticks as u32 + WARMUP_TICKS) + block + GRACE;
        let counted = Ticks::default();
        let outcome = runtime.run(async move {
            let work_done = Arc::new(AtomicBool::new(false));
            let done = Arc::clone(&work_done);
            let ticker = R::spawn(ticker::<R>(tick, ticks, recorded, counted.clone(), done));
            let worker = R::spawn(async move {
                R::sleep(tick * WARMUP_TICKS).await;
                let span = H::hog::<R>(plan, counted).await;
                work_done.store(true, Ordering::Release);
                span
            });
            R::timeout(deadline, async { (worker.await, ticker.await) }).await
        });
        let times = tick_times.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let made = times.len().saturating_sub(1);
        let (span, ticker) = outcome.map_err(|_| {
            ScenarioError::Check(format!(
                "the ticker made {made} of {ticks} ticks, or the work did not end, in {deadline:?}"
            ))
        })?;
        // Both ended within the deadline: the ticker made its ticks (it stops only after
        // `ticks` of them and once the work is done), and the work completed unless its
        // task reports an error.
        let span = span??;
        ticker?;
        let worked = span.end - span.start;
        let ticks_during_work = span.ticks_during();
        if H::TICKER_MUST_RUN_DURING_WORK {
            ScenarioError::ensure(ticks_during_work > 0, || {
                format!("the ticker was frozen during the whole {worked:?} of offloaded work")
            })?;
        }
        let worst_gap = times.windows(2).map(|pair| pair[1] - pair[0]).max().unwrap_or_default();
        Ok(Outcome::checked(format!(
            "the ticker made all {made} ticks and {} ms of blocking work completed{}",
            millis(block),
            if H::TICKER_MUST_RUN_DURING_WORK { ", with ticks during the work" } else { "" }
        ))
        .metric(Metric::lower("worst ticker gap ms", millis(worst_gap)))
        .metric(Metric::higher("ticks during work", ticks_during_work as f64)))
    }
}

/// Ticks every `tick` at least `ticks` times and until the work is done, recording the
/// start time and each tick's time, and counting each tick in `counted`.
async fn ticker<R: Runtime>(
    tick: Duration,
    ticks: usize,
    times: Arc<Mutex<Vec<Instant>>>,
    counted: Ticks,
    work_done: Arc<AtomicBool>,
) {
    let record = || times.lock().unwrap_or_else(PoisonError::into_inner).push(Instant::now());
    record();
    let mut made = 0;
    while made < ticks || !work_done.load(Ordering::Acquire) {
        R::sleep(tick).await;
        record();
        counted.tick();
        made += 1;
    }
}
