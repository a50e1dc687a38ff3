//! `rtbench overhead`: what the contract costs over each runtime's own API, measured on
//! the user's machine in under a minute, and certified across processes.
//!
//! For each selected flavour and overhead workload, rtbench-native's engine runs the
//! scenario through the contract and its native twin alternately, in pairs, on one
//! runtime instance (see `rtbench_native::pairs`), in a worker process of its own
//! ([`job`]); each cell runs in `--processes` such processes, visited round after round
//! in a new shuffled order (as `rtbench run` visits its cells), so that a drift of the
//! machine falls on every cell alike. One process's pairs agree far better than two
//! processes do (memory layout, allocator state, placement), so a single process cannot
//! certify a ratio: the table shows the median of the per-process median ratios, core ÷
//! native, with the 95 % rerun interval over processes ([`combine`]), or `n/a:
//! <reason>` where the runtime's own API does something different in kind. Full sizes
//! (tokio's benchmark parameters, as the `overhead` bench) by default: a run of any
//! workload takes milliseconds, so each process runs up to `--pairs` pairs and stops
//! after its share of [`CELL_BUDGET`] once it has its minimum — many short processes
//! rather than few long ones, since process variation is what dominates.
//!
//! Below the tables, one line per normalised semantic a flavour measures apart (its
//! `Twins::SEMANTICS`: the native twin with only that semantic added, over the plain
//! twin), measured across processes the same way, so a cost the contract imposes on
//! purpose is shown as such; and a verdict against the target (≤ 1.03, or ≤ 1.10 where
//! a semantic's own line accounts for the excess), which names apart a cell beyond it
//! whose rerun interval reaches it: too close to call on this machine.
//!
//! Ctrl-C (or SIGTERM) stops it between two worker processes: the one running finishes,
//! and the report shows what was measured, each cell with the processes it had
//! ([`crate::interrupt`]); a second Ctrl-C quits at once.
//!
//! Exit codes: 0 when every cell was measured or is `n/a`, 1 when a side failed its
//! check, a worker process failed (crash, abort, timeout) or stdout could not be
//! written, 2 for bad names or values, 130 when interrupted (after printing).

mod combine;
pub mod job;
mod table;

use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::Duration;

use rtbench_core::task::payload_message;
use rtbench_core::{Class, Params, RuntimeConfig, RuntimeInfo, Size};
use rtbench_native::pairs::Overhead;
use rtbench_native::{Twins, TwinsVisitor, Workload};
use serde::Serialize;

use self::combine::{Bar, Certified};
use self::job::{Done, Job};
use crate::cell::{self, Guard};
use crate::cli::{OverheadArgs, OverheadFormat};
use crate::environment::machine_summary;
use crate::interrupt::{self, Interrupt};
use crate::matrix::select;
use crate::placement::Placement;
use crate::request::{default_memory_limit, UsageError};

/// How long a cell's pairs run in all, at most, split evenly between its processes
/// (each of which still runs [`PROCESS_MIN_PAIRS`]).
const CELL_BUDGET: Duration = Duration::from_millis(500);

/// The fewest pairs a process runs: two, so that a workload whose one run takes tens of
/// milliseconds (`tcp_round_trip`, `yield_many` at full size) spends its time on more
/// processes rather than on more pairs in each — the variation between processes is
/// the larger.
const PROCESS_MIN_PAIRS: usize = 2;

/// The watchdog of one worker process: a cell's process takes well under a second.
const WORKER_TIMEOUT: Duration = Duration::from_secs(60);

/// What was measured, as printed (`--format json` prints it whole).
#[derive(Serialize)]
struct Report {
    machine: String,
    size: Size,
    /// Worker threads asked for N-thread flavours.
    threads: usize,
    /// Worker processes per cell.
    processes: u32,
    /// Pairs per process, at most.
    pairs: usize,
    /// Pairs per process, at least.
    min_pairs: usize,
    /// How long each process's pairs run, at most (after its minimum).
    process_budget_ms: u64,
    /// What the workers said they did to the allocator ([`rtbench_native::allocator`]):
    /// one account, or each different one joined by `; `.
    allocator: String,
    flavours: Vec<Flavour>,
    /// The normalised semantics measured apart (see [`SemanticCost`]).
    semantics: Vec<SemanticCost>,
    verdict: table::Verdict,
    /// Where a Ctrl-C stopped it, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<Stopped>,
}

/// How far an interrupted command got.
#[derive(Serialize)]
struct Stopped {
    /// Worker processes run (each to its end).
    ran: usize,
    /// Worker processes planned.
    planned: usize,
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
    figure: Certified,
    /// Where a measured cell stands against the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    bar: Option<Bar>,
}

/// One semantic's cost on one flavour and workload: the twin with the semantic over the
/// plain twin.
#[derive(Serialize)]
struct SemanticCost {
    runtime: &'static str,
    semantic: &'static str,
    scenario: &'static str,
    #[serde(flatten)]
    figure: Certified,
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
    let settings = Settings {
        size,
        threads: config.threads,
        processes: args.processes,
        pairs: args.pairs as usize,
        budget: CELL_BUDGET / args.processes,
    };
    // Without the handlers, Ctrl-C still ends the command, as it always did.
    let interrupt = Interrupt::catch()
        .inspect_err(|error| say!("overhead: Ctrl-C will lose what was measured: {error}"))
        .ok();
    let report = Report::measure(&runtimes, &workloads, &settings, interrupt.as_ref());
    let text = match args.format {
        OverheadFormat::Md => table::markdown(&report, &workloads),
        OverheadFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => json + "\n",
            Err(error) => {
                say!("error: cannot write the overhead report as JSON: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    match (crate::emit(&text), report.failed()) {
        (_, true) => ExitCode::FAILURE,
        (written, false) if report.interrupted.is_none() => written,
        (_, false) => ExitCode::from(interrupt::EXIT),
    }
}

/// How each cell is measured.
struct Settings {
    size: Size,
    threads: usize,
    processes: u32,
    pairs: usize,
    /// Each process's share of [`CELL_BUDGET`].
    budget: Duration,
}

impl Report {
    /// Learns what each flavour can measure, then measures every cell and semantic in
    /// its worker processes, round after round, until done or `interrupt` asks to stop.
    fn measure(
        runtimes: &[RuntimeInfo],
        workloads: &[Workload],
        settings: &Settings,
        interrupt: Option<&Interrupt>,
    ) -> Report {
        let config = RuntimeConfig { threads: settings.threads };
        let plans: Vec<_> =
            runtimes.iter().map(|runtime| FlavourPlan::of(runtime, &config, workloads)).collect();
        let targets: Vec<Target> = plans.iter().flat_map(FlavourPlan::targets).collect();
        let Measurements { results, allocators, interrupted } =
            measure_targets(&targets, settings, interrupt);
        let figure = |target: &Target| {
            let index = targets.iter().position(|t| t == target).expect("a planned target");
            match interrupted {
                Some(_) => Certified::of_interrupted(&results[index]),
                None => Certified::of(&results[index], settings.processes),
            }
        };
        let semantics: Vec<SemanticCost> = targets
            .iter()
            .filter_map(|target| {
                Some(SemanticCost {
                    runtime: target.runtime,
                    semantic: target.semantic?,
                    scenario: target.workload.name(),
                    figure: figure(target),
                })
            })
            .collect();
        // The largest cost measured apart for that flavour and workload (its lines
        // overlap, each adding one semantic to the same plain twin).
        let named = |runtime: &str, scenario: &str| {
            semantics
                .iter()
                .filter(|s| s.runtime == runtime && s.scenario == scenario)
                .filter_map(|s| s.figure.measured().map(|combined| combined.median))
                .reduce(f64::max)
        };
        let flavours: Vec<Flavour> = plans
            .iter()
            .map(|plan| Flavour {
                runtime: plan.runtime.name,
                class: plan.runtime.class,
                cells: plan
                    .cells
                    .iter()
                    .map(|(workload, skip)| {
                        let figure = skip.clone().unwrap_or_else(|| {
                            figure(&Target {
                                runtime: plan.runtime.name,
                                workload: *workload,
                                semantic: None,
                            })
                        });
                        let bar = figure.measured().map(|combined| {
                            let semantic = named(plan.runtime.name, workload.name());
                            Bar::of(combined.median, combined.low, semantic)
                        });
                        let params = Params::new(workload.info().params, settings.size);
                        let params = params.to_string();
                        Cell { scenario: workload.name(), params, figure, bar }
                    })
                    .collect(),
            })
            .collect();
        let verdict = table::Verdict::of(&flavours, &semantics);
        Report {
            machine: machine_summary(),
            size: settings.size,
            threads: settings.threads,
            processes: settings.processes,
            pairs: settings.pairs,
            min_pairs: PROCESS_MIN_PAIRS,
            process_budget_ms: settings.budget.as_millis() as u64,
            allocator: if allocators.is_empty() {
                "not reported (no worker process finished)".to_owned()
            } else {
                allocators.into_iter().collect::<Vec<_>>().join("; ")
            },
            flavours,
            semantics,
            verdict,
            interrupted,
        }
    }

    /// Whether a side of some cell failed its check, panicked, or its process failed.
    fn failed(&self) -> bool {
        let cells = self.flavours.iter().flat_map(|flavour| &flavour.cells);
        let mut figures =
            cells.map(|cell| &cell.figure).chain(self.semantics.iter().map(|cost| &cost.figure));
        figures.any(|figure| matches!(figure, Certified::Failed { .. }))
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

/// What one flavour can measure, learnt by building it once here: each selected
/// workload, with its figure already known when there is nothing to run (no twin, the
/// runtime unavailable or panicking while built), and its semantics on them.
struct FlavourPlan {
    runtime: RuntimeInfo,
    cells: Vec<(Workload, Option<Certified>)>,
    semantics: Vec<(&'static str, Workload)>,
}

impl FlavourPlan {
    fn of(runtime: &RuntimeInfo, config: &RuntimeConfig, workloads: &[Workload]) -> FlavourPlan {
        let visited = panic::catch_unwind(AssertUnwindSafe(|| {
            rtbench_native::visit(runtime.name, config, Inventory { workloads })
        }));
        let whole_row = |figure: Certified| FlavourPlan {
            runtime: *runtime,
            cells: workloads.iter().map(|&w| (w, Some(figure.clone()))).collect(),
            semantics: Vec::new(),
        };
        match visited {
            Ok(Ok((cells, semantics))) => FlavourPlan { runtime: *runtime, cells, semantics },
            Ok(Err(error)) => whole_row(Certified::NotComparable { reason: error.to_string() }),
            Err(payload) => whole_row(Certified::Failed {
                reason: format!("building it panicked: {}", payload_message(&*payload)),
                processes: Vec::new(),
            }),
        }
    }

    /// What its worker processes measure: each workload with a twin, then each semantic.
    fn targets(&self) -> Vec<Target> {
        let runtime = self.runtime.name;
        let cells = self.cells.iter().filter(|(_, known)| known.is_none());
        let cells = cells.map(|&(workload, _)| Target { runtime, workload, semantic: None });
        let semantics = self.semantics.iter().map(|&(semantic, workload)| Target {
            runtime,
            workload,
            semantic: Some(semantic),
        });
        cells.chain(semantics).collect()
    }
}

/// Which selected workloads a built flavour has twins of (or why not), and its
/// semantics on them.
struct Inventory<'a> {
    workloads: &'a [Workload],
}

type Inventoried = (Vec<(Workload, Option<Certified>)>, Vec<(&'static str, Workload)>);

impl TwinsVisitor for Inventory<'_> {
    type Output = Inventoried;

    fn visit<R: Twins>(self, _: &R) -> Inventoried {
        let cells = self.workloads.iter().map(|&workload| {
            let skip = R::twin(workload)
                .err()
                .map(|reason| Certified::NotComparable { reason: reason.to_owned() });
            (workload, skip)
        });
        let semantics = R::SEMANTICS.iter().filter(|s| self.workloads.contains(&s.workload));
        (cells.collect(), semantics.map(|s| (s.name, s.workload)).collect())
    }
}

/// One thing a worker process measures: a workload on a flavour, through the contract
/// (`semantic: None`) or one of its semantics.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Target {
    runtime: &'static str,
    workload: Workload,
    semantic: Option<&'static str>,
}

/// What the worker processes gave.
struct Measurements {
    /// What each process gave, per target, in the order they ran.
    results: Vec<Vec<Overhead>>,
    /// What they said they did to the allocator, each different account once.
    allocators: BTreeSet<String>,
    /// How far it got, if a signal asked to stop before the end.
    interrupted: Option<Stopped>,
}

/// Runs every target in `settings.processes` worker processes, round after round, the
/// targets shuffled anew in each; a target whose process failed or found it not
/// comparable runs no further process (that is its answer); stops early if
/// `interrupt` asks.
fn measure_targets(
    targets: &[Target],
    settings: &Settings,
    interrupt: Option<&Interrupt>,
) -> Measurements {
    let guard = Guard {
        timeout: WORKER_TIMEOUT,
        memory_limit: default_memory_limit(),
        placement: Placement::default(),
    };
    let mut results: Vec<Vec<Overhead>> = vec![Vec::new(); targets.len()];
    let mut allocators = BTreeSet::new();
    let visits = crate::run::visiting_order(targets.len(), settings.processes);
    for (step, &(index, round)) in visits.iter().enumerate() {
        if interrupt.is_some_and(Interrupt::asked) {
            let ran = results.iter().map(Vec::len).sum();
            say!("overhead: interrupted after {ran} worker processes: printing what they measured");
            let interrupted = Some(Stopped { ran, planned: visits.len() });
            return Measurements { results, allocators, interrupted };
        }
        if results[index].iter().any(|result| !matches!(result, Overhead::Measured(_))) {
            continue;
        }
        let target = targets[index];
        let job = Job {
            runtime: target.runtime.to_owned(),
            threads: settings.threads,
            size: settings.size,
            scenario: target.workload.name().to_owned(),
            semantic: target.semantic.map(str::to_owned),
            pairs: settings.pairs,
            min_pairs: PROCESS_MIN_PAIRS,
            budget_ms: settings.budget.as_millis() as u64,
        };
        let result = match cell::run_child::<Done>("overhead-worker", &job, guard) {
            Ok(Done { allocator, overhead }) => {
                allocators.insert(allocator);
                overhead
            }
            Err(failure) => Overhead::Failed(failure.reason),
        };
        let semantic = target.semantic.map_or_else(String::new, |name| format!(", {name}"));
        say!(
            "overhead: [{}/{}] {} {}{semantic} (process {}/{}): {result:#}",
            step + 1,
            visits.len(),
            target.runtime,
            target.workload.name(),
            round + 1,
            settings.processes,
        );
        results[index].push(result);
    }
    Measurements { results, allocators, interrupted: None }
}
