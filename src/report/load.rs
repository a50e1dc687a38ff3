//! The report's "Servers under load" part: for each server scenario (see
//! `rtbench_scenarios::under_load`), a table of its throughput and latency at load, and
//! a chart of latency against offered load, one line per runtime and one panel per
//! class — the standard latency/throughput plot.
//!
//! The main tables show a scenario's headline only (a server's closed-loop req/s); a
//! server is judged as much by its latency at a given load, so its p99 at each offered
//! rate, its CPU time per request and its memory get a table of their own. Classes are
//! not mixed, as in the main tables: one table per scenario, setting and class.

use plotters::prelude::*;
use rtbench_scenarios::under_load::{P99, P999, PEAK_RSS, RATES, SERVER_CPU, THROUGHPUT};

use super::format::si;
use super::tabular::Table;
use super::{number, runtime_label, View};
use crate::results::Status;
use crate::summary::{CellResult, MetricSummary};

/// The file stem of a server scenario's latency chart, beside its bar chart's.
pub fn chart_stem(view_stem: &str) -> String {
    format!("{view_stem}-latency")
}

/// Whether `view` is of a server scenario.
pub fn is_rated(view: &View<'_>) -> bool {
    rtbench_scenarios::is_rated_server(view.scenario)
}

/// The table columns: a header and the metric it shows.
fn columns() -> Vec<(String, &'static str)> {
    let mut columns = vec![("req/s (closed loop)".to_owned(), THROUGHPUT)];
    for (percent, names) in RATES {
        columns.push((format!("p99 µs at {percent} %"), names[P99]));
    }
    let (percent, names) = RATES[RATES.len() - 1];
    columns.push((format!("p99.9 µs at {percent} %"), names[P999]));
    columns.push((SERVER_CPU.to_owned(), SERVER_CPU));
    columns.push((PEAK_RSS.to_owned(), PEAK_RSS));
    columns
}

/// The section, or nothing when no server scenario was run.
pub fn markdown(views: &[View<'_>]) -> String {
    let tables = tables(views);
    if tables.is_empty() {
        return String::new();
    }
    let mut out = format!("\n## Servers under load\n\n{INTRO}\n");
    for table in tables {
        out.push_str(&table.markdown());
    }
    out
}

/// What the section's tables show.
pub const INTRO: &str = "The runtime serves; a fixed load generator in another process \
    (pinned to other CPUs where there are two or more) holds the connections. req/s: closed \
    loop, each connection sending as soon as it has its answer. p99 at N %: open loop at N % \
    of that runtime's own closed-loop req/s, each latency measured from the request's \
    intended send time. CPU per request: the server process's.";

/// One table per server scenario, setting and class; none when no server scenario ran.
pub fn tables(views: &[View<'_>]) -> Vec<Table> {
    let columns = columns();
    let mut headers = vec!["runtime".to_owned()];
    headers.extend(columns.iter().map(|(header, _)| header.clone()));
    let mut tables = Vec::new();
    for view in views.iter().filter(|view| is_rated(view)) {
        for (class, cells) in super::by_class(&view.cells) {
            let title = format!(
                "{} — {}, {} sizes ({})",
                view.scenario,
                class.label(),
                view.setting.size.label(),
                view.cells[0].cell.params_text()
            );
            let rows = cells
                .iter()
                .map(|cell| {
                    let label = runtime_label(&cell.cell.runtime, cell.facts.legacy);
                    let mut row = vec![format!("{label} ({})", cell.facts.crate_version)];
                    match &cell.status {
                        Status::Ok { metrics, .. } => {
                            row.extend(columns.iter().map(|(_, name)| {
                                find(metrics, name).map_or("—".to_owned(), figure)
                            }))
                        }
                        _ => {
                            row.push(super::cell_text(cell));
                            row.resize(headers.len(), String::new());
                        }
                    }
                    row
                })
                .collect();
            tables.push(Table { title, headers: headers.clone(), rows, note: None });
        }
    }
    tables
}

fn find<'a>(metrics: &'a [MetricSummary], name: &str) -> Option<&'a MetricSummary> {
    metrics.iter().find(|metric| metric.name == name)
}

/// `median (low–high)`, `unstable` when the rounds disagree.
fn figure(metric: &MetricSummary) -> String {
    let unstable = if metric.unstable { " unstable" } else { "" };
    format!("{} ({}–{}){unstable}", number(metric.median), number(metric.low), number(metric.high))
}

const SIZE: (u32, u32) = (900, 520);

/// One runtime's line: (offered req/s, p99 µs) at each rate.
type Line = (String, Vec<(f64, f64)>);

/// One panel: a class's lines, with its label.
type Panel = (String, Vec<Line>);

/// The latency chart of a server scenario's `view`, one panel per class (as the tables
/// compare: 1-thread flavours apart from N-thread and per-core ones at each thread
/// count), or `None` when no cell has figures.
pub fn svg(view: &View<'_>) -> Result<Option<String>, String> {
    let panels: Vec<Panel> = super::by_class(&view.cells)
        .into_iter()
        .map(|(group, cells)| (group.label(), cells.into_iter().filter_map(line).collect()))
        .filter(|(_, lines): &Panel| !lines.is_empty())
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let mut svg = String::new();
    draw(&mut svg, view.scenario, &panels).map_err(|error| error.to_string())?;
    Ok(Some(svg))
}

/// `cell`'s line, if it was measured.
fn line(cell: &CellResult) -> Option<Line> {
    let Status::Ok { metrics, .. } = &cell.status else { return None };
    let max = find(metrics, THROUGHPUT)?.median;
    let points = RATES
        .iter()
        .map(|(percent, names)| {
            Some((max * f64::from(*percent) / 100.0, find(metrics, names[P99])?.median))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((runtime_label(&cell.cell.runtime, cell.facts.legacy), points))
}

/// Draws `panels` one above the other, each on axes of its own.
fn draw(
    svg: &mut String,
    scenario: &str,
    panels: &[Panel],
) -> Result<(), Box<dyn std::error::Error>> {
    let (width, height) = SIZE;
    let size = (width, height * panels.len() as u32);
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    for (area, (class, lines)) in root.split_evenly((panels.len(), 1)).iter().zip(panels) {
        draw_panel(area, &format!("{scenario}, {class}"), lines)?;
    }
    root.present()?;
    Ok(())
}

/// One class's panel: p99 against offered load, one line per runtime.
fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    lines: &[Line],
) -> Result<(), Box<dyn std::error::Error>> {
    let points = || lines.iter().flat_map(|(_, points)| points.iter());
    let right = points().map(|(x, _)| *x).fold(0.0, f64::max) * 1.05;
    let top = points().map(|(_, y)| *y).fold(1.0, f64::max) * 2.0;
    let bottom = points().map(|(_, y)| *y).fold(f64::INFINITY, f64::min).max(1.0) / 2.0;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{title}: p99 latency against offered load (open loop, lower is better)"),
            ("sans-serif", super::chart::TITLE),
        )
        .margin(12)
        .x_label_area_size(55)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..right.max(1.0), (bottom..top).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("offered req/s (25, 50, 75, 90 % of each runtime's closed-loop maximum)")
        .y_desc("p99 µs (log scale)")
        .x_label_formatter(&|value| si(*value))
        .y_label_formatter(&|value| si(*value))
        .label_style(("sans-serif", super::chart::TEXT))
        .axis_desc_style(("sans-serif", super::chart::TEXT))
        .draw()?;
    for (index, (label, points)) in lines.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        chart
            .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
        chart.draw_series(points.iter().map(|&point| Circle::new(point, 3, color.filled())))?;
    }
    super::chart::legend(&mut chart, SeriesLabelPosition::UpperLeft)
}
