//! `rtbench compare BASE NEW`: what changed between two runs, cell by cell.
//!
//! Two tables of figures side by side invite the eye to read noise as change. So this
//! command pairs each cell of NEW with the same cell of BASE, estimates NEW ÷ BASE with a
//! 95 % interval over both runs' rounds and samples ([`estimate::ratio_interval`]), and
//! says only what that interval supports ([`estimate::verdict`]): worse or better by
//! more than the threshold, no change, or inconclusive. Above the tables it names what
//! differs between the two environments ([`differences`]), because a new machine,
//! compiler or setting moves figures as surely as new code does.
//!
//! **Matching.** Cells are paired by (scenario, runtime, size, threads, parameters): what
//! decides the work a figure measures. Sampling (warm-up, samples, budget) is left out:
//! it changes how precisely the same quantity is estimated, not which quantity, and the
//! intervals already account for it. Such pairs are compared and marked *sampled
//! differently*; where a side holds one cell at several samplings, the exact same
//! sampling is paired first.
//!
//! **Not compared**, listed below the tables rather than dropped: a cell run on one side
//! only (with how the other side's cells of that scenario and runtime differ, e.g. their
//! thread count), a cell n/a or failed on either side, a metric one side lacks.
//!
//! **Order.** One table per class: 1-thread flavours, then N-thread flavours per thread
//! count. Within a table, worse first, then inconclusive, no change and better, each with
//! the worst change first.
//!
//! **Verdict words** say the direction for the reader: `worse by 12 %`, `better by 8 %`,
//! where the percentage is the change of the metric, |ratio − 1|. Not `slower`/`faster`:
//! some metrics are not times (`bytes/task`), and a results file records only whether
//! lower is better, not what a metric measures.
//!
//! **Calibration** ([`calibration`]): how well the two runs agree cell by cell, the
//! figures the README quotes for two runs of the same settings.
//!
//! Exit codes: 0 when compared; 1 with `--fail-on-regression PCT` when a metric is worse
//! by more than PCT % with confidence (its verdict at threshold PCT is `worse`), or when
//! stdout cannot be written; 2 for usage errors, including a directory without results
//! and a results file that cannot be read (the message names BASE or NEW and the path):
//! a CI job can tell "slower" (1) from "could not compare" (2). Nothing is written and no
//! directory is locked: a run in progress in either directory is read as far as it got.

pub mod calibration;
pub mod differences;
pub mod render;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rtbench_core::{Class, Size};
use serde::Serialize;

use crate::cli::Metrics;
use crate::estimate::{self, Ratio, Verdict};
use crate::report::Report;
use crate::results::Status;
use crate::spec::{CellSpec, Sampling};
use crate::summary::{self, CellResult, MetricSummary};

use calibration::Calibration;
use differences::Difference;

/// Fewest rounds per cell behind intervals that mean what they say (see
/// [`crate::estimate`]): with fewer, the caveats say so.
const FEW_ROUNDS: usize = 5;

/// Two runs compared: see the module doc.
#[derive(Debug, Serialize)]
pub struct Comparison {
    /// BASE's results directory.
    pub base: PathBuf,
    /// NEW's results directory.
    pub new: PathBuf,
    /// Changes smaller than this fraction are no change.
    pub threshold: f64,
    /// What differs between the two environments; empty for the same machine, build and
    /// settings.
    pub differences: Vec<Difference>,
    /// What a reader must know before trusting the verdicts (few rounds, debug builds).
    pub caveats: Vec<String>,
    /// The compared metrics, in table order.
    pub rows: Vec<Row>,
    /// What could not be compared, and why.
    pub not_compared: Vec<NotCompared>,
    /// How well the two runs agree; `None` when no cell was measured on both sides.
    pub calibration: Option<Calibration>,
}

/// What pairs a cell of BASE with one of NEW: its [`CellSpec`] less the sampling.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Key {
    pub scenario: String,
    pub runtime: String,
    pub size: Size,
    pub threads: usize,
    pub params: BTreeMap<String, u64>,
}

impl Key {
    fn of(spec: &CellSpec) -> Self {
        Key {
            scenario: spec.scenario.clone(),
            runtime: spec.runtime.clone(),
            size: spec.size,
            threads: spec.threads,
            params: spec.params.clone(),
        }
    }
}

/// One metric of one cell, compared.
#[derive(Debug, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub key: Key,
    pub class: Class,
    pub legacy: bool,
    /// Name and unit, e.g. `"ns/spawn"`.
    pub metric: String,
    pub lower_is_better: bool,
    pub base: Figure,
    pub new: Figure,
    /// NEW ÷ BASE with its 95 % interval.
    pub ratio: Ratio,
    /// What the ratio says at the comparison's threshold.
    pub verdict: Verdict,
    pub base_sampling: Sampling,
    pub new_sampling: Sampling,
}

impl Row {
    /// Whether the two cells were sampled with other settings.
    pub fn sampled_differently(&self) -> bool {
        self.base_sampling != self.new_sampling
    }

    /// How much worse NEW is than BASE, as a factor above 1 for worse and below 1 for
    /// better, whichever way the metric is better: the key that puts the worst first.
    fn badness(&self) -> f64 {
        if self.lower_is_better {
            self.ratio.ratio
        } else {
            1.0 / self.ratio.ratio
        }
    }

    /// The table the row belongs in: its class, and its thread count if multi-thread.
    pub fn table(&self) -> (Class, Option<usize>) {
        (self.class.compared_as(), self.class.takes_threads().then_some(self.key.threads))
    }
}

/// One side's figure for a metric, as its report shows it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// The median of round medians.
    pub median: f64,
    /// Its 95 % interval.
    pub low: f64,
    pub high: f64,
    /// Worker processes behind it.
    pub rounds: usize,
    /// Whether its rounds disagree beyond their own spread.
    pub unstable: bool,
}

impl Figure {
    fn of(metric: &MetricSummary) -> Self {
        Figure {
            median: metric.median,
            low: metric.low,
            high: metric.high,
            rounds: metric.rounds.len(),
            unstable: metric.unstable,
        }
    }

    /// The figure as an [`estimate::Interval`].
    pub fn interval(&self) -> estimate::Interval {
        estimate::Interval { median: self.median, low: self.low, high: self.high }
    }
}

/// A cell, or one of its metrics, that could not be compared.
#[derive(Debug, PartialEq, Serialize)]
pub struct NotCompared {
    #[serde(flatten)]
    pub key: Key,
    #[serde(flatten)]
    pub why: Why,
}

/// Why a cell or metric was not compared.
#[derive(Debug, PartialEq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Why {
    /// The cell was run on one side only. `elsewhere`: how the other side's first cell of
    /// the same scenario and runtime differs from it, BASE → NEW (empty when there is
    /// none).
    OnlyIn { side: Side, elsewhere: Vec<String> },
    /// The cell is n/a or failed on a side: each side's status in words.
    NotMeasured { base: String, new: String },
    /// A metric only one side has (with `--metric headline`, each side's headline).
    MetricOnlyIn { side: Side, metric: String },
}

/// BASE or NEW.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Base,
    New,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Base => "BASE",
            Side::New => "NEW",
        })
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::OnlyIn { side, elsewhere } if elsewhere.is_empty() => write!(f, "only in {side}"),
            Why::OnlyIn { side, elsewhere } => {
                write!(f, "only in {side}; the other run has it with {}", elsewhere.join(", "))
            }
            Why::NotMeasured { base, new } => write!(f, "BASE {base}; NEW {new}"),
            Why::MetricOnlyIn { side, metric } => write!(f, "metric `{metric}` only in {side}"),
        }
    }
}

impl Comparison {
    /// Loads both directories and compares them; the error names the side and path.
    pub fn load(base: &Path, new: &Path, metrics: Metrics, threshold: f64) -> Result<Self, String> {
        let load = |side: Side, dir: &Path| {
            Report::load(dir).map_err(|error| format!("{side} ({}): {error}", dir.display()))
        };
        let (base_report, new_report) = (load(Side::Base, base)?, load(Side::New, new)?);
        Ok(Comparison::of((base, &base_report), (new, &new_report), metrics, threshold))
    }

    /// Compares two reports, each with the directory it came from (see the module doc).
    pub fn of(
        (base_dir, base): (&Path, &Report),
        (new_dir, new): (&Path, &Report),
        metrics: Metrics,
        threshold: f64,
    ) -> Self {
        let Paired { pairs, only_base, only_new } = pair(&base.cells, &new.cells);
        let mut rows = Vec::new();
        let mut not_compared = Vec::new();
        for (b, n) in &pairs {
            let (compared, missing) = compare_cells(b, n, metrics, threshold);
            rows.extend(compared);
            not_compared.extend(missing);
        }
        rows.sort_by(|a, b| {
            (a.table(), verdict_rank(a.verdict))
                .cmp(&(b.table(), verdict_rank(b.verdict)))
                .then(b.badness().total_cmp(&a.badness()))
                .then(a.key.cmp(&b.key))
        });
        not_compared.extend(only_in(Side::Base, &only_base, &new.cells));
        not_compared.extend(only_in(Side::New, &only_new, &base.cells));
        let headlines: Vec<_> = pairs.iter().filter_map(|(b, n)| headlines(b, n)).collect();
        Comparison {
            base: base_dir.to_owned(),
            new: new_dir.to_owned(),
            threshold,
            differences: differences::between(base.environment.as_ref(), new.environment.as_ref()),
            caveats: caveats(&rows, base, new),
            rows,
            not_compared,
            calibration: calibration::measure(&headlines),
        }
    }

    /// The rows worse by more than `threshold` with confidence.
    pub fn regressions(&self, threshold: f64) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|row| {
                estimate::verdict(&row.ratio, row.lower_is_better, threshold) == Verdict::Worse
            })
            .collect()
    }
}

/// Cells paired across the two runs, and those left over on each side.
struct Paired<'a> {
    pairs: Vec<(&'a CellResult, &'a CellResult)>,
    only_base: Vec<&'a CellResult>,
    only_new: Vec<&'a CellResult>,
}

/// Pairs cells with the same [`Key`], each cell at most once: first those whose whole
/// [`CellSpec`] matches, then the rest by key (sampling aside), in BASE's order.
fn pair<'a>(base: &'a [CellResult], new: &'a [CellResult]) -> Paired<'a> {
    let mut unpaired: Vec<Option<&CellResult>> = new.iter().map(Some).collect();
    let mut take = |matches: &dyn Fn(&CellResult) -> bool| {
        unpaired.iter_mut().find(|slot| slot.is_some_and(matches)).and_then(Option::take)
    };
    let exact: Vec<(&CellResult, Option<&CellResult>)> =
        base.iter().map(|b| (b, take(&|n| n.cell == b.cell))).collect();
    let mut paired = Paired { pairs: Vec::new(), only_base: Vec::new(), only_new: Vec::new() };
    for (b, found) in exact {
        match found.or_else(|| take(&|n| Key::of(&n.cell) == Key::of(&b.cell))) {
            Some(n) => paired.pairs.push((b, n)),
            None => paired.only_base.push(b),
        }
    }
    paired.only_new = unpaired.into_iter().flatten().collect();
    paired
}

/// The chosen metrics of two paired cells: a row for each metric both have, and what
/// cannot be compared (the cell, or each metric one side lacks).
fn compare_cells(
    base: &CellResult,
    new: &CellResult,
    metrics: Metrics,
    threshold: f64,
) -> (Vec<Row>, Vec<NotCompared>) {
    let key = Key::of(&base.cell);
    let (Status::Ok { metrics: base_metrics, .. }, Status::Ok { metrics: new_metrics, .. }) =
        (&base.status, &new.status)
    else {
        let why = Why::NotMeasured { base: outcome(&base.status), new: outcome(&new.status) };
        return (Vec::new(), vec![NotCompared { key, why }]);
    };
    let (base_metrics, new_metrics) = (chosen(base_metrics, metrics), chosen(new_metrics, metrics));
    let lacking = |side, metrics: &[MetricSummary], others: &[MetricSummary]| {
        let missing = metrics.iter().filter(|m| !others.iter().any(|o| o.name == m.name));
        let why = |metric: &MetricSummary| Why::MetricOnlyIn { side, metric: metric.name.clone() };
        missing.map(|metric| NotCompared { key: key.clone(), why: why(metric) }).collect::<Vec<_>>()
    };
    let rows = base_metrics
        .iter()
        .filter_map(|b| {
            Some(row(base, b, new, new_metrics.iter().find(|n| n.name == b.name)?, threshold))
        })
        .collect();
    let mut missing = lacking(Side::Base, base_metrics, new_metrics);
    missing.extend(lacking(Side::New, new_metrics, base_metrics));
    (rows, missing)
}

/// The metrics `--metric` asks for: the headline (the first), or all.
fn chosen(metrics: &[MetricSummary], which: Metrics) -> &[MetricSummary] {
    match which {
        Metrics::Headline => &metrics[..metrics.len().min(1)],
        Metrics::All => metrics,
    }
}

/// One metric of two paired cells, compared.
fn row(
    base: &CellResult,
    base_metric: &MetricSummary,
    new: &CellResult,
    new_metric: &MetricSummary,
    threshold: f64,
) -> Row {
    let ratio = estimate::ratio_interval(&base_metric.rounds, &new_metric.rounds, summary::SEED);
    Row {
        key: Key::of(&new.cell),
        class: new.facts.class,
        legacy: new.facts.legacy,
        metric: new_metric.name.clone(),
        lower_is_better: new_metric.lower_is_better,
        base: Figure::of(base_metric),
        new: Figure::of(new_metric),
        verdict: estimate::verdict(&ratio, new_metric.lower_is_better, threshold),
        ratio,
        base_sampling: base.cell.sampling,
        new_sampling: new.cell.sampling,
    }
}

/// A cell's status in a few words: `measured`, `n/a (reason)`, `failed (reason)`.
fn outcome<M>(status: &Status<M>) -> String {
    match status {
        Status::Ok { .. } => "measured".to_owned(),
        Status::NotApplicable { reason } => format!("n/a ({reason})"),
        Status::Failed { reason, .. } => format!("failed ({reason})"),
    }
}

/// Worse first, better last.
fn verdict_rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Worse => 0,
        Verdict::Inconclusive => 1,
        Verdict::NoChange => 2,
        Verdict::Better => 3,
    }
}

/// The `cells` run on `side` only, each with how `others` (the other side's cells) hold
/// its scenario and runtime.
fn only_in(side: Side, cells: &[&CellResult], others: &[CellResult]) -> Vec<NotCompared> {
    let listed = cells.iter().map(|cell| NotCompared {
        key: Key::of(&cell.cell),
        why: Why::OnlyIn { side, elsewhere: elsewhere(side, cell, others) },
    });
    listed.collect()
}

/// How the first of `others` with `cell`'s scenario and runtime differs from it, written
/// BASE → NEW (`cell` is on `side`): e.g. `threads 2 → 4`.
fn elsewhere(side: Side, cell: &CellResult, others: &[CellResult]) -> Vec<String> {
    let same = |other: &&CellResult| {
        (&other.cell.scenario, &other.cell.runtime) == (&cell.cell.scenario, &cell.cell.runtime)
    };
    let Some(other) = others.iter().find(same) else {
        return Vec::new();
    };
    let (mine, theirs) = (Key::of(&cell.cell), Key::of(&other.cell));
    match side {
        Side::Base => changes(&mine, &theirs),
        Side::New => changes(&theirs, &mine),
    }
}

/// What differs from `base` to `new`: size, threads, each parameter (`—` where absent).
fn changes(base: &Key, new: &Key) -> Vec<String> {
    let mut changes = Vec::new();
    if base.size != new.size {
        changes.push(format!("size {} → {}", base.size.label(), new.size.label()));
    }
    if base.threads != new.threads {
        changes.push(format!("threads {} → {}", base.threads, new.threads));
    }
    let value = |params: &BTreeMap<String, u64>, name: &str| {
        params.get(name).map_or_else(|| "—".to_owned(), u64::to_string)
    };
    let mut names: Vec<&String> = base.params.keys().chain(new.params.keys()).collect();
    names.sort();
    names.dedup();
    for name in names.into_iter().filter(|name| base.params.get(*name) != new.params.get(*name)) {
        changes.push(format!(
            "{name} {} → {}",
            value(&base.params, name),
            value(&new.params, name)
        ));
    }
    changes
}

/// The headline figures of a pair measured on both sides under the same headline
/// metric, for [`calibration::measure`].
fn headlines(base: &CellResult, new: &CellResult) -> Option<(Figure, Figure)> {
    let headline = |cell: &CellResult| match &cell.status {
        Status::Ok { metrics, .. } => metrics.first().cloned(),
        _ => None,
    };
    let (b, n) = (headline(base)?, headline(new)?);
    (b.name == n.name).then(|| (Figure::of(&b), Figure::of(&n)))
}

/// What makes the verdicts less sure than they read: cells over fewer than
/// [`FEW_ROUNDS`] rounds, debug builds; each once, naming the sides it applies to.
fn caveats(rows: &[Row], base: &Report, new: &Report) -> Vec<String> {
    let sides = [
        (Side::Base, base, rows.iter().map(|row| row.base.rounds).min()),
        (Side::New, new, rows.iter().map(|row| row.new.rounds).min()),
    ];
    let mut caveats: Vec<(String, Vec<String>)> = Vec::new();
    for (side, report, rounds) in sides {
        let debug = report.environment.as_ref().is_some_and(|e| e.build_profile == "debug");
        let found = [
            rounds.and_then(few_rounds),
            debug.then(|| "built in debug mode, so figures are not representative".to_owned()),
        ];
        for caveat in found.into_iter().flatten() {
            match caveats.iter_mut().find(|(known, _)| *known == caveat) {
                Some((_, sides)) => sides.push(side.to_string()),
                None => caveats.push((caveat, vec![side.to_string()])),
            }
        }
    }
    caveats
        .into_iter()
        .map(|(caveat, sides)| format!("{}: {caveat}", sides.join(" and ")))
        .collect()
}

/// What intervals over `rounds` rounds per cell fail to show, if anything.
fn few_rounds(rounds: usize) -> Option<String> {
    match rounds {
        1 => Some(format!(
            "cells of 1 round, whose intervals know only the noise between samples, not \
             between processes, so verdicts on them claim too much; use --rounds {FEW_ROUNDS} \
             or more"
        )),
        rounds if rounds < FEW_ROUNDS => Some(format!(
            "cells of {rounds} rounds; intervals over fewer than {FEW_ROUNDS} rounds are \
             widened for it (as Student's t is), so verdicts on them are mostly \
             inconclusive: more rounds narrow them"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
