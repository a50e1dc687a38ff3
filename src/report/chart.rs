//! One SVG bar chart per scenario (plotters, SVG backend only: text is written as SVG
//! `<text>`, so no font files or system libraries are needed).
//!
//! Bars are the headline metric's median for each runtime, side by side, coloured by
//! class (1-thread, N-thread work stealing, per-core); error bars span its 95 % rerun interval. A runtime without a figure
//! gets its `n/a` or `FAILED` label in place of a bar, never a silent gap.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use rtbench_core::Class;

use super::View;
use crate::results::Status;
use crate::summary::{CellResult, MetricSummary};

/// Sub-directory of the results directory holding the charts.
pub const DIR: &str = "charts";

const SIZE: (u32, u32) = (900, 480);
const SINGLE_THREAD: RGBColor = RGBColor(70, 120, 180);
const MULTI_THREAD: RGBColor = RGBColor(230, 140, 40);
const PER_CORE: RGBColor = RGBColor(90, 160, 90);

/// The chart of `view`, or `None` when none of its cells has a figure.
pub fn svg(view: &View<'_>) -> Result<Option<String>, String> {
    let (scenario, cells) = (view.scenario, view.cells.as_slice());
    let Some(first) = cells.iter().find_map(|cell| headline(cell)) else {
        return Ok(None);
    };
    let metric = first.name.as_str();
    let figures: Vec<Option<(f64, f64, f64)>> = cells
        .iter()
        .map(|cell| headline(cell).filter(|m| m.name == metric).map(|m| (m.low, m.median, m.high)))
        .collect();
    let top = figures.iter().flatten().map(|(_, _, high)| *high).fold(0.0, f64::max);
    // Headroom above the tallest error bar for the legend.
    let top = if top > 0.0 { top * 1.3 } else { 1.0 };
    let better = if first.lower_is_better { "lower is better" } else { "higher is better" };
    let mut svg = String::new();
    draw(&mut svg, scenario, metric, better, cells, &figures, top).map_err(|e| e.to_string())?;
    Ok(Some(svg))
}

pub(super) type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(
    svg: &mut String,
    scenario: &str,
    metric: &str,
    better: &str,
    cells: &[&CellResult],
    figures: &[Option<(f64, f64, f64)>],
    top: f64,
) -> DrawResult {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let slots = cells.len() as i32;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{scenario}: {metric} ({better}; error bars: 95 % rerun interval)"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        // An integer range's segments include its end: `0..slots - 1` gives `slots` bars.
        .build_cartesian_2d((0..slots - 1).into_segmented(), 0.0..top)?;
    let labels = labels(cells);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(cells.len())
        .x_label_formatter(&|slot| match slot {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|value| super::number(*value))
        .y_desc(metric)
        .draw()?;
    for (class, color) in [
        (Class::SingleThread, SINGLE_THREAD),
        (Class::MultiThread, MULTI_THREAD),
        (Class::PerCore, PER_CORE),
    ] {
        let bars = (0..slots).filter_map(|i| {
            let cell = cells[i as usize];
            let (_, median, _) = figures[i as usize]?;
            (cell.facts.class == class).then(|| {
                let mut bar = Rectangle::new(
                    [(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), median)],
                    color.filled(),
                );
                bar.set_margin(0, 0, 12, 12);
                bar
            })
        });
        let label = class_label(class, cells);
        chart
            .draw_series(bars)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
    }
    chart.draw_series((0..slots).filter_map(|i| {
        let (low, median, high) = figures[i as usize]?;
        Some(ErrorBar::new_vertical(
            SegmentValue::CenterOf(i),
            low,
            median,
            high,
            BLACK.filled(),
            10,
        ))
    }))?;
    chart.draw_series((0..slots).filter(|&i| figures[i as usize].is_none()).map(|i| {
        let text = match &cells[i as usize].status {
            Status::Failed { .. } => "FAILED",
            _ => "n/a",
        };
        Text::new(text, (SegmentValue::CenterOf(i), top * 0.03), ("sans-serif", 16).into_font())
    }))?;
    finish(&mut chart, &root)
}

/// Draws the legend (upper right) and writes the chart out: the end of every chart.
pub(super) fn finish<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    root: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// A measured cell's headline metric.
pub(super) fn headline(cell: &CellResult) -> Option<&MetricSummary> {
    match &cell.status {
        Status::Ok { metrics, .. } => metrics.first(),
        _ => None,
    }
}

fn is_single_thread(cell: &CellResult) -> bool {
    cell.facts.class == Class::SingleThread
}

/// The thread counts of the multi-thread cells, each once.
fn thread_counts(cells: &[&CellResult]) -> Vec<usize> {
    let mut counts: Vec<usize> =
        cells.iter().filter(|c| !is_single_thread(c)).map(|c| c.cell.threads).collect();
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// Each bar's label: the runtime, with its thread count where the chart has several.
fn labels(cells: &[&CellResult]) -> Vec<String> {
    let several = thread_counts(cells).len() > 1;
    cells
        .iter()
        .map(|cell| {
            let name = super::runtime_label(&cell.cell.runtime, cell.facts.legacy);
            match several && !is_single_thread(cell) {
                true => format!("{name} ×{}", cell.cell.threads),
                false => name,
            }
        })
        .collect()
}

/// The legend of `class`: with the thread count, where the chart has one.
fn class_label(class: Class, cells: &[&CellResult]) -> String {
    match (class, thread_counts(cells).as_slice()) {
        (Class::SingleThread, _) => class.label().to_owned(),
        (Class::MultiThread, [threads]) => format!("N-thread, work stealing ({threads} threads)"),
        (Class::PerCore, [threads]) => format!("per-core ({threads} executors)"),
        (Class::MultiThread, _) => "N-thread, work stealing".to_owned(),
        (Class::PerCore, _) => "per-core".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::views;
    use crate::results::{CellFacts, FailureKind};
    use crate::spec::{CellSpec, Sampling};

    fn cell(runtime: &str, class: Class, status: Status<MetricSummary>) -> CellResult {
        CellResult {
            cell: CellSpec {
                scenario: "spawn_many".into(),
                runtime: runtime.into(),
                size: rtbench_core::Size::Quick,
                threads: 2,
                params: Default::default(),
                sampling: Sampling { warmup: 1, samples: 3, min_samples: 1, budget_ms: 100 },
            },
            facts: CellFacts {
                lesson: "W8-S6".into(),
                crate_name: "tokio".into(),
                crate_version: "1".into(),
                class,
                legacy: runtime == "broken-mt",
            },
            threads_used: Some(1),
            rounds: 1,
            usage: None,
            status,
        }
    }

    #[test]
    fn bars_for_figures_and_labels_for_the_rest() {
        let ok = Status::Ok {
            checked: "ran".into(),
            notes: vec![],
            warmup: 1,
            metrics: vec![MetricSummary {
                name: "ns/spawn".into(),
                lower_is_better: true,
                median: 120.0,
                low: 116.0,
                high: 124.0,
                unstable: false,
                mad: 4.0,
                outliers: 0,
                rounds: vec![vec![116.0, 120.0, 124.0]],
            }],
        };
        let failed = Status::Failed { kind: FailureKind::Panic, reason: "boom".into() };
        let na = Status::NotApplicable { reason: "no tcp".into() };
        let cells = [
            cell("fast-ct", Class::SingleThread, ok),
            cell("broken-mt", Class::MultiThread, failed),
            cell("other", Class::SingleThread, na),
        ];
        let all = views(&cells);
        let chart = svg(&all[0]).unwrap().expect("one cell has a figure");
        for text in
            ["spawn_many: ns/spawn", "fast-ct", "broken-mt (legacy)", "other", "FAILED", "n/a"]
        {
            assert!(chart.contains(text), "`{text}` missing from the chart");
        }
        assert!(!chart.contains("fast-ct (legacy)"));
        let without_figures = views(&cells[1..]);
        assert_eq!(svg(&without_figures[0]).unwrap(), None, "no figure, no chart");
    }
}
