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
        "The whole report as one page: [report.html](report.html). Tables, one per class: \
         [Markdown](results.md) · [CSV](results.csv) · [JSON](results.json)\n\n",
    );
    if let Some(environment) = &results.environment {
        out.push_str("## Environment\n\n");
        out.push_str(&environment_markdown(environment));
    }
    let views = super::views(&results.cells);
    out.push_str(&super::findings::markdown(&super::findings::of(&views)));
    out.push_str("\n## Charts\n\n");
    for view in views {
        let title = view.title();
        let stem = &view.file_stem;
        if charts.contains(stem) {
            let path = format!("{}/{stem}.svg", chart::DIR);
            let _ = writeln!(out, "### {title}\n\n[![{title}]({path})]({path})\n");
            let scaling = format!("{stem}{}", super::sweep::SUFFIX);
            if charts.contains(&scaling) {
                let path = format!("{}/{scaling}.svg", chart::DIR);
                let _ = writeln!(out, "Scaling with threads (speedup table in [results.md](results.md)):\n\n[![{title} by threads]({path})]({path})\n");
            }
            let latency = super::load::chart_stem(stem);
            if charts.contains(&latency) {
                let path = format!("{}/{latency}.svg", chart::DIR);
                let _ = writeln!(out, "[![{title}: latency at load]({path})]({path})\n");
            }
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
        "{} sizes, {} threads for N-thread and per-core flavours; {} round(s) (worker processes) per \
         cell, fewer (at least {}) once a cell's rounds have run {} s; each round {} warm-up \
         run(s) then {} to {} samples (sampling budget {} ms); watchdog {} s, memory limit \
         {memory}",
        request.size.label(),
        crate::request::counts_text(&request.threads),
        request.rounds,
        request.rounds.min(crate::request::MIN_ROUNDS),
        request.cell_budget().as_secs_f64(),
        request.sampling.warmup,
        request.sampling.min_samples,
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

/// The environment as a Markdown list, then its warnings as quotes.
pub fn environment_markdown(environment: &Environment) -> String {
    let mut out = String::new();
    for (name, value) in environment_lines(environment) {
        let _ = writeln!(out, "- **{name}**: {value}");
    }
    for warning in environment_warnings(environment) {
        let _ = write!(out, "\n> {warning}\n");
    }
    out
}

/// The environment, one (name, value) line per fact.
pub fn environment_lines(environment: &Environment) -> Vec<(&'static str, String)> {
    let commit = commit(environment);
    let runtimes: Vec<String> = environment
        .runtimes
        .iter()
        .map(|r| {
            let name = super::runtime_label(&r.name, r.legacy);
            format!("{name} ({} {}, {})", r.crate_name, r.crate_version, r.class.label())
        })
        .collect();
    vec![
        ("CPU", format!("{} ({} logical cores)", environment.cpu_model, environment.logical_cores)),
        ("system", format!("{}, kernel {}", environment.os, environment.kernel)),
        ("compiler", format!("{} ({} build)", environment.rustc, environment.build_profile)),
        ("rtbench", format!("{} at commit {commit}", environment.rtbench_version)),
        ("settings", settings(&environment.request)),
        ("limits", environment.limits.summary()),
        ("CPU clock", clock(environment)),
        ("load average", load(environment)),
        ("placement", placement(environment)),
        ("runtimes", runtimes.join(", ")),
    ]
}

/// What makes the figures less representative: a debug build, a busy machine.
pub fn environment_warnings(environment: &Environment) -> Vec<String> {
    let mut warnings = Vec::new();
    if environment.build_profile == "debug" {
        warnings.push(
            "Debug build: figures are not representative; use `cargo run --release`.".to_owned(),
        );
    }
    if let Some(warning) = environment.noise_warning() {
        warnings.push(format!("Busy machine at the start: {warning}."));
    }
    warnings
}

/// The frequency governors and boost, `unknown` where they were not readable.
fn clock(environment: &Environment) -> String {
    let governors = match &environment.cpu_governors {
        Some(governors) => governors.join(", "),
        None => "unknown".to_owned(),
    };
    let boost = match environment.cpu_boost {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    };
    format!("frequency governor {governors}, boost {boost}")
}

/// The 1-minute load average at the start and at the end of the run.
fn load(environment: &Environment) -> String {
    let one_minute = |load: Option<[f64; 3]>| match load {
        Some([one, ..]) => format!("{one:.2}"),
        None => "unknown".to_owned(),
    };
    let start = one_minute(environment.load_average);
    match &environment.end {
        Some(end) => format!(
            "{start} at the start → {} at the end (1 minute; the end counts the run's own \
             workers)",
            one_minute(end.load_average)
        ),
        None => format!("{start} at the start (1 minute); no end recorded: the run was cut off"),
    }
}

/// Where the workers ran (`--pin`) and their address-space randomisation (`--no-aslr`).
fn placement(environment: &Environment) -> String {
    let cpus = match &environment.request.pin {
        Some(pin) => format!("workers pinned to CPUs {pin} (--pin)"),
        None => "workers not pinned".to_owned(),
    };
    let aslr = match &environment.worker_aslr {
        Some(aslr) => aslr.describe(),
        None => "not recorded".to_owned(),
    };
    format!("{cpus}; address-space randomisation {aslr}")
}
