//! `rtbench overhead` end to end, on small subsets: it measures each cell in several
//! worker processes and prints its table with the verdict, its JSON says measured (each
//! process's pair ratios) or why not, bad input exits 2 naming what is valid, and a
//! Ctrl-C prints what was measured before it. No timing is asserted.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use common::*;
use serde_json::Value;

#[test]
fn a_small_subset_prints_its_ratio_table_over_processes() {
    let args = ["overhead", "--quick", "-r", "reference", "-s", "spawn_many", "--pairs", "3"];
    let (code, stdout, stderr) = output(rtbench(&args).args(["--processes", "2", "--settle", "0"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("| flavour | spawn_many |"), "{stdout}");
    assert!(stdout.contains("2 worker process(es) per cell"), "{stdout}");
    assert!(stdout.contains("\n- **settling**: none (--settle 0)\n"), "{stdout}");
    // What the workers said they did to it (each worker fixes it before its pairs).
    let allocator = stdout.lines().find_map(|line| line.strip_prefix("- **allocator**: "));
    let allocator = allocator.unwrap_or_else(|| panic!("no allocator line: {stdout}"));
    assert!(!allocator.contains("not reported") && !allocator.contains("; "), "{allocator}");
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
    let settings = ["--quick", "--processes", "2", "--settle", "0", "--format", "json"];
    let (code, stdout, stderr) = output(rtbench(&args).args(settings));
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
fn cells_too_close_to_call_get_more_processes_and_only_they() {
    // Which cells are too close to call is this machine's luck (two processes make wide
    // intervals, so some often are); what is asserted holds either way.
    let args = ["overhead", "--quick", "-r", "reference,smol-1", "-s", "spawn_many,ping_pong"];
    let settings = ["--pairs", "2", "--processes", "2", "--settle", "0.5", "--format", "json"];
    let (code, stdout, stderr) = output(rtbench(&args).args(settings));
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report["settle_s"], 0.5);
    let settled = report["settled"].as_array().unwrap_or_else(|| panic!("{stdout}"));
    let extra = |runtime: &Value, scenario: &Value| {
        let cell = settled.iter().find(|s| &s["runtime"] == runtime && &s["scenario"] == scenario);
        cell.map_or(0, |s| s["processes"].as_u64().unwrap_or_else(|| panic!("{s}")))
    };
    let flavours = report["flavours"].as_array().unwrap_or_else(|| panic!("{stdout}"));
    let mut cells = 0;
    for flavour in flavours {
        for cell in flavour["cells"].as_array().unwrap_or_else(|| panic!("{flavour}")) {
            let processes = cell["processes"].as_array().unwrap_or_else(|| panic!("{cell}"));
            let more = extra(&flavour["runtime"], &cell["scenario"]);
            // Each settled cell ran its planned processes and as many more as it says.
            assert_eq!(processes.len() as u64, 2 + more, "{cell}");
            let progress = format!(
                "{} {} (process 3): ",
                flavour["runtime"].as_str().unwrap(),
                cell["scenario"].as_str().unwrap()
            );
            assert_eq!(more > 0, stderr.contains(&progress), "{progress}: {stderr}");
            cells += 1;
        }
    }
    assert_eq!(cells, 4, "{stdout}");
    for cell in settled {
        assert!(cell["processes"].as_u64() > Some(0), "{cell}");
        // How it read on its 2 planned processes: beyond the bar by its median, so too
        // close to call only by the low end of its interval.
        let before = &cell["before"];
        let (median, low) = (before["median"].as_f64(), before["low"].as_f64());
        assert!(median > Some(1.03) && low <= median, "{cell}");
    }
    // A semantic line is settled with its cell, one process each a round: the clock may
    // stop a round between the two, so one may have one process more than the other.
    let semantics = report["semantics"].as_array().unwrap_or_else(|| panic!("{stdout}"));
    assert!(!semantics.is_empty(), "smol-1 measures catching panics on spawn_many: {stdout}");
    for semantic in semantics {
        let cell_processes = 2 + extra(&semantic["runtime"], &semantic["scenario"]) as usize;
        let processes = |figure: &Value| figure["processes"].as_array().map_or(0, Vec::len);
        let line_processes = processes(semantic);
        assert_eq!(processes(&semantic["beyond"]), line_processes, "{semantic}");
        assert!(line_processes.abs_diff(cell_processes) <= 1, "{cell_processes}: {semantic}");
    }
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
        (&["overhead", "--settle", "soon"], &["--settle", "`soon` is not a number of seconds"]),
        (&["overhead", "--settle=-1"], &["--settle", "`-1` is not a number of seconds"]),
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
    let args = [&args[..], &["--settle", "0"]].concat();
    let (code, stdout, stderr) = output(&mut rtbench(&args));
    assert_eq!(code, Some(0), "{stderr}");
    let line = stdout.lines().find(|line| line.starts_with("- smol-1: catching panics costs "));
    let line = line.unwrap_or_else(|| panic!("no line for smol-1's panic catching: {stdout}"));
    assert!(line.contains(" ns/spawn (") && line.contains("on `spawn_many`: "), "{line}");
    assert!(line.contains(", 2 proc); the contract over it: "), "{line}");
    let (code, json, stderr) = output(rtbench(&args).args(["--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let semantic = &report["semantics"][0];
    assert_eq!(
        (&semantic["runtime"], &semantic["semantic"], &semantic["scenario"], &semantic["status"]),
        (&"smol-1".into(), &"catching panics".into(), &"spawn_many".into(), &"measured".into()),
        "{semantic}"
    );
    // Its cost and the contract over it come from the same rounds: 2 in each of 2 processes.
    assert_eq!((&semantic["pairs"], &semantic["beyond"]["pairs"]), (&4.into(), &4.into()));
    let per_pair = |figure: &Value| figure["processes"][0]["per_pair"].as_array().map(Vec::len);
    assert_eq!((per_pair(semantic), per_pair(&semantic["beyond"])), (Some(2), Some(2)));
}

#[cfg(unix)]
#[test]
fn ctrl_c_prints_each_cell_with_the_processes_it_had() {
    // Three cells of 20 processes, the signal sent once the first process is in: the
    // processes that ran, however many, are all in the table.
    let args = ["overhead", "--quick", "-r", "reference", "-s", "spawn_many,chained_spawn"];
    let mut child = rtbench(&args)
        .args(["-s", "yield_many", "--pairs", "2", "--processes", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rtbench runs");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut first = String::new();
    while !first.starts_with("overhead: [1/60] ") {
        first.clear();
        assert_ne!(stderr.read_line(&mut first).expect("stderr reads"), 0, "no progress");
    }
    let pid = child.id().try_into().expect("a pid");
    // SAFETY: `kill` only sends a signal, to our own child, which has not been waited for.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("stderr reads");
    let mut stdout = String::new();
    child.stdout.take().expect("piped").read_to_string(&mut stdout).expect("stdout reads");
    let code = child.wait().expect("rtbench ends").code();
    assert_eq!(code, Some(130), "{stdout}{rest}");
    let ran = 1 + rest.lines().filter(|line| line.contains("/60] reference ")).count();
    assert!(ran < 60, "stopped before the end: {rest}");
    assert!(rest.contains(&format!("interrupted after {ran} worker processes: ")), "{rest}");
    let header = format!("- **interrupted** after {ran} of 60 worker processes");
    assert!(stdout.contains(&header), "{stdout}");
    // Every process that ran is in its cell's count; a cell without one says so.
    let row = stdout.lines().find(|line| line.starts_with("| reference (1-thread) | "));
    let cells: Vec<_> = row.unwrap_or_else(|| panic!("{stdout}")).split(" | ").skip(1).collect();
    let processes = |cell: &str| match cell.trim_end_matches(" |") {
        "not run: interrupted" => 0,
        measured => {
            let count = measured.rsplit_once(", ").and_then(|(_, n)| n.strip_suffix(" proc)"));
            count.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{measured}"))
        }
    };
    assert_eq!(cells.iter().map(|cell| processes(cell)).sum::<usize>(), ran, "{cells:?}");
    let not_run = cells.iter().filter(|cell| processes(cell) == 0).count();
    let verdict = format!("{not_run} not run (interrupted)");
    assert_eq!(stdout.contains(&verdict), not_run > 0, "{stdout}");
}
