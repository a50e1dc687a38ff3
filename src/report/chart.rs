//! One SVG bar chart per scenario (plotters, SVG backend only: text is written as SVG
//! `<text>`, so no font files or system libraries are needed).
//!
//! Bars are the headline metric's median for each runtime, side by side, coloured by
//! class; error bars span ± the median absolute deviation. A runtime without a figure
//! gets its `n/a` or `FAILED` label in place of a bar, never a silent gap.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use crate::results::{CellRecord, MetricSummary, Status};

/// Sub-directory of the results directory holding the charts.
pub const DIR: &str = "charts";

const SIZE: (u32, u32) = (900, 480);
const SINGLE_THREAD: RGBColor = RGBColor(70, 120, 180);
const MULTI_THREAD: RGBColor = RGBColor(230, 140, 40);

/// The chart of `scenario`, or `None` when none of its cells has a figure.
pub fn svg(scenario: &str, cells: &[&CellRecord]) -> Result<Option<String>, String> {
    let Some(first) = cells.iter().find_map(|cell| headline(cell)) else {
        return Ok(None);
    };
    let metric = first.name.as_str();
    let figures: Vec<Option<(f64, f64)>> = cells
        .iter()
        .map(|cell| headline(cell).filter(|m| m.name == metric).map(|m| (m.median, m.mad)))
        .collect();
    let top = figures.iter().flatten().map(|(median, mad)| median + mad).fold(0.0, f64::max);
    // Headroom above the tallest error bar for the legend.
    let top = if top > 0.0 { top * 1.3 } else { 1.0 };
    let better = if first.lower_is_better { "lower is better" } else { "higher is better" };
    let mut svg = String::new();
    draw(&mut svg, scenario, metric, better, cells, &figures, top).map_err(|e| e.to_string())?;
    Ok(Some(svg))
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(
    svg: &mut String,
    scenario: &str,
    metric: &str,
    better: &str,
    cells: &[&CellRecord],
    figures: &[Option<(f64, f64)>],
    top: f64,
) -> DrawResult {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let slots = cells.len() as i32;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{scenario}: {metric} ({better}; error bars ± MAD)"), ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        // An integer range's segments include its end: `0..slots - 1` gives `slots` bars.
        .build_cartesian_2d((0..slots - 1).into_segmented(), 0.0..top)?;
    let labels: Vec<String> =
        cells.iter().map(|cell| super::runtime_label(&cell.runtime, cell.legacy)).collect();
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
    for (single, color) in [(true, SINGLE_THREAD), (false, MULTI_THREAD)] {
        let bars = (0..slots).filter_map(|i| {
            let cell = cells[i as usize];
            let (median, _) = figures[i as usize]?;
            (is_single_thread(cell) == single).then(|| {
                let mut bar = Rectangle::new(
                    [(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), median)],
                    color.filled(),
                );
                bar.set_margin(0, 0, 12, 12);
                bar
            })
        });
        let label = if single { "1-thread".to_owned() } else { multi_thread_label(cells) };
        chart
            .draw_series(bars)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
    }
    chart.draw_series((0..slots).filter_map(|i| {
        let (median, mad) = figures[i as usize]?;
        Some(ErrorBar::new_vertical(
            SegmentValue::CenterOf(i),
            (median - mad).max(0.0),
            median,
            median + mad,
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
fn headline(cell: &CellRecord) -> Option<&MetricSummary> {
    match &cell.status {
        Status::Ok { metrics, .. } => metrics.first(),
        _ => None,
    }
}

fn is_single_thread(cell: &CellRecord) -> bool {
    cell.class == rtbench_core::Class::SingleThread.label()
}

fn multi_thread_label(cells: &[&CellRecord]) -> String {
    match cells.iter().find(|cell| !is_single_thread(cell)) {
        Some(cell) => format!("N-thread ({} threads)", cell.threads_asked),
        None => "N-thread".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::FailureKind;

    fn cell(runtime: &str, class: &str, status: Status) -> CellRecord {
        CellRecord {
            scenario: "spawn_many".into(),
            lesson: "W8-S6".into(),
            runtime: runtime.into(),
            crate_name: "tokio".into(),
            crate_version: "1".into(),
            class: class.into(),
            legacy: runtime == "broken-mt",
            size: "quick".into(),
            threads_asked: 2,
            threads: Some(1),
            params: Default::default(),
            wall_ms: 1,
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
                mad: 4.0,
                samples: vec![116.0, 120.0, 124.0],
                outliers: vec![],
            }],
        };
        let failed = Status::Failed { kind: FailureKind::Panic, reason: "boom".into() };
        let na = Status::NotApplicable { reason: "no tcp".into() };
        let cells = [
            cell("fast-ct", "1-thread", ok),
            cell("broken-mt", "N-thread", failed),
            cell("other", "1-thread", na),
        ];
        let refs: Vec<&CellRecord> = cells.iter().collect();
        let chart = svg("spawn_many", &refs).unwrap().expect("one cell has a figure");
        for text in
            ["spawn_many: ns/spawn", "fast-ct", "broken-mt (legacy)", "other", "FAILED", "n/a"]
        {
            assert!(chart.contains(text), "`{text}` missing from the chart");
        }
        assert!(!chart.contains("fast-ct (legacy)"));
        assert_eq!(svg("spawn_many", &refs[1..]).unwrap(), None, "no figure, no chart");
    }
}
