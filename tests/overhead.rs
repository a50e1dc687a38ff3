//! `rtbench overhead` end to end, on small subsets: it measures and prints its table, its
//! JSON says measured or why not, and bad input exits 2 naming what is valid. No timing
//! is asserted.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn a_small_subset_prints_its_ratio_table() {
    let args = ["overhead", "--runtime", "tokio-ct", "--scenario", "spawn_many", "--pairs", "3"];
    let (code, stdout, stderr) = output(&mut rtbench(&args));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("| flavour | spawn_many |"), "{stdout}");
    let row = stdout.lines().find(|line| line.starts_with("| tokio-ct (1-thread) | "));
    let ratio = row
        .and_then(|row| row.split('|').map(str::trim).nth(2))
        .unwrap_or_else(|| panic!("{stdout}"));
    // `1.02 (0.99–1.05)`: the median pair ratio and its interquartile range.
    let (median, spread) = ratio.split_once(" (").unwrap_or_else(|| panic!("{ratio}"));
    assert!(median.parse::<f64>().is_ok_and(|m| m > 0.0), "{ratio}");
    assert!(spread.ends_with(')') && spread.contains('–'), "{ratio}");
    assert!(stdout.contains("ns/spawn (3)"), "both sides' medians, over 3 pairs: {stdout}");
    assert!(stderr.contains("overhead: tokio-ct spawn_many: "), "progress: {stderr}");
}

#[test]
fn json_cells_say_measured_or_why_not() {
    let args = ["overhead", "-r", "futures-pool", "-s", "yield_many,spawn_many", "--pairs", "2"];
    let (code, stdout, stderr) = output(rtbench(&args).args(["--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let flavour = &report["flavours"][0];
    assert_eq!(
        (&flavour["runtime"], &flavour["class"]),
        (&"futures-pool".into(), &"N-thread".into())
    );
    // Registry order, whatever the order asked.
    let [spawn_many, yield_many] = [&flavour["cells"][0], &flavour["cells"][1]];
    assert_eq!(spawn_many["scenario"], "spawn_many");
    assert_eq!(spawn_many["status"], "measured", "{spawn_many}");
    assert_eq!(
        (&spawn_many["detail"]["pairs"], &spawn_many["detail"]["metric"]),
        (&2.into(), &"ns/spawn".into())
    );
    assert_eq!(yield_many["status"], "not_comparable", "{yield_many}");
    assert!(yield_many["detail"].as_str().is_some_and(|reason| reason.contains("ThreadPool")));
}

#[test]
fn bad_names_and_values_exit_2_and_say_what_is_valid() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["overhead", "--runtime", "nope"], &["--runtime", "unknown runtime `nope`", "tokio-ct"]),
        (
            &["overhead", "--scenario", "awaitable"],
            &[
                "--scenario",
                "`awaitable`",
                "valid: spawn_many, chained_spawn, yield_many, ping_pong, tcp_round_trip",
            ],
        ),
        (&["overhead", "--pairs", "0"], &["--pairs", "0 is not in 1..=100000"]),
        (&["overhead", "--format", "xml"], &["--format", "md", "json"]),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = output(&mut rtbench(args));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: nothing measured: {stdout}");
        for needle in *expected {
            assert!(stderr.contains(needle), "{args:?}: `{needle}` not in: {stderr}");
        }
    }
}

#[test]
fn a_normalised_semantic_gets_a_line_of_its_own() {
    let args = ["overhead", "-r", "smol-1", "-s", "spawn_many", "--pairs", "2"];
    let (code, stdout, stderr) = output(&mut rtbench(&args));
    assert_eq!(code, Some(0), "{stderr}");
    let line = stdout.lines().find(|line| line.starts_with("- smol-1: catching panics costs "));
    let line = line.unwrap_or_else(|| panic!("no line for smol-1's panic catching: {stdout}"));
    assert!(line.contains(" ns/spawn (") && line.contains("on `spawn_many`: "), "{line}");
    let (code, json, stderr) = output(rtbench(&args).args(["--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let semantic = &report["semantics"][0];
    assert_eq!(
        (&semantic["runtime"], &semantic["semantic"], &semantic["scenario"], &semantic["status"]),
        (&"smol-1".into(), &"catching panics".into(), &"spawn_many".into(), &"measured".into()),
        "{semantic}"
    );
}
