//! `rtbench`: runs the scenario catalogue on every runtime, one isolated child process
//! per (scenario, runtime) cell, and reports tables and charts.
//!
//! ```text
//! rtbench list
//! rtbench run [--runtime NAME…] [--scenario NAME…] [--quick] [--threads N] [--samples N]
//!             [--out DIR] [--resume] [--param SCENARIO.NAME=VALUE…] [--timeout SECS]
//! rtbench report [DIR] [--format md|csv|json]
//! ```
//!
//! Each cell runs in a child process, `rtbench worker …` (a hidden subcommand: see
//! [`worker`] and [`cell`]); the test-only fault scenarios are described in [`faults`].
//!
//! Exit codes: 0 when every cell ran (measured or `n/a`), 1 when a cell failed or the
//! results could not be written, 2 for usage errors (bad names or values, no results in
//! the directory given to `report`).

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
mod environment;
// Nothing calls it yet: the runner (several processes per cell) and `rtbench compare` will.
#[cfg_attr(not(test), allow(dead_code))]
mod estimate;
mod faults;
mod limits;
mod list;
mod matrix;
mod report;
mod results;
mod run;
mod stats;
mod worker;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, Format};
use crate::run::RunError;

/// Exit code for usage errors, as clap uses.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::List => {
            emit(&list::render());
            ExitCode::SUCCESS
        }
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
        Command::Report(args) => match report::write(&args.dir) {
            Ok(rendered) => {
                emit(match args.format {
                    Format::Md => &rendered.markdown,
                    Format::Csv => &rendered.csv,
                    Format::Json => &rendered.json,
                });
                ExitCode::SUCCESS
            }
            Err(error) => {
                say!("error: {error}");
                // No results where the user pointed is a bad DIR argument.
                match error.kind() {
                    std::io::ErrorKind::NotFound => ExitCode::from(USAGE),
                    _ => ExitCode::FAILURE,
                }
            }
        },
        Command::Worker(args) => worker::main(args),
    }
}

/// Writes `text` on stdout; a reader that went away early (`rtbench list | head`) is not
/// an error worth a panic.
fn emit(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
