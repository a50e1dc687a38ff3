//! One SVG bar chart per scenario (plotters, SVG backend only: text is written as SVG
//! `<text>`, so no font files or system libraries are needed).
//!
//! Bars are horizontal, one row per runtime, its headline metric's median, so runtime
//! names read level whatever their length. Rows are grouped as the tables compare them
//! ([`super::by_class`]): 1-thread flavours, then N-thread flavours per thread count,
//! each group under its heading with a gap above, never interleaved; colours tell
//! 1-thread, work-stealing and per-core flavours apart. Error bars span the 95 % rerun
//! interval the tables print. A runtime without a figure gets a shaded empty row that
//! says `n/a` or `FAILED` and why, never a silent gap. Values and ticks carry SI
//! prefixes ([`super::format::si`]); every text is at least 12 px at the chart's size
//! (plotters writes a font of size `s` as `s / 1.24` px, hence [`TEXT`]).

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use rtbench_core::Class;

use super::format::si;
use super::View;
use crate::results::Status;
use crate::summary::{CellResult, MetricSummary};

/// Sub-directory of the results directory holding the charts.
pub const DIR: &str = "charts";

/// Font size of every label, tick and legend: 12.1 px in the SVG.
pub const TEXT: u32 = 15;
/// Font size of chart titles: 16 px in the SVG.
pub const TITLE: u32 = 20;

const WIDTH: u32 = 900;
/// Height of one row (a bar or a group heading), in pixels.
const ROW: u32 = 26;
/// Height of the title, the x axis and its title, and the margins.
const FRAME: u32 = 115;
/// Width of the runtime names left of the bars.
const NAMES: u32 = 190;
/// Characters of an `n/a` or `FAILED` reason that fit in a row.
const REASON_CHARS: usize = 95;
const SINGLE_THREAD: RGBColor = RGBColor(70, 120, 180);
const MULTI_THREAD: RGBColor = RGBColor(230, 140, 40);
const PER_CORE: RGBColor = RGBColor(90, 160, 90);
const EMPTY_ROW: RGBColor = RGBColor(238, 238, 238);
const FAILED: RGBColor = RGBColor(170, 30, 30);

/// One row of the chart, top to bottom.
enum Row<'a> {
    /// A group's heading, with the gap it makes.
    Heading(String),
    /// A runtime's cell, with its figure when it has one of the chart's metric.
    Cell(&'a CellResult, Option<&'a MetricSummary>),
}

/// The chart's rows: each class group's heading, then its cells.
fn rows<'a>(cells: &[&'a CellResult], metric: &str) -> Vec<Row<'a>> {
    let mut rows = Vec::new();
    for (group, members) in super::by_class(cells) {
        let heading = match group.threads {
            Some(_) => format!("{}: work stealing, then per-core", group.label()),
            None => group.label(),
        };
        rows.push(Row::Heading(heading));
        rows.extend(
            members
                .into_iter()
                .map(|cell| Row::Cell(cell, headline(cell).filter(|figure| figure.name == metric))),
        );
    }
    rows
}

/// The chart of `view`, or `None` when none of its cells has a figure.
pub fn svg(view: &View<'_>) -> Result<Option<String>, String> {
    let Some(first) = view.cells.iter().find_map(|cell| headline(cell)) else {
        return Ok(None);
    };
    let rows = rows(&view.cells, &first.name);
    let mut svg = String::new();
    draw(&mut svg, view.scenario, first, &rows).map_err(|e| e.to_string())?;
    Ok(Some(svg))
}

pub(super) type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// `"lower is better"` or `"higher is better"`.
pub fn direction(lower_is_better: bool) -> &'static str {
    match lower_is_better {
        true => "lower is better",
        false => "higher is better",
    }
}

fn draw(svg: &mut String, scenario: &str, first: &MetricSummary, rows: &[Row<'_>]) -> DrawResult {
    let count = rows.len() as i32;
    let height = FRAME + ROW * rows.len() as u32;
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let figures = || {
        rows.iter().filter_map(|row| match row {
            Row::Cell(_, figure) => *figure,
            Row::Heading(_) => None,
        })
    };
    let top = figures().map(|figure| figure.high).fold(0.0, f64::max);
    // Room right of the longest error bar for its value.
    let top = if top > 0.0 { top * 1.2 } else { 1.0 };
    let metric = first.name.as_str();
    // Row `i` from the top sits at `count - 1 - i` on the axis, which counts upwards.
    let y = |i: usize| count - 1 - i as i32;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{scenario}: {metric} ({})", direction(first.lower_is_better)),
            ("sans-serif", TITLE),
        )
        .margin(12)
        .x_label_area_size(55)
        .y_label_area_size(NAMES)
        // An integer range's segments include its end: `0..count - 1` gives `count` rows.
        .build_cartesian_2d(0.0..top, (0..count - 1).into_segmented())?;
    let names: Vec<String> = rows
        .iter()
        .map(|row| match row {
            Row::Heading(_) => String::new(),
            Row::Cell(cell, _) => name(cell),
        })
        .collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .y_labels(rows.len())
        .y_label_formatter(&|slot| match slot {
            SegmentValue::CenterOf(at) => {
                names.get((count - 1 - at) as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .x_labels(8)
        .x_label_formatter(&|value| si(*value))
        .x_desc(format!("{metric}: median; error bar: 95 % rerun interval"))
        .label_style(("sans-serif", TEXT))
        .axis_desc_style(("sans-serif", TEXT))
        .draw()?;
    let font = ("sans-serif", TEXT).into_font();
    let left = |color: &'static RGBColor| {
        TextStyle::from(font.clone()).color(color).pos(Pos::new(HPos::Left, VPos::Center))
    };
    for (i, row) in rows.iter().enumerate() {
        let (at, middle) = (SegmentValue::Exact(y(i)), SegmentValue::CenterOf(y(i)));
        let next = SegmentValue::Exact(y(i) + 1);
        match row {
            Row::Heading(heading) => {
                let bold = TextStyle::from(("sans-serif", TEXT, FontStyle::Bold).into_font())
                    .pos(Pos::new(HPos::Left, VPos::Center));
                chart.draw_series([Text::new(heading.clone(), (0.0, middle), bold)])?;
            }
            Row::Cell(cell, Some(figure)) => {
                let mut bar =
                    Rectangle::new([(0.0, at), (figure.median, next)], color(cell).filled());
                bar.set_margin(5, 5, 0, 0);
                chart.draw_series([bar])?;
                chart.draw_series([ErrorBar::new_horizontal(
                    middle.clone(),
                    figure.low,
                    figure.median,
                    figure.high,
                    BLACK.stroke_width(1),
                    8,
                )])?;
                // The median's value, a few pixels right of the interval's end.
                let value = Text::new(si(figure.median), (6, 0), left(&BLACK));
                chart.draw_series([EmptyElement::at((figure.high, middle)) + value])?;
            }
            Row::Cell(cell, None) => {
                let mut slot = Rectangle::new([(0.0, at), (top, next)], EMPTY_ROW.filled());
                slot.set_margin(3, 3, 0, 0);
                chart.draw_series([slot])?;
                let (text, color) = empty_label(cell, metric);
                let label = Text::new(text, (6, 0), left(color));
                chart.draw_series([EmptyElement::at((0.0, middle)) + label])?;
            }
        }
    }
    root.present()?;
    Ok(())
}

/// A runtime's row name: `(per-core)` after a per-core flavour's.
fn name(cell: &CellResult) -> String {
    let name = super::runtime_label(&cell.cell.runtime, cell.facts.legacy);
    match cell.facts.class {
        Class::PerCore => format!("{name} (per-core)"),
        _ => name,
    }
}

/// The bar colour of `cell`'s class.
fn color(cell: &CellResult) -> RGBColor {
    match cell.facts.class {
        Class::SingleThread => SINGLE_THREAD,
        Class::MultiThread => MULTI_THREAD,
        Class::PerCore => PER_CORE,
    }
}

/// What an empty row says, shortened to fit, and its colour.
fn empty_label(cell: &CellResult, metric: &str) -> (String, &'static RGBColor) {
    let (text, color) = match &cell.status {
        Status::Failed { reason, .. } => (format!("FAILED: {reason}"), &FAILED),
        Status::NotApplicable { reason } => (format!("n/a: {reason}"), &BLACK),
        Status::Ok { .. } => (format!("no figure of {metric}"), &BLACK),
    };
    (shortened(&text, REASON_CHARS), color)
}

/// `text`, cut to `chars` characters with an ellipsis when longer.
fn shortened(text: &str, chars: usize) -> String {
    match text.chars().count() > chars {
        true => format!("{}…", text.chars().take(chars - 1).collect::<String>()),
        false => text.to_owned(),
    }
}

/// Draws the legend at `position` and writes the chart out: the end of the line charts.
pub(super) fn finish<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    root: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
    position: SeriesLabelPosition,
) -> DrawResult {
    legend(chart, position)?;
    root.present()?;
    Ok(())
}

/// Draws the legend of a line chart at `position` (for a panel of a larger drawing,
/// which is written out once, after its last panel).
pub(super) fn legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    position: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(("sans-serif", TEXT))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// A measured cell's headline metric.
pub(super) fn headline(cell: &CellResult) -> Option<&MetricSummary> {
    match &cell.status {
        Status::Ok { metrics, .. } => metrics.first(),
        _ => None,
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
        for text in [
            "spawn_many: ns/spawn (lower is better)",
            "fast-ct",
            "broken-mt (legacy)",
            "other",
            "FAILED: boom",
            "n/a: no tcp",
            "ns/spawn: median; error bar: 95 % rerun interval",
        ] {
            assert!(chart.contains(text), "`{text}` missing from the chart");
        }
        // Each class under its heading, never interleaved, whatever the cells' order.
        let order: Vec<String> = rows(&all[0].cells, "ns/spawn")
            .iter()
            .map(|row| match row {
                Row::Heading(heading) => heading.clone(),
                Row::Cell(cell, _) => cell.cell.runtime.clone(),
            })
            .collect();
        let expected = [
            "1-thread flavours",
            "fast-ct",
            "other",
            "N-thread flavours, 2 threads: work stealing, then per-core",
            "broken-mt",
        ];
        assert_eq!(order, expected);
        for size in font_sizes(&chart) {
            assert!(size >= 12.0, "text of {size} px in {chart}");
        }
        assert!(!chart.contains("fast-ct (legacy)"));
        let without_figures = views(&cells[1..]);
        assert_eq!(svg(&without_figures[0]).unwrap(), None, "no figure, no chart");
    }

    /// Every `font-size` of an SVG, in pixels.
    pub(crate) fn font_sizes(svg: &str) -> Vec<f64> {
        svg.split("font-size=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            .collect()
    }
}
