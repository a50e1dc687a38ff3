//! Findings generated from the figures, so that the headline observations can never
//! drift from the tables they come from.
//!
//! For each scenario (at each setting) and class group ([`super::ClassGroup`]: runtimes
//! are only ever compared within one), a [`Finding`] holds the measured headline figures,
//! best first, and derives:
//!
//! - the **lead**: the best runtime, how many times better than the runner-up, and
//!   whether that is *beyond the intervals* (their 95 % rerun intervals do not overlap)
//!   or *within* them (a rerun could swap them);
//! - the **range** of the group's medians, and its **outliers**: with three figures or
//!   more, a runtime 3× or more above or below the group's median is named apart, with
//!   a caveat when its interval reaches the others' range — "1-thread flavours 119–235,
//!   except tokio-ct 2 826".
//!
//! A scenario **stands out** when a group has an outlier whose interval is clear of the
//! others' range (noise alone rarely puts it there), or when its groups' medians
//! differ 3× or more (a task blocking 50 ms stalls every 1-thread runtime, none of the
//! N-thread ones). Those are the "What stands out" bullets of `index.md`, `results.md`
//! and `report.html`; the lead of every scenario is in the summary tables.

use super::format::number;
use super::tabular::Table;
use super::{ClassGroup, View};
use crate::summary::{CellResult, MetricSummary};

/// How far from its group's median a figure is an outlier, and how far apart two groups'
/// medians make a scenario stand out.
const FACTOR: f64 = 3.0;

/// A runtime's cell and its headline figure.
pub type Figure<'a> = (&'a CellResult, &'a MetricSummary);

/// One scenario's figures in one class group.
pub struct Finding<'a> {
    /// The scenario, with its parameters where it was measured at several settings.
    pub title: String,
    /// The class group compared.
    pub group: ClassGroup,
    /// The headline metric's name.
    pub metric: &'a str,
    /// Whether lower is better.
    pub lower_is_better: bool,
    /// Each runtime's figure, best first.
    pub figures: Vec<Figure<'a>>,
}

/// The best runtime of a [`Finding`] and its margin over the runner-up.
pub struct Lead<'a> {
    pub leader: Figure<'a>,
    pub runner_up: Figure<'a>,
    /// How many times better the leader's median is (≥ 1).
    pub factor: f64,
    /// Whether the two 95 % rerun intervals do not overlap.
    pub beyond_intervals: bool,
}

/// The findings of every view: one per scenario, setting and class group with at least
/// one figure, in the tables' order.
pub fn of<'a>(views: &[View<'a>]) -> Vec<Finding<'a>> {
    let mut findings = Vec::new();
    for view in views {
        let Some(first) = view.cells.iter().find_map(|cell| super::chart::headline(cell)) else {
            continue;
        };
        let title = view.title();
        for (group, cells) in super::by_class(&view.cells) {
            let mut figures: Vec<Figure<'_>> = cells
                .into_iter()
                .filter_map(|cell| {
                    let figure = super::chart::headline(cell)?;
                    (figure.name == first.name).then_some((cell, figure))
                })
                .collect();
            if figures.is_empty() {
                continue;
            }
            figures.sort_by(|a, b| a.1.median.total_cmp(&b.1.median));
            if !first.lower_is_better {
                figures.reverse();
            }
            findings.push(Finding {
                title: title.clone(),
                group,
                metric: &first.name,
                lower_is_better: first.lower_is_better,
                figures,
            });
        }
    }
    findings
}

impl<'a> Finding<'a> {
    /// The leader and its margin; `None` with fewer than two figures.
    pub fn lead(&self) -> Option<Lead<'a>> {
        let (&leader, &runner_up) = (self.figures.first()?, self.figures.get(1)?);
        let (best, next) = (leader.1, runner_up.1);
        let factor = match self.lower_is_better {
            true => next.median / best.median,
            false => best.median / next.median,
        };
        let beyond_intervals = best.high < next.low || next.high < best.low;
        Some(Lead { leader, runner_up, factor, beyond_intervals })
    }

    /// The group's median of medians.
    fn median(&self) -> f64 {
        crate::stats::median(self.figures.iter().map(|(_, figure)| figure.median).collect())
    }

    /// Whether `figure` is 3× or more from the group's median (with three figures or
    /// more; with fewer there is no typical value to stand out from).
    fn is_outlier(&self, figure: &MetricSummary) -> bool {
        let median = self.median();
        self.figures.len() >= 3
            && median > 0.0
            && (figure.median >= median * FACTOR || figure.median * FACTOR <= median)
    }

    /// The figures that are not outliers, and those that are.
    fn split(&self) -> (Vec<Figure<'a>>, Vec<Figure<'a>>) {
        self.figures.iter().partition(|(_, figure)| !self.is_outlier(figure))
    }

    /// `"1-thread flavours 119–235, except tokio-ct 2 826 and monoio 1 899"`: the range
    /// of the medians that are not outliers, then the outliers, each with a caveat when
    /// its interval reaches that range (a rerun could bring it back in).
    pub fn range_text(&self) -> String {
        let (typical, outliers) = self.split();
        let (low, high) = range(&typical);
        let (low_text, high_text) = (number(low), number(high));
        let mut text = match typical.as_slice() {
            [(cell, _)] => format!("{} {low_text} on {}", self.group.label(), name(cell)),
            _ if low_text == high_text => format!("{} {low_text}", self.group.label()),
            _ => format!("{} {low_text}–{high_text}", self.group.label()),
        };
        let named: Vec<String> = outliers
            .iter()
            .map(|(cell, figure)| {
                let caveat = match reaches(figure, (low, high)) {
                    true => " (its interval reaches their range)",
                    false => "",
                };
                format!("{} {}{caveat}", name(cell), number(figure.median))
            })
            .collect();
        if !named.is_empty() {
            text.push_str(", except ");
            text.push_str(&and_list(&named));
        }
        text
    }

    /// Whether some outlier's interval stays clear of the others' range.
    pub fn has_clear_outlier(&self) -> bool {
        let (typical, outliers) = self.split();
        let span = range(&typical);
        outliers.iter().any(|(_, figure)| !reaches(figure, span))
    }
}

/// The lowest and highest median of `figures`.
fn range(figures: &[Figure<'_>]) -> (f64, f64) {
    figures.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), (_, figure)| {
        (low.min(figure.median), high.max(figure.median))
    })
}

/// Whether `figure`'s interval overlaps `(low, high)`.
fn reaches(figure: &MetricSummary, (low, high): (f64, f64)) -> bool {
    figure.low <= high && figure.high >= low
}

/// A runtime's name as the findings give it.
fn name(cell: &CellResult) -> String {
    super::runtime_label(&cell.cell.runtime, cell.facts.legacy)
}

/// `"a"`, `"a and b"`, `"a, b and c"`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The scenarios of `findings` that stand out, each as its title and a sentence: its
/// metric, then each group's range (see the module doc).
pub fn stand_outs(findings: &[Finding<'_>]) -> Vec<(String, String)> {
    by_scenario(findings)
        .into_iter()
        .filter(|groups| {
            let medians: Vec<f64> = groups.iter().map(|finding| finding.median()).collect();
            let low = medians.iter().copied().fold(f64::INFINITY, f64::min);
            let high = medians.iter().copied().fold(0.0, f64::max);
            let apart = low > 0.0 && high >= low * FACTOR;
            apart || groups.iter().any(|finding| finding.has_clear_outlier())
        })
        .map(|groups| ranges(&groups))
        .collect()
}

/// Every scenario of `findings` as its title and a sentence, as [`stand_outs`] gives
/// those that stand out.
pub fn every_scenario(findings: &[Finding<'_>]) -> Vec<(String, String)> {
    by_scenario(findings).iter().map(|groups| ranges(groups)).collect()
}

/// The findings of each scenario (at each setting) together, in the tables' order.
fn by_scenario<'f, 'a>(findings: &'f [Finding<'a>]) -> Vec<Vec<&'f Finding<'a>>> {
    let mut scenarios: Vec<Vec<&Finding<'_>>> = Vec::new();
    for finding in findings {
        match scenarios.iter_mut().find(|groups| groups[0].title == finding.title) {
            Some(groups) => groups.push(finding),
            None => scenarios.push(vec![finding]),
        }
    }
    scenarios
}

/// A scenario's title, and its metric and direction followed by each group's range.
fn ranges(groups: &[&Finding<'_>]) -> (String, String) {
    let first = groups[0];
    let direction = super::chart::direction(first.lower_is_better);
    let ranges: Vec<String> = groups.iter().map(|finding| finding.range_text()).collect();
    (first.title.clone(), format!("({}, {direction}): {}.", first.metric, ranges.join("; ")))
}

/// The summary: for each class group, one row per scenario with its leader, the
/// runner-up, the margin, whether it is beyond the intervals, and the range.
pub fn summary_tables(findings: &[Finding<'_>]) -> Vec<Table> {
    let mut groups: Vec<ClassGroup> = findings.iter().map(|finding| finding.group).collect();
    groups.sort();
    groups.dedup();
    let headers = ["scenario", "metric", "leader", "runner-up", "lead", "beyond the intervals?"];
    groups
        .into_iter()
        .map(|group| {
            let rows = findings
                .iter()
                .filter(|finding| finding.group == group)
                .map(|finding| {
                    let figure = |(cell, figure): Figure<'_>| {
                        format!("{} {}", name(cell), number(figure.median))
                    };
                    let metric = format!(
                        "{} ({})",
                        finding.metric,
                        super::chart::direction(finding.lower_is_better)
                    );
                    let lead = finding.lead();
                    vec![
                        finding.title.clone(),
                        metric,
                        lead.as_ref()
                            .map_or(figure(finding.figures[0]), |lead| figure(lead.leader)),
                        lead.as_ref().map_or("—".to_owned(), |lead| figure(lead.runner_up)),
                        lead.as_ref()
                            .map_or("—".to_owned(), |lead| format!("{:.2}×", lead.factor)),
                        lead.as_ref().map_or("—".to_owned(), |lead| {
                            match lead.beyond_intervals {
                                true => "yes".to_owned(),
                                false => "no: a rerun could swap them".to_owned(),
                            }
                        }),
                    ]
                })
                .collect();
            Table {
                title: format!("Leaders: {}", group.label()),
                headers: headers.iter().map(|header| (*header).to_owned()).collect(),
                rows,
                note: None,
            }
        })
        .collect()
}

/// What the "What stands out" list holds, said above it.
pub const STAND_OUT_RULE: &str = "Generated from the figures: a scenario is listed when a \
    runtime's median is 3× or more above or below its class's median (it is then named \
    apart, after \"except\") with an interval clear of the others' range, or when the \
    classes' medians differ 3× or more. Ranges are of medians; each figure's 95 % rerun \
    interval is in the tables.";

/// What the list of every scenario holds, said above it.
pub const EVERY_SCENARIO: &str = "Each scenario's range of medians per class, outliers named \
    apart as above (with a caveat where a rerun could bring them back in).";

/// The findings in Markdown: "What stands out", every scenario's ranges, then the
/// leaders' tables.
pub fn markdown(findings: &[Finding<'_>]) -> String {
    let mut out = format!("\n## What stands out\n\n{STAND_OUT_RULE}\n\n");
    let lines = stand_outs(findings);
    if lines.is_empty() {
        out.push_str("Nothing: every runtime is within 3× of its class's median.\n");
    }
    let bullet = |(title, text): (String, String)| format!("- **{title}** {text}\n");
    out.extend(lines.into_iter().map(bullet));
    out.push_str(&format!("\n### Every scenario\n\n{EVERY_SCENARIO}\n\n"));
    out.extend(every_scenario(findings).into_iter().map(bullet));
    for table in summary_tables(findings) {
        out.push_str(&table.markdown());
    }
    out
}

#[cfg(test)]
mod tests {
    use rtbench_core::{Class, Size};

    use super::*;
    use crate::report::views;
    use crate::results::Status;
    use crate::spec::{CellSpec, Sampling};

    /// A measured cell whose every sample is `value` ± 2 %, or n/a for `None`.
    fn cell(scenario: &str, runtime: &str, class: Class, value: Option<f64>) -> CellResult {
        let spec = CellSpec {
            scenario: scenario.into(),
            runtime: runtime.into(),
            size: Size::Quick,
            threads: 2,
            params: Default::default(),
            sampling: Sampling { warmup: 1, samples: 3, min_samples: 1, budget_ms: 100 },
        };
        let v = value.unwrap_or(1.0);
        let samples = [v * 0.98, v, v * 1.02];
        let rounds: [&[f64]; 3] = [&samples, &samples, &samples];
        let mut cell = CellResult::test_measured(spec, class, "worst ticker gap ms", true, &rounds);
        if value.is_none() {
            cell.status = Status::NotApplicable { reason: "no timers".into() };
        }
        cell
    }

    fn starvation() -> Vec<CellResult> {
        vec![
            cell("starvation", "tokio-ct", Class::SingleThread, Some(51.7)),
            cell("starvation", "smol-1", Class::SingleThread, Some(51.1)),
            cell("starvation", "glommio", Class::SingleThread, Some(50.9)),
            cell("starvation", "tokio-mt", Class::MultiThread, Some(2.13)),
            cell("starvation", "smol-mt", Class::MultiThread, Some(1.10)),
            cell("starvation", "glommio-tpc", Class::PerCore, None),
            cell("sliced", "tokio-ct", Class::SingleThread, Some(2.84)),
            cell("sliced", "smol-1", Class::SingleThread, Some(7.44)),
            cell("sliced", "glommio", Class::SingleThread, Some(55.0)),
            cell("sliced", "reference", Class::SingleThread, Some(3.07)),
            cell("even", "tokio-ct", Class::SingleThread, Some(10.0)),
            cell("even", "smol-1", Class::SingleThread, Some(12.0)),
        ]
    }

    #[test]
    fn ranges_per_class_and_outliers_apart() {
        let cells = starvation();
        let findings = of(&views(&cells));
        let markdown = markdown(&findings);
        let (stand_outs, every) = markdown.split_once("### Every scenario").unwrap();
        let lines: Vec<&str> = stand_outs.lines().filter(|line| line.starts_with("- ")).collect();
        assert_eq!(
            lines,
            [
                "- **starvation** (worst ticker gap ms, lower is better): 1-thread flavours \
                 50.9–51.7; N-thread flavours, 2 threads 1.10–2.13.",
                "- **sliced** (worst ticker gap ms, lower is better): 1-thread flavours \
                 2.84–7.44, except glommio 55.0.",
            ],
            "`even` does not stand out; n/a cells have no figure"
        );
        let even =
            "- **even** (worst ticker gap ms, lower is better): 1-thread flavours 10.0–12.0.";
        assert!(every.lines().any(|line| line == even), "{every}");
    }

    #[test]
    fn leads_say_their_margin_and_whether_the_intervals_part() {
        let cells = starvation();
        let findings = of(&views(&cells));
        let starved = &findings[0];
        assert_eq!(starved.group.label(), "1-thread flavours");
        // 50.9 against 51.1: the samples' ±2 % intervals overlap.
        let lead = starved.lead().unwrap();
        assert_eq!(
            (lead.leader.0.cell.runtime.as_str(), lead.beyond_intervals),
            ("glommio", false)
        );
        assert_eq!(lead.runner_up.0.cell.runtime, "smol-1");
        let threaded = &findings[1];
        assert_eq!(threaded.group.label(), "N-thread flavours, 2 threads");
        let lead = threaded.lead().unwrap();
        assert_eq!((lead.leader.0.cell.runtime.as_str(), lead.beyond_intervals), ("smol-mt", true));
        assert_eq!(format!("{:.2}", lead.factor), "1.94");
        let tables = summary_tables(&findings);
        assert_eq!(tables.len(), 2, "one per class group");
        assert_eq!(tables[1].rows[0][2], "smol-mt 1.10");
        assert_eq!(tables[1].rows[0][5], "yes");
    }

    #[test]
    fn higher_is_better_leads_with_the_largest() {
        let mut cells = vec![
            cell("rate", "a", Class::SingleThread, Some(4_000_000.0)),
            cell("rate", "b", Class::SingleThread, Some(5_000_000.0)),
        ];
        for cell in &mut cells {
            if let Status::Ok { metrics, .. } = &mut cell.status {
                metrics[0].lower_is_better = false;
            }
        }
        let findings = of(&views(&cells));
        assert_eq!(findings[0].lead().unwrap().leader.0.cell.runtime, "b");
        assert_eq!(
            findings[0].range_text(),
            "1-thread flavours 4\u{202F}000\u{202F}000–5\u{202F}000\u{202F}000"
        );
    }
}
