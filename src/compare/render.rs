//! A [`Comparison`] as Markdown or a self-contained HTML page for a reader, or as JSON
//! for a program: the same content, in the same order (see the module doc of
//! [`super`]).

use std::fmt::Write;

use rtbench_core::Class;

use super::{Comparison, Key, Row};
use crate::estimate::Verdict;
use crate::report::html::markup::{self, escape as escape_html, inline};
use crate::report::tabular::Table;
use crate::report::{number, runtime_label, ClassGroup};
use crate::spec::params_text;

/// What differs, caveats, one table per class, what was not compared, the calibration.
pub fn markdown(comparison: &Comparison) -> String {
    let mut out = String::from("# rtbench compare\n\n");
    let _ = writeln!(
        out,
        "BASE `{}` → NEW `{}`\n",
        comparison.base.display(),
        comparison.new.display()
    );
    out.push_str("## What differs\n\n");
    if comparison.differences.is_empty() {
        out.push_str("Same machine, build and settings.\n");
    }
    for difference in &comparison.differences {
        let _ =
            writeln!(out, "- **{}**: {} → {}", difference.what, difference.base, difference.new);
    }
    for caveat in &comparison.caveats {
        let _ = write!(out, "\n> {caveat}.\n");
    }
    let _ = write!(out, "\n{}\n", reading(comparison));
    for table in tables(comparison) {
        let _ = write!(out, "\n## {}\n\n{}", table.title, table.grid());
    }
    if !comparison.not_compared.is_empty() {
        out.push_str("\n## Not compared\n\n");
        for missing in &comparison.not_compared {
            let _ = writeln!(out, "- {}: {}", key_text(&missing.key), missing.why);
        }
    }
    let _ = writeln!(out, "\n## Calibration\n\n{}", calibration(comparison));
    out
}

/// How to read the ratios and verdicts.
fn reading(comparison: &Comparison) -> String {
    format!(
        "Ratio: NEW ÷ BASE of the medians of per-process medians, with its 95 % interval \
         (independent bootstraps of both runs, over processes then samples). Verdict: worse \
         or better when the whole interval lies beyond 1 ± {threshold} on that side, by the \
         change of the metric (|ratio − 1|); no change when it lies within; inconclusive \
         when it straddles a bound (more rounds can tell).",
        threshold = percent(comparison.threshold)
    )
}

/// The calibration sentence, with its caveat when the runs differ.
fn calibration(comparison: &Comparison) -> String {
    let mut out = match &comparison.calibration {
        Some(calibration) => calibration.sentence(),
        None => "No cell was measured in both runs.".to_owned(),
    };
    if comparison.calibration.is_some() && !comparison.differences.is_empty() {
        out.push_str(
            " The runs differ (see above): this measures their difference as well as the \
             noise; it calibrates the intervals only for two runs of the same settings.",
        );
    }
    out
}

/// The compared metrics, one table per class.
fn tables(comparison: &Comparison) -> Vec<Table> {
    let mut groups: Vec<(Class, Option<usize>)> = comparison.rows.iter().map(Row::table).collect();
    groups.dedup();
    let headers = [
        "scenario",
        "runtime",
        "metric",
        "BASE median",
        "NEW median",
        "ratio [95 % interval]",
        "verdict",
    ];
    groups
        .into_iter()
        .map(|group| {
            let rows: Vec<&Row> =
                comparison.rows.iter().filter(|row| row.table() == group).collect();
            let cells = rows
                .iter()
                .map(|row| {
                    vec![
                        scenario_label(row, &rows),
                        runtime_label(&row.key.runtime, row.legacy),
                        row.metric.clone(),
                        number(row.base.median),
                        number(row.new.median),
                        ratio_text(row),
                        verdict_text(row, comparison.threshold),
                    ]
                })
                .collect();
            let (class, threads) = group;
            Table {
                title: ClassGroup { class, threads }.label(),
                headers: headers.map(str::to_owned).to_vec(),
                rows: cells,
                note: None,
            }
        })
        .collect()
}

/// The comparison as one self-contained HTML page, with the report's look: what
/// differs, caveats, the tables (sortable), what was not compared, the calibration.
pub fn html(comparison: &Comparison) -> String {
    let mut body = format!(
        "<h1>rtbench compare</h1>\n<p>BASE <code>{}</code> → NEW <code>{}</code></p>\n\
         <h2>What differs</h2>\n<ul>\n",
        escape_html(&comparison.base.display().to_string()),
        escape_html(&comparison.new.display().to_string())
    );
    if comparison.differences.is_empty() {
        body.push_str("<li>Same machine, build and settings.</li>\n");
    }
    for difference in &comparison.differences {
        let _ = writeln!(
            body,
            "<li><strong>{}</strong>: {} → {}</li>",
            escape_html(&difference.what),
            inline(&difference.base),
            inline(&difference.new)
        );
    }
    body.push_str("</ul>\n");
    for caveat in &comparison.caveats {
        let _ = writeln!(body, "<blockquote>{}.</blockquote>", inline(caveat));
    }
    let _ = writeln!(body, "<p>{}</p>", inline(&reading(comparison)));
    for table in tables(comparison) {
        markup::table(&mut body, &table);
    }
    if !comparison.not_compared.is_empty() {
        body.push_str("<h2>Not compared</h2>\n<ul>\n");
        for missing in &comparison.not_compared {
            let line = format!("{}: {}", key_text(&missing.key), missing.why);
            let _ = writeln!(body, "<li>{}</li>", inline(&line));
        }
        body.push_str("</ul>\n");
    }
    let _ = writeln!(body, "<h2>Calibration</h2>\n<p>{}</p>", inline(&calibration(comparison)));
    markup::document("rtbench compare", &body)
}

/// The comparison as one JSON object.
pub fn json(comparison: &Comparison) -> serde_json::Result<String> {
    serde_json::to_string_pretty(comparison)
}

/// The scenario's name, with its size and parameters when the table holds the same
/// scenario, runtime and metric at other ones.
fn scenario_label(row: &Row, rows: &[&Row]) -> String {
    let ambiguous = rows.iter().any(|other| {
        (&other.key.scenario, &other.key.runtime, &other.metric)
            == (&row.key.scenario, &row.key.runtime, &row.metric)
            && other.key != row.key
    });
    match ambiguous {
        true => format!(
            "{} ({}, {})",
            row.key.scenario,
            row.key.size.label(),
            params_text(&row.key.params)
        ),
        false => row.key.scenario.clone(),
    }
}

/// A cell's whole identity for the list of what was not compared: `spawn_many on
/// tokio-ct (quick, 1 thread, tasks=100)`.
fn key_text(key: &Key) -> String {
    let threads = match key.threads {
        1 => "1 thread".to_owned(),
        n => format!("{n} threads"),
    };
    let params = params_text(&key.params);
    let mut settings = vec![key.size.label().to_owned(), threads];
    settings.extend((!params.is_empty()).then_some(params));
    format!("{} on {} ({})", key.scenario, key.runtime, settings.join(", "))
}

/// `1.057 [1.021–1.090]`, or `undefined` when BASE's median is 0.
fn ratio_text(row: &Row) -> String {
    let ratio = row.ratio;
    match ratio.ratio.is_finite() {
        true => format!("{:.3} [{:.3}–{:.3}]", ratio.ratio, ratio.low, ratio.high),
        false => "undefined (BASE median 0)".to_owned(),
    }
}

/// The verdict in words a reader needs no legend for: `worse by 12 %`, `better by
/// 8.0 %`, `no change (within ±2 %)`, `inconclusive`; `; sampled differently` after it
/// when the two cells were.
pub fn verdict_text(row: &Row, threshold: f64) -> String {
    let change = percent((row.ratio.ratio - 1.0).abs());
    let mut text = match row.verdict {
        Verdict::Worse => format!("worse by {change}"),
        Verdict::Better => format!("better by {change}"),
        Verdict::NoChange => format!("no change (within ±{})", percent(threshold)),
        Verdict::Inconclusive => "inconclusive".to_owned(),
    };
    if row.sampled_differently() {
        text.push_str("; sampled differently");
    }
    text
}

/// A fraction as a percentage: one decimal below 10 %, none above, none when it is 0
/// (`2.5 %`, `2 %`, `12 %`).
pub fn percent(fraction: f64) -> String {
    let percent = fraction * 100.0;
    match percent < 10.0 {
        true => format!("{} %", format!("{percent:.1}").trim_end_matches(".0")),
        false => format!("{percent:.0} %"),
    }
}
