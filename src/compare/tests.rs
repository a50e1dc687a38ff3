//! Pairing, verdicts, order and wording on synthetic cells: every figure here is made up,
//! so every verdict is known in advance.

use std::collections::BTreeMap;
use std::path::Path;

use rtbench_core::{Class, Size};

use super::render::{markdown, verdict_text};
use super::*;
use crate::environment::Environment;

const SAMPLING: Sampling = Sampling { warmup: 1, samples: 5, min_samples: 1, budget_ms: 300 };

/// Three rounds of three samples around 100, each within 1 %: intervals about ±1 %.
const STEADY: [[f64; 3]; 6] = [
    [100.0, 101.0, 99.0],
    [100.0, 100.5, 99.5],
    [100.0, 101.0, 99.0],
    [100.0, 100.5, 99.5],
    [100.0, 101.0, 99.0],
    [100.0, 100.5, 99.5],
];

fn spec(scenario: &str, runtime: &str, threads: usize) -> CellSpec {
    CellSpec {
        scenario: scenario.into(),
        runtime: runtime.into(),
        size: Size::Quick,
        threads,
        params: BTreeMap::from([("tasks".to_owned(), 100)]),
        sampling: SAMPLING,
    }
}

/// A cell measured at [`STEADY`] × `factor`.
fn steady(spec: CellSpec, lower_is_better: bool, factor: f64) -> CellResult {
    let rounds: Vec<Vec<f64>> =
        STEADY.iter().map(|round| round.iter().map(|v| v * factor).collect()).collect();
    let rounds: Vec<&[f64]> = rounds.iter().map(Vec::as_slice).collect();
    let class = if spec.threads == 1 { Class::SingleThread } else { Class::MultiThread };
    CellResult::test_measured(spec, class, "ns/op", lower_is_better, &rounds)
}

fn report(cells: Vec<CellResult>) -> Report {
    Report { environment: Some(Environment::test_value()), cells }
}

fn compare(base: Vec<CellResult>, new: Vec<CellResult>) -> Comparison {
    compare_reports(&report(base), &report(new), Metrics::Headline)
}

fn compare_reports(base: &Report, new: &Report, metrics: Metrics) -> Comparison {
    Comparison::of((Path::new("base"), base), (Path::new("new"), new), metrics, 0.02)
}

#[test]
fn the_same_cells_are_no_change_and_the_machine_the_same() {
    let cells = || vec![steady(spec("a", "tokio-ct", 1), true, 1.0)];
    let comparison = compare(cells(), cells());
    assert_eq!(comparison.rows.len(), 1);
    assert_eq!(comparison.rows[0].verdict, Verdict::NoChange);
    assert_eq!(comparison.not_compared, []);
    let text = markdown(&comparison);
    assert!(text.contains("Same machine, build and settings."), "{text}");
    assert!(text.contains("no change (within ±2 %)"), "{text}");
    assert!(text.contains("1 cells in both; 100 % of NEW's medians inside"), "{text}");
}

#[test]
fn rows_go_worst_first_one_table_per_class() {
    let noisy: [&[f64]; 3] = [&[95.0, 96.0, 97.0], &[103.0, 104.0, 105.0], &[99.0, 100.0, 101.0]];
    let inconclusive = CellResult::test_measured(
        spec("i", "tokio-ct", 1),
        Class::SingleThread,
        "ns/op",
        true,
        &noisy,
    );
    let base = vec![
        steady(spec("mt", "tokio-mt", 2), true, 1.0),
        steady(spec("same", "tokio-ct", 1), true, 1.0),
        steady(spec("faster", "tokio-ct", 1), true, 1.0),
        steady(spec("i", "tokio-ct", 1), true, 1.0),
        steady(spec("slower10", "tokio-ct", 1), true, 1.0),
        steady(spec("rate", "tokio-ct", 1), false, 1.0),
        steady(spec("slower50", "tokio-ct", 1), true, 1.0),
    ];
    let new = vec![
        steady(spec("mt", "tokio-mt", 2), true, 2.0),
        steady(spec("same", "tokio-ct", 1), true, 1.0),
        steady(spec("faster", "tokio-ct", 1), true, 0.8),
        inconclusive,
        steady(spec("slower10", "tokio-ct", 1), true, 1.1),
        steady(spec("rate", "tokio-ct", 1), false, 0.7),
        steady(spec("slower50", "tokio-ct", 1), true, 1.5),
    ];
    let comparison = compare(base, new);
    let order: Vec<(&str, Verdict)> =
        comparison.rows.iter().map(|row| (row.key.scenario.as_str(), row.verdict)).collect();
    assert_eq!(
        order,
        [
            ("slower50", Verdict::Worse),
            ("rate", Verdict::Worse),
            ("slower10", Verdict::Worse),
            ("i", Verdict::Inconclusive),
            ("same", Verdict::NoChange),
            ("faster", Verdict::Better),
            ("mt", Verdict::Worse),
        ]
    );
    let text = markdown(&comparison);
    let one = text.find("## 1-thread flavours").expect(&text);
    let many = text.find("## N-thread flavours, 2 threads").expect(&text);
    assert!(one < many && text[many..].contains("| mt |"), "{text}");
    let regressions: Vec<&str> =
        comparison.regressions(0.2).iter().map(|row| row.key.scenario.as_str()).collect();
    assert_eq!(regressions, ["slower50", "rate", "mt"]);
}

#[test]
fn verdicts_say_the_direction_whichever_way_is_better() {
    let verdict = |lower_is_better: bool, factor: f64| {
        let comparison = compare(
            vec![steady(spec("a", "tokio-ct", 1), lower_is_better, 1.0)],
            vec![steady(spec("a", "tokio-ct", 1), lower_is_better, factor)],
        );
        verdict_text(&comparison.rows[0], comparison.threshold)
    };
    assert_eq!(verdict(true, 1.12), "worse by 12 %");
    assert_eq!(verdict(true, 0.92), "better by 8 %");
    assert_eq!(verdict(false, 1.12), "better by 12 %");
    assert_eq!(verdict(false, 0.95), "worse by 5 %");
    assert_eq!(verdict(true, 1.0), "no change (within ±2 %)");
}

#[test]
fn cells_sampled_differently_are_compared_and_marked() {
    let mut other = spec("a", "tokio-ct", 1);
    other.sampling.samples = 10;
    let comparison =
        compare(vec![steady(spec("a", "tokio-ct", 1), true, 1.0)], vec![steady(other, true, 1.0)]);
    assert_eq!(comparison.not_compared, []);
    let text = verdict_text(&comparison.rows[0], comparison.threshold);
    assert_eq!(text, "no change (within ±2 %); sampled differently");
}

#[test]
fn an_exact_match_is_paired_before_one_sampled_differently() {
    let mut other = spec("a", "tokio-ct", 1);
    other.sampling.samples = 10;
    let comparison = compare(
        vec![steady(spec("a", "tokio-ct", 1), true, 1.0)],
        vec![steady(other, true, 2.0), steady(spec("a", "tokio-ct", 1), true, 1.0)],
    );
    assert_eq!(comparison.rows.len(), 1);
    assert!(!comparison.rows[0].sampled_differently());
    assert!(matches!(comparison.not_compared[0].why, Why::OnlyIn { side: Side::New, .. }));
}

#[test]
fn cells_of_one_side_are_listed_with_how_the_other_side_differs() {
    let comparison = compare(
        vec![steady(spec("a", "tokio-mt", 2), true, 1.0), steady(spec("b", "smol", 1), true, 1.0)],
        vec![steady(spec("a", "tokio-mt", 4), true, 1.0)],
    );
    assert_eq!(comparison.rows.len(), 0);
    let listed: Vec<String> =
        comparison.not_compared.iter().map(|missing| missing.why.to_string()).collect();
    assert_eq!(
        listed,
        [
            "only in BASE; the other run has it with threads 2 → 4",
            "only in BASE",
            "only in NEW; the other run has it with threads 2 → 4",
        ]
    );
    let text = markdown(&comparison);
    assert!(text.contains("- a on tokio-mt (quick, 2 threads, tasks=100): only in BASE"), "{text}");
    assert!(text.contains("No cell was measured in both runs."), "{text}");
}

#[test]
fn cells_not_measured_on_a_side_are_listed_with_their_status() {
    let mut na = steady(spec("a", "glommio", 1), true, 1.0);
    na.status = Status::NotApplicable { reason: "no io_uring".into() };
    let comparison = compare(vec![steady(spec("a", "glommio", 1), true, 1.0)], vec![na]);
    assert_eq!(comparison.rows.len(), 0);
    assert_eq!(
        comparison.not_compared[0].why,
        Why::NotMeasured { base: "measured".into(), new: "n/a (no io_uring)".into() }
    );
    assert_eq!(comparison.calibration, None);
}

#[test]
fn with_all_metrics_a_metric_one_side_lacks_is_listed() {
    let base = steady(spec("a", "tokio-ct", 1), true, 1.0);
    let mut new = base.clone();
    if let Status::Ok { metrics, .. } = &mut new.status {
        metrics[0].name = "ns/other".into();
    }
    let comparison = compare_reports(&report(vec![base]), &report(vec![new]), Metrics::All);
    let listed: Vec<String> = comparison.not_compared.iter().map(|m| m.why.to_string()).collect();
    assert_eq!(listed, ["metric `ns/op` only in BASE", "metric `ns/other` only in NEW"]);
}

#[test]
fn few_rounds_and_debug_builds_are_caveats() {
    let few: Vec<&[f64]> = STEADY[..3].iter().map(|round| round.as_slice()).collect();
    let cells = || {
        let cell = spec("a", "tokio-ct", 1);
        vec![CellResult::test_measured(cell, Class::SingleThread, "ns/op", true, &few)]
    };
    let built = |profile: &str| {
        let mut report = report(cells());
        report.environment.as_mut().unwrap().build_profile = profile.into();
        report
    };
    let comparison = compare_reports(&built("release"), &built("debug"), Metrics::Headline);
    let caveats = &comparison.caveats;
    assert_eq!(caveats.len(), 2, "{caveats:?}");
    assert!(caveats[0].starts_with("BASE and NEW: cells of 3 rounds; intervals"), "{caveats:?}");
    assert!(caveats[1].starts_with("NEW: built in debug mode"), "{caveats:?}");
}
