//! The command line (clap derive). Values are parsed and range-checked here, so a bad
//! value names its flag; names of runtimes, scenarios and parameters are checked against
//! the registries in [`crate::matrix`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Compare async executors honestly: one scenario, every runtime.
#[derive(Debug, Parser)]
#[command(name = "rtbench", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the runtimes of this build (available here or why not) and the scenarios.
    List,
    /// Run the matrix, each (scenario, runtime) cell in a child process, then report.
    Run(RunArgs),
    /// Write tables, charts and an index from saved results.
    Report(ReportArgs),
    /// Runs one cell and prints its result as one JSON line (used by `run`).
    #[command(hide = true)]
    Worker(WorkerArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Runtime flavours to run (repeat or separate with commas); default: all.
    #[arg(long = "runtime", short = 'r', value_name = "NAME", value_delimiter = ',')]
    pub runtimes: Vec<String>,
    /// Scenarios to run (repeat or separate with commas); default: all.
    #[arg(long = "scenario", short = 's', value_name = "NAME", value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Quick sizes and fewer samples: the whole matrix in a few minutes.
    #[arg(long)]
    pub quick: bool,
    /// Worker threads for multi-thread flavours [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Samples per cell, after warm-up [default: 5 quick, 10 full]. Fewer are taken when
    /// the cell's sampling budget runs out (at least 3, or N if smaller).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub samples: Option<u32>,
    /// Directory for results.jsonl and the report.
    #[arg(long, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// Keep DIR/results.jsonl and skip the cells already in it.
    #[arg(long)]
    pub resume: bool,
    /// Override a scenario parameter, e.g. `spawn_many.tasks=500` (repeatable).
    #[arg(long = "param", value_name = "SCENARIO.NAME=VALUE", value_parser = parse_override)]
    pub params: Vec<ParamOverride>,
    /// Watchdog: a cell still running after SECS seconds is killed and marked failed
    /// [default: 30 quick, 300 full].
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Directory holding results.jsonl; the report is written there too.
    #[arg(value_name = "DIR", default_value = "results")]
    pub dir: PathBuf,
    /// Format of the tables printed on stdout (all formats are written to DIR).
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
}

/// Table formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Markdown tables, one per class.
    Md,
    /// One row per cell and metric.
    Csv,
    /// The environment and the cells.
    Json,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[arg(long)]
    pub scenario: String,
    #[arg(long)]
    pub runtime: String,
    #[arg(long)]
    pub threads: usize,
    #[arg(long)]
    pub warmup: u32,
    #[arg(long)]
    pub samples: u32,
    #[arg(long)]
    pub budget_ms: u64,
    /// Every parameter value, as `name=value`.
    #[arg(long = "param", value_parser = parse_assignment)]
    pub params: Vec<(String, u64)>,
}

/// `--param scenario.name=value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamOverride {
    pub scenario: String,
    pub name: String,
    pub value: u64,
}

fn parse_override(text: &str) -> Result<ParamOverride, String> {
    let (path, value) = parse_assignment(text)?;
    let (scenario, name) = path
        .split_once('.')
        .filter(|(scenario, name)| !scenario.is_empty() && !name.is_empty())
        .ok_or_else(|| format!("`{path}` is not SCENARIO.NAME (e.g. spawn_many.tasks)"))?;
    Ok(ParamOverride { scenario: scenario.to_owned(), name: name.to_owned(), value })
}

fn parse_assignment(text: &str) -> Result<(String, u64), String> {
    let (name, value) =
        text.split_once('=').ok_or_else(|| format!("`{text}` has no `=`: expected NAME=VALUE"))?;
    let value = value
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{value}` is not a whole number ≥ 0"))?;
    Ok((name.trim().to_owned(), value))
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 86_400.0 => Ok(Duration::from_secs_f64(seconds)),
        _ => Err(format!("`{text}` is not a number of seconds between 0 and 86400")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_name_scenario_parameter_and_value() {
        assert_eq!(
            parse_override("spawn_many.tasks=1_000"),
            Ok(ParamOverride { scenario: "spawn_many".into(), name: "tasks".into(), value: 1000 })
        );
        assert!(parse_override("tasks=5").unwrap_err().contains("SCENARIO.NAME"));
        assert!(parse_override("a.b=-1").unwrap_err().contains("whole number"));
        assert!(parse_override("a.b").unwrap_err().contains("no `=`"));
    }

    #[test]
    fn timeouts_are_positive_seconds() {
        assert_eq!(parse_seconds("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
