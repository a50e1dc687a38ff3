//! The overhead report in Markdown: the ratio table, both sides' medians, the semantics
//! measured apart, and the verdict against the target ([`Verdict`]).

use std::fmt::Write;

use rtbench_core::Params;
use rtbench_native::Workload;
use serde::Serialize;

use super::combine::{Bar, Certified, EXPLAINED, TARGET};
use super::{Flavour, Reading, Report, SemanticCost, Stopped};

/// The cells against the target, judged on the median over processes as shown, and a
/// cell beyond the bar on the low end of its rerun interval too ([`Bar::of`]).
#[derive(Debug, Default, Serialize)]
pub struct Verdict {
    /// Measured cells.
    pub measured: usize,
    /// Measured cells at most [`TARGET`].
    pub within: usize,
    /// Cells above [`TARGET`] and at most [`EXPLAINED`], the excess a semantic's cost on a line
    /// of its own: `flavour workload figure (semantics)`.
    pub explained: Vec<String>,
    /// Cells beyond the bar by their median whose rerun interval's low end would be
    /// within or explained ([`Bar::Unresolved`]): `flavour workload figure`.
    pub unresolved: Vec<String>,
    /// Cells beyond the bar, the low end of their rerun interval too: `flavour workload
    /// figure`.
    pub above: Vec<String>,
    /// Cells `n/a`.
    pub not_comparable: usize,
    /// Failed cells: `flavour workload: reason`.
    pub failed: Vec<String>,
    /// Cells not run: the command was interrupted first.
    pub not_run: usize,
}

impl Verdict {
    /// The verdict on every cell of `flavours`; `semantics` name the costs that explain.
    pub fn of(flavours: &[Flavour], semantics: &[SemanticCost]) -> Verdict {
        let mut verdict = Verdict::default();
        for flavour in flavours {
            for cell in &flavour.cells {
                let name = format!("{} {}", flavour.runtime, cell.scenario);
                // Every measured cell has its bar.
                match (&cell.figure, cell.bar) {
                    (figure, Some(bar)) => {
                        verdict.measured += 1;
                        match bar {
                            Bar::Within => verdict.within += 1,
                            Bar::Explained => {
                                let line = semantics
                                    .iter()
                                    .find(|line| {
                                        (line.runtime, line.scenario, Some(line.semantic))
                                            == (flavour.runtime, cell.scenario, cell.explained_by)
                                    })
                                    .expect("an explained cell has its line");
                                let beyond = line.beyond.measured().expect("an explaining line");
                                verdict.explained.push(format!(
                                    "{name} {figure} ({}; the contract over it {:.2})",
                                    line.semantic, beyond.median
                                ));
                            }
                            Bar::Unresolved => verdict.unresolved.push(format!("{name} {figure}")),
                            Bar::Above => verdict.above.push(format!("{name} {figure}")),
                        }
                    }
                    (Certified::Failed { reason, .. }, None) => {
                        verdict.failed.push(format!("{name}: {reason}"))
                    }
                    (Certified::NotRun, None) => verdict.not_run += 1,
                    (_, None) => verdict.not_comparable += 1,
                }
            }
        }
        verdict
    }

    /// One line: `N of M measured cells within 1.03; …`.
    fn line(&self) -> String {
        let mut line =
            format!("{} of {} measured cells within {TARGET:.2}", self.within, self.measured);
        let list = |items: &[String]| match items.is_empty() {
            true => "none".to_owned(),
            false => items.join("; "),
        };
        if !self.explained.is_empty() {
            let _ = write!(
                line,
                "; within {EXPLAINED:.2}, the excess a semantic's cost on its own line: {}",
                list(&self.explained)
            );
        }
        let _ = write!(line, "; above: {}", list(&self.above));
        if !self.unresolved.is_empty() {
            let _ = write!(
                line,
                "; above by the median but not by the low end of the rerun interval (within \
                 {TARGET:.2}, or explained by a line), too close to call on this machine: {}",
                list(&self.unresolved)
            );
        }
        let _ = write!(line, "; {} n/a", self.not_comparable);
        if !self.failed.is_empty() {
            let _ = write!(line, "; FAILED: {}", list(&self.failed));
        }
        if self.not_run > 0 {
            let _ = write!(line, "; {} not run (interrupted)", self.not_run);
        }
        line
    }
}

/// The ratio table, then both sides' medians, the semantics and the verdict, in Markdown.
pub fn markdown(report: &Report, workloads: &[Workload]) -> String {
    let mut out =
        String::from("# rtbench overhead: the contract's cost over each runtime's own API\n\n");
    let sizes: Vec<_> = workloads
        .iter()
        .map(|w| format!("{} {}", w.name(), Params::new(w.info().params, report.size)))
        .collect();
    let _ = writeln!(out, "- **machine**: {}", report.machine);
    let _ = writeln!(
        out,
        "- **settings**: {} sizes ({}); {} threads for N-thread flavours; {} worker \
         process(es) per cell, the cells in a new shuffled order each round; {} to {} pairs \
         per process, about {} s of pairs at most once it has its least",
        report.size.label(),
        sizes.join("; "),
        report.threads,
        report.processes,
        report.min_pairs.min(report.pairs),
        report.pairs,
        report.process_budget_ms as f64 / 1e3,
    );
    let _ = writeln!(out, "- **allocator**: {}", report.allocator);
    let _ = writeln!(out, "- **settling**: {}", settling(report));
    match &report.interrupted {
        Some(Stopped { ran, planned, while_settling: None }) => {
            let _ = writeln!(
                out,
                "- **interrupted** after {ran} of {planned} worker processes: each cell shows \
                 the processes it had; `not run` had none"
            );
        }
        Some(Stopped { while_settling: Some(settling), .. }) => {
            let _ = writeln!(
                out,
                "- **interrupted** while settling, after every planned worker process and \
                 {settling} more: each cell shows the processes it had"
            );
        }
        None => {}
    }
    out.push_str(
        "- **each cell**: core ÷ native of the scenario's headline metric: in each process, \
         the median over interleaved pairs (one runtime instance, alternating order); the \
         cell shows the median of those per-process medians, then in brackets the 95 % \
         rerun interval (where a rerun's median should land: a bootstrap over processes, \
         then pairs, as the matrix's intervals) and the number of processes. Above 1, the \
         contract costs more. Target: ≤ 1.03.\n",
    );
    if report.processes == 1 {
        out.push_str(
            "- **one process per cell**: its interval covers the pairs' spread only, not \
             what another process would measure; use --processes 2 or more to certify.\n",
        );
    }
    out.push('\n');
    table(&mut out, report, workloads, |figure| figure.to_string());
    whole_rows(&mut out, report);
    out.push_str("\nMedians over processes, core / native (pairs, all processes):\n\n");
    table(&mut out, report, workloads, |figure| match figure.measured() {
        Some(c) => format!("{:.1} / {:.1} {} ({})", c.core, c.native, c.metric, c.pairs),
        None => "–".to_owned(),
    });
    semantics_section(&mut out, &report.semantics);
    let _ = writeln!(
        out,
        "\n**Verdict** (target: ≤ {TARGET:.2}, or ≤ {EXPLAINED:.2} where a normalised \
         semantic's line for that flavour and workload accounts for the excess: the \
         contract over that semantic's twin ≤ {TARGET:.2}; judged on the median over \
         processes as shown, and a cell beyond the bar called above only if the low end \
         of its rerun interval, in brackets, is beyond it too): {}.",
        report.verdict.line()
    );
    out
}

/// What the settling stage did: which cells too close to call got more processes, and
/// how many each.
fn settling(report: &Report) -> String {
    let budget = format!(
        "up to {:.1} s more of worker processes, in all, for the cells too close to call \
         after the planned processes and their semantics' lines, one process each round \
         after round, whatever they read; each judged on all its processes",
        report.settle_s
    );
    let cells: Vec<_> = report
        .settled
        .iter()
        .map(|s| {
            let Reading { median, low, high } = s.before;
            let planned = report.processes;
            format!(
                "{} {} ({median:.2} ({low:.2}–{high:.2}) on {planned} proc, +{} proc)",
                s.runtime, s.scenario, s.processes
            )
        })
        .collect();
    let interrupted_before =
        report.interrupted.as_ref().is_some_and(|s| s.while_settling.is_none());
    match (report.settle_s > 0.0, interrupted_before, cells.is_empty()) {
        (false, _, _) => "none (--settle 0)".to_owned(),
        (true, true, _) => format!("{budget}: not reached (interrupted)"),
        (true, false, true) => format!("{budget}: none was"),
        (true, false, false) => format!("{budget}: {}", cells.join(", ")),
    }
}

/// One Markdown table: a row per flavour, a column per workload, `cell` in each.
fn table(
    out: &mut String,
    report: &Report,
    workloads: &[Workload],
    cell: impl Fn(&Certified) -> String,
) {
    let names: Vec<_> = workloads.iter().map(|w| w.name()).collect();
    let _ = writeln!(out, "| flavour | {} |", names.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(names.len()));
    for flavour in report.flavours.iter().filter(|f| whole_row_reason(f).is_none()) {
        let cells: Vec<_> = flavour.cells.iter().map(|c| cell(&c.figure)).collect();
        let _ = writeln!(
            out,
            "| {} ({}) | {} |",
            flavour.runtime,
            flavour.class.label(),
            cells.join(" | ")
        );
    }
}

/// The reason, when every cell of `flavour` is `n/a` for the same one (a per-core
/// flavour, a flavour without twins yet): such a row is one line under the table.
fn whole_row_reason(flavour: &Flavour) -> Option<&str> {
    let mut reasons = flavour.cells.iter().map(|cell| match &cell.figure {
        Certified::NotComparable { reason } => Some(reason.as_str()),
        _ => None,
    });
    let first = reasons.next()??;
    reasons.all(|reason| reason == Some(first)).then_some(first)
}

/// The flavours left out of the tables for a reason that holds for their whole row,
/// grouped by reason: `- a, b: n/a in every column: reason`.
fn whole_rows(out: &mut String, report: &Report) {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for flavour in &report.flavours {
        if let Some(reason) = whole_row_reason(flavour) {
            match groups.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, names)) => names.push(flavour.runtime),
                None => groups.push((reason, vec![flavour.runtime])),
            }
        }
    }
    if !groups.is_empty() {
        out.push('\n');
    }
    for (reason, names) in groups {
        let _ = writeln!(out, "- {}: n/a in every column: {reason}", names.join(", "));
    }
}

/// One line per semantic measured: what it costs per element, and its ratio, then the
/// contract's ratio over its twin. The cost per element comes from the median ratio (its
/// excess over 1 times the plain twin's median), so the two agree in sign: the
/// difference of the two sides' medians, taken apart, could say `-1.8 ns (+1 %)`.
fn semantic_line(cost: &SemanticCost) -> String {
    let SemanticCost { runtime, semantic, scenario, figure, beyond } = cost;
    let line = match figure.measured() {
        Some(c) => format!(
            "- {runtime}: {semantic} costs {:.1} {} ({:+.0} %) on `{scenario}`: {figure}",
            (c.median - 1.0) * c.native,
            c.metric,
            (c.median - 1.0) * 100.0,
        ),
        None => format!("- {runtime}: {semantic} on `{scenario}`: {figure}"),
    };
    match beyond.measured() {
        Some(_) => format!("{line}; the contract over it: {beyond}"),
        None => line,
    }
}

// The normalised semantics, measured apart: where the contract normalises a semantic
// that a runtime's own API does without (panics caught, a join handle on every spawn),
// the flavour's `Twins::SEMANTICS` add just that semantic to its native twin, and the
// ratio against the plain twin is that semantic's own cost on this runtime.
fn semantics_section(out: &mut String, costs: &[SemanticCost]) {
    if costs.is_empty() {
        return;
    }
    out.push_str(
        "\nNormalised semantics, measured apart (the native twin with only that semantic \
         added, in processes of its own that run the plain twin, it and the contract in \
         the same rounds, across processes as above: its cost over the plain twin, part of \
         the contract's cost above, then the contract over it, what the adapter adds \
         beyond the semantic):\n\n",
    );
    for cost in costs {
        out.push_str(&semantic_line(cost));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::super::combine::Combined;
    use super::super::Cell;
    use super::*;

    /// A semantic measured at `median` over the plain twin, the two sides' own medians
    /// `core` and `native` (taken apart, they may disagree with the ratio).
    fn cost(median: f64, core: f64, native: f64) -> SemanticCost {
        let combined = Combined { core, native, ..combined(median) };
        SemanticCost {
            runtime: "smol-1",
            semantic: "catching panics",
            scenario: "spawn_many",
            figure: Certified::Measured(combined),
            beyond: Certified::Measured(Combined::example(1.01, 0.99, 1.03)),
        }
    }

    /// A measured cell of `scenario` at `median` (`low`–`high`), with its bar.
    fn cell(scenario: &'static str, median: f64, low: f64, high: f64) -> Cell {
        let combined = Combined { low, high, ..combined(median) };
        let bar = Some(Bar::of(median, low, None));
        let figure = Certified::Measured(combined);
        Cell { scenario, params: String::new(), figure, bar, explained_by: None }
    }

    fn combined(median: f64) -> Combined {
        Combined::example(median, median - 0.02, median + 0.02)
    }

    #[test]
    fn the_verdict_names_cells_above_apart_from_those_too_close_to_call() {
        let flavour = Flavour {
            runtime: "smol-1",
            class: rtbench_core::Class::SingleThread,
            cells: vec![
                cell("spawn_many", 1.01, 0.98, 1.04),
                cell("ping_pong", 1.06, 0.95, 1.18),
                cell("chained_spawn", 1.08, 1.06, 1.10),
            ],
        };
        let verdict = Verdict::of(&[flavour], &[]);
        assert_eq!((verdict.measured, verdict.within), (3, 1));
        let line = verdict.line();
        assert!(line.starts_with("1 of 3 measured cells within 1.03"), "{line}");
        assert!(line.contains("; above: smol-1 chained_spawn 1.08 (1.06–1.10"), "{line}");
        assert!(
            line.contains("too close to call on this machine: smol-1 ping_pong 1.06"),
            "{line}"
        );
    }

    #[test]
    fn an_explained_cell_is_named_with_its_line_and_the_contracts_cost_beyond_it() {
        let explained = Cell {
            bar: Some(Bar::Explained),
            explained_by: Some("catching panics"),
            ..cell("spawn_many", 1.05, 1.03, 1.07)
        };
        let flavour = Flavour {
            runtime: "smol-1",
            class: rtbench_core::Class::SingleThread,
            cells: vec![explained],
        };
        let verdict = Verdict::of(&[flavour], &[cost(1.04, 104.0, 100.0)]);
        assert_eq!(
            verdict.explained,
            ["smol-1 spawn_many 1.05 (1.03–1.07, 0 proc) (catching panics; the contract over it 1.01)"]
        );
    }

    #[test]
    fn a_semantics_cost_per_element_agrees_with_its_ratio() {
        // The sides' medians say -1.8 ns; the pairs say +1 %: the line says +1 %'s ns.
        let line = semantic_line(&cost(1.01, 110.2, 112.0));
        assert!(line.contains("costs 1.1 ns/spawn (+1 %)"), "{line}");
        assert!(line.ends_with("; the contract over it: 1.01 (0.99–1.03, 0 proc)"), "{line}");
        let line = semantic_line(&cost(0.95, 100.0, 100.0));
        assert!(line.contains("costs -5.0 ns/spawn (-5 %)"), "{line}");
    }
}
