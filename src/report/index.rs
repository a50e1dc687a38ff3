//! `index.md`: the entry page of a report, with the environment, links to the tables in
//! each format and every scenario's chart.

use std::fmt::Write;

use crate::environment::Environment;
use crate::results::FILE_NAME as RESULTS_FILE;

use super::{chart, Report};

/// The index's file name in the results directory.
pub const FILE_NAME: &str = "index.md";

/// The index page; `charts` names the charts written (file stems).
pub fn markdown(results: &Report, charts: &[String]) -> String {
    let mut out = String::from("# rtbench report\n\n");
    let _ = writeln!(
        out,
        "{} cells from [`{RESULTS_FILE}`]({RESULTS_FILE}) (one JSON object per line; see \
         `docs/results-schema.md` in the rtbench repository).\n",
        results.cells.len()
    );
    out.push_str(
        "Tables, one per class: [Markdown](results.md) · [CSV](results.csv) · [JSON](results.json)\n\n",
    );
    if let Some(environment) = &results.environment {
        out.push_str("## Environment\n\n");
        out.push_str(&environment_markdown(environment));
    }
    out.push_str("\n## Charts\n\n");
    for view in super::views(&results.cells) {
        let title = match view.file_stem == view.scenario {
            true => view.scenario.to_owned(),
            false => format!("{} ({})", view.scenario, view.cells[0].cell.params_text()),
        };
        let stem = &view.file_stem;
        if charts.contains(stem) {
            let path = format!("{}/{stem}.svg", chart::DIR);
            let _ = writeln!(out, "### {title}\n\n[![{title}]({path})]({path})\n");
        } else {
            let _ = writeln!(
                out,
                "### {title}\n\nNo figures: every cell is n/a or failed (see the tables).\n"
            );
        }
    }
    out
}

/// A run's request in one line.
fn settings(request: &crate::request::RunRequest) -> String {
    let memory = match request.memory_limit {
        Some(bytes) => format!("{} MiB", bytes >> 20),
        None => "none".to_owned(),
    };
    format!(
        "{} sizes, {} threads for multi-thread flavours, {} round(s) (worker processes) per \
         cell, each {} warm-up run(s) then up to {} samples (sampling budget {} ms); watchdog \
         {} s, memory limit {memory}",
        request.size.label(),
        request.threads,
        request.rounds,
        request.sampling.warmup,
        request.sampling.samples,
        request.sampling.budget_ms,
        request.timeout().as_secs_f64(),
    )
}

/// The commit the binary was built from, `(with uncommitted changes)` when its sources
/// differed from it, or `unknown`.
pub fn commit(environment: &Environment) -> String {
    match (&environment.git_commit, environment.git_dirty) {
        (Some(commit), Some(true)) => format!("{commit} (with uncommitted changes)"),
        (Some(commit), _) => commit.clone(),
        (None, _) => "unknown".to_owned(),
    }
}

/// The environment as a Markdown list.
pub fn environment_markdown(environment: &Environment) -> String {
    let mut out = String::new();
    let commit = commit(environment);
    let runtimes: Vec<String> = environment
        .runtimes
        .iter()
        .map(|r| {
            let name = super::runtime_label(&r.name, r.legacy);
            format!("{name} ({} {}, {})", r.crate_name, r.crate_version, r.class.label())
        })
        .collect();
    let lines = [
        ("CPU", format!("{} ({} logical cores)", environment.cpu_model, environment.logical_cores)),
        ("system", format!("{}, kernel {}", environment.os, environment.kernel)),
        ("compiler", format!("{} ({} build)", environment.rustc, environment.build_profile)),
        ("rtbench", format!("{} at commit {commit}", environment.rtbench_version)),
        ("settings", settings(&environment.request)),
        ("limits", environment.limits.summary()),
        ("runtimes", runtimes.join(", ")),
    ];
    for (name, value) in lines {
        let _ = writeln!(out, "- **{name}**: {value}");
    }
    if environment.build_profile == "debug" {
        out.push_str(
            "\n> Debug build: figures are not representative; use `cargo run --release`.\n",
        );
    }
    out
}
