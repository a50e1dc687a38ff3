//! A cell's figure from its rounds: the rounds of one [`CellSpec`] in the results file
//! become one [`CellResult`], which is what tables, charts and exports show.
//!
//! A cell is as good as its worst round: one failed round makes it failed (with that
//! round's reason), one `n/a` makes it `n/a`; otherwise each metric's figure is the
//! median of its round medians with the 95 % interval a rerun's figure should land in,
//! built over rounds, then samples ([`crate::estimate`]), and the cell is *unstable* when its rounds disagree beyond
//! their own spread.

use serde::{Deserialize, Serialize};

use crate::estimate;
use crate::results::{CellFacts, MetricSamples, Recorded, RoundRecord, Status, Usage};
use crate::spec::CellSpec;
use crate::stats;

/// One cell over all its recorded rounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// Its identity and settings.
    pub cell: CellSpec,
    /// The scenario's lesson and the runtime's crate, as the last round recorded them.
    #[serde(flatten)]
    pub facts: CellFacts,
    /// Threads that ran tasks, as the last round reported.
    pub threads_used: Option<usize>,
    /// Worker processes (rounds) behind the figures.
    pub rounds: usize,
    /// CPU and memory, over the rounds that reported them.
    pub usage: Option<UsageSummary>,
    /// The cell's result.
    #[serde(flatten)]
    pub status: Status<MetricSummary>,
}

/// One metric of a cell over all its rounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// Name and unit, e.g. `"ns/spawn"`.
    pub name: String,
    /// Whether smaller is better.
    pub lower_is_better: bool,
    /// The median of the round medians.
    pub median: f64,
    /// Lower bound of its 95 % rerun interval ([`estimate::rerun_interval`]).
    pub low: f64,
    /// Upper bound of its 95 % rerun interval.
    pub high: f64,
    /// Whether the rounds disagree beyond their own spread ([`estimate::unstable`]).
    pub unstable: bool,
    /// Median absolute deviation of all samples, within and between rounds.
    pub mad: f64,
    /// Samples whose modified z-score among all samples exceeds 3.5.
    pub outliers: usize,
    /// Every sample, one list per round.
    pub rounds: Vec<Vec<f64>>,
}

/// The bootstrap's seed: fixed, so the same results always give the same report (and
/// the same comparison).
pub const SEED: u64 = 0x7274_6265_6e63_6821;

/// CPU and memory of a cell: medians over its rounds, peak memory the highest.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsageSummary {
    /// CPU time ÷ wall time ÷ threads while sampling (see [`Usage::utilisation`]).
    pub cpu_utilisation: Option<f64>,
    /// CPU nanoseconds per scenario element while sampling.
    pub cpu_ns_per_element: Option<f64>,
    /// The highest peak resident memory of any round, KiB.
    pub peak_rss_kib: u64,
    /// Voluntary context switches per round while sampling (median).
    pub voluntary_switches: f64,
    /// Involuntary context switches per round while sampling (median).
    pub involuntary_switches: f64,
}

/// Every cell of `recorded`, in the order its first round was written.
pub fn cells(recorded: &Recorded) -> Vec<CellResult> {
    cells_of(&recorded.rounds)
}

/// The cells of `rounds`, in the order each cell's first round comes.
pub fn cells_of(rounds: &[RoundRecord]) -> Vec<CellResult> {
    let mut groups: Vec<(&CellSpec, Vec<&RoundRecord>)> = Vec::new();
    for round in rounds {
        match groups.iter_mut().find(|(cell, _)| **cell == round.cell) {
            Some((_, rounds)) => rounds.push(round),
            None => groups.push((&round.cell, vec![round])),
        }
    }
    groups.into_iter().map(|(_, rounds)| combine(&rounds)).collect()
}

/// One cell from its rounds (at least one).
fn combine(rounds: &[&RoundRecord]) -> CellResult {
    let last = rounds.last().expect("a cell has a round");
    CellResult {
        cell: last.cell.clone(),
        facts: last.facts.clone(),
        threads_used: last.threads_used,
        rounds: rounds.len(),
        usage: usage(rounds),
        status: status(rounds),
    }
}

fn status(rounds: &[&RoundRecord]) -> Status<MetricSummary> {
    let worst = rounds
        .iter()
        .find(|r| r.status.is_failed())
        .or_else(|| rounds.iter().find(|r| matches!(r.status, Status::NotApplicable { .. })));
    match worst.map(|round| &round.status) {
        Some(Status::Failed { kind, reason }) => {
            Status::Failed { kind: *kind, reason: reason.clone() }
        }
        Some(Status::NotApplicable { reason }) => Status::NotApplicable { reason: reason.clone() },
        _ => measured(rounds),
    }
}

/// The summary of rounds that all measured: each metric of the first round over every
/// round that has it; notes once each.
fn measured(rounds: &[&RoundRecord]) -> Status<MetricSummary> {
    let oks: Vec<(&String, &Vec<String>, u32, &Vec<MetricSamples>)> = rounds
        .iter()
        .filter_map(|round| match &round.status {
            Status::Ok { checked, notes, warmup, metrics } => {
                Some((checked, notes, *warmup, metrics))
            }
            _ => None,
        })
        .collect();
    let (checked, _, warmup, first) = oks[0];
    let metrics = first
        .iter()
        .map(|metric| {
            let rounds = oks
                .iter()
                .flat_map(|(_, _, _, metrics)| metrics.iter().filter(|m| m.name == metric.name))
                .map(|m| m.samples.clone())
                .filter(|samples| !samples.is_empty())
                .collect();
            summarize(metric, rounds)
        })
        .collect();
    let mut notes: Vec<String> = Vec::new();
    for note in oks.iter().flat_map(|(_, notes, _, _)| notes.iter()) {
        if !notes.contains(note) {
            notes.push(note.clone());
        }
    }
    Status::Ok { checked: checked.clone(), notes, warmup, metrics }
}

fn summarize(metric: &MetricSamples, rounds: Vec<Vec<f64>>) -> MetricSummary {
    let pooled: Vec<f64> = rounds.iter().flatten().copied().collect();
    let stats::Robust { mad, outliers, .. } = stats::robust(&pooled);
    let estimate::Interval { median, low, high } = estimate::rerun_interval(&rounds, SEED);
    MetricSummary {
        name: metric.name.clone(),
        lower_is_better: metric.lower_is_better,
        median,
        low,
        high,
        unstable: estimate::unstable(&rounds),
        mad,
        outliers: outliers.len(),
        rounds,
    }
}

fn usage(rounds: &[&RoundRecord]) -> Option<UsageSummary> {
    let reported: Vec<(Usage, usize)> = rounds
        .iter()
        .filter_map(|round| Some((round.usage?, round.threads_used.unwrap_or(round.cell.threads))))
        .collect();
    if reported.is_empty() {
        return None;
    }
    let median_of = |values: Vec<f64>| (!values.is_empty()).then(|| stats::median(values));
    Some(UsageSummary {
        cpu_utilisation: median_of(
            reported.iter().filter_map(|(usage, threads)| usage.utilisation(*threads)).collect(),
        ),
        cpu_ns_per_element: median_of(
            reported.iter().filter_map(|(usage, _)| usage.cpu_ns_per_element()).collect(),
        ),
        peak_rss_kib: reported.iter().map(|(usage, _)| usage.peak_rss_kib).max().unwrap_or(0),
        voluntary_switches: stats::median(
            reported.iter().map(|(usage, _)| usage.voluntary_switches as f64).collect(),
        ),
        involuntary_switches: stats::median(
            reported.iter().map(|(usage, _)| usage.involuntary_switches as f64).collect(),
        ),
    })
}

#[cfg(test)]
impl CellResult {
    /// A cell of `class` measured over `rounds` of samples of one metric, summarized as a
    /// report would, for tests.
    pub fn test_measured(
        cell: CellSpec,
        class: rtbench_core::Class,
        metric: &str,
        lower_is_better: bool,
        rounds: &[&[f64]],
    ) -> Self {
        let records: Vec<RoundRecord> = rounds
            .iter()
            .enumerate()
            .map(|(round, samples)| RoundRecord {
                cell: cell.clone(),
                round: round as u32,
                facts: CellFacts {
                    lesson: "test".into(),
                    crate_name: "crate".into(),
                    crate_version: "1.0.0".into(),
                    class,
                    legacy: false,
                },
                threads_used: Some(cell.threads),
                wall_ms: 1,
                usage: None,
                status: Status::Ok {
                    checked: "test".into(),
                    notes: Vec::new(),
                    warmup: 1,
                    metrics: vec![MetricSamples {
                        name: metric.into(),
                        lower_is_better,
                        samples: samples.to_vec(),
                    }],
                },
            })
            .collect();
        cells_of(&records).remove(0)
    }
}
