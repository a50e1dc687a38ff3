//! `report.html`: the whole report as one page to look at and to share — one file, no
//! network (style, script and SVG charts inline), that reads fully without its script.
//!
//! It shows what the other report files show, from the same sources: the environment
//! ([`index::environment_lines`]), the findings and leaders ([`findings`]), one section
//! per scenario with its chart ([`chart`](super::chart), [`sweep`], [`load`]: the SVG files, inlined) and
//! its table ([`table::view_table`]), the servers' and the thread sweep's tables, the
//! cells without a figure with their reasons, and, when the results directory holds one,
//! the native-semantics table (`semantics.md`, written by the probes' `semantics_table`
//! example). Nothing here computes a figure.
//!
//! Tables sort when their header is clicked ([`markup::SCRIPT`], plain JavaScript); the
//! page is complete without it. `rtbench compare BASE NEW --format html` writes a
//! comparison as a page of the same make ([`markup::document`]): a comparison is of two
//! results directories, so it is a page of its own rather than a section of one run's.

pub mod markup;

use std::fmt::Write;

use super::{findings, index, load, sweep, table, Report, View};
use crate::results::{Status, FILE_NAME as RESULTS_FILE};
use markup::{escape, inline};

/// The page's file name in the results directory.
pub const FILE_NAME: &str = "report.html";

/// The native-semantics table's file in the results directory, when someone put it there
/// (`cargo run --release -p rtbench-probes --example semantics_table > DIR/semantics.md`).
pub const SEMANTICS_FILE: &str = "semantics.md";

/// A chart written for the report: its file stem and its SVG.
pub struct Chart {
    pub stem: String,
    pub svg: String,
}

/// The page of `report`, with its `charts` and the native-semantics table's Markdown.
pub fn page(report: &Report, charts: &[Chart], semantics: Option<&str>) -> String {
    let views = super::views(&report.cells);
    let findings = findings::of(&views);
    let mut out = String::from("<h1>rtbench report</h1>\n");
    let _ = writeln!(
        out,
        "<p>{} cells from <code>{RESULTS_FILE}</code>. Runtimes are compared only within a \
         class: 1-thread flavours with each other, N-thread and per-core flavours with each \
         other at the same thread count. A figure is the median of the per-process medians; \
         its 95&nbsp;% rerun interval is where a rerun's figure should land.</p>",
        report.cells.len()
    );
    contents(&mut out, &views, report);
    environment(&mut out, report);
    summary(&mut out, &findings);
    out.push_str("<h2 id=\"scenarios\">Scenarios</h2>\n");
    for view in &views {
        scenario(&mut out, view, charts, report);
    }
    let servers = load::tables(&views);
    if !servers.is_empty() {
        let _ = writeln!(
            out,
            "<h2 id=\"servers\">Servers under load</h2>\n<p>{}</p>",
            inline(load::INTRO)
        );
        servers.iter().for_each(|servers| markup::table(&mut out, servers));
    }
    if sweep::is_sweep(report) {
        let _ = writeln!(
            out,
            "<h2 id=\"sweep\">Thread sweep: speedup vs 1 thread</h2>\n<p>{}</p>",
            inline(sweep::INTRO)
        );
        for speedups in sweep::tables(report, &views) {
            markup::table(&mut out, &speedups);
        }
    }
    without_figures(&mut out, report);
    native_semantics(&mut out, semantics);
    markup::document("rtbench report", &out)
}

/// Links to the page's sections and to each scenario.
fn contents(out: &mut String, views: &[View<'_>], report: &Report) {
    out.push_str("<nav>\n<ul>\n");
    let mut links = vec![
        ("environment".to_owned(), "Environment".to_owned()),
        ("summary".to_owned(), "What stands out, and who leads".to_owned()),
    ];
    links.extend(views.iter().map(|view| (view.file_stem.clone(), view.title())));
    if !load::tables(views).is_empty() {
        links.push(("servers".to_owned(), "Servers under load".to_owned()));
    }
    if sweep::is_sweep(report) {
        links.push(("sweep".to_owned(), "Thread sweep".to_owned()));
    }
    links.push(("without-figures".to_owned(), "Cells without a figure".to_owned()));
    links.push(("semantics".to_owned(), "What each runtime does natively".to_owned()));
    for (id, text) in links {
        let _ = writeln!(out, "<li><a href=\"#{}\">{}</a></li>", escape(&id), escape(&text));
    }
    out.push_str("</ul>\n</nav>\n");
}

fn environment(out: &mut String, report: &Report) {
    out.push_str("<h2 id=\"environment\">Environment</h2>\n");
    let Some(environment) = &report.environment else {
        out.push_str("<p>Not recorded: the results file has no environment line.</p>\n");
        return;
    };
    out.push_str("<dl>\n");
    for (name, value) in index::environment_lines(environment) {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(name), inline(&value));
    }
    out.push_str("</dl>\n");
    for warning in index::environment_warnings(environment) {
        let _ = writeln!(out, "<blockquote>{}</blockquote>", inline(&warning));
    }
}

/// What stands out, then each class's leaders.
fn summary(out: &mut String, findings: &[findings::Finding<'_>]) {
    let _ = writeln!(
        out,
        "<h2 id=\"summary\">What stands out, and who leads</h2>\n<p>{}</p>\n<ul>",
        inline(findings::STAND_OUT_RULE)
    );
    let list = |out: &mut String, lines: Vec<(String, String)>| {
        for (title, text) in lines {
            let _ = writeln!(out, "<li><strong>{}</strong> {}</li>", escape(&title), inline(&text));
        }
        out.push_str("</ul>\n");
    };
    list(out, findings::stand_outs(findings));
    let _ =
        writeln!(out, "<h3>Every scenario</h3>\n<p>{}</p>\n<ul>", inline(findings::EVERY_SCENARIO));
    list(out, findings::every_scenario(findings));
    for leaders in findings::summary_tables(findings) {
        markup::table(out, &leaders);
    }
}

/// A scenario at one setting: its charts, then its table.
fn scenario(out: &mut String, view: &View<'_>, charts: &[Chart], report: &Report) {
    let stem = &view.file_stem;
    let _ = writeln!(out, "<section id=\"{}\">\n<h2>{}</h2>", escape(stem), escape(&view.title()));
    let stems = [stem.clone(), format!("{stem}{}", sweep::SUFFIX), load::chart_stem(stem)];
    let shown: Vec<&Chart> =
        stems.iter().filter_map(|stem| charts.iter().find(|chart| &chart.stem == stem)).collect();
    if shown.is_empty() {
        out.push_str("<p>No chart: every cell is n/a or failed (see the table).</p>\n");
    }
    for chart in shown {
        let _ = writeln!(out, "<figure>\n{}\n</figure>", chart.svg.trim());
    }
    let rounds = report.environment.as_ref().map(|environment| environment.request.rounds);
    markup::table(out, &table::view_table(view, rounds));
    out.push_str("</section>\n");
}

/// Every n/a and failed cell, with its reason.
fn without_figures(out: &mut String, report: &Report) {
    out.push_str("<h2 id=\"without-figures\">Cells without a figure</h2>\n");
    let rows: Vec<Vec<String>> = report
        .cells
        .iter()
        .filter_map(|cell| {
            let (status, reason) = match &cell.status {
                Status::Ok { .. } => return None,
                Status::NotApplicable { reason } => ("n/a", reason),
                Status::Failed { reason, .. } => ("FAILED", reason),
            };
            let runtime = super::runtime_label(&cell.cell.runtime, cell.facts.legacy);
            Some(vec![cell.cell.scenario.clone(), runtime, status.to_owned(), reason.clone()])
        })
        .collect();
    if rows.is_empty() {
        out.push_str("<p>None: every cell has a figure.</p>\n");
        return;
    }
    let headers = ["scenario", "runtime", "status", "reason"].map(str::to_owned).to_vec();
    let title = "n/a: the runtime cannot run the scenario here; FAILED: it ran and failed";
    markup::table(out, &super::tabular::Table { title: title.into(), headers, rows, note: None });
}

/// The native-semantics table, or how to add it.
fn native_semantics(out: &mut String, semantics: Option<&str>) {
    out.push_str("<h2 id=\"semantics\">What each runtime does natively</h2>\n");
    let title = "Observed on each runtime's own API by the probes";
    match semantics.and_then(|markdown| super::tabular::Table::from_markdown(title, markdown)) {
        Some(semantics) => markup::table(out, &semantics),
        None => {
            let _ = writeln!(
                out,
                "<p>Not in this results directory. Add it with <code>cargo run --release -p \
                 rtbench-probes --example semantics_table &gt; DIR/{SEMANTICS_FILE}</code>, \
                 then <code>rtbench report DIR</code>.</p>"
            );
        }
    }
}
