//! The environment a run happened in, recorded at the head of each results file so that
//! figures are never separated from the machine, toolchain and settings behind them.

use std::time::{SystemTime, UNIX_EPOCH};

use rtbench_core::RuntimeInfo;
use serde::{Deserialize, Serialize};

use crate::limits::Limits;
use crate::matrix::Settings;

/// See the schema in [`crate::results`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environment {
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
    pub size: String,
    pub threads: usize,
    pub samples: u32,
    pub warmup: u32,
    pub budget_ms: u64,
    pub timeout_s: u64,
    pub runtimes: Vec<RuntimeEntry>,
    pub limits: Limits,
}

/// A compiled-in runtime flavour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuntimeEntry {
    pub name: String,
    pub crate_name: String,
    pub crate_version: String,
    pub class: String,
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
    /// Reads this machine and process; `settings` are the run's.
    pub fn capture(settings: &Settings) -> Self {
        Environment {
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
            size: settings.size_name().to_owned(),
            threads: settings.threads,
            samples: settings.samples,
            warmup: settings.warmup,
            budget_ms: settings.budget.as_millis() as u64,
            timeout_s: settings.timeout.as_secs(),
            runtimes: rtbench_adapters::infos()
                .into_iter()
                .map(|info| RuntimeEntry {
                    name: info.name.to_owned(),
                    crate_name: info.crate_name.to_owned(),
                    crate_version: info.crate_version.to_owned(),
                    class: info.class.label().to_owned(),
                    legacy: is_legacy(&info),
                })
                .collect(),
            limits: Limits::current(),
        }
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
