//! The child side of a cell: `rtbench worker` (hidden) reads its [`CellSpec`] as one
//! JSON line on stdin, builds one runtime, runs one scenario — warm-up, then samples —
//! and prints the round's [`WorkerOutput`] as one JSON line on stdout.
//!
//! The runtime is built once, outside the timed code; each scenario times itself. The
//! scenario's root runs through `Runtime::run`, which on multi-thread flavours spawns it
//! onto a worker instead of running it in `block_on` (tokio issue 5446: the `block_on`
//! future is not a worker task, so message passing with it crosses threads and skews
//! results). Anything that goes wrong beyond a returned error — a panic, an abort, a
//! hang — ends or stalls this process only; the parent ([`crate::cell`]) notices.

use std::io::{BufRead, Read};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rtbench_adapters::AdapterError;
use rtbench_core::task::unretrieved_panics;
use rtbench_core::{Outcome, Params, Runtime, RuntimeConfig, RuntimeVisitor, ScenarioError};
use serde::{Deserialize, Serialize};

use crate::catalogue;
use crate::limits;
use crate::results::{FailureKind, MetricSamples, Status, Usage};
use crate::spec::{CellSpec, Sampling};

/// What a worker prints.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerOutput {
    /// Threads that ran tasks; `None` if the runtime could not be built.
    pub threads: Option<usize>,
    /// Resource usage while sampling; `None` if no sample was taken.
    pub usage: Option<Usage>,
    /// The round's result.
    pub status: Status<MetricSamples>,
}

/// Runs the cell given on stdin.
pub fn main() -> ExitCode {
    let (spec, params, elements) = match read_spec() {
        Ok(read) => read,
        Err(message) => {
            say!("rtbench worker: {message}");
            return ExitCode::from(2);
        }
    };
    exit_when_parent_goes();
    limits::raise_open_files();
    if rtbench_scenarios::needs_load_generator(&spec.scenario) {
        if let Err(message) = place_server_and_generator(spec.threads) {
            say!("rtbench worker: {message}");
            return ExitCode::from(2);
        }
    }
    let sampler = Sampler {
        scenario: &spec.scenario,
        params: &params,
        elements,
        sampling: Sampling { samples: spec.sampling.samples.max(1), ..spec.sampling },
    };
    let config = RuntimeConfig { threads: spec.threads };
    let output = match rtbench_adapters::visit(&spec.runtime, &config, sampler) {
        Ok(output) => output,
        Err(AdapterError::Unavailable(reason)) => WorkerOutput {
            threads: None,
            usage: None,
            status: Status::NotApplicable { reason: format!("runtime unavailable here: {reason}") },
        },
        Err(unknown @ AdapterError::Unknown { .. }) => {
            say!("rtbench worker: {unknown}");
            return ExitCode::from(2);
        }
    };
    println!("{}", serde_json::to_string(&output).expect("worker output serialises"));
    ExitCode::SUCCESS
}

/// The cell on the first line of stdin, its parameters checked against the scenario's
/// declaration, and the elements one run of it processes.
fn read_spec() -> Result<(CellSpec, Params, u64), String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("reading stdin: {e}"))?;
    let spec: CellSpec =
        serde_json::from_str(&line).map_err(|e| format!("no cell on stdin ({e}): {line:?}"))?;
    let info = catalogue::info(&spec.scenario)?;
    let params = spec.resolve_params(&info)?;
    let elements = (info.elements)(&params);
    Ok((spec, params, elements))
}

/// A server scenario's two processes: this one (the server: every runtime thread, as
/// none is started yet) pinned to half the CPUs it may use — or to `threads` of them
/// if that is more, so that an N-thread or per-core server gets its N CPUs (a per-core
/// flavour then pins its shards inside them) — and the load generator, `rtbench
/// loadgen`, to the rest (on 2 cores with 1 thread: the server on the first, the
/// generator on the second). Where the generator would be left none, both share every
/// CPU.
fn place_server_and_generator(threads: usize) -> Result<(), String> {
    use rtbench_loadgen::placement::{allowed_cpus, pin_current_thread, Split};
    let program = std::env::current_exe().map_err(|e| format!("cannot find rtbench: {e}"))?;
    let allowed = allowed_cpus().map_err(|e| format!("cannot read this process's CPUs: {e}"))?;
    let cpus = match Split::of(&allowed, threads) {
        Some(split) => {
            pin_current_thread(&split.server)
                .map_err(|e| format!("cannot pin the server to {:?}: {e}", split.server))?;
            split.generator
        }
        None => Vec::new(),
    };
    let args = vec!["loadgen".to_owned()];
    rtbench_loadgen::Launcher::set(rtbench_loadgen::Launcher::Process { program, args, cpus });
    Ok(())
}

/// After the cell's line, the parent keeps our stdin open while it waits for us: end of
/// input means it is gone (killed, interrupted), and an orphaned cell must not run on.
pub fn exit_when_parent_goes() {
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(3);
    });
}

/// Warm-up and sampling of one scenario on the runtime it is handed.
struct Sampler<'a> {
    scenario: &'a str,
    params: &'a Params,
    /// Elements one run processes, for CPU time per element.
    elements: u64,
    sampling: Sampling,
}

impl RuntimeVisitor for Sampler<'_> {
    type Output = WorkerOutput;

    fn visit<R: Runtime>(self, runtime: &R) -> WorkerOutput {
        let (status, usage) = self.sample(runtime);
        WorkerOutput { threads: Some(runtime.threads()), usage, status }
    }
}

impl Sampler<'_> {
    fn sample<R: Runtime>(&self, runtime: &R) -> (Status<MetricSamples>, Option<Usage>) {
        let run_once = || {
            release_free_memory();
            catalogue::run(self.scenario, runtime, self.params)
                .expect("the scenario name was resolved before")
        };
        for _ in 0..self.sampling.warmup {
            if let Err(error) = run_once() {
                return (error_status(error), None);
            }
        }
        let minimum = self.sampling.min_samples.clamp(1, self.sampling.samples) as usize;
        let budget = Duration::from_millis(self.sampling.budget_ms);
        let meter = UsageMeter::start();
        let mut outcomes = Vec::new();
        while outcomes.len() < self.sampling.samples as usize {
            match run_once() {
                Ok(outcome) => outcomes.push(outcome),
                Err(error) => return (error_status(error), None),
            }
            if outcomes.len() >= minimum && meter.elapsed() >= budget {
                break;
            }
        }
        let usage = meter.finish(self.elements * outcomes.len() as u64);
        let mut status = summarize(outcomes, self.sampling.warmup);
        if let (Status::Ok { notes, .. }, Some(note)) = (&mut status, unretrieved_note()) {
            notes.push(note);
        }
        (status, usage)
    }
}

/// The process's resource usage and the time since it started measuring.
struct UsageMeter {
    start: Instant,
    before: Option<libc::rusage>,
}

impl UsageMeter {
    fn start() -> Self {
        UsageMeter { before: rusage_self(), start: Instant::now() }
    }

    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// What the process used since [`UsageMeter::start`], having processed `elements`.
    fn finish(self, elements: u64) -> Option<Usage> {
        let wall = self.start.elapsed();
        let (before, after) = (self.before?, rusage_self()?);
        let millis = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
        Some(Usage {
            user_ms: millis(after.ru_utime) - millis(before.ru_utime),
            system_ms: millis(after.ru_stime) - millis(before.ru_stime),
            wall_ms: wall.as_secs_f64() * 1e3,
            elements,
            // Linux reports it in KiB.
            peak_rss_kib: after.ru_maxrss.max(0) as u64,
            voluntary_switches: (after.ru_nvcsw - before.ru_nvcsw).max(0) as u64,
            involuntary_switches: (after.ru_nivcsw - before.ru_nivcsw).max(0) as u64,
        })
    }
}

/// `getrusage(RUSAGE_SELF)`: every thread of this process.
fn rusage_self() -> Option<libc::rusage> {
    // SAFETY: `getrusage` writes a `rusage` into the zeroed value we own; all-zero is a
    // valid `rusage` (plain integers).
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_SELF, &mut usage) == 0).then_some(usage)
    }
}

/// A note on the panics of detached tasks that nobody retrieved during the cell (its
/// warm-up included), or `None` if there were none.
///
/// The core records each such panic twice: a process-wide counter, and a message in a
/// list (the newest 1024 kept). A scenario that panics a detached task on purpose (such
/// as `panics`) consumes its message with `take_matching` but cannot lower the counter,
/// so the counter cannot tell its panics from lost ones. The message list can: whatever
/// is still in it after the samples was never consumed. The worker runs one cell per
/// process, so the list starts empty and everything left belongs to this cell.
fn unretrieved_note() -> Option<String> {
    let lost = unretrieved_panics::take_matching("");
    let first = lost.first()?;
    Some(format!("{} task panic(s) never retrieved (first: {first})", lost.len()))
}

/// Hands the heap memory freed by the previous run back to the operating system, so that
/// scenarios measuring memory from the process's RSS (`million_tasks`, `c10k`) see each
/// sample's real growth rather than pages the allocator kept from the run before.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    // SAFETY: `malloc_trim` only returns unused pages of glibc's heap to the kernel; it
    // may be called at any time, from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return memory on their own terms; nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

fn error_status(error: ScenarioError) -> Status<MetricSamples> {
    match error {
        ScenarioError::Unsupported(reason) => Status::NotApplicable { reason },
        ScenarioError::Check(_) => {
            Status::Failed { kind: FailureKind::Check, reason: error.to_string() }
        }
        ScenarioError::Io(_) => Status::Failed { kind: FailureKind::Io, reason: error.to_string() },
    }
}

/// Each metric of the first sample, over every sample.
fn summarize(outcomes: Vec<Outcome>, warmup: u32) -> Status<MetricSamples> {
    let first = outcomes.first().expect("at least one sample is taken");
    let metrics = first
        .metrics
        .iter()
        .map(|metric| MetricSamples {
            name: metric.name.to_owned(),
            lower_is_better: metric.lower_is_better,
            samples: outcomes.iter().filter_map(|outcome| outcome.get(metric.name)).collect(),
        })
        .collect();
    let mut notes: Vec<String> = Vec::new();
    for note in outcomes.iter().flat_map(|outcome| &outcome.notes) {
        if !notes.contains(note) {
            notes.push(note.clone());
        }
    }
    Status::Ok { checked: first.checked.clone(), notes, warmup, metrics }
}
