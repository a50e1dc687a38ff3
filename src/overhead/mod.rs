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
//! `Twins::SEMANTICS`: the native twin with only that semantic added), in worker
//! processes of its own, across processes the same way: each runs the plain twin, the
//! semantic's twin and the contract in the same rounds, and gives what the semantic
//! costs (its twin over the plain one) and what the contract costs beyond it (core over
//! the semantic's twin), so a cost the contract imposes on purpose is shown as such;
//! and a verdict against the target (≤ 1.03, or ≤ 1.10 where the contract costs ≤ 1.03
//! over a semantic's twin and the semantic's cost accounts for the excess), which
//! names apart a cell beyond it whose rerun interval reaches it: too close to call on
//! this machine. A cell's own processes run its two
//! sides only: a third kind of task in the process moved compio's `spawn_many` by 8 %
//! (core and native alike slower or not, by the heap the third side leaves), so the
//! cell keeps the figure the issue defines, core against native alone, and the third
//! side's share of a process is spent only where it is needed, on the line.
//!
//! Then, once, the cells too close to call get more processes ([`settling_schedule`]),
//! and so do their lines, on which whether a line explains them is judged: for up to
//! `--settle` seconds in all, one more process each, round after round, in a new
//! shuffled order each round, whatever they read on the way. The clock ends the
//! stage, not the figures, so it does not stop on a lucky reading; but which cells
//! enter it does depend on the data: only those beyond the bar by their median. A cell
//! that read within gets none (the verdict calls a cell within on its median, whatever
//! its interval), so the stage can only move a cell out of "too close to call" — to
//! within, explained or above — and a cell within by one run's luck stays within. Each
//! settled cell is judged again on all its processes, and its interval, over more
//! processes, is narrower than the others': it says where a rerun with that many
//! processes would land. On a shared 2-core machine, where `tcp_round_trip`'s intervals
//! span ±15 %, that settles most such cells; a cell whose median sits on the bar itself
//! (1.105 against 1.10) stays too close to call however long it runs.
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
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;

use rtbench_core::task::payload_message;
use rtbench_core::{Class, Params, RuntimeConfig, RuntimeInfo, Size};
use rtbench_native::pairs::{Line, Measured, Overhead};
use rtbench_native::{Twins, TwinsVisitor, Workload};
use serde::Serialize;

use self::combine::{Bar, Certified, Combined, LineReading};
use self::job::{Done, Job};
use crate::cell::{self, Guard};
use crate::cli::{OverheadArgs, OverheadFormat};
use crate::environment::machine_summary;
use crate::interrupt::{self, Interrupt};
use crate::matrix::select;
use crate::placement::Placement;
use crate::request::{default_memory_limit, UsageError};

/// How long a cell's pairs run in all, at most, split evenly between its processes
/// (each of which still runs [`PROCESS_MIN_PAIRS`]): with 5 processes a cell, the whole
/// table (and the lines, whose three-sided processes get half as much again) and the
/// settling stage's 6 s took 46–56 s in all on a 2-core machine at a load average of
/// 0.4–1.9, which leaves a loaded host some slack within the minute. At 400 ms the
/// command took 62 s at a load average of 1.2–1.5; at 250 ms, 49–52 s, with rerun
/// intervals no wider (a median half-width of 6.9–7.7 % against 5.7–7.9 %, three runs
/// each, interleaved).
const CELL_BUDGET: Duration = Duration::from_millis(250);

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
    /// How long each cell's process's pairs run, at most (after its minimum); a
    /// semantic's three-sided process gets half as much again.
    process_budget_ms: u64,
    /// How long, at most, the cells too close to call after the planned processes got
    /// more of them, in all (`--settle`).
    settle_s: f64,
    /// The cells that got more, with how many each and how they read before.
    settled: Vec<Settled>,
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
    /// Worker processes run (each to its end), the settling stage's included.
    ran: usize,
    /// Worker processes planned (the settling stage's are not).
    planned: usize,
    /// Processes run in the settling stage, if it was under way: every planned process
    /// had run.
    #[serde(skip_serializing_if = "Option::is_none")]
    while_settling: Option<usize>,
}

/// A cell too close to call after its planned processes, given more.
#[derive(Serialize)]
struct Settled {
    runtime: &'static str,
    scenario: &'static str,
    /// Processes it got in the settling stage.
    processes: usize,
    /// How it read on its planned processes alone.
    before: Reading,
}

/// A cell's median over its processes and its rerun interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
struct Reading {
    median: f64,
    low: f64,
    high: f64,
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
    /// The semantic whose line explains it, where one does ([`Bar::Explained`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    explained_by: Option<&'static str>,
}

/// One semantic's cost on one flavour and workload, measured in processes of its own:
/// the twin with the semantic over the plain twin, and the contract over that twin, in
/// the same rounds.
#[derive(Serialize)]
struct SemanticCost {
    runtime: &'static str,
    semantic: &'static str,
    scenario: &'static str,
    #[serde(flatten)]
    figure: Certified,
    /// Core over the semantic's twin: what the contract costs beyond the semantic.
    beyond: Certified,
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
        settle: args.settle,
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
    /// Each process's share of [`CELL_BUDGET`], for two sides (a semantic's process runs
    /// three, and gets half as much again).
    budget: Duration,
    /// How long the settling stage may run, in all.
    settle: Duration,
}

impl Report {
    /// Learns what each flavour can measure, then measures every cell and semantic in
    /// its worker processes, round after round, then settles the cells too close to
    /// call, until done or `interrupt` asks to stop.
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
        let mut measurements = Measurements::new(&targets, settings);
        measurements.run_planned(interrupt);
        let mut judged = Judged::of(&plans, &measurements, settings.size);
        let unresolved = judged.unresolved(&targets);
        let mut settled = Vec::new();
        if measurements.interrupted.is_none()
            && !settings.settle.is_zero()
            && !unresolved.is_empty()
        {
            // A line that failed or is `n/a` has its answer, as a cell does.
            let lines = unresolved.iter().flat_map(|u| u.lines.iter().copied());
            let lines = lines.filter(|&line| measurements.measuring(line));
            let indices = unresolved.iter().map(|u| u.index).chain(lines);
            measurements.settle(indices.collect(), interrupt);
            // A measured cell of an uninterrupted planned stage ran all its processes.
            let planned = settings.processes as usize;
            settled = unresolved
                .iter()
                .map(|cell| Settled {
                    runtime: targets[cell.index].runtime,
                    scenario: targets[cell.index].workload.name(),
                    processes: measurements.ran(cell.index) - planned,
                    before: cell.before,
                })
                .filter(|settled| settled.processes > 0)
                .collect();
            judged = Judged::of(&plans, &measurements, settings.size);
        }
        let Judged { flavours, semantics } = judged;
        let verdict = table::Verdict::of(&flavours, &semantics);
        let Measurements { allocators, interrupted, .. } = measurements;
        Report {
            machine: machine_summary(),
            size: settings.size,
            threads: settings.threads,
            processes: settings.processes,
            pairs: settings.pairs,
            min_pairs: PROCESS_MIN_PAIRS,
            process_budget_ms: settings.budget.as_millis() as u64,
            settle_s: settings.settle.as_secs_f64(),
            settled,
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

/// Every cell and semantic line combined over the processes it had so far, each cell
/// judged against the target.
struct Judged {
    flavours: Vec<Flavour>,
    semantics: Vec<SemanticCost>,
}

impl Judged {
    fn of(plans: &[FlavourPlan], measurements: &Measurements<'_>, size: Size) -> Judged {
        // What the processes of `target` gave, each `given` by one of them.
        let figure = |target: Target, given: &dyn Fn(&Measured) -> Overhead| {
            let results = &measurements.results[measurements.index(&target)];
            let results: Vec<Overhead> = results.iter().map(given).collect();
            match measurements.interrupted {
                Some(_) => Certified::of_interrupted(&results),
                // A settled cell's processes beyond the planned ones count too.
                None => Certified::of(&results, measurements.settings.processes),
            }
        };
        let semantics: Vec<SemanticCost> = plans
            .iter()
            .flat_map(|plan| plan.semantics.iter().map(move |&s| (plan.runtime.name, s)))
            .map(|(runtime, (semantic, workload))| {
                let target = Target { runtime, workload, semantic: Some(semantic) };
                // A process that measured no line (`n/a` or failed: `Measured::unmeasured`)
                // gives what it gave for the whole.
                let line = |given: fn(&Line) -> &Overhead| {
                    move |measured: &Measured| match &measured.line {
                        Some(line) => given(line).clone(),
                        None => measured.overhead.clone(),
                    }
                };
                SemanticCost {
                    runtime,
                    semantic,
                    scenario: workload.name(),
                    figure: figure(target, &line(|line| &line.cost)),
                    beyond: figure(target, &line(|line| &line.rest)),
                }
            })
            .collect();
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
                            let runtime = plan.runtime.name;
                            let cell = Target { runtime, workload: *workload, semantic: None };
                            figure(cell, &|measured| measured.overhead.clone())
                        });
                        let judged = figure.measured().map(|combined| {
                            judge(combined, &semantics, plan.runtime.name, workload.name())
                        });
                        let explained_by = judged.and_then(|(_, line)| line).map(|l| l.semantic);
                        let params = Params::new(workload.info().params, size).to_string();
                        let bar = judged.map(|(bar, _)| bar);
                        Cell { scenario: workload.name(), params, figure, bar, explained_by }
                    })
                    .collect(),
            })
            .collect();
        Judged { flavours, semantics }
    }

    /// The cells too close to call: their targets' indices into `targets`, with their
    /// lines', and how they read.
    fn unresolved(&self, targets: &[Target]) -> Vec<Unresolved> {
        let cells = self.flavours.iter().flat_map(|flavour| {
            let unresolved = flavour.cells.iter().filter(|cell| cell.bar == Some(Bar::Unresolved));
            unresolved.map(|cell| (flavour.runtime, cell))
        });
        let unresolved = |(runtime, cell): (&str, &Cell)| {
            let of_cell = |t: &&Target| t.runtime == runtime && t.workload.name() == cell.scenario;
            let (cells, lines): (Vec<_>, Vec<_>) = targets
                .iter()
                .enumerate()
                .filter(|(_, t)| of_cell(t))
                .partition(|(_, t)| t.semantic.is_none());
            let figure = cell.figure.measured().expect("a judged cell was measured");
            Unresolved {
                index: cells.first().expect("a measured cell has its target").0,
                lines: lines.into_iter().map(|(index, _)| index).collect(),
                before: Reading { median: figure.median, low: figure.low, high: figure.high },
            }
        };
        cells.map(unresolved).collect()
    }
}

/// The verdict on `runtime`'s `cell` of `scenario`, the best that any line of its
/// `semantics` gives, with the line that explains it where one does.
fn judge<'a>(
    cell: &Combined,
    semantics: &'a [SemanticCost],
    runtime: &str,
    scenario: &str,
) -> (Bar, Option<&'a SemanticCost>) {
    let lines = semantics.iter().filter(|s| s.runtime == runtime && s.scenario == scenario);
    let readings = lines.filter_map(|line| {
        let (cost, beyond) = (line.figure.measured()?, line.beyond.measured()?);
        let reading =
            LineReading { cost: cost.median, beyond: beyond.median, beyond_low: beyond.low };
        Some((Bar::of(cell.median, cell.low, Some(reading)), Some(line)))
    });
    let alone = (Bar::of(cell.median, cell.low, None), None);
    // The first of equal verdicts: a line only where it changes the verdict.
    let (bar, line) =
        [alone].into_iter().chain(readings).min_by_key(|(bar, _)| *bar).expect("the cell alone");
    (bar, line.filter(|_| bar == Bar::Explained))
}

/// A cell too close to call after the planned processes.
#[derive(Debug, PartialEq)]
struct Unresolved {
    /// Its target's index.
    index: usize,
    /// The indices of its semantics' targets, settled with it: whether a line explains
    /// the cell is judged on them.
    lines: Vec<usize>,
    /// How it read.
    before: Reading,
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
/// against the native twin (`semantic: None`), or one of its semantics (with the
/// contract in the same rounds).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Target {
    runtime: &'static str,
    workload: Workload,
    semantic: Option<&'static str>,
}

/// What the worker processes gave, as they run.
struct Measurements<'a> {
    targets: &'a [Target],
    settings: &'a Settings,
    guard: Guard,
    /// What each process gave, per target, in the order they ran.
    results: Vec<Vec<Measured>>,
    /// What they said they did to the allocator, each different account once.
    allocators: BTreeSet<String>,
    /// Worker processes planned: every target in `settings.processes` rounds.
    planned: usize,
    /// Processes run in the settling stage, once it started.
    while_settling: Option<usize>,
    /// How far it got, if a signal asked to stop before the end.
    interrupted: Option<Stopped>,
}

impl<'a> Measurements<'a> {
    fn new(targets: &'a [Target], settings: &'a Settings) -> Measurements<'a> {
        Measurements {
            targets,
            settings,
            guard: Guard {
                timeout: WORKER_TIMEOUT,
                memory_limit: default_memory_limit(),
                placement: Placement::default(),
            },
            results: vec![Vec::new(); targets.len()],
            allocators: BTreeSet::new(),
            planned: targets.len() * settings.processes as usize,
            while_settling: None,
            interrupted: None,
        }
    }

    /// The index of `target` among those measured.
    fn index(&self, target: &Target) -> usize {
        self.targets.iter().position(|t| t == target).expect("a planned target")
    }

    /// Processes run so far for target `index`.
    fn ran(&self, index: usize) -> usize {
        self.results[index].len()
    }

    /// Whether every process of target `index` so far measured it: one that failed or
    /// found it not comparable gave its answer, and it runs no further process.
    fn measuring(&self, index: usize) -> bool {
        self.results[index].iter().all(|result| matches!(result.overhead, Overhead::Measured(_)))
    }

    /// Runs every target in `settings.processes` worker processes, round after round, the
    /// targets shuffled anew in each; stops early if `interrupt` asks.
    fn run_planned(&mut self, interrupt: Option<&Interrupt>) {
        let processes = self.settings.processes;
        let visits = crate::run::visiting_order(self.targets.len(), processes);
        for (step, &(index, round)) in visits.iter().enumerate() {
            let progress = format!("[{}/{}]", step + 1, visits.len());
            let process = format!("process {}/{processes}", round + 1);
            if self.measuring(index) && !self.run_one(index, &progress, &process, interrupt) {
                return;
            }
        }
    }

    /// The settling stage: more processes for the targets of `indices`, as
    /// [`settling_schedule`] deals them out within `settings.settle`; stops early if
    /// `interrupt` asks.
    fn settle(&mut self, indices: Vec<usize>, interrupt: Option<&Interrupt>) {
        self.while_settling = Some(0);
        let start = Instant::now();
        let budget = self.settings.settle;
        settling_schedule(
            indices,
            budget,
            || start.elapsed(),
            |index, spent| {
                let progress = format!(
                    "[settling, {:.1} of {:.1} s]",
                    spent.as_secs_f64(),
                    budget.as_secs_f64()
                );
                let process = format!("process {}", self.ran(index) + 1);
                self.run_one(index, &progress, &process, interrupt).then(|| self.measuring(index))
            },
        );
    }

    /// Runs one worker process for target `index` and keeps what it gave, unless
    /// `interrupt` asks to stop first (then `false`, and it says how far it got).
    fn run_one(
        &mut self,
        index: usize,
        progress: &str,
        process: &str,
        interrupt: Option<&Interrupt>,
    ) -> bool {
        if interrupt.is_some_and(Interrupt::asked) {
            let ran = self.results.iter().map(Vec::len).sum();
            say!("overhead: interrupted after {ran} worker processes: printing what they measured");
            self.interrupted =
                Some(Stopped { ran, planned: self.planned, while_settling: self.while_settling });
            return false;
        }
        let target = self.targets[index];
        let settings = self.settings;
        let sides = if target.semantic.is_some() { 3 } else { 2 };
        let job = Job {
            runtime: target.runtime.to_owned(),
            threads: settings.threads,
            size: settings.size,
            scenario: target.workload.name().to_owned(),
            semantic: target.semantic.map(str::to_owned),
            pairs: settings.pairs,
            min_pairs: PROCESS_MIN_PAIRS,
            budget_ms: (settings.budget * sides / 2).as_millis() as u64,
        };
        let result = match cell::run_child::<Done>("overhead-worker", &job, self.guard) {
            Ok(Done { allocator, measured }) => {
                self.allocators.insert(allocator);
                measured
            }
            Err(failure) => Measured::unmeasured(Overhead::Failed(failure.reason)),
        };
        let shown = match &result.line {
            // Not `{:#}`: its "core" and "native" would be the semantic's twin and the plain one.
            Some(line) => {
                format!(", {}: {}; the contract over it: {}", line.semantic, line.cost, line.rest)
            }
            None => format!(": {:#}", result.overhead),
        };
        let (runtime, workload) = (target.runtime, target.workload.name());
        say!("overhead: {progress} {runtime} {workload} ({process}){shown}");
        self.results[index].push(result);
        if let Some(settling) = &mut self.while_settling {
            *settling += 1;
        }
        true
    }
}

/// The settling stage's schedule: rounds over `indices`, each round in a new shuffled
/// order, one visit per index, until `spent()` reaches `budget` (looked at before each
/// visit, so a visit started just in time may overrun it by its own length), every
/// index has dropped out, or `visit` says to stop. `visit(index, spent)` runs one
/// process and gives whether that index goes on (`Some(false)`: it failed or is `n/a`,
/// its answer), or `None` to stop at once. What the visits measured has no say in when
/// it ends.
fn settling_schedule(
    mut indices: Vec<usize>,
    budget: Duration,
    spent: impl Fn() -> Duration,
    mut visit: impl FnMut(usize, Duration) -> Option<bool>,
) {
    let mut rng = rand::thread_rng();
    while !indices.is_empty() {
        indices.shuffle(&mut rng);
        let mut going_on = Vec::with_capacity(indices.len());
        for &index in &indices {
            let spent = spent();
            if spent >= budget {
                return;
            }
            match visit(index, spent) {
                Some(true) => going_on.push(index),
                Some(false) => {}
                None => return,
            }
        }
        indices = going_on;
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell as Counter;

    use super::combine::Combined;
    use super::*;

    /// A cell of `workload` with `bar` (measured at 1.05, 0.98–1.12), or `n/a` (`None`).
    fn cell(workload: Workload, bar: Option<Bar>) -> Cell {
        let figure = match bar {
            Some(_) => Certified::Measured(Combined::example(1.05, 0.98, 1.12)),
            None => Certified::NotComparable { reason: "no twin".into() },
        };
        Cell { scenario: workload.name(), params: String::new(), figure, bar, explained_by: None }
    }

    #[test]
    fn only_cells_too_close_to_call_are_settled_with_their_lines() {
        use Workload::{ChainedSpawn, PingPong, SpawnMany, TcpRoundTrip, YieldMany};
        let target = |runtime, workload, semantic| Target { runtime, workload, semantic };
        let targets = [
            target("smol-1", SpawnMany, Some("catching panics")),
            target("smol-1", SpawnMany, None),
            target("smol-1", ChainedSpawn, None),
            target("smol-1", PingPong, None),
            target("smol-1", TcpRoundTrip, None),
            target("smol-mt", SpawnMany, None),
            target("smol-mt", YieldMany, None),
            target("smol-1", ChainedSpawn, Some("drop = detach")),
        ];
        let flavour = |runtime, cells| Flavour { runtime, class: Class::SingleThread, cells };
        let judged = Judged {
            flavours: vec![
                flavour(
                    "smol-1",
                    vec![
                        cell(SpawnMany, Some(Bar::Unresolved)),
                        cell(ChainedSpawn, Some(Bar::Within)),
                        cell(PingPong, Some(Bar::Above)),
                        cell(TcpRoundTrip, Some(Bar::Explained)),
                        cell(YieldMany, None),
                    ],
                ),
                flavour(
                    "smol-mt",
                    vec![
                        cell(SpawnMany, Some(Bar::Within)),
                        cell(YieldMany, Some(Bar::Unresolved)),
                    ],
                ),
            ],
            semantics: Vec::new(),
        };
        let before = Reading { median: 1.05, low: 0.98, high: 1.12 };
        let expected = [
            Unresolved { index: 1, lines: vec![0], before },
            Unresolved { index: 6, lines: Vec::new(), before },
        ];
        assert_eq!(judged.unresolved(&targets), expected);
    }

    /// A line of `semantic` on smol-1's `spawn_many`: its cost, and the contract over
    /// its twin, each ±0.02.
    fn line(semantic: &'static str, cost: f64, beyond: f64) -> SemanticCost {
        let figure = |median: f64| {
            Certified::Measured(Combined::example(median, median - 0.02, median + 0.02))
        };
        SemanticCost {
            runtime: "smol-1",
            semantic,
            scenario: "spawn_many",
            figure: figure(cost),
            beyond: figure(beyond),
        }
    }

    #[test]
    fn a_cell_is_judged_with_the_line_that_explains_it_and_a_line_that_costs_nothing_does_not() {
        let cell = Combined::example(1.06, 1.04, 1.08);
        let judged = |lines: &[SemanticCost], runtime, scenario| {
            let (bar, line) = judge(&cell, lines, runtime, scenario);
            (bar, line.map(|line| line.semantic))
        };
        // The contract costs nothing over this twin, but neither does the semantic: the
        // cell's 6 % are not its.
        let free = [line("free", 1.00, 1.00)];
        assert_eq!(judged(&free, "smol-1", "spawn_many"), (Bar::Above, None));
        let lines = [line("free", 1.00, 1.00), line("caught", 1.05, 1.01)];
        assert_eq!(judged(&lines, "smol-1", "spawn_many"), (Bar::Explained, Some("caught")));
        // A line that may explain it, by the low end of the contract's cost over its twin,
        // leaves it too close to call, and explains nothing yet.
        let close = [line("close", 1.05, 1.04)];
        assert_eq!(judged(&close, "smol-1", "spawn_many"), (Bar::Unresolved, None));
        // Another flavour's or workload's lines say nothing of it.
        assert_eq!(judged(&lines, "smol-mt", "spawn_many"), (Bar::Above, None));
        assert_eq!(judged(&lines, "smol-1", "ping_pong"), (Bar::Above, None));
    }

    /// The visits [`settling_schedule`] makes to `indices`, on a clock that moves one
    /// second a visit, within `budget` seconds; `answer` says what a visit gives.
    fn schedule(
        indices: &[usize],
        budget: u64,
        answer: impl Fn(usize, usize) -> Option<bool>,
    ) -> Vec<usize> {
        let clock = Counter::new(0);
        let mut visits = Vec::new();
        let spent = || Duration::from_secs(clock.get());
        settling_schedule(indices.to_vec(), Duration::from_secs(budget), spent, |index, _| {
            clock.set(clock.get() + 1);
            visits.push(index);
            answer(visits.len(), index)
        });
        visits
    }

    #[test]
    fn settling_visits_each_cell_once_a_round_until_the_time_is_spent() {
        let visits = schedule(&[3, 7, 9], 8, |_, _| Some(true));
        assert_eq!(visits.len(), 8, "{visits:?}");
        for round in visits.chunks(3) {
            let mut seen = round.to_vec();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), round.len(), "one visit a cell a round: {visits:?}");
        }
        assert!(schedule(&[3, 7], 0, |_, _| Some(true)).is_empty());
        assert!(schedule(&[], 5, |_, _| Some(true)).is_empty());
    }

    #[test]
    fn a_cell_that_failed_gets_no_more_and_a_stop_stops_at_once() {
        // Cell 3 fails at its first visit; the others go on until the time is spent.
        let visits = schedule(&[3, 7], 6, |_, index| Some(index != 3));
        assert_eq!(visits.iter().filter(|&&index| index == 3).count(), 1, "{visits:?}");
        assert_eq!(visits.len(), 6, "{visits:?}");
        let visits = schedule(&[3], 10, |_, _| Some(false));
        assert_eq!(visits, [3], "nothing left to settle");
        // Interrupted at the third visit: no fourth.
        let visits = schedule(&[3, 7], 10, |visit, _| (visit < 3).then_some(true));
        assert_eq!(visits.len(), 3, "{visits:?}");
    }
}
