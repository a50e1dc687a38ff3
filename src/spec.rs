//! The typed cell: what one worker process measures, and the identity of its figures.
//!
//! One value travels the whole way. `run` builds a [`CellSpec`] from the command line and
//! the registries, hands it to the worker as one JSON line on stdin, and records it in
//! every line of `results.jsonl`, where it is the key that `--resume`, de-duplication and
//! the reports use. So it holds everything that changes a cell's figure (size,
//! parameters, threads, sampling) and nothing that does not (the watchdog, the memory
//! limit, the round number).

use std::collections::BTreeMap;

use rtbench_core::{Params, RuntimeInfo, ScenarioInfo, Size};
use serde::{Deserialize, Serialize};

/// One (scenario, runtime) cell at given settings.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CellSpec {
    /// Scenario name.
    pub scenario: String,
    /// Runtime flavour name.
    pub runtime: String,
    /// Which parameter sizes the cell started from.
    pub size: Size,
    /// Worker threads: the count asked for on N-thread and per-core flavours, always 1 on
    /// single-thread ones (which cannot use more, so `--threads` does not split them).
    pub threads: usize,
    /// Every parameter's value.
    pub params: BTreeMap<String, u64>,
    /// How each worker process samples.
    pub sampling: Sampling,
}

/// How one worker process samples a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Sampling {
    /// Unmeasured runs before the samples.
    pub warmup: u32,
    /// Samples wanted.
    pub samples: u32,
    /// Fewest samples a worker takes even when its budget is spent (or `samples`, if
    /// fewer).
    pub min_samples: u32,
    /// Sampling time after which the worker stops taking samples (once it has
    /// `min_samples`).
    pub budget_ms: u64,
}

impl CellSpec {
    /// The cell of `scenario` on `runtime` with these parameter values.
    pub fn new(
        scenario: &ScenarioInfo,
        runtime: &RuntimeInfo,
        params: &Params,
        size: Size,
        threads: usize,
        sampling: Sampling,
    ) -> Self {
        CellSpec {
            scenario: scenario.name.to_owned(),
            runtime: runtime.name.to_owned(),
            size,
            threads: match runtime.class.takes_threads() {
                true => threads,
                false => 1,
            },
            params: params.iter().map(|(name, value)| (name.to_owned(), value)).collect(),
            sampling,
        }
    }

    /// The parameters as the scenario declares them: its sizes, then these values, each
    /// checked against its declaration (unknown names and values below a minimum are
    /// errors).
    pub fn resolve_params(&self, info: &ScenarioInfo) -> Result<Params, String> {
        let mut params = Params::new(info.params, self.size);
        for (name, value) in &self.params {
            params.set(name, *value)?;
        }
        Ok(params)
    }

    /// `name=value …`, for messages and table rows.
    pub fn params_text(&self) -> String {
        params_text(&self.params)
    }
}

/// Parameter values as `name=value …`.
pub fn params_text(params: &BTreeMap<String, u64>) -> String {
    let pairs: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtbench_core::Class;

    #[test]
    fn a_spec_survives_json_and_checks_its_parameters_on_the_way_back() {
        let info = rtbench_scenarios::infos().into_iter().find(|i| i.name == "spawn_many").unwrap();
        let runtime = rtbench_adapters::infos()[0];
        let params = Params::new(info.params, Size::Quick);
        let sampling = Sampling { warmup: 1, samples: 5, min_samples: 1, budget_ms: 300 };
        let spec = CellSpec::new(&info, &runtime, &params, Size::Quick, 4, sampling);
        let json = serde_json::to_string(&spec).unwrap();
        assert!(json.contains(r#""size":"quick""#), "{json}");
        let back: CellSpec = serde_json::from_str(&json).unwrap();
        assert_eq!(back, spec);
        assert_eq!(back.resolve_params(&info).unwrap(), params);

        let mut wrong = spec.clone();
        wrong.params.insert("nope".into(), 1);
        assert!(wrong.resolve_params(&info).unwrap_err().contains("unknown parameter `nope`"));
    }

    #[test]
    fn single_thread_cells_do_not_depend_on_the_thread_count_asked() {
        let info = rtbench_scenarios::infos()[0];
        let params = Params::new(info.params, Size::Quick);
        let sampling = Sampling { warmup: 1, samples: 5, min_samples: 1, budget_ms: 300 };
        for runtime in rtbench_adapters::infos() {
            let at =
                |threads| CellSpec::new(&info, &runtime, &params, Size::Quick, threads, sampling);
            match runtime.class {
                Class::SingleThread => assert_eq!(at(2), at(8), "{}", runtime.name),
                Class::MultiThread | Class::PerCore => {
                    assert_ne!(at(2), at(8), "{}", runtime.name)
                }
            }
        }
    }
}
