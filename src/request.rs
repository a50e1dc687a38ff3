//! What a run was asked to do, with every default filled in: the runtimes and scenarios
//! by name, sizes, threads, sampling, rounds, parameter overrides, limits and where the
//! workers run.
//!
//! It is recorded in the environment line of each run, so `run --resume --out DIR`
//! repeats the interrupted run exactly without its flags being typed again. Flags given
//! with `--resume` may only add (runtimes, scenarios, rounds) or change what does not
//! affect a figure (the watchdog, the memory limit); anything else, `--pin` and
//! `--no-aslr` included (they change the spread, if not the level), is a conflict named
//! flag by flag, because resuming with other settings would mix two runs in one table.

use std::time::Duration;

use rtbench_core::{RuntimeConfig, Size};
use serde::{Deserialize, Serialize};

use crate::cli::RunArgs;
use crate::cpuset::CpuSet;
use crate::spec::Sampling;

/// A usage error: printed with its message, exit code 2.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

/// `--param scenario.name=value`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamOverride {
    pub scenario: String,
    pub name: String,
    pub value: u64,
}

impl std::fmt::Display for ParamOverride {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}={}", self.scenario, self.name, self.value)
    }
}

/// A run's request, defaults applied. See the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    /// Runtime flavours by name, empty for all of this build.
    pub runtimes: Vec<String>,
    /// Scenarios by name, empty for all of the catalogue.
    pub scenarios: Vec<String>,
    /// Parameter sizes.
    pub size: Size,
    /// Thread counts for the N-thread and per-core flavours, each once, ascending (a
    /// sweep when several). Files from before sweeps hold one number.
    #[serde(deserialize_with = "one_or_many")]
    pub threads: Vec<usize>,
    /// How each worker process samples.
    pub sampling: Sampling,
    /// Worker processes per cell.
    pub rounds: u32,
    /// A cell stops adding rounds once those it has ran this long in all (it still takes
    /// [`MIN_ROUNDS`]), milliseconds: the scale scenarios, whose every process takes
    /// seconds, get fewer rounds, and tables say how many.
    pub cell_budget_ms: u64,
    /// `--param` overrides, in the order given.
    pub params: Vec<ParamOverride>,
    /// The watchdog: a worker running longer is killed, milliseconds.
    pub timeout_ms: u64,
    /// A worker whose resident memory grows beyond this is killed, bytes; `None` for no
    /// limit.
    pub memory_limit: Option<u64>,
    /// `--pin`: the CPUs the workers run on; `None` (and in files before it) for
    /// wherever the scheduler puts them.
    #[serde(default)]
    pub pin: Option<CpuSet>,
    /// `--no-aslr`: the workers run with address-space randomisation off (what became
    /// of it is the environment's `worker_aslr`).
    #[serde(default)]
    pub no_aslr: bool,
}

/// The fewest rounds a cell takes whatever its budget (or `rounds`, if fewer): with
/// fewer than two, nothing is known of the variation between processes.
pub const MIN_ROUNDS: u32 = 2;

/// Per-mode defaults of what `run` does not take from its flags.
struct Defaults {
    rounds: u32,
    cell_budget: Duration,
    samples: u32,
    min_samples: u32,
    budget: Duration,
    timeout: Duration,
}

/// Quick mode: the whole matrix in under 3 minutes on 2 cores, with intervals that hold
/// a rerun. Most of the variance is between processes (a micro scenario's round medians
/// can sit in two modes 50 % apart, each round tight), so the time goes to rounds rather
/// than to samples: up to 8 processes per cell, in shuffled order, with a 50 ms
/// sampling budget each (at least one sample). A micro-scenario process takes 5–40 ms,
/// so those cells get all 8; the cell budget of 0.5 s stops the slower ones earlier
/// (the timer and starvation scenarios, 100–250 ms a process, after 3–5), and the
/// servers (a generator process beside each, 0.3–0.5 s a round) at [`MIN_ROUNDS`].
/// Their intervals widen to match ([`crate::estimate`]). Quick sizes are chosen to
/// match: each slow scenario's run is tens of milliseconds, so that the budget buys
/// rounds, not one long process.
const QUICK: Defaults = Defaults {
    rounds: 8,
    cell_budget: Duration::from_millis(500),
    samples: 5,
    min_samples: 1,
    budget: Duration::from_millis(50),
    timeout: Duration::from_secs(30),
};

/// Full mode: up to 10 rounds of up to 10 samples (1 s of sampling) each, up to 30 s a
/// cell.
const FULL: Defaults = Defaults {
    rounds: 10,
    cell_budget: Duration::from_secs(30),
    samples: 10,
    min_samples: 3,
    budget: Duration::from_secs(1),
    timeout: Duration::from_secs(300),
};

impl RunRequest {
    /// A new run's request: `args` with the defaults of their mode.
    pub fn from_args(args: &RunArgs) -> Self {
        let (size, defaults) = if args.quick { (Size::Quick, QUICK) } else { (Size::Full, FULL) };
        RunRequest {
            runtimes: args.runtimes.clone(),
            scenarios: args.scenarios.clone(),
            size,
            threads: thread_counts(&args.threads),
            sampling: Sampling {
                warmup: 1,
                samples: args.samples.unwrap_or(defaults.samples),
                min_samples: defaults.min_samples,
                budget_ms: defaults.budget.as_millis() as u64,
            },
            rounds: args.rounds.unwrap_or(defaults.rounds),
            cell_budget_ms: args.cell_budget.unwrap_or(defaults.cell_budget).as_millis() as u64,
            params: args.params.clone(),
            timeout_ms: args.timeout.unwrap_or(defaults.timeout).as_millis() as u64,
            memory_limit: args.memory_limit.map_or_else(default_memory_limit, |limit| limit.0),
            pin: args.pin.clone(),
            no_aslr: args.no_aslr,
        }
    }

    /// The request `recorded` by the run being resumed, extended by `args`; an error
    /// naming each flag that would change a figure.
    pub fn resume(recorded: &RunRequest, args: &RunArgs) -> Result<Self, UsageError> {
        let mut request = recorded.clone();
        let mut conflicts = Vec::new();
        add_names(&mut request.runtimes, &args.runtimes);
        add_names(&mut request.scenarios, &args.scenarios);
        if args.quick && recorded.size != Size::Quick {
            conflicts.push(format!("--quick (recorded: {} sizes)", recorded.size.label()));
        }
        if !args.threads.is_empty() && thread_counts(&args.threads) != recorded.threads {
            conflicts.push(format!(
                "--threads {} (recorded: {})",
                counts_text(&thread_counts(&args.threads)),
                counts_text(&recorded.threads)
            ));
        }
        if let Some(samples) = args.samples.filter(|&s| s != recorded.sampling.samples) {
            conflicts
                .push(format!("--samples {samples} (recorded: {})", recorded.sampling.samples));
        }
        match args.rounds {
            Some(rounds) if rounds < recorded.rounds => conflicts.push(format!(
                "--rounds {rounds} (recorded: {}; it may only grow)",
                recorded.rounds
            )),
            Some(rounds) => request.rounds = rounds,
            None => {}
        }
        for param in args.params.iter().filter(|p| !recorded.params.contains(p)) {
            let was = recorded
                .params
                .iter()
                .find(|r| (&r.scenario, &r.name) == (&param.scenario, &param.name));
            conflicts.push(match was {
                Some(was) => format!("--param {param} (recorded: {was})"),
                None => format!("--param {param} (recorded: the scenario's default)"),
            });
        }
        if let Some(pin) = args.pin.as_ref().filter(|&pin| recorded.pin.as_ref() != Some(pin)) {
            let was = recorded.pin.as_ref().map_or("not pinned".to_owned(), ToString::to_string);
            conflicts.push(format!("--pin {pin} (recorded: {was})"));
        }
        if args.no_aslr && !recorded.no_aslr {
            conflicts.push("--no-aslr (recorded: randomisation on)".to_owned());
        }
        if let Some(budget) = args.cell_budget {
            request.cell_budget_ms = budget.as_millis() as u64;
        }
        if let Some(timeout) = args.timeout {
            request.timeout_ms = timeout.as_millis() as u64;
        }
        if let Some(limit) = args.memory_limit {
            request.memory_limit = limit.0;
        }
        if conflicts.is_empty() {
            Ok(request)
        } else {
            Err(UsageError(
                format!(
                    "--resume: {} the run recorded in {}: drop {} to resume it as it was, or use \
                 a new --out for a run with other settings",
                    if conflicts.len() == 1 {
                        "this flag conflicts with"
                    } else {
                        "these flags conflict with"
                    },
                    args.out.display(),
                    if conflicts.len() == 1 { "it" } else { "them" },
                ) + &format!("\n  {}", conflicts.join("\n  ")),
            ))
        }
    }

    /// The cell budget as a duration.
    pub fn cell_budget(&self) -> Duration {
        Duration::from_millis(self.cell_budget_ms)
    }

    /// The watchdog as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// The thread counts asked for, sorted and each once; the number of cores if none.
fn thread_counts(asked: &[u16]) -> Vec<usize> {
    let mut counts: Vec<usize> = asked.iter().copied().map(usize::from).collect();
    if counts.is_empty() {
        counts.push(RuntimeConfig::default().threads);
    }
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// `1,2,4`, as `--threads` takes it.
pub fn counts_text(counts: &[usize]) -> String {
    counts.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// Reads `threads` as a list, or as the one number files written before sweeps hold.
fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<usize>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(usize),
        Many(Vec<usize>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(count) => vec![count],
        OneOrMany::Many(counts) => counts,
    })
}

/// Appends the names of `more` that `names` lacks; an empty list means "all" and stays so.
fn add_names(names: &mut Vec<String>, more: &[String]) {
    if names.is_empty() {
        return;
    }
    for name in more {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
}

/// Half of this machine's memory: a runaway cell is stopped long before the machine
/// swaps or its other processes are killed, while a million parked tasks (under 1 GiB on
/// every runtime) stay far below it. `None` where the total cannot be read.
pub fn default_memory_limit() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024 / 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(line: &[&str]) -> RunArgs {
        let mut argv = vec!["rtbench", "run"];
        argv.extend_from_slice(line);
        match crate::cli::Cli::parse_from(argv).command {
            crate::cli::Command::Run(args) => args,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resume_repeats_the_recorded_run_when_no_flag_is_given() {
        let recorded = RunRequest::from_args(&args(&[
            "--param",
            "tcp_echo.clients=10",
            "--threads",
            "4",
            "--quick",
        ]));
        let resumed = RunRequest::resume(&recorded, &args(&["--resume"])).unwrap();
        assert_eq!(resumed, recorded);
    }

    #[test]
    fn a_thread_list_is_sorted_kept_on_resume_and_read_from_files_that_hold_one_count() {
        let recorded = RunRequest::from_args(&args(&["--threads", "4,1,2,2"]));
        assert_eq!(recorded.threads, [1, 2, 4]);
        let resumed = RunRequest::resume(&recorded, &args(&["--resume", "--threads", "2,1,4"]));
        assert_eq!(resumed.unwrap(), recorded);
        let error = RunRequest::resume(&recorded, &args(&["--resume", "--threads", "1,2"]));
        assert!(error.unwrap_err().0.contains("--threads 1,2 (recorded: 1,2,4)"));
        let mut old = serde_json::to_value(&recorded).unwrap();
        old["threads"] = serde_json::json!(3);
        assert_eq!(serde_json::from_value::<RunRequest>(old).unwrap().threads, [3]);
    }

    #[test]
    fn resume_keeps_the_recorded_placement_and_refuses_pinning_an_unpinned_run() {
        let recorded = RunRequest::from_args(&args(&["--pin", "3,1", "--no-aslr"]));
        let resumed = RunRequest::resume(&recorded, &args(&["--resume", "--pin", "1,3"]));
        assert_eq!(resumed.unwrap(), recorded);
        let unpinned = RunRequest::from_args(&args(&[]));
        let error = RunRequest::resume(&unpinned, &args(&["--resume", "--pin", "0"]));
        assert!(error.unwrap_err().0.contains("--pin 0 (recorded: not pinned)"));
    }

    #[test]
    fn requests_recorded_before_placement_existed_are_unpinned_with_randomisation_on() {
        let mut recorded = serde_json::to_value(RunRequest::from_args(&args(&[]))).unwrap();
        let fields = recorded.as_object_mut().unwrap();
        assert!(fields.remove("pin").is_some() && fields.remove("no_aslr").is_some());
        let read: RunRequest = serde_json::from_value(recorded).unwrap();
        assert_eq!((read.pin, read.no_aslr), (None, false));
    }

    #[test]
    fn resume_may_add_runtimes_and_rounds_and_change_the_watchdog() {
        let recorded = RunRequest::from_args(&args(&["--runtime", "tokio-ct", "--quick"]));
        let resumed = RunRequest::resume(
            &recorded,
            &args(&["--resume", "-r", "smol-1", "--rounds", "12", "--timeout", "9"]),
        )
        .unwrap();
        assert_eq!(resumed.runtimes, ["tokio-ct", "smol-1"]);
        assert_eq!((resumed.rounds, resumed.timeout_ms), (12, 9000));
    }

    #[test]
    fn resume_names_every_flag_that_would_change_a_figure() {
        let recorded = RunRequest::from_args(&args(&["--threads", "4", "--pin", "1"]));
        let error = RunRequest::resume(
            &recorded,
            &args(&[
                "--resume",
                "--threads",
                "2",
                "--quick",
                "--param",
                "spawn_many.tasks=5",
                "--pin",
                "0-1",
                "--no-aslr",
            ]),
        )
        .unwrap_err()
        .0;
        for needle in [
            "--threads 2 (recorded: 4)",
            "--quick (recorded: full sizes)",
            "--param spawn_many.tasks=5 (recorded: the scenario's default)",
            "--pin 0-1 (recorded: 1)",
            "--no-aslr (recorded: randomisation on)",
            "new --out",
        ] {
            assert!(error.contains(needle), "`{needle}` not in {error}");
        }
    }
}
