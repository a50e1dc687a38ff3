//! Turns a [`RunRequest`] into the cells to run: each scenario on each runtime, at each
//! thread count of the request for the flavours that take one (N-thread and per-core),
//! once for the 1-thread flavours.
//!
//! Everything comes from the registries (`rtbench_adapters::infos`, the scenario
//! catalogue), never from a list of names here: a merged adapter or scenario is part of
//! the matrix with no change to the runner. Bad names are usage errors that list the
//! valid ones.

use rtbench_core::{Params, RuntimeInfo, ScenarioInfo};

use crate::catalogue;
use crate::request::{ParamOverride, RunRequest, UsageError};
use crate::spec::CellSpec;

/// One cell to run, with the registry entries behind it.
#[derive(Clone, Debug)]
pub struct PlannedCell {
    /// Its identity and settings.
    pub spec: CellSpec,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The runtime flavour.
    pub runtime: RuntimeInfo,
}

/// Checks `request` against the registries and lists its cells, scenario by scenario.
pub fn plan(request: &RunRequest) -> Result<Vec<PlannedCell>, UsageError> {
    let runtimes = select(
        rtbench_adapters::infos(),
        &request.runtimes,
        |info| info.name,
        "--runtime",
        "runtime",
    )?;
    let scenarios =
        select(catalogue::infos(), &request.scenarios, |info| info.name, "--scenario", "scenario")?;
    let mut params: Vec<(ScenarioInfo, Params)> =
        scenarios.into_iter().map(|info| (info, Params::new(info.params, request.size))).collect();
    for ParamOverride { scenario, name, value } in &request.params {
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
    let mut cells = Vec::new();
    for (scenario, values) in &params {
        for runtime in &runtimes {
            // 1-thread flavours run once, whatever the sweep.
            let counts = match runtime.class.takes_threads() {
                true => &request.threads[..],
                false => &request.threads[..1],
            };
            for &threads in counts {
                let spec = CellSpec::new(
                    scenario,
                    runtime,
                    values,
                    request.size,
                    threads,
                    request.sampling,
                );
                cells.push(PlannedCell { spec, scenario: *scenario, runtime: *runtime });
            }
        }
    }
    Ok(cells)
}

/// The entries of `all` named in `wanted` (all of them when `wanted` is empty), in
/// registry order; an unknown name is an error naming `flag` and the valid names.
pub fn select<T: Copy>(
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
