//! The command line (clap derive). Values are parsed and range-checked here, so a bad
//! value names its flag; names of runtimes, scenarios and parameters are checked against
//! the registries in [`crate::matrix`].

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cpuset::CpuSet;
use crate::request::ParamOverride;

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
    /// Run the matrix, each (scenario, runtime) cell in several child processes (rounds),
    /// then report.
    Run(RunArgs),
    /// Write tables, charts and an index from saved results.
    Report(ReportArgs),
    /// Compare two runs cell by cell: the ratio NEW / BASE with its 95 % interval and a
    /// verdict, as Markdown or JSON on stdout.
    Compare(CompareArgs),
    /// Measure what the contract costs over each runtime's own API on this machine: each
    /// overhead workload through the contract and as a native twin, interleaved in pairs
    /// on one runtime instance, in several worker processes per cell (under a minute for
    /// everything).
    Overhead(OverheadArgs),
    /// Runs the cell given as JSON on stdin and prints its result as one JSON line (used
    /// by `run`).
    #[command(hide = true)]
    Worker,
    /// Runs one process of an overhead cell given as JSON on stdin and prints its pair
    /// ratios as one JSON line (used by `overhead`).
    #[command(hide = true)]
    OverheadWorker,
    /// Runs the load generator of a server scenario: its job as JSON on stdin, its report
    /// as one JSON line (used by the worker of a server scenario; see rtbench-loadgen).
    #[command(hide = true)]
    Loadgen {
        /// `--cpus LIST`, passed through.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Runtime flavours to run (repeat or separate with commas); default: all.
    #[arg(long = "runtime", short = 'r', value_name = "NAME", value_delimiter = ',')]
    pub runtimes: Vec<String>,
    /// Scenarios to run (repeat or separate with commas); default: all.
    #[arg(long = "scenario", short = 's', value_name = "NAME", value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Quick sizes and short sampling per process: the whole matrix in under 3 minutes on 2 cores.
    #[arg(long)]
    pub quick: bool,
    /// Worker threads for the N-thread and per-core flavours [default: the number of
    /// cores]. A list (`1,2,4,8`) is a thread sweep: those flavours run at each count
    /// (1-thread flavours once), and the report adds scaling charts and a speedup table.
    /// Counts above this machine's cores are allowed; the report marks them
    /// oversubscribed.
    #[arg(
        long,
        value_name = "N[,N…]",
        value_delimiter = ',',
        value_parser = clap::value_parser!(u16).range(1..=1024)
    )]
    pub threads: Vec<u16>,
    /// Samples per worker process (round), after warm-up [default: 5 quick, 10 full].
    /// Fewer are taken when its sampling budget runs out (at least 1 quick, 3 full, or N
    /// if smaller).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub samples: Option<u32>,
    /// Directory for results.jsonl and the report.
    #[arg(long, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// Worker processes per cell, visited in a new shuffled order each round [default: 8
    /// quick, 10 full].
    /// With `--resume`, more rounds add to the recorded ones.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub rounds: Option<u32>,
    /// A cell stops adding rounds once its rounds have run SECS in all, after 2 rounds:
    /// the scale scenarios get fewer, and tables say so [default: 0.5 quick, 30 full].
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub cell_budget: Option<Duration>,
    /// Go on with the run recorded in DIR/results.jsonl, with its settings: keep its
    /// measured and n/a cells, retry the failed ones, run the rest.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Start afresh even though DIR/results.jsonl holds results: the old file is kept
    /// aside as DIR/results-replaced-UNIXTIME.jsonl.
    #[arg(long)]
    pub force: bool,
    /// Override a scenario parameter, e.g. `spawn_many.tasks=500` (repeatable).
    #[arg(long = "param", value_name = "SCENARIO.NAME=VALUE", value_parser = parse_override)]
    pub params: Vec<ParamOverride>,
    /// Watchdog: a worker process still running after SECS seconds is killed and its cell
    /// marked failed
    /// [default: 30 quick, 300 full].
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,
    /// A worker whose resident memory grows past SIZE (e.g. 512M, 4G) is killed and its
    /// cell marked out of memory; `none` for no limit [default: half the machine's memory].
    #[arg(long, value_name = "SIZE", value_parser = parse_memory_limit)]
    pub memory_limit: Option<MemoryLimit>,
    /// Run the workers on these CPUs only, e.g. `0`, `0-3` or `1,3` [default: not pinned].
    /// Multi-thread flavours still start --threads threads.
    #[arg(long, value_name = "CPUS", value_parser = CpuSet::from_str)]
    pub pin: Option<CpuSet>,
    /// Run the workers with address-space layout randomisation off, so that every round
    /// has the same memory layout (where the kernel allows it; the run says if not).
    #[arg(long)]
    pub no_aslr: bool,
}

/// `--memory-limit`: bytes, or `None` for no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimit(pub Option<u64>);

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Directory holding results.jsonl; the report is written there too.
    #[arg(value_name = "DIR", default_value = "results")]
    pub dir: PathBuf,
    /// Format of the tables printed on stdout (all formats are written to DIR:
    /// results.md, results.csv, results.json, results.bmf.json).
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
    /// Bencher Metric Format: each measured cell's metrics with their intervals.
    Bmf,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The results directory of the earlier run, the reference.
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// The results directory of the later run, compared with BASE.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// A change smaller than PCT % is no change: the verdict is `better` or `worse` only
    /// when the whole 95 % interval of the ratio is beyond 1 ± PCT %.
    #[arg(long, value_name = "PCT", default_value = "2", value_parser = parse_percent, allow_negative_numbers = true)]
    pub threshold: Percent,
    /// Which metrics of each cell to compare.
    #[arg(long, value_enum, default_value_t = Metrics::Headline)]
    pub metric: Metrics,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Md)]
    pub format: CompareFormat,
    /// Exit with status 1 when a compared metric is worse by more than PCT % with
    /// confidence: its whole 95 % interval beyond 1 ± PCT % on the bad side (above it
    /// where lower is better, below it where higher is better).
    #[arg(long, value_name = "PCT", value_parser = parse_percent, allow_negative_numbers = true)]
    pub fail_on_regression: Option<Percent>,
}

#[derive(Debug, Args)]
pub struct OverheadArgs {
    /// Runtime flavours to measure (repeat or separate with commas); default: all.
    #[arg(long = "runtime", short = 'r', value_name = "NAME", value_delimiter = ',')]
    pub runtimes: Vec<String>,
    /// Workloads to measure: spawn_many, chained_spawn, yield_many, ping_pong,
    /// tcp_round_trip (repeat or separate with commas); default: all.
    #[arg(long = "scenario", short = 's', value_name = "NAME", value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Worker processes per cell (rounds, as `run --rounds`), visited in a new shuffled
    /// order each round: the table's interval is over processes.
    #[arg(long, visible_alias = "rounds", value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub processes: u32,
    /// Pairs per process, at most: a process stops early once its pairs have run its
    /// share of 0.25 s per cell (after 2 pairs).
    #[arg(long, value_name = "N", default_value_t = 501, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub pairs: u32,
    /// Then, for up to SECS in all, more worker processes for the cells too close to call
    /// (beyond the bar by their median, within it or explained by a semantic's line by
    /// the low end of their rerun interval): one each, round after round, until the time
    /// is spent, and each judged again on all its processes; 0 for none.
    #[arg(long, value_name = "SECS", default_value = "6", value_parser = parse_seconds_or_none)]
    pub settle: Duration,
    /// The scenarios' quick sizes instead of their full ones (tokio's benchmark
    /// parameters, as `cargo bench --bench overhead` uses).
    #[arg(long)]
    pub quick: bool,
    /// Worker threads for multi-thread flavours [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OverheadFormat::Md)]
    pub format: OverheadFormat,
}

/// `overhead`'s output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OverheadFormat {
    /// The ratio table, both sides' medians, the semantics and the verdict.
    Md,
    /// The settings, every cell with each process's pair ratios, and the verdict, as
    /// one JSON object.
    Json,
}

/// A percentage given on the command line, kept as a fraction (`2` → 0.02).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Percent(pub f64);

/// Which metrics `compare` compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Metrics {
    /// The headline metric of each cell, the one tables and charts show.
    Headline,
    /// Every metric the cell has on both sides.
    All,
}

/// `compare`'s output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// What differs, then one table per class, then what was not compared.
    Md,
    /// The same as one JSON object.
    Json,
    /// The same as one self-contained HTML page (sortable tables), like `report.html`.
    Html,
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
    Ok((name.trim().to_owned(), parse_whole(value)?))
}

/// A whole number ≥ 0 that fits in 64 bits (`_` separators allowed).
fn parse_whole(text: &str) -> Result<u64, String> {
    use std::num::IntErrorKind;
    text.trim().replace('_', "").parse().map_err(|error: std::num::ParseIntError| {
        match error.kind() {
            IntErrorKind::PosOverflow => format!("`{text}` is too large (max {})", u64::MAX),
            _ => format!("`{text}` is not a whole number ≥ 0"),
        }
    })
}

/// `none`, or bytes with an optional binary suffix: `K`, `M`, `G`, `T` (`KiB`… too).
fn parse_memory_limit(text: &str) -> Result<MemoryLimit, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(MemoryLimit(None));
    }
    let upper = text.trim().to_ascii_uppercase();
    let digits = upper.trim_end_matches("IB").trim_end_matches('B');
    let (number, shift) = match digits.chars().last() {
        Some('K') => (&digits[..digits.len() - 1], 10),
        Some('M') => (&digits[..digits.len() - 1], 20),
        Some('G') => (&digits[..digits.len() - 1], 30),
        Some('T') => (&digits[..digits.len() - 1], 40),
        _ => (digits, 0),
    };
    let invalid = || format!("`{text}` is not a size such as 512M or 4G, or `none`");
    let value: u64 = parse_whole(number).map_err(|_| invalid())?;
    match value.checked_mul(1 << shift) {
        Some(0) => Err(format!(
            "`{text}`: a limit of 0 bytes leaves no room to run; use `none` for no limit"
        )),
        Some(bytes) => Ok(MemoryLimit(Some(bytes))),
        None => Err(format!("`{text}` is too large")),
    }
}

/// A percentage above 0 and below 100 (`2`, `2.5`, `2%`): the bounds `1 ± PCT %` of a
/// verdict must both be positive ratios.
fn parse_percent(text: &str) -> Result<Percent, String> {
    match text.trim().trim_end_matches('%').trim().parse::<f64>() {
        Ok(percent) if percent > 0.0 && percent < 100.0 => Ok(Percent(percent / 100.0)),
        _ => Err(format!("`{text}` is not a percentage above 0 and below 100 (e.g. 2 or 2.5)")),
    }
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 86_400.0 => Ok(Duration::from_secs_f64(seconds)),
        _ => Err(format!("`{text}` is not a number of seconds between 0 and 86400")),
    }
}

/// [`parse_seconds`], or `0` for none.
fn parse_seconds_or_none(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(0.0) => Ok(Duration::ZERO),
        _ => parse_seconds(text)
            .map_err(|_| format!("`{text}` is not a number of seconds from 0 (none) to 86400")),
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
    fn values_too_large_for_64_bits_say_so() {
        let error = parse_override("spawn_many.tasks=99999999999999999999").unwrap_err();
        assert!(error.contains("too large (max 18446744073709551615)"), "{error}");
    }

    #[test]
    fn memory_limits_take_binary_suffixes_or_none() {
        assert_eq!(parse_memory_limit("512M"), Ok(MemoryLimit(Some(512 << 20))));
        assert_eq!(parse_memory_limit("4GiB"), Ok(MemoryLimit(Some(4 << 30))));
        assert_eq!(parse_memory_limit("1000"), Ok(MemoryLimit(Some(1000))));
        assert_eq!(parse_memory_limit("none"), Ok(MemoryLimit(None)));
        assert!(parse_memory_limit("lots").unwrap_err().contains("512M"));
        assert!(parse_memory_limit("0").unwrap_err().contains("none"));
    }

    #[test]
    fn percentages_are_fractions_above_0_and_below_100() {
        assert_eq!(parse_percent("2"), Ok(Percent(0.02)));
        assert_eq!(parse_percent("2.5 %"), Ok(Percent(0.025)));
        for bad in ["0", "-1", "100", "NaN", "inf", "two"] {
            assert!(parse_percent(bad).unwrap_err().contains("percentage"), "{bad}");
        }
    }

    #[test]
    fn timeouts_are_positive_seconds() {
        assert_eq!(parse_seconds("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
