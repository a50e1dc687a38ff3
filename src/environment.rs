//! The environment a run happened in, recorded at the head of each results file so that
//! figures are never separated from the machine, toolchain and settings behind them.
//!
//! That includes what makes figures noisy where it can be read: the CPU frequency
//! governor and boost (a clock that changes under load changes every figure), the load
//! average at the start and, in the run's `run_end` record, at the end (other work on
//! the machine), and how the workers were placed ([`crate::placement`]). A run that
//! starts on a busy machine is told so ([`Environment::noise_warning`]).

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use rtbench_core::Class;
use serde::{Deserialize, Serialize};

use crate::limits::Limits;
use crate::placement::WorkerAslr;
use crate::request::RunRequest;
use crate::results::{RunEnd, SCHEMA};

/// See the schema in `docs/results-schema.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// The results file's layout version ([`SCHEMA`]).
    pub schema: u32,
    pub rtbench_version: String,
    pub started_at: u64,
    pub command: Vec<String>,
    pub cpu_model: String,
    pub logical_cores: usize,
    pub kernel: String,
    pub os: String,
    pub rustc: String,
    pub build_profile: String,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
    /// What the run was asked to do, defaults applied: `--resume` repeats it.
    pub request: RunRequest,
    pub runtimes: Vec<RuntimeEntry>,
    pub limits: Limits,
    /// The CPU frequency governors in use (`scaling_governor` of each CPU, each value
    /// once); `None` where cpufreq is not exposed (many virtual machines) and in files
    /// written before it was recorded, as for the fields below.
    #[serde(default)]
    pub cpu_governors: Option<Vec<String>>,
    /// Whether the CPU may boost (turbo) above its base clock.
    #[serde(default)]
    pub cpu_boost: Option<bool>,
    /// The 1-, 5- and 15-minute load averages when the run started (`/proc/loadavg`).
    #[serde(default)]
    pub load_average: Option<[f64; 3]>,
    /// What became of address-space randomisation in the workers (`--no-aslr`).
    #[serde(default)]
    pub worker_aslr: Option<WorkerAslr>,
    /// How the run ended, from its `run_end` record when the file is read: never in the
    /// environment line itself (written at the start), absent when the run was cut off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<RunEnd>,
}

/// A run starting with more runnable tasks than this per logical core (the 1-minute load
/// average over the cores) is warned that its figures will be noisy: past half the cores,
/// a worker shares its core with another process for a good part of its samples, and a
/// multi-thread flavour, which uses every core, cannot avoid it. On 2 cores, that is one
/// other busy process.
const BUSY_LOAD_PER_CORE: f64 = 0.5;

/// A compiled-in runtime flavour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuntimeEntry {
    pub name: String,
    pub crate_name: String,
    pub crate_version: String,
    pub class: Class,
    /// See [`rtbench_core::RuntimeInfo::legacy`].
    #[serde(default)]
    pub legacy: bool,
}

impl Environment {
    /// Reads this machine and process; `request` is the run's, `worker_aslr` what
    /// [`crate::placement::Placement::prepare`] made of its `--no-aslr`.
    pub fn capture(request: &RunRequest, worker_aslr: WorkerAslr) -> Self {
        Environment {
            schema: SCHEMA,
            rtbench_version: env!("CARGO_PKG_VERSION").to_owned(),
            started_at: now(),
            command: std::env::args().skip(1).collect(),
            cpu_model: cpu_model(),
            logical_cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            kernel: read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into()),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            rustc: env!("RTBENCH_RUSTC_VERSION").to_owned(),
            build_profile: if cfg!(debug_assertions) { "debug" } else { "release" }.to_owned(),
            git_commit: built_from(env!("RTBENCH_GIT_COMMIT")).map(str::to_owned),
            git_dirty: built_from(env!("RTBENCH_GIT_DIRTY")).map(|dirty| dirty == "true"),
            request: request.clone(),
            runtimes: rtbench_adapters::infos()
                .into_iter()
                .map(|info| RuntimeEntry {
                    name: info.name.to_owned(),
                    crate_name: info.crate_name.to_owned(),
                    crate_version: info.crate_version.to_owned(),
                    class: info.class,
                    legacy: info.legacy,
                })
                .collect(),
            limits: Limits::current(),
            cpu_governors: cpu_governors(),
            cpu_boost: cpu_boost(),
            load_average: load_average(),
            worker_aslr: Some(worker_aslr),
            end: None,
        }
    }

    /// `"figures will be noisy: load average X on N cores"` when the machine was busy
    /// as the run started (see [`BUSY_LOAD_PER_CORE`]).
    pub fn noise_warning(&self) -> Option<String> {
        let [one_minute, ..] = self.load_average?;
        let cores = self.logical_cores;
        (one_minute > BUSY_LOAD_PER_CORE * cores as f64).then(|| {
            format!("figures will be noisy: load average {one_minute:.2} on {cores} cores")
        })
    }

    /// The record that ends this run, read now.
    pub fn end_now(&self) -> RunEnd {
        RunEnd { started_at: self.started_at, finished_at: now(), load_average: load_average() }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
impl Environment {
    /// An environment as a quick run of this build records it, for tests.
    pub fn test_value() -> Self {
        use clap::Parser;
        let crate::cli::Command::Run(args) =
            crate::cli::Cli::parse_from(["rtbench", "run", "--quick"]).command
        else {
            unreachable!("a run command line")
        };
        Environment::capture(&RunRequest::from_args(&args), WorkerAslr::On)
    }
}

/// One line on this machine and build, for output that records no whole environment
/// (`rtbench overhead`): CPU, cores, system, compiler, profile, and the load average.
pub fn machine_summary() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let kernel = read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into());
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let load = load_average().map_or_else(|| "unknown".into(), |[one, ..]| format!("{one:.2}"));
    format!(
        "{} ({cores} logical cores), {} {} kernel {kernel}; {} ({profile} build); load average {load}",
        cpu_model(),
        std::env::consts::OS,
        std::env::consts::ARCH,
        env!("RTBENCH_RUSTC_VERSION"),
    )
}

/// A fact `build.rs` recorded about the build, `None` when it was `unknown` (not built
/// from a git checkout).
fn built_from(recorded: &'static str) -> Option<&'static str> {
    (recorded != "unknown").then_some(recorded)
}

fn read_trimmed(path: impl AsRef<std::path::Path>) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|text| text.trim().to_owned())
}

/// The load averages from `/proc/loadavg` (`None` elsewhere).
fn load_average() -> Option<[f64; 3]> {
    parse_load_average(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

/// The first three fields of `/proc/loadavg`: `"0.52 0.58 0.59 1/234 5678"`.
fn parse_load_average(text: &str) -> Option<[f64; 3]> {
    let mut fields = text.split_whitespace().map(|field| field.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

/// Each distinct `scaling_governor` of the CPUs, sorted; `None` when none is readable.
fn cpu_governors() -> Option<Vec<String>> {
    let cpus = std::fs::read_dir("/sys/devices/system/cpu").ok()?;
    let governors: BTreeSet<String> = cpus
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.strip_prefix("cpu")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|entry| read_trimmed(entry.path().join("cpufreq/scaling_governor")))
        .collect();
    (!governors.is_empty()).then(|| governors.into_iter().collect())
}

/// Boost as cpufreq (`boost`, 1 = on) or intel_pstate (`no_turbo`, 1 = off) shows it.
fn cpu_boost() -> Option<bool> {
    let flag = |path: &str| read_trimmed(path).and_then(|text| text.parse::<u8>().ok());
    flag("/sys/devices/system/cpu/cpufreq/boost")
        .map(|boost| boost != 0)
        .or_else(|| flag("/sys/devices/system/cpu/intel_pstate/no_turbo").map(|off| off == 0))
}

/// The CPU's model name from `/proc/cpuinfo` (`"unknown"` elsewhere).
fn cpu_model() -> String {
    read_trimmed("/proc/cpuinfo")
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_averages_are_the_first_three_fields() {
        assert_eq!(parse_load_average("0.52 0.58 1.59 1/234 5678\n"), Some([0.52, 0.58, 1.59]));
        assert_eq!(parse_load_average("0.52 0.58"), None);
        assert_eq!(parse_load_average("busy 0.58 0.59"), None);
    }

    #[test]
    fn a_busy_machine_is_named_with_its_load_and_cores() {
        let mut environment = Environment::test_value();
        environment.logical_cores = 2;
        environment.load_average = Some([1.5, 0.2, 0.1]);
        assert_eq!(
            environment.noise_warning().as_deref(),
            Some("figures will be noisy: load average 1.50 on 2 cores")
        );
        environment.load_average = Some([1.0, 3.0, 3.0]);
        assert_eq!(environment.noise_warning(), None, "the last minute is what counts");
        environment.load_average = None;
        assert_eq!(environment.noise_warning(), None);
    }
}
