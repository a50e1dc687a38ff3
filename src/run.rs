//! `rtbench run`: the matrix, cell by cell, each in its own child process
//! ([`crate::cell`]), every finished cell appended to `DIR/results.jsonl` at once; then
//! the report.

use std::fs;
use std::io;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cell;
use crate::cli::RunArgs;
use crate::environment::{self, Environment};
use crate::matrix::{self, Plan, UsageError};
use crate::report;
use crate::results::{CellRecord, Record, Results, ResultsLog, Status, FILE_NAME};

/// Why `run` stopped early.
#[derive(Debug)]
pub enum RunError {
    /// Bad arguments (exit code 2).
    Usage(UsageError),
    /// The results directory could not be written.
    Io(String, io::Error),
}

/// Runs the cells of `args` and writes the report. `Ok(failure)` when every cell ran,
/// `failure` telling whether any of them failed.
pub fn run(args: &RunArgs) -> Result<ExitCode, RunError> {
    let Plan { cells, settings } = matrix::plan(args).map_err(RunError::Usage)?;
    let dir = &args.out;
    let io_error = |what: &str| {
        let what = format!("{what} {}", dir.display());
        move |error| RunError::Io(what, error)
    };
    fs::create_dir_all(dir).map_err(io_error("cannot create"))?;
    let path = dir.join(FILE_NAME);
    let mut done = if args.resume {
        Results::load(&path).map_err(io_error("cannot read"))?
    } else {
        Results::default()
    };
    let mut log = ResultsLog::open(&path, args.resume).map_err(io_error("cannot write to"))?;
    log.append(&Record::Environment(Environment::capture(&settings)))
        .map_err(io_error("cannot write to"))?;

    if cfg!(debug_assertions) {
        say!("rtbench: debug build: figures are not representative (use cargo run --release)");
    }
    let total = cells.len();
    let skipped = cells.iter().filter(|cell| done.get(&cell.key(&settings)).is_some()).count();
    if skipped > 0 {
        say!("rtbench: resuming: {skipped} of {total} cells already in {}", path.display());
    }
    let progress = ProgressBar::new(total as u64).with_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut failed = 0;
    for (index, cell) in cells.iter().enumerate() {
        let key = cell.key(&settings);
        let record = match done.get(&key) {
            Some(record) => record.clone(),
            None => {
                progress.set_message(format!("{} on {}", cell.scenario.name, cell.runtime.name));
                let outcome = cell::run(cell, &settings);
                let record = CellRecord {
                    scenario: cell.scenario.name.to_owned(),
                    lesson: cell.scenario.lesson.to_owned(),
                    runtime: cell.runtime.name.to_owned(),
                    crate_name: cell.runtime.crate_name.to_owned(),
                    crate_version: cell.runtime.crate_version.to_owned(),
                    class: cell.runtime.class.label().to_owned(),
                    legacy: environment::is_legacy(&cell.runtime),
                    size: settings.size_name().to_owned(),
                    threads_asked: settings.threads,
                    threads: outcome.threads,
                    params: cell.param_map(),
                    wall_ms: outcome.wall.as_millis() as u64,
                    status: outcome.status,
                };
                log.append(&Record::Cell(record.clone())).map_err(io_error("cannot write to"))?;
                progress.suspend(|| {
                    say!(
                        "[{}/{total}] {:<18} {:<14} {}",
                        index + 1,
                        record.scenario,
                        record.runtime,
                        report::cell_text(&record)
                    )
                });
                done.insert(record.clone());
                record
            }
        };
        if matches!(record.status, Status::Failed { .. }) {
            failed += 1;
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    report::write(dir).map_err(io_error("cannot write the report in"))?;
    say!(
        "rtbench: {total} cells, {failed} failed, in {:.0?}; report: {}",
        progress.elapsed(),
        dir.join(report::index::FILE_NAME).display()
    );
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
