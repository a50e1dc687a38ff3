//! The environment a run happened in, recorded at the head of each results file so that
//! figures are never separated from the machine, toolchain and settings behind them.

use std::time::{SystemTime, UNIX_EPOCH};

use rtbench_core::{Class, RuntimeInfo};
use serde::{Deserialize, Serialize};

use crate::limits::Limits;
use crate::request::RunRequest;
use crate::results::SCHEMA;

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
}

/// A compiled-in runtime flavour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuntimeEntry {
    pub name: String,
    pub crate_name: String,
    pub crate_version: String,
    pub class: Class,
    /// See [`is_legacy`].
    #[serde(default)]
    pub legacy: bool,
}

/// Whether a runtime is kept for comparison only (discontinued upstream, such as
/// async-std): its adapter's description says so by starting with `legacy`, and reports
/// label it `(legacy)` wherever its name appears.
pub fn is_legacy(info: &RuntimeInfo) -> bool {
    info.description.starts_with("legacy")
}

impl Environment {
    /// Reads this machine and process; `request` is the run's.
    pub fn capture(request: &RunRequest) -> Self {
        Environment {
            schema: SCHEMA,
            rtbench_version: env!("CARGO_PKG_VERSION").to_owned(),
            started_at: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
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
                    legacy: is_legacy(&info),
                })
                .collect(),
            limits: Limits::current(),
        }
    }
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
        Environment::capture(&RunRequest::from_args(&args))
    }
}

/// A fact `build.rs` recorded about the build, `None` when it was `unknown` (not built
/// from a git checkout).
fn built_from(recorded: &'static str) -> Option<&'static str> {
    (recorded != "unknown").then_some(recorded)
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|text| text.trim().to_owned())
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
