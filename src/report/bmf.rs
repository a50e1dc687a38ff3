//! The results in Bencher Metric Format (BMF), for tracking figures over time with
//! Bencher (<https://bencher.dev/docs/reference/bencher-metric-format/>): one JSON
//! object, benchmark name → measure → `{ "value", "lower_value", "upper_value" }`.
//!
//! - **Benchmarks**: each measured cell, named `scenario/runtime`. Where the report
//!   holds the same scenario and runtime at several settings, the settings that differ
//!   among them follow in brackets (`spawn_many/tokio-mt (threads=4)`), so names are
//!   unique, and as short as the report allows. Bencher keeps history by name, so runs
//!   meant for one history should use the same command: a name does not change with
//!   parameters that no cell beside it differs in. n/a and failed cells have no figure
//!   and are left out.
//! - **Measures**: each metric, its name as a Bencher slug (lower-case ASCII letters,
//!   digits and `-`; `/` reads `per`): `ns/spawn` → `ns-per-spawn`. Bencher creates a
//!   measure the first time it sees one. Whether lower is better is not part of BMF: set
//!   it in Bencher's thresholds (an upper boundary for times, a lower one for rates).
//! - **Values**: the report's figure, the median of per-process medians, with its 95 %
//!   interval as the lower and upper values.
//!
//! `rtbench report` writes it as `results.bmf.json` beside the other tables, and prints
//! it with `--format bmf` (for `bencher run --adapter json`).

use std::io;

use serde_json::{json, Map, Value};

use super::Report;
use crate::results::Status;
use crate::spec::params_text;
use crate::summary::CellResult;

/// The file's name in the results directory.
pub const FILE_NAME: &str = "results.bmf.json";

/// The report's measured cells as BMF JSON.
pub fn json(report: &Report) -> io::Result<String> {
    let mut benchmarks = Map::new();
    for cell in &report.cells {
        let Status::Ok { metrics, .. } = &cell.status else {
            continue;
        };
        let measures: Map<String, Value> = metrics
            .iter()
            .filter(|metric| [metric.median, metric.low, metric.high].iter().all(|v| v.is_finite()))
            .map(|metric| {
                let value =
                    json!({ "value": metric.median, "lower_value": metric.low, "upper_value": metric.high });
                (slug(&metric.name), value)
            })
            .collect();
        if !measures.is_empty() {
            benchmarks.insert(benchmark_name(cell, &report.cells), Value::Object(measures));
        }
    }
    serde_json::to_string_pretty(&Value::Object(benchmarks)).map_err(io::Error::other)
}

/// `scenario/runtime`, then in brackets the settings in which the report's other cells
/// of that scenario and runtime differ from this one's.
fn benchmark_name(cell: &CellResult, cells: &[CellResult]) -> String {
    let spec = &cell.cell;
    let siblings: Vec<&CellResult> = cells
        .iter()
        .filter(|other| {
            (&other.cell.scenario, &other.cell.runtime) == (&spec.scenario, &spec.runtime)
        })
        .collect();
    let varies = |setting: &dyn Fn(&CellResult) -> String| {
        let mine = setting(cell);
        siblings.iter().any(|other| setting(other) != mine).then_some(mine)
    };
    let sampling = |cell: &CellResult| {
        let sampling = cell.cell.sampling;
        format!(
            "warmup={} samples={} budget_ms={}",
            sampling.warmup, sampling.samples, sampling.budget_ms
        )
    };
    let settings: Vec<String> = [
        varies(&|cell| cell.cell.size.label().to_owned()),
        varies(&|cell| format!("threads={}", cell.cell.threads)),
        varies(&|cell| params_text(&cell.cell.params)),
        varies(&sampling),
    ]
    .into_iter()
    .flatten()
    .collect();
    let name = format!("{}/{}", spec.scenario, spec.runtime);
    match settings.is_empty() {
        true => name,
        false => format!("{name} ({})", settings.join(", ")),
    }
}

/// A metric's name as a Bencher slug: lower-case ASCII letters, digits and single `-`;
/// `/` becomes `per`, `+` `plus`, `µ` `u`.
fn slug(name: &str) -> String {
    let mut spelled = String::new();
    for c in name.chars() {
        match c {
            '/' => spelled.push_str("-per-"),
            '+' => spelled.push_str("-plus-"),
            'µ' | 'μ' => spelled.push('u'),
            c if c.is_ascii_alphanumeric() => spelled.push(c.to_ascii_lowercase()),
            _ => spelled.push('-'),
        }
    }
    let words: Vec<&str> = spelled.split('-').filter(|word| !word.is_empty()).collect();
    words.join("-")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rtbench_core::{Class, Size};

    use super::*;
    use crate::spec::{CellSpec, Sampling};

    fn cell(scenario: &str, runtime: &str, threads: usize) -> CellResult {
        let spec = CellSpec {
            scenario: scenario.into(),
            runtime: runtime.into(),
            size: Size::Quick,
            threads,
            params: BTreeMap::from([("tasks".to_owned(), 100)]),
            sampling: Sampling { warmup: 1, samples: 5, min_samples: 1, budget_ms: 300 },
        };
        CellResult::test_measured(spec, Class::MultiThread, "ns/op", true, &[&[1.0, 2.0, 3.0]])
    }

    #[test]
    fn names_carry_only_the_settings_that_tell_a_cell_from_its_siblings() {
        let cells = [cell("a", "tokio-mt", 2), cell("a", "tokio-mt", 4), cell("b", "tokio-mt", 2)];
        let names: Vec<String> = cells.iter().map(|c| benchmark_name(c, &cells)).collect();
        assert_eq!(names, ["a/tokio-mt (threads=2)", "a/tokio-mt (threads=4)", "b/tokio-mt"]);
        let report = Report { environment: None, cells: cells.to_vec() };
        let bmf: Value = serde_json::from_str(&json(&report).unwrap()).unwrap();
        let figure = &bmf["b/tokio-mt"]["ns-per-op"];
        assert_eq!(figure["value"], json!(2.0));
        let (low, high) = (figure["lower_value"].as_f64(), figure["upper_value"].as_f64());
        assert!(low.zip(high).is_some_and(|(low, high)| 0.0 < low && low < 2.0 && 2.0 < high));
    }

    #[test]
    fn metric_names_become_slugs() {
        assert_eq!(slug("ns/spawn"), "ns-per-spawn");
        assert_eq!(slug("ns/create+drop"), "ns-per-create-plus-drop");
        assert_eq!(slug("latency p99 µs"), "latency-p99-us");
        assert_eq!(slug("ns/poll (bare loop)"), "ns-per-poll-bare-loop");
        assert_eq!(slug("write MB/s"), "write-mb-per-s");
    }
}
