//! The child side of a cell: `rtbench worker …` (hidden) builds one runtime, runs one
//! scenario — warm-up, then samples — and prints the cell's [`WorkerOutput`] as one JSON
//! line on stdout.
//!
//! The runtime is built once, outside the timed code; each scenario times itself. The
//! scenario's root runs through `Runtime::run`, which on multi-thread flavours spawns it
//! onto a worker instead of running it in `block_on` (tokio issue 5446: the `block_on`
//! future is not a worker task, so message passing with it crosses threads and skews
//! results). Anything that goes wrong beyond a returned error — a panic, an abort, a
//! hang — ends or stalls this process only; the parent ([`crate::cell`]) notices.

use std::io::Read;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rtbench_adapters::AdapterError;
use rtbench_core::task::unretrieved_panics;
use rtbench_core::{Outcome, Params, Runtime, RuntimeConfig, RuntimeVisitor, ScenarioError, Size};
use serde::{Deserialize, Serialize};

use crate::catalogue;
use crate::cli::WorkerArgs;
use crate::limits;
use crate::results::{FailureKind, Status};
use crate::stats;

/// Fewest samples a cell takes even when its budget is spent (unless fewer were asked).
const MIN_SAMPLES: u32 = 3;

/// What a worker prints.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerOutput {
    /// Threads that ran tasks; `None` if the runtime could not be built.
    pub threads: Option<usize>,
    /// The cell's result.
    pub status: Status,
}

/// Runs the cell described by `args`.
pub fn main(args: WorkerArgs) -> ExitCode {
    exit_when_parent_goes();
    limits::raise_open_files();
    let params = match resolve_params(&args) {
        Ok(params) => params,
        Err(message) => {
            say!("rtbench worker: {message}");
            return ExitCode::from(2);
        }
    };
    let sampler = Sampler {
        scenario: &args.scenario,
        params: &params,
        warmup: args.warmup,
        samples: args.samples.max(1),
        budget: Duration::from_millis(args.budget_ms),
    };
    let output = match rtbench_adapters::visit(
        &args.runtime,
        &RuntimeConfig { threads: args.threads },
        sampler,
    ) {
        Ok(output) => output,
        Err(AdapterError::Unavailable(reason)) => WorkerOutput {
            threads: None,
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

fn resolve_params(args: &WorkerArgs) -> Result<Params, String> {
    let info = catalogue::info(&args.scenario)?;
    let mut params = Params::new(info.params, Size::Full);
    for (name, value) in &args.params {
        params.set(name, *value)?;
    }
    Ok(params)
}

/// The parent keeps our stdin open while it waits for us: end of input means it is
/// gone (killed, interrupted), and an orphaned cell must not run on.
fn exit_when_parent_goes() {
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(3);
    });
}

/// Warm-up and sampling of one scenario on the runtime it is handed.
struct Sampler<'a> {
    scenario: &'a str,
    params: &'a Params,
    warmup: u32,
    samples: u32,
    budget: Duration,
}

impl RuntimeVisitor for Sampler<'_> {
    type Output = WorkerOutput;

    fn visit<R: Runtime>(self, runtime: &R) -> WorkerOutput {
        WorkerOutput { threads: Some(runtime.threads()), status: self.sample(runtime) }
    }
}

impl Sampler<'_> {
    fn sample<R: Runtime>(&self, runtime: &R) -> Status {
        let run_once = || {
            release_free_memory();
            catalogue::run(self.scenario, runtime, self.params)
                .expect("the scenario name was resolved before")
        };
        for _ in 0..self.warmup {
            if let Err(error) = run_once() {
                return error_status(error);
            }
        }
        let minimum = MIN_SAMPLES.min(self.samples) as usize;
        let start = Instant::now();
        let mut outcomes = Vec::new();
        while outcomes.len() < self.samples as usize {
            match run_once() {
                Ok(outcome) => outcomes.push(outcome),
                Err(error) => return error_status(error),
            }
            if outcomes.len() >= minimum && start.elapsed() >= self.budget {
                break;
            }
        }
        let mut status = summarize(outcomes, self.warmup);
        if let (Status::Ok { notes, .. }, Some(note)) = (&mut status, unretrieved_note()) {
            notes.push(note);
        }
        status
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

fn error_status(error: ScenarioError) -> Status {
    match error {
        ScenarioError::Unsupported(reason) => Status::NotApplicable { reason },
        ScenarioError::Check(_) => {
            Status::Failed { kind: FailureKind::Check, reason: error.to_string() }
        }
        ScenarioError::Io(_) => Status::Failed { kind: FailureKind::Io, reason: error.to_string() },
    }
}

/// One summary per metric of the first sample, over every sample.
fn summarize(outcomes: Vec<Outcome>, warmup: u32) -> Status {
    let first = outcomes.first().expect("at least one sample is taken");
    let metrics = first
        .metrics
        .iter()
        .map(|metric| {
            let values = outcomes.iter().filter_map(|outcome| outcome.get(metric.name)).collect();
            stats::summarize(metric.name, metric.lower_is_better, values)
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
