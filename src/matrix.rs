//! Turns `run`'s arguments into the list of cells to run and the settings they share.
//!
//! Everything comes from the registries (`rtbench_adapters::infos`, the scenario
//! catalogue), never from a list of names here: a merged adapter or scenario is part of
//! the matrix with no change to the runner. Bad names are usage errors that list the
//! valid ones.

use std::collections::BTreeMap;
use std::time::Duration;

use rtbench_core::{Params, RuntimeConfig, RuntimeInfo, ScenarioInfo, Size};

use crate::catalogue;
use crate::cli::{ParamOverride, RunArgs};
use crate::results::CellKey;

/// A usage error: printed with its message, exit code 2.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

/// What every cell of a run shares.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Parameter sizes.
    pub size: Size,
    /// Worker threads for multi-thread flavours.
    pub threads: usize,
    /// Unmeasured runs before sampling.
    pub warmup: u32,
    /// Samples wanted per cell.
    pub samples: u32,
    /// Sampling time after which a cell stops taking samples (once it has a few).
    pub budget: Duration,
    /// The watchdog: a cell running longer is killed.
    pub timeout: Duration,
}

/// Per-mode defaults of the settings `run` does not take from its flags.
struct Defaults {
    samples: u32,
    budget: Duration,
    timeout: Duration,
}

/// Quick mode runs the whole matrix (8 runtimes × ~22 scenarios) in under 3 minutes on
/// 2 cores: about one second per cell, the child process's start included. Hence few
/// samples and a short sampling budget; a cell whose runs are slow still gets warm-up
/// plus 3 samples. The scale scenarios run at scale (a million tasks, 5 000
/// connections): their runs outlast the budget, so they take those 3 samples, 2 to 7 s
/// a cell; the whole quick matrix took 92 s on a shared 2-core machine.
const QUICK: Defaults =
    Defaults { samples: 5, budget: Duration::from_millis(300), timeout: Duration::from_secs(30) };

/// Full mode: more samples, up to 10 s of sampling per cell.
const FULL: Defaults =
    Defaults { samples: 10, budget: Duration::from_secs(10), timeout: Duration::from_secs(300) };

impl Settings {
    fn from_args(args: &RunArgs) -> Self {
        let (size, defaults) = if args.quick { (Size::Quick, QUICK) } else { (Size::Full, FULL) };
        Settings {
            size,
            threads: args.threads.map_or_else(|| RuntimeConfig::default().threads, usize::from),
            warmup: 1,
            samples: args.samples.unwrap_or(defaults.samples),
            budget: defaults.budget,
            timeout: args.timeout.unwrap_or(defaults.timeout),
        }
    }

    /// `"quick"` or `"full"`.
    pub fn size_name(&self) -> &'static str {
        match self.size {
            Size::Quick => "quick",
            Size::Full => "full",
            Size::Test => "test",
        }
    }
}

/// One (scenario, runtime) cell to run.
#[derive(Clone, Debug)]
pub struct Cell {
    pub scenario: ScenarioInfo,
    pub runtime: RuntimeInfo,
    pub params: Params,
}

impl Cell {
    /// Its identity in the results file.
    pub fn key(&self, settings: &Settings) -> CellKey {
        CellKey {
            scenario: self.scenario.name.to_owned(),
            runtime: self.runtime.name.to_owned(),
            size: settings.size_name().to_owned(),
            threads_asked: settings.threads,
            params: self.param_map(),
        }
    }

    /// Its parameters as a map, as recorded.
    pub fn param_map(&self) -> BTreeMap<String, u64> {
        self.params.iter().map(|(name, value)| (name.to_owned(), value)).collect()
    }
}

/// The cells of a run, scenario by scenario, and their settings.
#[derive(Debug)]
pub struct Plan {
    pub cells: Vec<Cell>,
    pub settings: Settings,
}

/// Checks `args` against the registries and lists the cells.
pub fn plan(args: &RunArgs) -> Result<Plan, UsageError> {
    let settings = Settings::from_args(args);
    let runtimes = select(
        rtbench_adapters::infos(),
        &args.runtimes,
        |info| info.name,
        "--runtime",
        "runtime",
    )?;
    let scenarios =
        select(catalogue::infos(), &args.scenarios, |info| info.name, "--scenario", "scenario")?;
    let mut params: Vec<(ScenarioInfo, Params)> =
        scenarios.into_iter().map(|info| (info, Params::new(info.params, settings.size))).collect();
    for ParamOverride { scenario, name, value } in &args.params {
        let known = catalogue::info(scenario).map_err(|e| UsageError(format!("--param: {e}")))?;
        let (_, values) =
            params.iter_mut().find(|(info, _)| info.name == known.name).ok_or_else(|| {
                UsageError(format!(
                    "--param {scenario}.{name}: scenario `{scenario}` is not selected"
                ))
            })?;
        values
            .set(name, *value)
            .map_err(|e| UsageError(format!("--param {scenario}.{name}: {e}")))?;
    }
    let cells = params
        .iter()
        .flat_map(|(scenario, values)| {
            runtimes.iter().map(|runtime| Cell {
                scenario: *scenario,
                runtime: *runtime,
                params: values.clone(),
            })
        })
        .collect();
    Ok(Plan { cells, settings })
}

/// The entries of `all` named in `wanted` (all of them when `wanted` is empty), in
/// registry order; an unknown name is an error naming `flag` and the valid names.
fn select<T: Copy>(
    all: Vec<T>,
    wanted: &[String],
    name: impl Fn(&T) -> &'static str,
    flag: &str,
    what: &str,
) -> Result<Vec<T>, UsageError> {
    if let Some(unknown) =
        wanted.iter().find(|w| !all.iter().any(|entry| name(entry) == w.as_str()))
    {
        let valid: Vec<_> = all.iter().map(&name).collect();
        return Err(UsageError(format!(
            "{flag}: unknown {what} `{unknown}`; valid: {}",
            valid.join(", ")
        )));
    }
    Ok(all
        .into_iter()
        .filter(|entry| wanted.is_empty() || wanted.iter().any(|w| w == name(entry)))
        .collect())
}
