//! `rtbench run`: the matrix, round by round, each round of each cell in its own child
//! process ([`crate::cell`]), every finished round appended to `DIR/results.jsonl` at
//! once; then the report.
//!
//! Within a round the cells come in a shuffled order, a new one each round, so a drift
//! of the machine (another process, the CPU's clock) falls on every runtime alike rather
//! than on whichever ran last.
//!
//! Measured results are never lost: the directory is locked ([`crate::outdir`]), a plain
//! run refuses a directory that holds results (`--resume` goes on with it, `--force`
//! keeps it aside), and `--resume` keeps every measured and `n/a` round, retrying only
//! failed ones, under the settings recorded by the run it resumes.
//!
//! The workers run where `--pin` and `--no-aslr` place them ([`crate::placement`]); a
//! run that starts on a busy machine says its figures will be noisy, and ends by
//! recording the load again (`run_end`).

use std::io;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;

use crate::cell::{self, Guard};
use crate::cli::RunArgs;
use crate::environment::Environment;
use crate::matrix::{self, PlannedCell};
use crate::outdir::{OutDir, OutDirError};
use crate::placement::Placement;
use crate::report;
use crate::request::{RunRequest, UsageError, MIN_ROUNDS};
use crate::results::{CellFacts, Record, Recorded, ResultsLog, RoundRecord, Status, FILE_NAME};
use crate::summary;

/// Why `run` stopped early.
#[derive(Debug)]
pub enum RunError {
    /// Bad arguments, or a directory that is not free to write (exit code 2).
    Usage(UsageError),
    /// The results directory could not be read or written.
    Io(String, io::Error),
}

impl From<UsageError> for RunError {
    fn from(error: UsageError) -> Self {
        RunError::Usage(error)
    }
}

impl From<OutDirError> for RunError {
    fn from(error: OutDirError) -> Self {
        match error {
            OutDirError::InUse(message) => RunError::Usage(UsageError(message)),
            OutDirError::Io(what, error) => RunError::Io(what, error),
        }
    }
}

/// Runs the cells of `args` and writes the report. `Ok(failure)` when every cell ran,
/// `failure` telling whether any of them failed.
pub fn run(args: &RunArgs) -> Result<ExitCode, RunError> {
    // A directory that exists is taken first, so that a run in progress there is what
    // the user hears about; one that does not is only created once the request is valid.
    let held = match args.out.exists() {
        true => Some(OutDir::lock(&args.out)?),
        false => None,
    };
    // Read once, under the lock; `--force` sets the file aside unread, whatever it holds.
    let recorded = match &held {
        Some(out) if !args.force => load(&out.results_file())?,
        _ => Recorded::default(),
    };
    let request = request(args, &recorded)?;
    let cells = matrix::plan(&request)?;
    let (placement, worker_aslr) = Placement::prepare(&request, &cells)?;
    let out = match held {
        Some(out) => out,
        None => OutDir::lock(&args.out)?,
    };
    let path = out.results_file();
    let io_error = |what: &str| {
        let what = format!("{what} {}", path.display());
        move |error| RunError::Io(what, error)
    };
    let mut recorded = match args.resume {
        true => recorded,
        false => {
            start_afresh(&out, &recorded, args.force)?;
            Recorded::default()
        }
    };
    let mut log = ResultsLog::open(&path).map_err(io_error("cannot write to"))?;
    let environment = Environment::capture(&request, worker_aslr);
    log.append(&Record::Environment(environment.clone())).map_err(io_error("cannot write to"))?;
    // What the run writes, it also keeps: its report is made from `recorded`.
    recorded.add(Record::Environment(environment.clone()));
    if let Some(warning) = environment.noise_warning() {
        say!("rtbench: warning: {warning}");
    }

    if cfg!(debug_assertions) {
        say!("rtbench: debug build: figures are not representative (use cargo run --release)");
    }
    let visits = visiting_order(cells.len(), request.rounds);
    announce_resume(&recorded, &cells, &visits, log.path().display());
    let progress = ProgressBar::new(visits.len() as u64).with_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let guard = Guard { timeout: request.timeout(), memory_limit: request.memory_limit, placement };
    let mut failed_now: Vec<usize> = Vec::new();
    for (step, &(index, round)) in visits.iter().enumerate() {
        progress.inc(1);
        let planned = &cells[index];
        if failed_now.contains(&index) || !needs(&recorded, planned, round, &request) {
            continue;
        }
        progress.set_message(format!("{} on {}", planned.spec.scenario, planned.spec.runtime));
        let record = measure(planned, round, guard);
        log.append(&Record::Round(record.clone())).map_err(io_error("cannot write to"))?;
        if record.status.is_failed() {
            failed_now.push(index);
        }
        progress.suspend(|| {
            let text = report::cell_text(&summary::cells_of(std::slice::from_ref(&record))[0]);
            say!(
                "[{}/{}] {:<18} {:<14} {}{text}",
                step + 1,
                visits.len(),
                record.cell.scenario,
                record.cell.runtime,
                round_label(round, request.rounds),
            );
        });
        recorded.insert(record);
    }
    progress.finish_and_clear();
    let end = Record::RunEnd(environment.end_now());
    log.append(&end).map_err(io_error("cannot write to"))?;
    recorded.add(end);
    // A cell is failed when one of its rounds is (as its summary will say).
    let failed = cells
        .iter()
        .filter(|p| recorded.rounds.iter().any(|r| r.cell == p.spec && r.status.is_failed()))
        .count();
    report::Report::of(&recorded, out.path())
        .and_then(|report| report::write_report(&report, out.path()))
        .map_err(|e| RunError::Io("cannot write the report".into(), e))?;
    say!(
        "rtbench: {} cells × {} round(s), {failed} failed, in {:.0?}; report: {}",
        cells.len(),
        request.rounds,
        progress.elapsed(),
        out.path().join(report::index::FILE_NAME).display()
    );
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The request of this run: `args`, or with `--resume` the request of the run
/// `recorded` in the results file, extended by `args`.
fn request(args: &RunArgs, recorded: &Recorded) -> Result<RunRequest, RunError> {
    if !args.resume {
        return Ok(RunRequest::from_args(args));
    }
    match recorded.environment() {
        Some(environment) => Ok(RunRequest::resume(&environment.request, args)?),
        None => {
            let path = args.out.join(FILE_NAME);
            say!("rtbench: nothing to resume in {}: starting a new run", path.display());
            Ok(RunRequest::from_args(args))
        }
    }
}

/// The results file, a file of another schema being a usage error (its message says
/// what to do).
fn load(path: &std::path::Path) -> Result<Recorded, RunError> {
    Recorded::load(path).map_err(|error| match error.kind() {
        io::ErrorKind::InvalidData => RunError::Usage(UsageError(error.to_string())),
        _ => RunError::Io(format!("cannot read {}", path.display()), error),
    })
}

/// Makes way for a new run. With `force`, an existing results file is kept aside,
/// read or not (it may be of another schema). Otherwise a file that holds measurements
/// (`recorded`) is refused, and one with nothing measured is simply replaced.
fn start_afresh(out: &OutDir, recorded: &Recorded, force: bool) -> Result<(), RunError> {
    let path = out.results_file();
    let io_error = |what: &str, error| RunError::Io(format!("{what} {}", path.display()), error);
    if force && path.exists() {
        let aside = out.set_results_aside().map_err(|e| io_error("cannot set aside", e))?;
        say!("rtbench: the previous results are kept in {}", aside.display());
        return Ok(());
    }
    if !recorded.is_empty() {
        return Err(RunError::Usage(UsageError(format!(
            "{} already holds {} measured cell(s); nothing was run. Use --resume to go on \
             with that run, another --out for a new one, or --force to start afresh here (the \
             old file is kept aside)",
            path.display(),
            recorded.cell_count()
        ))));
    }
    match std::fs::remove_file(&path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            Err(io_error("cannot remove", error))
        }
        _ => Ok(()),
    }
}

/// Every (cell index, round) in the order to visit them: round after round, the cells
/// shuffled anew in each.
pub fn visiting_order(cells: usize, rounds: u32) -> Vec<(usize, u32)> {
    let mut rng = rand::thread_rng();
    (0..rounds)
        .flat_map(|round| {
            let mut order: Vec<usize> = (0..cells).collect();
            order.shuffle(&mut rng);
            order.into_iter().map(move |index| (index, round))
        })
        .collect()
}

/// Whether round `round` of `planned` still has to run: it has no measured or `n/a`
/// result yet, no round of the cell said `n/a` (that is the cell's answer), and, past
/// [`MIN_ROUNDS`], the cell's rounds have not used up its budget. The rule reads only
/// what is recorded, so a resumed run decides as the interrupted one would have.
fn needs(recorded: &Recorded, planned: &PlannedCell, round: u32, request: &RunRequest) -> bool {
    if recorded.round(&planned.spec, round).is_some_and(|r| !r.status.is_failed()) {
        return false;
    }
    let mut rounds = recorded.rounds.iter().filter(|r| r.cell == planned.spec);
    if rounds.clone().any(|r| matches!(r.status, Status::NotApplicable { .. })) {
        return false;
    }
    let spent: u64 = rounds.by_ref().filter(|r| r.round != round).map(|r| r.wall_ms).sum();
    round < MIN_ROUNDS || spent < request.cell_budget_ms
}

/// Says what a resumed run keeps and retries.
fn announce_resume(
    recorded: &Recorded,
    cells: &[PlannedCell],
    visits: &[(usize, u32)],
    path: impl std::fmt::Display,
) {
    let (mut kept, mut retried) = (0, 0);
    for &(index, round) in visits {
        match recorded.round(&cells[index].spec, round) {
            Some(earlier) if earlier.status.is_failed() => retried += 1,
            Some(_) => kept += 1,
            None => {}
        }
    }
    if kept + retried > 0 {
        say!(
            "rtbench: resuming: {kept} of {} cell rounds already in {path}, {retried} failed \
             one(s) to retry",
            visits.len()
        );
    }
}

/// Runs round `round` of `planned` and records it.
fn measure(planned: &PlannedCell, round: u32, guard: Guard) -> RoundRecord {
    let ran = cell::run(&planned.spec, guard);
    RoundRecord {
        cell: planned.spec.clone(),
        round,
        facts: CellFacts {
            lesson: planned.scenario.lesson.to_owned(),
            crate_name: planned.runtime.crate_name.to_owned(),
            crate_version: planned.runtime.crate_version.to_owned(),
            class: planned.runtime.class,
            legacy: planned.runtime.legacy,
        },
        threads_used: ran.threads,
        wall_ms: ran.wall.as_millis() as u64,
        usage: ran.usage,
        status: ran.status,
    }
}

/// `"round 2/5: "` when there are several, nothing otherwise.
fn round_label(round: u32, rounds: u32) -> String {
    if rounds > 1 {
        format!("round {}/{rounds}: ", round + 1)
    } else {
        String::new()
    }
}
