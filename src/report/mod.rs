//! Reports rebuilt from a results file: tables ([`table`]), one SVG chart per scenario
//! ([`chart`]) and an index linking them ([`index`]), all written next to the results.
//!
//! Output files in the results directory: `results.md`, `results.csv`, `results.json`
//! (the tables in each format), `results.bmf.json` (the figures for Bencher, [`bmf`]),
//! `charts/<scenario>.svg` (`<scenario>-2.svg`… for the same scenario at other
//! settings), after a thread sweep `charts/<scenario>-scaling.svg` and a speedup table
//! in `results.md` ([`sweep`]), `index.md`, and `report.html`, the whole report as one
//! self-contained page ([`html`]). `index.md` opens with the findings generated from
//! the figures ([`findings`]), `results.md` gives them after its tables. Every format is written each
//! time, so the files in a directory always describe the same results.
//!
//! A figure is only ever shown under the settings it was measured with: tables are split
//! by class, thread count, size and sampling, and a scenario measured with several
//! parameter sets gets a row (and a chart) for each.

pub mod bmf;
pub mod chart;
pub mod findings;
pub mod format;
pub mod html;
pub mod index;
pub mod load;
pub mod sweep;
pub mod table;
pub mod tabular;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use rtbench_core::{Class, Size};

use crate::environment::Environment;
use crate::results::{Recorded, Status, FILE_NAME};
use crate::spec::Sampling;
use crate::summary::{self, CellResult};

pub use format::number;

/// The tables in each format, as written.
pub struct Rendered {
    pub markdown: String,
    pub csv: String,
    pub json: String,
    pub bmf: String,
}

/// What a report shows: the last run's environment and every cell.
#[derive(Debug, Default)]
pub struct Report {
    /// The environment of the run that wrote last.
    pub environment: Option<Environment>,
    /// Every cell, scenarios in catalogue order, runtimes in registry order.
    pub cells: Vec<CellResult>,
}

impl Report {
    /// Reads `dir/results.jsonl`; a directory without results is a `NotFound` error that
    /// says how to make some.
    pub fn load(dir: &Path) -> io::Result<Self> {
        let path = dir.join(FILE_NAME);
        let recorded = Recorded::load(&path).map_err(|e| in_path("cannot read", &path, e))?;
        Self::of(&recorded, dir)
    }

    /// The report of what `dir`'s results file holds, already read into `recorded`; a
    /// `NotFound` error when nothing was measured.
    pub fn of(recorded: &Recorded, dir: &Path) -> io::Result<Self> {
        let path = dir.join(FILE_NAME);
        let mut cells = summary::cells(recorded);
        cells.sort_by_key(registry_order);
        if cells.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "no results in {}: run `rtbench run --out {}` first",
                    path.display(),
                    dir.display()
                ),
            ));
        }
        Ok(Report { environment: recorded.environment().cloned(), cells })
    }
}

/// Where a cell goes in tables and charts: scenarios in catalogue order, runtimes in
/// registry order (names this build does not know go last), whatever order the shuffled
/// rounds wrote them in.
fn registry_order(cell: &CellResult) -> (usize, usize) {
    let scenario = crate::catalogue::infos().iter().position(|i| i.name == cell.cell.scenario);
    let runtime = rtbench_adapters::infos().iter().position(|i| i.name == cell.cell.runtime);
    (scenario.unwrap_or(usize::MAX), runtime.unwrap_or(usize::MAX))
}

/// Reads `dir/results.jsonl` and writes every report file into `dir` ([`write_report`]).
pub fn write(dir: &Path) -> io::Result<Rendered> {
    write_report(&Report::load(dir)?, dir)
}

/// Writes every report file of `report` into `dir`, replacing the charts of an earlier
/// report (a chart of cells no longer in the results would lie).
pub fn write_report(report: &Report, dir: &Path) -> io::Result<Rendered> {
    let rendered = Rendered {
        markdown: table::markdown(report),
        csv: table::csv(report)?,
        json: table::json(report)?,
        bmf: bmf::json(report)?,
    };
    write_file(&dir.join("results.md"), &rendered.markdown)?;
    write_file(&dir.join("results.csv"), &rendered.csv)?;
    write_file(&dir.join("results.json"), &rendered.json)?;
    write_file(&dir.join(bmf::FILE_NAME), &rendered.bmf)?;
    let charts_dir = dir.join(chart::DIR);
    match fs::remove_dir_all(&charts_dir) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            return Err(in_path("cannot replace", &charts_dir, error));
        }
        _ => {}
    }
    fs::create_dir_all(&charts_dir).map_err(|e| in_path("cannot create", &charts_dir, e))?;
    let mut charts: Vec<html::Chart> = Vec::new();
    for view in views(&report.cells) {
        let main = chart::svg(&view).map_err(io::Error::other)?;
        let scaling = sweep::svg(&view).map_err(io::Error::other)?;
        let latency = load::is_rated(&view).then(|| load::svg(&view));
        let latency = latency.transpose().map_err(io::Error::other)?.flatten();
        let stems = [
            view.file_stem.clone(),
            format!("{}{}", view.file_stem, sweep::SUFFIX),
            load::chart_stem(&view.file_stem),
        ];
        for (stem, svg) in stems.into_iter().zip([main, scaling, latency]) {
            if let Some(svg) = svg {
                write_file(&charts_dir.join(format!("{stem}.svg")), &svg)?;
                charts.push(html::Chart { stem, svg });
            }
        }
    }
    let stems: Vec<String> = charts.iter().map(|chart| chart.stem.clone()).collect();
    write_file(&dir.join(index::FILE_NAME), &index::markdown(report, &stems))?;
    let semantics = match fs::read_to_string(dir.join(html::SEMANTICS_FILE)) {
        Ok(markdown) => Some(markdown),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => return Err(in_path("cannot read", &dir.join(html::SEMANTICS_FILE), error)),
    };
    let page = html::page(report, &charts, semantics.as_deref());
    write_file(&dir.join(html::FILE_NAME), &page)?;
    Ok(rendered)
}

/// `fs::write` whose error names the file.
fn write_file(path: &Path, contents: &str) -> io::Result<()> {
    fs::write(path, contents).map_err(|error| in_path("cannot write", path, error))
}

/// `error`, its message prefixed with what was done to which path.
fn in_path(what: &str, path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{what} {}: {error}", path.display()))
}

/// What makes cells of one scenario comparable, the runtime aside: one chart each.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Setting {
    /// Parameter sizes.
    pub size: Size,
    /// How each worker sampled.
    pub sampling: Sampling,
    /// Parameter values.
    pub params: BTreeMap<String, u64>,
}

impl Setting {
    fn of(cell: &CellResult) -> Self {
        Setting {
            size: cell.cell.size,
            sampling: cell.cell.sampling,
            params: cell.cell.params.clone(),
        }
    }
}

/// The cells of one scenario measured at one [`Setting`], runtimes side by side.
#[derive(Debug)]
pub struct View<'a> {
    /// The scenario.
    pub scenario: &'a str,
    /// Its setting.
    pub setting: Setting,
    /// The chart's file name without `.svg`: the scenario's name, followed by `-2`, `-3`…
    /// for its other settings.
    pub file_stem: String,
    /// The cells, in the order recorded.
    pub cells: Vec<&'a CellResult>,
}

impl View<'_> {
    /// The scenario's name, with its parameters when it was measured at other settings
    /// too.
    pub fn title(&self) -> String {
        match self.file_stem == self.scenario {
            true => self.scenario.to_owned(),
            false => format!("{} ({})", self.scenario, self.cells[0].cell.params_text()),
        }
    }
}

/// Every (scenario, setting) with its cells, scenarios in the order first recorded.
pub fn views(cells: &[CellResult]) -> Vec<View<'_>> {
    let mut views: Vec<View<'_>> = Vec::new();
    for cell in cells {
        let setting = Setting::of(cell);
        let scenario = cell.cell.scenario.as_str();
        match views.iter_mut().find(|v| v.scenario == scenario && v.setting == setting) {
            Some(view) => view.cells.push(cell),
            None => {
                let earlier = views.iter().filter(|v| v.scenario == scenario).count();
                let file_stem = match earlier {
                    0 => scenario.to_owned(),
                    n => format!("{scenario}-{}", n + 1),
                };
                views.push(View { scenario, setting, file_stem, cells: vec![cell] });
            }
        }
    }
    // A scenario's settings together, scenarios in the order first recorded.
    views.sort_by_key(|view| first_position(cells, view.scenario));
    views
}

/// Where `scenario` first appears among `cells`.
fn first_position(cells: &[CellResult], scenario: &str) -> usize {
    cells.iter().position(|cell| cell.cell.scenario == scenario).unwrap_or(usize::MAX)
}

/// The cells one comparison holds: a class as the tables compare it (per-core flavours
/// with the work-stealing ones) and, for the classes that take threads, the thread
/// count. Tables, charts and findings compare only within one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClassGroup {
    /// [`Class::compared_as`] of the cells' class.
    pub class: Class,
    /// The thread count, for the classes that take one.
    pub threads: Option<usize>,
}

impl ClassGroup {
    /// The group `cell` is compared in.
    pub fn of(cell: &CellResult) -> Self {
        ClassGroup {
            class: cell.facts.class.compared_as(),
            threads: cell.facts.class.takes_threads().then_some(cell.cell.threads),
        }
    }

    /// `"1-thread flavours"`, `"N-thread flavours, 2 threads"`.
    pub fn label(&self) -> String {
        match self.threads {
            Some(threads) => format!(
                "{} flavours, {threads} thread{}",
                self.class.label(),
                if threads == 1 { "" } else { "s" }
            ),
            None => format!("{} flavours", self.class.label()),
        }
    }
}

/// `cells` by [`ClassGroup`], groups in table order (1-thread first, then by thread
/// count); within a group work-stealing flavours before per-core ones, otherwise in the
/// order given. No group's cells are ever interleaved with another's.
pub fn by_class<'a>(cells: &[&'a CellResult]) -> Vec<(ClassGroup, Vec<&'a CellResult>)> {
    let mut groups: Vec<(ClassGroup, Vec<&'a CellResult>)> = Vec::new();
    for &cell in cells {
        let group = ClassGroup::of(cell);
        match groups.iter_mut().find(|(seen, _)| *seen == group) {
            Some((_, members)) => members.push(cell),
            None => groups.push((group, vec![cell])),
        }
    }
    groups.sort_by_key(|(group, _)| *group);
    for (_, members) in &mut groups {
        // Stable: the given order within each class.
        members.sort_by_key(|cell| cell.facts.class);
    }
    groups
}

/// A runtime's name as tables and charts show it: `(legacy)` after a legacy one's.
pub fn runtime_label(name: &str, legacy: bool) -> String {
    if legacy {
        format!("{name} (legacy)")
    } else {
        name.to_owned()
    }
}

/// A cell as shown in tables and progress lines: its headline metric's median, 95 %
/// interval and unit (`"1234 (1180–1290) ns/spawn"`), `unstable` when its rounds
/// disagree, then the CPU utilisation while sampling (`"CPU 97 %"`: CPU time ÷ wall
/// time ÷ threads); or `"n/a: reason"`, or `"FAILED: reason"`.
pub fn cell_text(cell: &CellResult) -> String {
    match &cell.status {
        Status::Ok { metrics, .. } => {
            let Some(headline) = metrics.first() else {
                return "ok (no figures)".to_owned();
            };
            let mut text = format!(
                "{} ({}–{}) {}",
                number(headline.median),
                number(headline.low),
                number(headline.high),
                headline.name
            );
            if headline.unstable {
                text.push_str(" unstable");
            }
            if let Some(utilisation) = cell.usage.and_then(|usage| usage.cpu_utilisation) {
                text.push_str(&format!("; CPU {:.0} %", utilisation * 100.0));
            }
            text
        }
        Status::NotApplicable { reason } => format!("n/a: {reason}"),
        Status::Failed { reason, .. } => format!("FAILED: {reason}"),
    }
}
