//! Native-semantics probes: what each runtime does **on its own API**, observed.
//!
//! The contract normalises behaviour so that scenarios are portable (dropping a handle
//! always detaches, panics always come back as [`rtbench_core::JoinError`]…). Users also
//! need to know what the runtimes do natively, and that is what these probes observe,
//! with each runtime's own spawn, join-handle, cancel, timer and I/O APIs — never
//! through the contract. [`markdown_table`] turns the observations into the README's
//! table: every cell is generated from an observation, none is typed by hand.
//!
//! Each probe's result is an enum of the outcomes the runtimes document, so a test can
//! assert that what was observed is what the runtime's documentation says (each runtime
//! module holds its `DOCUMENTED` expectations, with the source of each).
//!
//! Probes run one at a time (a process-wide lock), each runtime on a thread of its own,
//! so that a glommio executor or a panicking task never disturbs another probe.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ::futures::channel::oneshot;

#[cfg(feature = "async-global-executor")]
pub mod async_global_executor;
#[cfg(feature = "async-std")]
pub mod async_std;
#[cfg(all(feature = "compio", target_os = "linux"))]
pub mod compio;
#[cfg(all(any(feature = "glommio", feature = "monoio", feature = "compio"), target_os = "linux"))]
mod fresh;
#[cfg(feature = "futures")]
pub mod futures;
#[cfg(all(feature = "glommio", target_os = "linux"))]
pub mod glommio;
mod io_backend;
#[cfg(all(feature = "monoio", target_os = "linux"))]
pub mod monoio;
#[cfg(feature = "smol")]
pub mod smol;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use io_backend::{FdSnapshot, IoBackend};

/// What happens to a task when its join handle is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropHandle {
    /// The task keeps running to completion.
    Detaches,
    /// The task is cancelled (its future is dropped unfinished).
    Cancels,
}

/// What whoever awaits a panicked task's handle gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanicAwaited {
    /// An error value carrying the panic.
    ReturnedAsError,
    /// The panic resumes in the awaiting task.
    ReraisedInAwaiter,
    /// The panic unwinds out of the executor's run loop before anyone awaits it.
    EscapesRunLoop,
}

/// What a panic in a task nobody awaits does to the runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetachedPanic {
    /// The runtime goes on running other tasks; the panic is not reported to anyone.
    KeepsRunning,
    /// The worker thread that ran the task died; tasks queued for it no longer run.
    WorkerLost,
    /// The panic unwinds out of the executor's run loop (`block_on`/`run` panics).
    EscapesRunLoop,
}

/// What awaiting a cancelled task gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReport {
    /// An error saying the task was cancelled or aborted.
    Error,
    /// `None` (the cancel call itself returns the task's value if it had finished).
    NoValue,
}

/// The native cancel API, applied to a task parked in a long sleep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancel {
    /// The call the probe made, e.g. `"JoinHandle::abort()"`.
    pub api: &'static str,
    /// What awaiting the outcome gave.
    pub report: CancelReport,
    /// Whether the task's `Drop` guard ran (observed within [`SETTLE`] after the cancel).
    pub cleanup_ran: bool,
}

/// How fine the runtime's own timer is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Timer {
    /// The runtime has no timer of its own.
    None,
    /// `sleep(1 µs)` observed [`TIMER_TRIES`] times, back to back, through `api`.
    Observed {
        /// The sleep function used.
        api: &'static str,
        /// Median observed duration.
        median: Duration,
        /// Shortest observed duration.
        min: Duration,
        /// Shortest sum of two consecutive durations: what [`Timer::resolution`]
        /// classifies (see there why).
        shortest_pair: Duration,
    },
}

/// How a timer's `sleep(1 µs)` classifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Well under a millisecond: the deadline is kept to the microsecond scale.
    SubMillisecond,
    /// Rounded up to millisecond ticks.
    Millisecond,
    /// Coarser than some 25 ms per sleep.
    Coarser,
}

/// Below this, two consecutive `sleep(1 µs)` cannot come from a millisecond-tick timer.
const SUB_MILLISECOND_PAIR: Duration = Duration::from_micros(800);
/// From this on, two consecutive sleeps are too long even for a millisecond-tick timer
/// on a loaded machine.
const COARSER_PAIR: Duration = Duration::from_millis(50);

impl Timer {
    /// The class of the shortest pair of consecutive sleeps, or `None` when there is no
    /// timer.
    ///
    /// Why a pair, not the median or the minimum: load only ever delays wake-ups, so a
    /// statistic must be one that load cannot push across a band in either direction.
    /// The median of a precise timer rises above any band on a loaded machine; the
    /// minimum of a millisecond-tick timer can fall under a millisecond (a sleep that
    /// starts late, just before a tick, ends at that tick). But with ticks, a sleep that
    /// started `x` past a tick lasts at least `1 ms − x`, and the one before it lasted at
    /// least `x` (it was woken that late): every pair of consecutive sleeps sums to a
    /// millisecond or more, whatever the load. A precise timer needs only one quick pair
    /// among [`TIMER_TRIES`] to show.
    pub fn resolution(&self) -> Option<Resolution> {
        match *self {
            Timer::None => None,
            Timer::Observed { shortest_pair, .. } if shortest_pair < SUB_MILLISECOND_PAIR => {
                Some(Resolution::SubMillisecond)
            }
            Timer::Observed { shortest_pair, .. } if shortest_pair < COARSER_PAIR => {
                Some(Resolution::Millisecond)
            }
            Timer::Observed { .. } => Some(Resolution::Coarser),
        }
    }
}

/// A task that blocks its thread for [`BLOCK`], beside a 1 ms ticker, on one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocking {
    /// The single-thread executor probed, e.g. `"current_thread runtime"`.
    pub executor: &'static str,
    /// The longest gap between two ticks.
    pub worst_gap: Duration,
}

impl Blocking {
    /// Whether the blocking task held the ticker up for the whole block.
    pub fn starves(&self) -> bool {
        self.worst_gap >= BLOCK
    }
}

/// Whether the runtime runs `!Send` futures, and with which call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalSpawn {
    /// A future holding an `Rc` was spawned with `api` and ran.
    Supported {
        /// The call used.
        api: &'static str,
    },
    /// The executor has no way to run a `!Send` future (a fact of its API's types).
    Unsupported {
        /// Why, in the API's terms.
        reason: &'static str,
    },
}

/// Everything observed about one runtime.
#[derive(Clone, Debug, PartialEq)]
pub struct Findings {
    /// Dropping a join handle.
    pub drop_handle: DropHandle,
    /// A panic, awaited.
    pub panic_awaited: PanicAwaited,
    /// A panic in a detached task.
    pub panic_detached: DetachedPanic,
    /// The native cancel API.
    pub cancel: Cancel,
    /// The default timer.
    pub timer: Timer,
    /// A blocking task on a single-thread executor.
    pub blocking: Blocking,
    /// `!Send` futures.
    pub local_spawn: LocalSpawn,
    /// The I/O backend, observed in `/proc`.
    pub io_backend: IoBackend,
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The runtime, e.g. `"tokio"`.
    pub runtime: &'static str,
    /// The crate observed and its resolved version, e.g. `"tokio 1.48.0"`.
    pub version: String,
    /// What the probes saw, or why the runtime could not be probed here.
    pub findings: Result<Findings, String>,
}

/// How long a blocking task blocks in the starvation probe.
pub const BLOCK: Duration = Duration::from_millis(50);
/// How many `sleep(1 µs)` calls the timer probe makes.
pub const TIMER_TRIES: usize = 21;
/// How long a probe waits for an effect (a cleanup, a task on a possibly dead worker)
/// before concluding it will not happen.
pub const SETTLE: Duration = Duration::from_secs(2);
/// The panic message of the probes' panicking tasks.
pub const PANIC_MESSAGE: &str = "rtbench probe: deliberate panic";

/// Observes every probed runtime compiled into this build, one after the other, in
/// registry order ([`for_each_flavour!`](rtbench_adapters::for_each_flavour): its `probed by`
/// entries).
pub fn observe_all() -> Vec<Observation> {
    macro_rules! observations {
        ($( #[cfg($cfg:meta)] $flavour:ident: $runtime:ty $(, probed by $module:ident::$probe:ident)?; )*) => {
            vec![$($( #[cfg($cfg)] crate::$module::$probe(), )?)*]
        };
    }
    rtbench_adapters::for_each_flavour!(observations)
}

/// The native-semantics table, in markdown, generated from `observations`.
///
/// ```
/// use rtbench_probes::{markdown_table, Observation};
///
/// let missing = Observation {
///     runtime: "glommio",
///     version: "glommio 0.9.0".to_owned(),
///     findings: Err("io_uring is disabled".to_owned()),
/// };
/// let table = markdown_table(&[missing]);
/// assert!(table.contains("| glommio | glommio 0.9.0 | unavailable: io_uring is disabled |"));
/// ```
pub fn markdown_table(observations: &[Observation]) -> String {
    const HEADER: [&str; 10] = [
        "runtime",
        "crate observed",
        "dropping the handle",
        "panic, awaited",
        "panic in a detached task",
        "cancel API",
        "timer: sleep(1 µs) takes",
        "blocking task, 1 thread",
        "`!Send` tasks",
        "I/O backend",
    ];
    let mut table = format!("| {} |\n|{}\n", HEADER.join(" | "), "---|".repeat(HEADER.len()));
    for observation in observations {
        let cells = match &observation.findings {
            Ok(findings) => findings.cells(),
            Err(reason) => {
                let mut cells = vec![format!("unavailable: {reason}")];
                cells.resize(HEADER.len() - 2, "—".to_owned());
                cells
            }
        };
        let (runtime, version) = (observation.runtime, &observation.version);
        table.push_str(&format!("| {runtime} | {version} | {} |\n", cells.join(" | ")));
    }
    table
}

impl Findings {
    fn cells(&self) -> Vec<String> {
        vec![
            self.drop_handle.to_string(),
            self.panic_awaited.to_string(),
            self.panic_detached.to_string(),
            self.cancel.to_string(),
            self.timer.to_string(),
            self.blocking.to_string(),
            self.local_spawn.to_string(),
            self.io_backend.to_string(),
        ]
    }
}

impl fmt::Display for DropHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropHandle::Detaches => "detaches (task runs on)",
            DropHandle::Cancels => "cancels the task",
        })
    }
}

impl fmt::Display for PanicAwaited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PanicAwaited::ReturnedAsError => "returned as an error",
            PanicAwaited::ReraisedInAwaiter => "re-raised in the awaiter",
            PanicAwaited::EscapesRunLoop => "unwinds out of the executor",
        })
    }
}

impl fmt::Display for DetachedPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DetachedPanic::KeepsRunning => "runtime keeps running; nobody is told",
            DetachedPanic::WorkerLost => "worker thread lost",
            DetachedPanic::EscapesRunLoop => "unwinds out of the executor",
        })
    }
}

impl fmt::Display for Cancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = match self.report {
            CancelReport::Error => "an error",
            CancelReport::NoValue => "`None`",
        };
        let cleanup = if self.cleanup_ran { "Drop ran" } else { "Drop did NOT run" };
        write!(f, "`{}` → {report}; {cleanup}", self.api)
    }
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timer::None => f.write_str("no timer of its own"),
            Timer::Observed { api, median, min, .. } => {
                write!(f, "{} median, {} min (`{api}`)", micros(*median), micros(*min))
            }
        }
    }
}

impl fmt::Display for Blocking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.starves() { "starves siblings" } else { "siblings keep running" };
        write!(f, "{verdict} ({} gap, {})", micros(self.worst_gap), self.executor)
    }
}

impl fmt::Display for LocalSpawn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalSpawn::Supported { api } => write!(f, "yes: `{api}`"),
            LocalSpawn::Unsupported { reason } => write!(f, "no: {reason}"),
        }
    }
}

/// A duration in the unit that reads best: `850 µs`, `1.06 ms`, `51 ms`.
fn micros(duration: Duration) -> String {
    let us = duration.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 10_000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.0} ms", us / 1000.0)
    }
}

// ---------------------------------------------------------------------------------
// The experiments, written once; each runtime module plugs its own API into them.
// ---------------------------------------------------------------------------------

/// Serialises probes: one runtime is probed at a time in the whole process.
pub fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `probe` on a fresh thread (its own thread-locals, its own executor) and returns
/// its result; a panic in it is resumed here.
pub fn on_own_thread<T: Send + 'static>(probe: impl FnOnce() -> T + Send + 'static) -> T {
    let _one_at_a_time = exclusive();
    match std::thread::spawn(probe).join() {
        Ok(value) => value,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// A task for the drop probe: it waits to be released, then finishes. The returned
/// receiver says, once the task's future is gone, whether it had finished.
pub fn releasable_task(
    release: oneshot::Receiver<()>,
) -> (impl Future<Output = ()> + Send + 'static, oneshot::Receiver<bool>) {
    let (report, finished) = oneshot::channel();
    let witness = Witness { finished: false, report: Some(report) };
    let task = async move {
        // Moves the whole witness in (a closure would capture only the field).
        let mut witness = witness;
        let _ = release.await;
        witness.finished = true;
    };
    (task, finished)
}

/// Reports on drop whether its task finished.
struct Witness {
    finished: bool,
    report: Option<oneshot::Sender<bool>>,
}

impl Drop for Witness {
    fn drop(&mut self) {
        if let Some(report) = self.report.take() {
            let _ = report.send(self.finished);
        }
    }
}

/// The drop experiment: `spawn_and_drop` spawns the task and drops its handle; the task
/// is then released and we learn whether it finished.
pub async fn drop_experiment(spawn_and_drop: impl FnOnce(BoxedTask)) -> DropHandle {
    let (release, released) = oneshot::channel();
    let (task, finished) = releasable_task(released);
    spawn_and_drop(Box::pin(task));
    let _ = release.send(());
    match finished.await {
        Ok(true) => DropHandle::Detaches,
        Ok(false) | Err(_) => DropHandle::Cancels,
    }
}

/// A `Send` task handed to a runtime's spawn.
pub type BoxedTask = std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The cancel experiment's parts: the cleanup witness, a task parked in `sleep` (it is
/// `Send` when `sleep` is), and the signal that it started.
pub fn parked<S: Future<Output = ()> + 'static>(
    sleep: S,
) -> (Cleanup, impl Future<Output = ()> + 'static, oneshot::Receiver<()>) {
    let cleanup = Cleanup::default();
    let (started, has_started) = oneshot::channel();
    let task = cleanup.parked_task(started, sleep);
    (cleanup, task, has_started)
}

/// A flag set by a guard's `Drop`: the cancel probe's cleanup witness.
#[derive(Clone, Default)]
pub struct Cleanup(Arc<AtomicBool>);

impl Cleanup {
    /// A task that signals `started`, then sleeps (with `sleep`) far longer than any
    /// probe, holding a guard that sets this flag when dropped.
    fn parked_task<S: Future<Output = ()> + 'static>(
        &self,
        started: oneshot::Sender<()>,
        sleep: S,
    ) -> impl Future<Output = ()> + 'static {
        let guard = CleanupGuard(Arc::clone(&self.0));
        async move {
            let _guard = guard;
            let _ = started.send(());
            sleep.await;
        }
    }

    /// Whether the guard ran, waiting up to [`SETTLE`] with `sleep`.
    pub async fn ran<S: Future<Output = ()>>(&self, sleep: impl Fn(Duration) -> S) -> bool {
        let deadline = Instant::now() + SETTLE;
        while !self.0.load(Ordering::SeqCst) && Instant::now() < deadline {
            sleep(Duration::from_millis(1)).await;
        }
        self.0.load(Ordering::SeqCst)
    }
}

struct CleanupGuard(Arc<AtomicBool>);

impl Drop for CleanupGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// How long a parked task sleeps: far beyond any probe.
pub const PARKED: Duration = Duration::from_secs(3600);

/// The timer experiment: `sleep(1 µs)` [`TIMER_TRIES`] times, one after the other.
pub async fn timer_experiment<S: Future<Output = ()>>(
    api: &'static str,
    sleep: impl Fn(Duration) -> S,
) -> Timer {
    let mut samples = Vec::with_capacity(TIMER_TRIES);
    for _ in 0..TIMER_TRIES {
        let start = Instant::now();
        sleep(Duration::from_micros(1)).await;
        samples.push(start.elapsed());
    }
    let shortest_pair = shortest_pair(&samples);
    samples.sort();
    Timer::Observed {
        api,
        median: samples[TIMER_TRIES / 2],
        min: samples[0],
        shortest_pair: shortest_pair.expect("TIMER_TRIES is at least 2"),
    }
}

/// The shortest sum of two consecutive `samples` (`None` with fewer than two).
fn shortest_pair(samples: &[Duration]) -> Option<Duration> {
    samples.windows(2).map(|pair| pair[0] + pair[1]).min()
}

/// Ticks of the starvation probe's ticker.
const TICKS: u32 = 20;

/// The ticker of the starvation experiment: ticks every millisecond (with `sleep`) and
/// returns the longest gap between two ticks.
pub async fn ticker<S: Future<Output = ()>>(sleep: impl Fn(Duration) -> S) -> Duration {
    let mut last = Instant::now();
    let mut worst = Duration::ZERO;
    for _ in 0..TICKS {
        sleep(Duration::from_millis(1)).await;
        worst = worst.max(last.elapsed());
        last = Instant::now();
    }
    worst
}

/// The blocking task of the starvation experiment.
pub async fn blocker() {
    std::thread::sleep(BLOCK);
}

/// A `!Send` future: it holds an `Rc` across an await and returns 42.
pub fn not_send_future() -> impl Future<Output = u32> + 'static {
    let shared = std::rc::Rc::new(41);
    async move {
        ::futures::future::ready(()).await;
        *shared + 1
    }
}

/// A task that panics with [`PANIC_MESSAGE`].
pub async fn panicking_task() {
    panic!("{PANIC_MESSAGE}");
}

/// Classifies how the panic probe ended: `outer` is the executor's run (did the panic
/// escape it?), its value the awaiter's catch (was it re-raised?) around the handle's
/// output (was it an error value?).
///
/// # Panics
/// If a panic other than the probe's own was caught: the probe itself is broken.
pub fn classify_panic<E>(
    outer: std::thread::Result<std::thread::Result<Result<(), E>>>,
) -> PanicAwaited {
    match outer {
        Err(payload) => the_probes_panic(payload, PanicAwaited::EscapesRunLoop),
        Ok(Err(payload)) => the_probes_panic(payload, PanicAwaited::ReraisedInAwaiter),
        Ok(Ok(Err(_))) => PanicAwaited::ReturnedAsError,
        Ok(Ok(Ok(()))) => panic!("a task that panics completed normally"),
    }
}

/// Classifies how the detached-panic probe ended: `outer` is the executor's run, its
/// value whether a task spawned after the panic still ran within [`SETTLE`].
pub fn classify_detached(outer: std::thread::Result<bool>) -> DetachedPanic {
    match outer {
        Err(payload) => the_probes_panic(payload, DetachedPanic::EscapesRunLoop),
        Ok(true) => DetachedPanic::KeepsRunning,
        Ok(false) => DetachedPanic::WorkerLost,
    }
}

/// `verdict` if `payload` is the probe's own panic; otherwise the probe is broken.
fn the_probes_panic<T>(payload: Box<dyn std::any::Any + Send>, verdict: T) -> T {
    let message = rtbench_core::task::payload_message(payload.as_ref());
    assert_eq!(message, PANIC_MESSAGE, "the probe caught a panic that is not its own");
    verdict
}

/// `std::panic::catch_unwind` for a probe closure.
pub fn catching<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
}

/// Awaits `future` while catching a panic that resumes in it.
pub async fn catching_async<F: Future>(future: F) -> std::thread::Result<F::Output> {
    use ::futures::FutureExt;
    std::panic::AssertUnwindSafe(future).catch_unwind().await
}

/// Races `future` against `deadline`: `Some(value)` if it finished first.
pub async fn completes_before<F: Future, D: Future<Output = ()>>(
    future: F,
    deadline: D,
) -> Option<F::Output> {
    rtbench_core::time::race_deadline(future, deadline).await.ok()
}

/// What a runtime's documentation says about each probe, to test the observations
/// against. Each runtime module holds one, with its sources.
#[derive(Clone, Debug, PartialEq)]
pub struct Documented {
    /// See [`Findings::drop_handle`].
    pub drop_handle: DropHandle,
    /// See [`Findings::panic_awaited`].
    pub panic_awaited: PanicAwaited,
    /// See [`Findings::panic_detached`].
    pub panic_detached: DetachedPanic,
    /// What awaiting a cancelled task gives.
    pub cancel_report: CancelReport,
    /// The timer's class (`None`: no timer of its own).
    pub timer: Option<Resolution>,
    /// Whether a blocking task starves its siblings on one thread.
    pub blocking_starves: bool,
    /// See [`Findings::io_backend`].
    pub io_backend: IoBackend,
}

impl Documented {
    /// Every way `findings` differs from this documentation (empty: all as documented).
    /// A cancel whose `Drop` did not run always differs.
    pub fn differences(&self, findings: &Findings) -> Vec<String> {
        let observed = Documented {
            drop_handle: findings.drop_handle,
            panic_awaited: findings.panic_awaited,
            panic_detached: findings.panic_detached,
            cancel_report: findings.cancel.report,
            timer: findings.timer.resolution(),
            blocking_starves: findings.blocking.starves(),
            io_backend: findings.io_backend.clone(),
        };
        let mut differences = Vec::new();
        if !findings.cancel.cleanup_ran {
            differences.push("the cancelled task's Drop did not run".to_owned());
        }
        if observed != *self {
            differences.push(format!("documented {self:?}, observed {observed:?}"));
        }
        differences
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_one_row_per_observation_and_says_why_a_runtime_is_missing() {
        let unavailable = Observation {
            runtime: "elsewhere",
            version: "elsewhere 0.0.0".to_owned(),
            findings: Err("no io_uring here".to_owned()),
        };
        let table = markdown_table(&[unavailable]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(
            lines[2].starts_with("| elsewhere | elsewhere 0.0.0 | unavailable: no io_uring here |")
        );
        let columns = |line: &str| line.matches('|').count();
        assert!(lines.iter().all(|line| columns(line) == columns(lines[0])), "{table}");
    }

    #[test]
    fn timer_classes_follow_the_shortest_pair_of_consecutive_sleeps() {
        let timer = |shortest_pair| Timer::Observed {
            api: "sleep",
            median: Duration::from_millis(7),
            min: Duration::from_micros(10),
            shortest_pair,
        };
        let class = |micros| timer(Duration::from_micros(micros)).resolution();
        assert_eq!(class(40), Some(Resolution::SubMillisecond));
        assert_eq!(class(799), Some(Resolution::SubMillisecond));
        assert_eq!(class(1_000), Some(Resolution::Millisecond));
        assert_eq!(class(30_000), Some(Resolution::Millisecond));
        assert_eq!(class(60_000), Some(Resolution::Coarser));
        assert_eq!(Timer::None.resolution(), None);
    }

    /// What a loaded machine does to a millisecond-tick timer: wake-ups late by up to
    /// 0.9 ms, so single sleeps as short as 0.1 ms — yet no pair under a millisecond.
    #[test]
    fn a_millisecond_tick_timer_classifies_as_such_under_load() {
        let lateness_us = [900u64, 50, 700, 0, 850, 300, 10, 999, 1, 600, 20];
        let mut now_us = 0u64;
        let mut samples = Vec::new();
        for late in lateness_us {
            let tick = (now_us + 1).div_ceil(1_000) * 1_000;
            let woken = tick + late;
            samples.push(Duration::from_micros(woken - now_us));
            now_us = woken;
        }
        assert!(samples.iter().any(|sample| *sample < Duration::from_micros(500)));
        let timer = Timer::Observed {
            api: "sleep",
            median: samples[samples.len() / 2],
            min: Duration::ZERO,
            shortest_pair: shortest_pair(&samples).unwrap(),
        };
        assert_eq!(timer.resolution(), Some(Resolution::Millisecond), "{samples:?}");
    }
}
