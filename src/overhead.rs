//! `rtbench overhead`: what the contract costs over each runtime's own API, measured on
//! the user's machine in under a minute.
//!
//! For each selected flavour and overhead workload, rtbench-native's engine runs the
//! scenario through the contract and its native twin alternately, in pairs, on one
//! runtime instance in this process (see `rtbench_native::pairs`); the table shows the
//! median pair ratio core ÷ native of the scenario's headline metric and the
//! interquartile range of the pair ratios, or `n/a: <reason>` where the runtime's own API
//! does something different in kind. Full sizes (tokio's benchmark parameters, as the
//! `overhead` bench) by default: a run of any workload takes milliseconds, so each cell
//! runs up to `--pairs` pairs and stops after [`CELL_BUDGET`] once it has its minimum —
//! every flavour and workload in well under a minute.
//!
//! Below the tables, one line per normalised semantic a flavour measures apart (its
//! `Twins::SEMANTICS`: the native twin with only that semantic added, over the plain
//! twin), so a cost the contract imposes on purpose is shown as such.
//!
//! Exit codes: 0 when every cell was measured or is `n/a`, 1 when a side failed its
//! check or panicked (or stdout could not be written), 2 for bad names.

use std::fmt::Write;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::Duration;

use rtbench_core::task::payload_message;
use rtbench_core::{Class, Params, RuntimeConfig, RuntimeInfo, Size};
use rtbench_native::pairs::{Overhead, Plan, Sides};
use rtbench_native::{Semantic, Twins, TwinsVisitor, Workload};
use serde::Serialize;

use crate::cli::{OverheadArgs, OverheadFormat};
use crate::environment::machine_summary;
use crate::matrix::select;
use crate::request::UsageError;

/// How long a cell's pairs run, at most, once it has `rtbench_native::pairs::MIN_PAIRS`.
const CELL_BUDGET: Duration = Duration::from_secs(1);

/// What was measured, as printed (`--format json` prints it whole).
#[derive(Serialize)]
struct Report {
    machine: String,
    size: Size,
    /// Worker threads asked for N-thread flavours.
    threads: usize,
    /// Pairs per cell, at most.
    pairs: usize,
    flavours: Vec<Flavour>,
    /// The normalised semantics measured apart (see [`SemanticCost`]).
    semantics: Vec<SemanticCost>,
}

/// One flavour's row.
#[derive(Serialize)]
struct Flavour {
    runtime: &'static str,
    class: Class,
    cells: Vec<Cell>,
}

/// One workload on one flavour.
#[derive(Serialize)]
struct Cell {
    scenario: &'static str,
    params: String,
    #[serde(flatten)]
    overhead: Overhead,
}

/// `rtbench overhead`: measures, prints the table on stdout; exit codes in the module docs.
pub fn main(args: &OverheadArgs) -> ExitCode {
    let (runtimes, workloads) = match selection(args) {
        Ok(selection) => selection,
        Err(UsageError(error)) => {
            say!("error: {error}\n\nFor more information, try 'rtbench overhead --help'.");
            return ExitCode::from(crate::USAGE);
        }
    };
    let size = if args.quick { Size::Quick } else { Size::Full };
    let config = args
        .threads
        .map_or_else(RuntimeConfig::default, |threads| RuntimeConfig { threads: threads.into() });
    let plan = Plan { pairs: args.pairs as usize, budget: CELL_BUDGET };
    let report = Report::measure(&runtimes, &workloads, size, &config, &plan);
    let text = match args.format {
        OverheadFormat::Md => markdown(&report, &workloads),
        OverheadFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => json + "\n",
            Err(error) => {
                say!("error: cannot write the overhead report as JSON: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    match (crate::emit(&text), report.failed()) {
        (written, false) => written,
        (_, true) => ExitCode::FAILURE,
    }
}

impl Report {
    /// Measures `workloads` on each of `runtimes`, one flavour after the other.
    fn measure(
        runtimes: &[RuntimeInfo],
        workloads: &[Workload],
        size: Size,
        config: &RuntimeConfig,
        plan: &Plan,
    ) -> Report {
        let flavours = runtimes
            .iter()
            .map(|runtime| Flavour {
                runtime: runtime.name,
                class: runtime.class,
                cells: measure_row(runtime, config, Row { workloads, size, plan }),
            })
            .collect();
        let semantics = SemanticCost::measure_all(runtimes, workloads, size, config, plan);
        Report {
            machine: machine_summary(),
            size,
            threads: config.threads,
            pairs: plan.pairs,
            flavours,
            semantics,
        }
    }

    /// Whether a side of some cell failed its check or panicked.
    fn failed(&self) -> bool {
        let cells = self.flavours.iter().flat_map(|flavour| &flavour.cells);
        let mut overheads = cells
            .map(|cell| &cell.overhead)
            .chain(self.semantics.iter().map(|cost| &cost.overhead));
        overheads.any(|overhead| matches!(overhead, Overhead::Failed(_)))
    }
}

/// The flavours and workloads asked for, in registry order, or a usage error.
fn selection(args: &OverheadArgs) -> Result<(Vec<RuntimeInfo>, Vec<Workload>), UsageError> {
    let runtimes = select(
        rtbench_adapters::infos(),
        &args.runtimes,
        |info| info.name,
        "--runtime",
        "runtime",
    )?;
    let workloads = select(
        Workload::ALL.to_vec(),
        &args.scenarios,
        |workload| workload.name(),
        "--scenario",
        "overhead workload",
    )?;
    Ok((runtimes, workloads))
}

/// Builds `runtime` and measures its row; a runtime that cannot be built, or panics
/// while being built, gives the reason in every cell.
fn measure_row(runtime: &RuntimeInfo, config: &RuntimeConfig, row: Row<'_>) -> Vec<Cell> {
    let workloads = row.workloads;
    let size = row.size;
    let visited =
        panic::catch_unwind(AssertUnwindSafe(|| rtbench_native::visit(runtime.name, config, row)));
    let whole_row = |overhead: Overhead| {
        workloads.iter().map(|&workload| Cell::new(workload, size, overhead.clone())).collect()
    };
    match visited {
        Ok(Ok(cells)) => cells,
        Ok(Err(error)) => whole_row(Overhead::NotComparable(error.to_string())),
        Err(payload) => whole_row(Overhead::Failed(format!(
            "building it panicked: {}",
            payload_message(&*payload)
        ))),
    }
}

/// Measures the selected workloads on one built flavour, saying each cell on stderr.
struct Row<'a> {
    workloads: &'a [Workload],
    size: Size,
    plan: &'a Plan,
}

impl TwinsVisitor for Row<'_> {
    type Output = Vec<Cell>;

    fn visit<R: Twins>(self, runtime: &R) -> Vec<Cell> {
        self.workloads
            .iter()
            .map(|&workload| {
                let params = Params::new(workload.info().params, self.size);
                let overhead = match Sides::new(runtime, workload, &params) {
                    Ok(sides) => sides.pairs(self.plan),
                    Err(reason) => Overhead::NotComparable(reason),
                };
                say!("overhead: {} {}: {overhead:#}", R::INFO.name, workload.name());
                Cell::new(workload, self.size, overhead)
            })
            .collect()
    }
}

impl Cell {
    fn new(workload: Workload, size: Size, overhead: Overhead) -> Cell {
        let params = Params::new(workload.info().params, size).to_string();
        Cell { scenario: workload.name(), params, overhead }
    }
}

/// The ratio table, then both sides' medians, in Markdown.
fn markdown(report: &Report, workloads: &[Workload]) -> String {
    let mut out =
        String::from("# rtbench overhead: the contract's cost over each runtime's own API\n\n");
    let sizes: Vec<_> = workloads
        .iter()
        .map(|w| format!("{} {}", w.name(), Params::new(w.info().params, report.size)))
        .collect();
    let _ = writeln!(out, "- **machine**: {}", report.machine);
    let _ = writeln!(
        out,
        "- **settings**: {} sizes ({}); {} threads for N-thread flavours; up to {} pairs per \
         cell, about {} s of pairs at most",
        report.size.label(),
        sizes.join("; "),
        report.threads,
        report.pairs,
        CELL_BUDGET.as_secs_f64(),
    );
    out.push_str(
        "- **each cell**: core ÷ native, the median over interleaved pairs (one runtime \
         instance, alternating order) of the scenario's headline metric, with the \
         interquartile range of the pair ratios; above 1, the contract costs more. \
         Target: ≤ 1.03.\n\n",
    );
    table(&mut out, report, workloads, |overhead| overhead.to_string());
    out.push_str("\nMedians, core / native (pairs):\n\n");
    table(&mut out, report, workloads, |overhead| match overhead {
        Overhead::Measured(r) => {
            format!("{:.1} / {:.1} {} ({})", r.core, r.native, r.metric, r.pairs)
        }
        _ => "–".to_owned(),
    });
    semantics_section(&mut out, &report.semantics);
    out
}

/// One Markdown table: a row per flavour, a column per workload, `cell` in each.
fn table(
    out: &mut String,
    report: &Report,
    workloads: &[Workload],
    cell: impl Fn(&Overhead) -> String,
) {
    let names: Vec<_> = workloads.iter().map(|w| w.name()).collect();
    let _ = writeln!(out, "| flavour | {} |", names.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(names.len()));
    for flavour in &report.flavours {
        let cells: Vec<_> = flavour.cells.iter().map(|c| cell(&c.overhead)).collect();
        let _ = writeln!(
            out,
            "| {} ({}) | {} |",
            flavour.runtime,
            flavour.class.label(),
            cells.join(" | ")
        );
    }
}

// The normalised semantics, measured apart: where the contract normalises a semantic
// that a runtime's own API does without (panics caught, a join handle on every spawn),
// the flavour's `Twins::SEMANTICS` add just that semantic to its native twin, and the
// pair ratio against the plain twin is that semantic's own cost on this runtime.

/// One semantic's cost on one flavour and workload.
#[derive(Serialize)]
struct SemanticCost {
    runtime: &'static str,
    semantic: &'static str,
    scenario: &'static str,
    /// The twin with the semantic over the plain twin.
    #[serde(flatten)]
    overhead: Overhead,
}

impl SemanticCost {
    /// Measures every semantic of the selected flavours on the selected workloads, each
    /// flavour on a runtime instance of its own.
    fn measure_all(
        runtimes: &[RuntimeInfo],
        workloads: &[Workload],
        size: Size,
        config: &RuntimeConfig,
        plan: &Plan,
    ) -> Vec<SemanticCost> {
        let row = |runtime: &RuntimeInfo| {
            let visitor = Semantics { workloads, size, plan };
            let visited = panic::catch_unwind(AssertUnwindSafe(|| {
                rtbench_native::visit(runtime.name, config, visitor)
            }));
            // A flavour that cannot be built or panics has its failure in its table row.
            visited.ok().and_then(Result::ok).unwrap_or_default()
        };
        runtimes.iter().flat_map(row).collect()
    }
}

/// Measures the semantics of one built flavour on the selected workloads.
struct Semantics<'a> {
    workloads: &'a [Workload],
    size: Size,
    plan: &'a Plan,
}

impl TwinsVisitor for Semantics<'_> {
    type Output = Vec<SemanticCost>;

    fn visit<R: Twins>(self, runtime: &R) -> Vec<SemanticCost> {
        let selected = R::SEMANTICS.iter().filter(|s| self.workloads.contains(&s.workload));
        selected.map(|semantic| self.measure(runtime, semantic)).collect()
    }
}

impl Semantics<'_> {
    fn measure<R: Twins>(&self, runtime: &R, semantic: &Semantic<R>) -> SemanticCost {
        let params = Params::new(semantic.workload.info().params, self.size);
        let overhead = match Sides::new(runtime, semantic.workload, &params) {
            Ok(sides) => sides.semantic(semantic, self.plan),
            Err(reason) => Overhead::NotComparable(reason),
        };
        let scenario = semantic.workload.name();
        say!("overhead: {} {scenario}, {}: {overhead:#}", R::INFO.name, semantic.name);
        SemanticCost { runtime: R::INFO.name, semantic: semantic.name, scenario, overhead }
    }
}

/// One line per semantic measured: what it costs per element, and its ratio.
fn semantic_line(cost: &SemanticCost) -> String {
    let SemanticCost { runtime, semantic, scenario, overhead } = cost;
    match overhead {
        Overhead::Measured(r) => format!(
            "- {runtime}: {semantic} costs {:.1} {} ({:+.0} %) on `{scenario}`: {overhead}",
            r.core - r.native,
            r.metric,
            (r.median - 1.0) * 100.0,
        ),
        other => format!("- {runtime}: {semantic} on `{scenario}`: {other}"),
    }
}

fn semantics_section(out: &mut String, costs: &[SemanticCost]) {
    if costs.is_empty() {
        return;
    }
    out.push_str(
        "\nNormalised semantics, measured apart (the native twin with only that semantic \
         added, over the plain twin, in pairs; part of the contract's cost above):\n\n",
    );
    for cost in costs {
        out.push_str(&semantic_line(cost));
        out.push('\n');
    }
}
