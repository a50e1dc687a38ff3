//! The scenarios this binary can run: the catalogue of `rtbench-scenarios`, plus the
//! test-only [`faults`] when `RTBENCH_TEST_FAULTS=1` is set.

use rtbench_core::{Outcome, Params, Runtime, ScenarioError, ScenarioInfo};

use crate::faults;

/// Every runnable scenario, in catalogue order.
pub fn infos() -> Vec<ScenarioInfo> {
    let mut infos = rtbench_scenarios::infos();
    if faults::enabled() {
        infos.extend(faults::infos());
    }
    infos
}

/// The scenario called `name`, or an error listing the valid names.
pub fn info(name: &str) -> Result<ScenarioInfo, String> {
    let infos = infos();
    infos.iter().find(|info| info.name == name).copied().ok_or_else(|| {
        let valid: Vec<_> = infos.iter().map(|info| info.name).collect();
        format!("unknown scenario `{name}`; valid: {}", valid.join(", "))
    })
}

/// Runs the scenario called `name` on `runtime` (capabilities checked first); `None` if
/// there is no such scenario.
pub fn run<R: Runtime>(
    name: &str,
    runtime: &R,
    params: &Params,
) -> Option<Result<Outcome, ScenarioError>> {
    rtbench_scenarios::run(name, runtime, params)
        .or_else(|| faults::enabled().then(|| faults::run(name, runtime, params)).flatten())
}
