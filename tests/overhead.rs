//! `rtbench overhead` end to end, on small subsets: it measures each cell in several
//! worker processes and prints its table with the verdict, its JSON says measured (each
//! process's pair ratios) or why not, and bad input exits 2 naming what is valid. No
//! timing is asserted.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn a_small_subset_prints_its_ratio_table_over_processes() {
    let args = ["overhead", "--quick", "-r", "reference", "-s", "spawn_many", "--pairs", "3"];
    let (code, stdout, stderr) = output(rtbench(&args).args(["--processes", "2"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("| flavour | spawn_many |"), "{stdout}");
    assert!(stdout.contains("2 worker process(es) per cell"), "{stdout}");
    assert!(stdout.contains("- **allocator**: "), "what the workers did to it: {stdout}");
    let row = stdout.lines().find(|line| line.starts_with("| reference (1-thread) | "));
    let ratio = row
        .and_then(|row| row.split('|').map(str::trim).nth(2))
        .unwrap_or_else(|| panic!("{stdout}"));
    // `1.02 (0.99–1.05, 2 proc)`: the median over processes, its rerun interval and how
    // many processes.
    let (median, rest) = ratio.split_once(" (").unwrap_or_else(|| panic!("{ratio}"));
    let median: f64 = median.parse().unwrap_or_else(|e| panic!("{e}: {ratio}"));
    let interval = rest.strip_suffix(", 2 proc)").unwrap_or_else(|| panic!("{ratio}"));
    let (low, high) = interval.split_once('–').unwrap_or_else(|| panic!("{ratio}"));
    let (low, high): (f64, f64) = (low.parse().unwrap(), high.parse().unwrap());
    // Two processes make a very wide interval (estimate.rs widens it 9×): the low bound
    // may print as 0.00.
    assert!(0.0 <= low && low <= median && median <= high, "{ratio}");
    assert!(stdout.contains("ns/spawn (6)"), "both sides' medians, 2 × 3 pairs: {stdout}");
    assert!(stdout.contains("of 1 measured cells within 1.03"), "the verdict: {stdout}");
    for process in ["1/2", "2/2"] {
        let progress = format!("reference spawn_many (process {process}): ");
        assert!(stderr.contains(&progress), "progress: {stderr}");
    }
}

#[test]
fn json_cells_say_measured_with_each_process_or_why_not() {
    let args = ["overhead", "-r", "futures-pool", "-s", "yield_many,spawn_many", "--pairs", "2"];
    let (code, stdout, stderr) =
        output(rtbench(&args).args(["--quick", "--processes", "2", "--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report["processes"], 2);
    let flavour = &report["flavours"][0];
    assert_eq!(
        (&flavour["runtime"], &flavour["class"]),
        (&"futures-pool".into(), &"N-thread".into())
    );
    // Registry order, whatever the order asked.
    let [spawn_many, yield_many] = [&flavour["cells"][0], &flavour["cells"][1]];
    assert_eq!(spawn_many["scenario"], "spawn_many");
    assert_eq!(spawn_many["status"], "measured", "{spawn_many}");
    assert_eq!((&spawn_many["pairs"], &spawn_many["metric"]), (&4.into(), &"ns/spawn".into()));
    let processes = spawn_many["processes"].as_array().unwrap_or_else(|| panic!("{spawn_many}"));
    assert_eq!(processes.len(), 2, "{spawn_many}");
    for process in processes {
        let ratios = process["per_pair"].as_array().unwrap_or_else(|| panic!("{process}"));
        assert_eq!(ratios.len(), 2, "{process}");
    }
    assert!(spawn_many["bar"].is_string(), "{spawn_many}");
    assert_eq!(yield_many["status"], "not_comparable", "{yield_many}");
    assert!(yield_many["reason"].as_str().is_some_and(|reason| reason.contains("ThreadPool")));
    assert_eq!(
        (&report["verdict"]["measured"], &report["verdict"]["not_comparable"]),
        (&1.into(), &1.into())
    );
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
        (&["overhead", "--processes", "0"], &["--processes", "0 is not in 1..=1000"]),
        (&["overhead", "--processes", "many"], &["--processes", "'many'"]),
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
    let args = ["overhead", "-r", "smol-1", "-s", "spawn_many", "--pairs", "2", "--processes", "2"];
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
