//! The results as tables: Markdown (one table per comparison class, scenarios as rows,
//! runtimes as columns), CSV (one row per cell and metric) and JSON.
//!
//! Classes are never mixed in one Markdown table: single-thread flavours are compared
//! with each other, multi-thread flavours with each other at the same thread count.

use std::fmt::Write;
use std::io;

use serde_json::json;

use super::{by_scenario, cell_text, index, runtime_label};
use crate::results::{CellRecord, Results, Status};

/// A comparison class: its label and, for multi-thread flavours, the thread count.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Group {
    class: String,
    threads: Option<usize>,
}

impl Group {
    fn of(cell: &CellRecord) -> Self {
        let multi = cell.class != rtbench_core::Class::SingleThread.label();
        Group { class: cell.class.clone(), threads: multi.then_some(cell.threads_asked) }
    }

    fn title(&self) -> String {
        match self.threads {
            Some(threads) => format!("{} flavours, {threads} threads", self.class),
            None => format!("{} flavours", self.class),
        }
    }
}

/// Markdown: the environment, then one table per class.
pub fn markdown(results: &Results) -> String {
    let mut out = String::from("# rtbench results\n\n");
    if let Some(environment) = &results.environment {
        out.push_str(&index::environment_markdown(environment));
        out.push('\n');
    }
    out.push_str(
        "Each cell: median ± median absolute deviation of the samples, in the unit named; \
         `n/a` when the runtime cannot run the scenario here, `FAILED` when it ran and \
         failed (a failed check is never shown as a number).\n",
    );
    let mut groups: Vec<Group> = results.cells.iter().map(Group::of).collect();
    groups.sort();
    groups.dedup();
    for group in groups {
        let _ = write!(out, "\n## {}\n\n", group.title());
        let in_group: Vec<&CellRecord> =
            results.cells.iter().filter(|cell| Group::of(cell) == group).collect();
        // Each runtime once, as its first cell describes it.
        let mut runtimes: Vec<&CellRecord> = Vec::new();
        for cell in &in_group {
            if !runtimes.iter().any(|seen| seen.runtime == cell.runtime) {
                runtimes.push(cell);
            }
        }
        out.push_str("| scenario |");
        for runtime in &runtimes {
            let label = runtime_label(&runtime.runtime, runtime.legacy);
            let _ = write!(out, " {label} ({}) |", runtime.crate_version);
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(runtimes.len()));
        out.push('\n');
        let grouped = Results { environment: None, cells: in_group.into_iter().cloned().collect() };
        for (scenario, cells) in by_scenario(&grouped) {
            let _ = write!(out, "| {scenario} |");
            for runtime in &runtimes {
                let text = cells
                    .iter()
                    .find(|cell| cell.runtime == runtime.runtime)
                    .map_or_else(|| "not run".to_owned(), |cell| cell_text(cell));
                let _ = write!(out, " {} |", escape(&text));
            }
            out.push('\n');
        }
    }
    out
}

/// Keeps a table cell on one line and its pipes literal.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// CSV: one row per metric of each measured cell, one row per n/a or failed cell.
pub fn csv(results: &Results) -> io::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "scenario",
        "lesson",
        "runtime",
        "crate",
        "version",
        "class",
        "threads",
        "params",
        "status",
        "reason",
        "metric",
        "lower_is_better",
        "median",
        "mad",
        "samples",
        "outliers",
    ])?;
    for cell in &results.cells {
        let params: Vec<String> = cell.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let threads = cell.threads.map_or_else(String::new, |t| t.to_string());
        let head = [
            cell.scenario.clone(),
            cell.lesson.clone(),
            cell.runtime.clone(),
            cell.crate_name.clone(),
            cell.crate_version.clone(),
            cell.class.clone(),
            threads,
            params.join(" "),
        ];
        let mut row = |tail: [String; 8]| writer.write_record(head.iter().chain(&tail));
        match &cell.status {
            Status::Ok { metrics, .. } => {
                for metric in metrics {
                    row([
                        "ok".into(),
                        String::new(),
                        metric.name.clone(),
                        metric.lower_is_better.to_string(),
                        metric.median.to_string(),
                        metric.mad.to_string(),
                        metric.samples.len().to_string(),
                        metric.outliers.len().to_string(),
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

fn status_row(status: &str, reason: &str) -> [String; 8] {
    let mut row: [String; 8] = Default::default();
    row[0] = status.to_owned();
    row[1] = reason.to_owned();
    row
}

/// JSON: `{"environment": …, "cells": […]}`, cells as in the results file.
pub fn json(results: &Results) -> io::Result<String> {
    let value = json!({ "environment": results.environment, "cells": results.cells });
    serde_json::to_string_pretty(&value).map_err(io::Error::other)
}
