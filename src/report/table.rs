//! The results as tables: Markdown (one table per comparison class and settings,
//! scenarios as rows, runtimes as columns), CSV (one row per cell and metric) and JSON.
//!
//! Classes are never mixed in one Markdown table: single-thread flavours are compared
//! with each other, multi-thread flavours with each other at the same thread count. Nor
//! are settings: cells measured at another size or with other sampling get a table of
//! their own, and a scenario measured with several parameter sets a row for each, named
//! by its parameters.

use std::fmt::Write;
use std::io;

use rtbench_core::{Class, Size};
use serde_json::json;

use super::tabular::{escape, Table};
use super::{cell_text, index, runtime_label, ClassGroup, Report, View};
use crate::results::Status;
use crate::spec::Sampling;
use crate::summary::CellResult;

/// The cells one Markdown table compares: a class (and thread count), size and sampling.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Group {
    class: ClassGroup,
    size: Size,
    sampling: Sampling,
}

impl Group {
    fn of(cell: &CellResult) -> Self {
        Group { class: ClassGroup::of(cell), size: cell.cell.size, sampling: cell.cell.sampling }
    }

    fn title(&self, report: &Report) -> String {
        let class = match self.class.threads {
            Some(threads) => format!(
                "{} (work stealing and per-core side by side){}",
                self.class.label(),
                super::sweep::oversubscribed(report, threads)
            ),
            None => self.class.label(),
        };
        let Sampling { warmup, samples, min_samples, budget_ms } = self.sampling;
        format!(
            "{class} — {} sizes, per process {warmup} warm-up run(s) then {min_samples} to \
             {samples} samples ({budget_ms} ms budget)",
            self.size.label()
        )
    }
}

/// Markdown: the environment, then one table per group.
pub fn markdown(report: &Report) -> String {
    let mut out = String::from("# rtbench results\n\n");
    if let Some(environment) = &report.environment {
        out.push_str(&index::environment_markdown(environment));
        out.push('\n');
    }
    out.push_str(
        "Each cell: the median of the per-process medians, in brackets the 95 % interval a \
         rerun's figure should land in (a bootstrap over processes, then samples, widened \
         where processes are few), and the unit; `unstable` when the processes disagree \
         beyond their own spread; then the CPU utilisation while \
         sampling (CPU time ÷ wall time ÷ threads); `[2 rounds]` when a cell has fewer \
         processes than the run asked for (its budget ran out). `n/a` when the runtime cannot run the \
         scenario here, `FAILED` when it ran and failed (a failed check is never shown as \
         a number).\n",
    );
    let rounds = report.environment.as_ref().map(|environment| environment.request.rounds);
    let mut groups: Vec<Group> = report.cells.iter().map(Group::of).collect();
    groups.sort();
    groups.dedup();
    for group in groups {
        let _ = write!(out, "\n## {}\n\n", group.title(report));
        let in_group: Vec<&CellResult> =
            report.cells.iter().filter(|cell| Group::of(cell) == group).collect();
        // Each runtime once, as its first cell describes it.
        let mut runtimes: Vec<&CellResult> = Vec::new();
        for cell in &in_group {
            if !runtimes.iter().any(|seen| seen.cell.runtime == cell.cell.runtime) {
                runtimes.push(cell);
            }
        }
        out.push_str("| scenario |");
        for runtime in &runtimes {
            let label = runtime_label(&runtime.cell.runtime, runtime.facts.legacy);
            let per_core = if runtime.facts.class == Class::PerCore { ", per-core" } else { "" };
            let _ = write!(out, " {label} ({}{per_core}) |", runtime.facts.crate_version);
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(runtimes.len()));
        out.push('\n');
        for row in rows(&in_group) {
            let _ = write!(out, "| {} |", escape(&row.label));
            for runtime in &runtimes {
                let text = row
                    .cells
                    .iter()
                    .find(|cell| cell.cell.runtime == runtime.cell.runtime)
                    .map_or_else(|| "not run".to_owned(), |cell| with_rounds(cell, rounds));
                let _ = write!(out, " {} |", escape(&text));
            }
            out.push('\n');
        }
    }
    let views = super::views(&report.cells);
    // After the tables: a leaders' row must not be taken for a table's.
    out.push_str(&super::findings::markdown(&super::findings::of(&views)));
    if super::sweep::is_sweep(report) {
        out.push_str(&super::sweep::markdown(report, &views));
    }
    out.push_str(&super::load::markdown(&views));
    out
}

/// One scenario's cells at one setting, runtimes by class group: the headline's median,
/// 95 % rerun interval and unit, then what else the tables say of the cell (unstable,
/// CPU, rounds), or why it has no figure.
pub fn view_table(view: &View<'_>, asked_rounds: Option<u32>) -> Table {
    let headers = ["runtime", "class", "median", "95 % rerun interval", "unit", "notes"];
    let mut rows = Vec::new();
    for (group, cells) in super::by_class(&view.cells) {
        for cell in cells {
            let runtime = runtime_label(&cell.cell.runtime, cell.facts.legacy);
            let class = match group.threads {
                Some(threads) => format!("{}, {threads} threads", cell.facts.class.label()),
                None => cell.facts.class.label().to_owned(),
            };
            let row = match &cell.status {
                Status::Ok { metrics, .. } if !metrics.is_empty() => {
                    let figure = &metrics[0];
                    let mut notes = Vec::new();
                    if figure.unstable {
                        notes.push("unstable".to_owned());
                    }
                    if let Some(utilisation) = cell.usage.and_then(|u| u.cpu_utilisation) {
                        notes.push(format!("CPU {:.0} %", utilisation * 100.0));
                    }
                    if asked_rounds.is_some_and(|asked| (cell.rounds as u32) < asked) {
                        notes.push(format!("{} rounds", cell.rounds));
                    }
                    [
                        super::number(figure.median),
                        format!("{}–{}", super::number(figure.low), super::number(figure.high)),
                        figure.name.clone(),
                        notes.join("; "),
                    ]
                }
                _ => [cell_text(cell), String::new(), String::new(), String::new()],
            };
            rows.push([vec![runtime, class], row.to_vec()].concat());
        }
    }
    Table {
        title: view.title(),
        headers: headers.iter().map(|header| (*header).to_owned()).collect(),
        rows,
        note: None,
    }
}

/// [`cell_text`], saying how many rounds a measured cell has when that is fewer than the
/// run asked for (its interval is then wider, or knows nothing of other processes).
fn with_rounds(cell: &CellResult, asked: Option<u32>) -> String {
    let text = cell_text(cell);
    match (&cell.status, asked) {
        (Status::Ok { .. }, Some(asked)) if (cell.rounds as u32) < asked => {
            let plural = if cell.rounds == 1 { "" } else { "s" };
            format!("{text} [{} round{plural}]", cell.rounds)
        }
        _ => text,
    }
}

/// One table row: a scenario at one parameter set.
struct Row<'a> {
    label: String,
    cells: Vec<&'a CellResult>,
}

/// The rows of a group's cells, in the order recorded; a scenario with several parameter
/// sets is labelled with them.
fn rows<'a>(cells: &[&'a CellResult]) -> Vec<Row<'a>> {
    let mut keyed: Vec<(&str, &std::collections::BTreeMap<String, u64>, Vec<&CellResult>)> =
        Vec::new();
    for &cell in cells {
        let key = (cell.cell.scenario.as_str(), &cell.cell.params);
        match keyed.iter_mut().find(|(s, p, _)| (*s, *p) == key) {
            Some((_, _, row)) => row.push(cell),
            None => keyed.push((key.0, key.1, vec![cell])),
        }
    }
    keyed.sort_by_key(|(scenario, _, _)| {
        cells.iter().position(|cell| cell.cell.scenario == *scenario)
    });
    keyed
        .iter()
        .map(|(scenario, _, row)| {
            let several = keyed.iter().filter(|(s, _, _)| s == scenario).count() > 1;
            let label = match several {
                true => format!("{scenario} ({})", row[0].cell.params_text()),
                false => (*scenario).to_owned(),
            };
            Row { label, cells: row.clone() }
        })
        .collect()
}

/// CSV: one row per metric of each measured cell, one row per n/a or failed cell.
pub fn csv(report: &Report) -> io::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "scenario",
        "lesson",
        "runtime",
        "crate",
        "version",
        "class",
        "size",
        "threads",
        "params",
        "rounds",
        "status",
        "reason",
        "metric",
        "lower_is_better",
        "median",
        "low",
        "high",
        "unstable",
        "mad",
        "samples",
        "outliers",
        "cpu_utilisation",
        "cpu_ns_per_element",
        "peak_rss_kib",
    ])?;
    for cell in &report.cells {
        let threads = cell.threads_used.map_or_else(String::new, |t| t.to_string());
        let head = [
            cell.cell.scenario.clone(),
            cell.facts.lesson.clone(),
            cell.cell.runtime.clone(),
            cell.facts.crate_name.clone(),
            cell.facts.crate_version.clone(),
            cell.facts.class.label().to_owned(),
            cell.cell.size.label().to_owned(),
            threads,
            cell.cell.params_text(),
            cell.rounds.to_string(),
        ];
        let usage = cell.usage;
        let optional = |value: Option<f64>| value.map_or_else(String::new, |v| v.to_string());
        let resources = [
            optional(usage.and_then(|u| u.cpu_utilisation)),
            optional(usage.and_then(|u| u.cpu_ns_per_element)),
            usage.map_or_else(String::new, |u| u.peak_rss_kib.to_string()),
        ];
        let mut row =
            |tail: [String; 11]| writer.write_record(head.iter().chain(&tail).chain(&resources));
        match &cell.status {
            Status::Ok { metrics, .. } => {
                for metric in metrics {
                    row([
                        "ok".into(),
                        String::new(),
                        metric.name.clone(),
                        metric.lower_is_better.to_string(),
                        metric.median.to_string(),
                        metric.low.to_string(),
                        metric.high.to_string(),
                        metric.unstable.to_string(),
                        metric.mad.to_string(),
                        metric.rounds.iter().map(Vec::len).sum::<usize>().to_string(),
                        metric.outliers.to_string(),
                    ])?;
                }
            }
            Status::NotApplicable { reason } => row(status_row("n/a", reason))?,
            Status::Failed { reason, .. } => row(status_row("failed", reason))?,
        }
    }
    let bytes = writer.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
    String::from_utf8(bytes).map_err(io::Error::other)
}

fn status_row(status: &str, reason: &str) -> [String; 11] {
    let mut row: [String; 11] = Default::default();
    row[0] = status.to_owned();
    row[1] = reason.to_owned();
    row
}

/// JSON: `{"environment": …, "cells": […]}`.
pub fn json(report: &Report) -> io::Result<String> {
    let value = json!({ "environment": report.environment, "cells": report.cells });
    serde_json::to_string_pretty(&value).map_err(io::Error::other)
}
