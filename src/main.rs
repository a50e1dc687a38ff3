//! `rtbench`: runs the scenario catalogue on every runtime, one isolated child process
//! per (scenario, runtime) cell, and reports tables and charts.
//!
//! ```text
//! rtbench list
//! rtbench run [--runtime NAME…] [--scenario NAME…] [--quick] [--threads N[,N…]] [--samples N]
//!             [--rounds N] [--out DIR] [--resume | --force] [--param SCENARIO.NAME=VALUE…]
//!             [--timeout SECS] [--memory-limit SIZE] [--pin CPUS] [--no-aslr]
//! rtbench report [DIR] [--format md|csv|json|bmf]
//! rtbench compare BASE NEW [--threshold PCT] [--metric headline|all] [--format md|json|html]
//!                 [--fail-on-regression PCT]
//! rtbench overhead [--runtime NAME…] [--scenario NAME…] [--processes N] [--pairs N] [--quick]
//!                  [--threads N] [--format md|json]
//! ```
//!
//! Each round of each cell runs in a child process, `rtbench worker` (a hidden
//! subcommand that reads its [`spec::CellSpec`] on stdin: see [`worker`] and [`cell`]);
//! `rtbench overhead` runs each process of a cell as `rtbench overhead-worker` (hidden,
//! see [`overhead::job`]) through the same parent side; a server scenario's worker
//! starts the load generator beside it as `rtbench loadgen` (hidden too: see
//! `rtbench_loadgen::launch`); the test-only fault scenarios are
//! described in [`faults`].
//!
//! Exit codes: 0 when every cell ran (measured or `n/a`), 1 when a cell failed or output
//! could not be written, 2 for usage errors (bad names or values, a results directory in
//! use or holding results a plain run would replace, no results in the directory given
//! to `report`). `compare` and `overhead` have their own: see [`compare`](mod@compare) and
//! [`overhead`].

/// `eprintln!` for messages and progress, minus its panic when stderr is gone: with
/// `rtbench run … 2>&1 | head`, the reader leaving must not kill the run (exit 101)
/// halfway through writing results. What cannot be said is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod catalogue;
mod cell;
mod cli;
mod compare;
mod cpuset;
mod environment;
mod estimate;
mod faults;
mod interrupt;
mod limits;
mod list;
mod matrix;
mod outdir;
mod overhead;
mod placement;
mod report;
mod request;
mod results;
mod run;
mod spec;
mod stats;
mod summary;
mod worker;

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, CompareArgs, CompareFormat, Format};
use crate::compare::Comparison;
use crate::outdir::{OutDir, OutDirError};
use crate::run::RunError;

/// Exit code for usage errors, as clap uses.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::List => emit(&list::render()),
        Command::Run(args) => match run::run(&args) {
            Ok(code) => code,
            Err(RunError::Usage(error)) => {
                say!("error: {}\n\nFor more information, try 'rtbench run --help'.", error.0);
                ExitCode::from(USAGE)
            }
            Err(RunError::Io(what, error)) => {
                say!("error: {what}: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Report(args) => match report(&args.dir) {
            Ok(rendered) => emit(match args.format {
                Format::Md => &rendered.markdown,
                Format::Csv => &rendered.csv,
                Format::Json => &rendered.json,
                Format::Bmf => &rendered.bmf,
            }),
            Err(error) => {
                say!("error: {error}");
                // No results where the user pointed, or a directory in use: a bad DIR.
                match error.kind() {
                    io::ErrorKind::NotFound | io::ErrorKind::WouldBlock => ExitCode::from(USAGE),
                    _ => ExitCode::FAILURE,
                }
            }
        },
        Command::Compare(args) => compare(&args),
        Command::Overhead(args) => overhead::main(&args),
        Command::Worker => worker::main(),
        Command::OverheadWorker => overhead::job::main(),
        Command::Loadgen { args } => rtbench_loadgen::launch::process_main(&args),
    }
}

/// `rtbench compare BASE NEW`: the comparison on stdout; exit codes in [`compare`](mod@compare).
fn compare(args: &CompareArgs) -> ExitCode {
    let comparison = match Comparison::load(&args.base, &args.new, args.metric, args.threshold.0) {
        Ok(comparison) => comparison,
        Err(error) => {
            say!("error: {error}\n\nFor more information, try 'rtbench compare --help'.");
            return ExitCode::from(USAGE);
        }
    };
    let text = match args.format {
        CompareFormat::Md => compare::render::markdown(&comparison),
        CompareFormat::Html => compare::render::html(&comparison),
        CompareFormat::Json => match compare::render::json(&comparison) {
            Ok(json) => json,
            Err(error) => {
                say!("error: cannot write the comparison as JSON: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    let written = emit(&text);
    let Some(limit) = args.fail_on_regression else {
        return written;
    };
    let regressions = comparison.regressions(limit.0);
    for row in &regressions {
        say!(
            "rtbench: regression: {} on {}, {}: NEW ÷ BASE = {:.3} [{:.3}–{:.3}]",
            row.key.scenario,
            row.key.runtime,
            row.metric,
            row.ratio.ratio,
            row.ratio.low,
            row.ratio.high
        );
    }
    match regressions.is_empty() {
        true => written,
        false => {
            say!(
                "rtbench: {} metric(s) worse by more than {} with confidence",
                regressions.len(),
                compare::render::percent(limit.0)
            );
            ExitCode::FAILURE
        }
    }
}

/// `rtbench report DIR`: the report files, written under the directory's lock (a run in
/// progress there is refused, not raced).
fn report(dir: &Path) -> io::Result<report::Rendered> {
    if !dir.exists() {
        // Says there are no results there, and how to make some.
        report::Report::load(dir)?;
    }
    let _held = OutDir::lock(dir).map_err(|error| match error {
        OutDirError::InUse(message) => io::Error::new(io::ErrorKind::WouldBlock, message),
        OutDirError::Io(what, error) => io::Error::new(error.kind(), format!("{what}: {error}")),
    })?;
    report::write(dir)
}

/// Writes `text` on stdout. A reader that went away early (`rtbench list | head`) is not
/// an error; any other failure (a full disk) is, with exit code 1.
fn emit(text: &str) -> ExitCode {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            say!("error: cannot write to standard output: {error}");
            ExitCode::FAILURE
        }
    }
}
