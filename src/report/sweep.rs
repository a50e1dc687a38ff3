//! Thread sweeps (`run --threads 1,2,4,8`): one scaling chart per scenario and a
//! *speedup vs 1 thread* table, made when the results hold the N-thread or per-core
//! flavours at more than one thread count.
//!
//! The chart puts the thread count on x and the headline figure on y, one line per
//! flavour (work stealing and per-core in their class colours, dashes for per-core),
//! with each point's 95 % rerun interval as an error bar. The table gives, for each
//! flavour and count, the 1-thread figure over the N-thread one (or the reverse for a
//! higher-is-better figure): above 1 is faster. Its interval combines the two figures'
//! intervals at their extremes (the 1-thread low against the N-thread high and the
//! reverse), which is wider than either, never narrower. Counts above the CPUs the
//! workers could use are marked *oversubscribed*: their threads took turns.

use plotters::prelude::*;

use super::chart::headline;
use super::format::si;
use super::tabular::Table;
use super::{runtime_label, Report, View};
use crate::summary::{CellResult, MetricSummary};

/// The file stem suffix of a scenario's scaling chart (`charts/<stem>-scaling.svg`).
pub const SUFFIX: &str = "-scaling";

const SIZE: (u32, u32) = (900, 480);

/// The thread counts of the cells that take one, each once, ascending.
pub fn counts(cells: &[&CellResult]) -> Vec<usize> {
    let mut counts: Vec<usize> = cells
        .iter()
        .filter(|cell| cell.facts.class.takes_threads())
        .map(|cell| cell.cell.threads)
        .collect();
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// Whether `report` holds a sweep: some flavour measured at several thread counts.
pub fn is_sweep(report: &Report) -> bool {
    counts(&report.cells.iter().collect::<Vec<_>>()).len() > 1
}

/// The CPUs the workers could use (the `--pin` set, else the machine's logical cores).
fn cpus(report: &Report) -> Option<usize> {
    let environment = report.environment.as_ref()?;
    Some(environment.request.pin.as_ref().map_or(environment.logical_cores, |pin| pin.len()))
}

/// `" (oversubscribed: N CPUs)"` when `threads` exceeds the CPUs the workers had.
pub fn oversubscribed(report: &Report, threads: usize) -> String {
    match cpus(report) {
        Some(cpus) if threads > cpus => format!(" (oversubscribed: {cpus} CPUs)"),
        _ => String::new(),
    }
}

/// One flavour's points: (threads, headline) for each count it was measured at.
struct Line<'a> {
    runtime: String,
    per_core: bool,
    points: Vec<(usize, &'a MetricSummary)>,
}

/// The swept flavours of `view`, in the order first recorded, with their headline
/// figures named `metric`.
fn lines<'a>(view: &View<'a>, metric: &str) -> Vec<Line<'a>> {
    let mut lines: Vec<Line<'a>> = Vec::new();
    for cell in view.cells.iter().filter(|cell| cell.facts.class.takes_threads()) {
        let runtime = runtime_label(&cell.cell.runtime, cell.facts.legacy);
        let index = match lines.iter().position(|line| line.runtime == runtime) {
            Some(index) => index,
            None => {
                let per_core = cell.facts.class == rtbench_core::Class::PerCore;
                lines.push(Line { runtime, per_core, points: Vec::new() });
                lines.len() - 1
            }
        };
        if let Some(figure) = headline(cell).filter(|figure| figure.name == metric) {
            lines[index].points.push((cell.cell.threads, figure));
        }
    }
    for line in &mut lines {
        line.points.sort_by_key(|(threads, _)| *threads);
    }
    lines
}

/// The lines with at least one figure, and the names of those without (all `n/a` or
/// failed: the tables say why).
fn split_lines<'a>(view: &View<'a>, metric: &str) -> (Vec<Line<'a>>, Vec<String>) {
    let (shown, empty): (Vec<Line<'a>>, Vec<Line<'a>>) =
        lines(view, metric).into_iter().partition(|line| !line.points.is_empty());
    (shown, empty.into_iter().map(|line| line.runtime).collect())
}

/// The headline metric of `view`'s swept cells: its name and whether lower is better.
fn metric<'a>(view: &View<'a>) -> Option<(&'a str, bool)> {
    view.cells
        .iter()
        .filter(|cell| cell.facts.class.takes_threads())
        .find_map(|cell| headline(cell))
        .map(|figure| (figure.name.as_str(), figure.lower_is_better))
}

/// The scaling chart of `view`, or `None` when it has no swept figure or one count.
pub fn svg(view: &View<'_>) -> Result<Option<String>, String> {
    let counts = counts(&view.cells);
    let Some((metric, lower_is_better)) = metric(view).filter(|_| counts.len() > 1) else {
        return Ok(None);
    };
    let (lines, _) = split_lines(view, metric);
    let mut svg = String::new();
    draw(&mut svg, view.scenario, metric, lower_is_better, &counts, &lines)
        .map_err(|e| e.to_string())?;
    Ok(Some(svg))
}

fn draw(
    svg: &mut String,
    scenario: &str,
    metric: &str,
    lower_is_better: bool,
    counts: &[usize],
    lines: &[Line<'_>],
) -> super::chart::DrawResult {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let top = lines
        .iter()
        .flat_map(|line| line.points.iter().map(|(_, figure)| figure.high))
        .fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.3 } else { 1.0 };
    let (first, last) = (counts[0] as f64, counts[counts.len() - 1] as f64);
    let better = if lower_is_better { "lower is better" } else { "higher is better" };
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{scenario}: {metric} by threads ({better}; bars: 95 % rerun interval)"),
            ("sans-serif", super::chart::TITLE),
        )
        .margin(12)
        .x_label_area_size(55)
        .y_label_area_size(80)
        .build_cartesian_2d(first - 0.3..last + 0.3, 0.0..top)?;
    chart
        .configure_mesh()
        .x_labels(counts.len().min(16))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|value| si(*value))
        .x_desc("threads (executors, for per-core)")
        .y_desc(metric)
        .label_style(("sans-serif", super::chart::TEXT))
        .axis_desc_style(("sans-serif", super::chart::TEXT))
        .draw()?;
    for (index, line) in lines.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        let points: Vec<(f64, f64)> =
            line.points.iter().map(|(threads, figure)| (*threads as f64, figure.median)).collect();
        let style = color.stroke_width(2);
        let label = match line.per_core {
            true => format!("{} (per-core)", line.runtime),
            false => line.runtime.clone(),
        };
        let series = match line.per_core {
            true => chart.draw_series(DashedLineSeries::new(points.clone(), 6, 4, style))?,
            false => chart.draw_series(LineSeries::new(points.clone(), style))?,
        };
        series.label(label).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
        });
        chart.draw_series(line.points.iter().map(|(threads, figure)| {
            let x = *threads as f64;
            ErrorBar::new_vertical(x, figure.low, figure.median, figure.high, color.filled(), 8)
        }))?;
    }
    super::chart::finish(&mut chart, &root, SeriesLabelPosition::UpperRight)
}

/// The speedup tables of every view, Markdown, under their heading.
pub fn markdown(report: &Report, views: &[View<'_>]) -> String {
    let mut out = format!("\n## Thread sweep: speedup vs 1 thread\n\n{INTRO}\n");
    for table in tables(report, views) {
        out.push_str(&table.markdown());
    }
    out
}

/// What the speedup tables show.
pub const INTRO: &str = "Each cell: the flavour's 1-thread figure over its N-thread one \
    (the reverse for a higher-is-better figure), so above 1 is faster; in brackets the range \
    its 95 % intervals allow. Per-core flavours run N executors; work-stealing flavours N \
    workers.";

/// The speedup table of each swept view: a row per swept flavour, a column per thread
/// count above 1.
pub fn tables(report: &Report, views: &[View<'_>]) -> Vec<Table> {
    let mut tables = Vec::new();
    for view in views {
        let counts = counts(&view.cells);
        let Some((metric, lower_is_better)) = metric(view).filter(|_| counts.len() > 1) else {
            continue;
        };
        let title = format!("{} ({metric}, {})", view.scenario, view.cells[0].cell.params_text());
        let mut headers = vec!["flavour".to_owned()];
        headers.extend(
            counts[1..]
                .iter()
                .map(|&threads| format!("{threads} threads{}", oversubscribed(report, threads))),
        );
        let (lines, without) = split_lines(view, metric);
        let rows = lines
            .iter()
            .map(|line| {
                let kind = if line.per_core { "per-core" } else { "work stealing" };
                let at = |threads: usize| {
                    line.points.iter().find(|(t, _)| *t == threads).map(|(_, f)| *f)
                };
                let mut row = vec![format!("{} ({kind})", line.runtime)];
                row.extend(counts[1..].iter().map(|&threads| match (at(1), at(threads)) {
                    (Some(one), Some(many)) => speedup(one, many, lower_is_better),
                    (None, _) => "no 1-thread figure".to_owned(),
                    (_, None) => "no figure".to_owned(),
                }));
                row
            })
            .collect();
        let note = (!without.is_empty())
            .then(|| format!("No figure (n/a or failed; see the tables): {}.", without.join(", ")));
        tables.push(Table { title, headers, rows, note });
    }
    tables
}

/// `"1.85× (1.60–2.10)"`: how many times better `many` is than `one`.
fn speedup(one: &MetricSummary, many: &MetricSummary, lower_is_better: bool) -> String {
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let (median, low, high) = match lower_is_better {
        true => {
            (ratio(one.median, many.median), ratio(one.low, many.high), ratio(one.high, many.low))
        }
        false => {
            (ratio(many.median, one.median), ratio(many.low, one.high), ratio(many.high, one.low))
        }
    };
    format!("{median:.2}× ({low:.2}–{high:.2})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(median: f64, low: f64, high: f64, lower_is_better: bool) -> MetricSummary {
        MetricSummary {
            name: "ns/task".into(),
            lower_is_better,
            median,
            low,
            high,
            unstable: false,
            mad: 0.0,
            outliers: 0,
            rounds: vec![],
        }
    }

    #[test]
    fn speedup_is_above_one_when_more_threads_are_better_either_way() {
        let (one, two) = (figure(100.0, 90.0, 110.0, true), figure(50.0, 45.0, 55.0, true));
        assert_eq!(speedup(&one, &two, true), "2.00× (1.64–2.44)");
        let (one, two) = (figure(10.0, 9.0, 11.0, false), figure(15.0, 12.0, 18.0, false));
        assert_eq!(speedup(&one, &two, false), "1.50× (1.09–2.00)");
    }
}
