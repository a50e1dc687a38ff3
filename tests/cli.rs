//! The `rtbench` binary end to end: listing, a small quick run with every output file,
//! resuming after a killed run, failure isolation with the test-only fault scenarios
//! (`RTBENCH_TEST_FAULTS=1`, see `src/faults.rs`), and usage errors.
//!
//! Subsets are small and watchdogs short so the file runs in seconds; nothing asserts
//! speed.

mod common;

use std::fs;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

#[test]
fn list_shows_every_runtime_and_scenario_with_parameters() {
    let (code, stdout, _) = output(&mut rtbench(&["list"]));
    assert_eq!(code, Some(0));
    for info in rtbench_adapters::infos() {
        let line =
            stdout.lines().find(|l| l.trim_start().starts_with(info.name)).unwrap_or_else(|| {
                panic!("runtime {} missing from:\n{stdout}", info.name);
            });
        assert!(line.contains(info.crate_version), "{line}");
        assert!(line.contains("available"), "no availability in {line}");
    }
    for info in rtbench_scenarios::infos() {
        assert!(stdout.contains(info.name), "scenario {} missing", info.name);
        for param in info.params {
            let default = format!("{}.{} = {}", info.name, param.name, param.default);
            assert!(stdout.contains(&default), "`{default}` missing");
        }
    }
    assert!(stdout.contains("Limits: open files"));
    assert!(!stdout.contains("fault_"), "test-only faults must stay hidden");
}

#[test]
fn quick_run_writes_json_lines_csv_markdown_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let (code, _, stderr) = output(&mut rtbench(&[
        "run",
        "--quick",
        "--scenario",
        "spawn_many",
        "--runtime",
        "tokio-ct,tokio-mt",
        "--samples",
        "2",
        "--rounds",
        "3",
        "--threads",
        "2",
        "--param",
        "spawn_many.tasks=200",
        "--out",
        out_arg,
    ]));
    assert_eq!(code, Some(0), "{stderr}");

    let records = records(&out);
    assert_eq!(records[0]["record"], "environment");
    for field in ["cpu_model", "kernel", "rustc", "logical_cores", "limits", "runtimes"] {
        assert!(!records[0][field].is_null(), "environment lacks {field}");
    }
    // Every CPU online, whatever a cgroup quota lets `available_parallelism` report.
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap();
    let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count() as f64;
    let cells = cells(&out);
    assert_eq!(cells.len(), 6, "3 rounds of 2 cells");
    for runtime in ["tokio-ct", "tokio-mt"] {
        let mut rounds: Vec<u64> = cells
            .iter()
            .filter(|c| c["cell"]["runtime"] == runtime)
            .map(|c| c["round"].as_u64().unwrap())
            .collect();
        rounds.sort_unstable();
        assert_eq!(rounds, [0, 1, 2], "{runtime}");
        let cell = cell(&cells, "spawn_many", runtime);
        assert_eq!(cell["status"], "ok", "{cell}");
        assert_eq!(cell["cell"]["params"]["tasks"], 200);
        let headline = &cell["metrics"][0];
        assert_eq!(headline["name"], "ns/spawn");
        let samples = headline["samples"].as_array().unwrap();
        assert_eq!(samples.len(), 2);
        assert!(samples.iter().all(|s| s.as_f64().unwrap() > 0.0), "{samples:?}");
        let usage = &cell["usage"];
        let cpu_ms = usage["user_ms"].as_f64().unwrap() + usage["system_ms"].as_f64().unwrap();
        let wall_ms = usage["wall_ms"].as_f64().unwrap();
        // spawn_many is CPU-bound: it burns CPU, and no process can burn more than its
        // cores allow in the time measured (plus the accounting's 1 ms granularity).
        assert!(cpu_ms > 0.0, "{usage}");
        assert!(cpu_ms <= wall_ms * cores + 1.0, "more CPU than {cores} cores allow: {usage}");
        assert!(usage["peak_rss_kib"].as_u64().unwrap() > 0, "{usage}");
    }
    assert_eq!(cell(&cells, "spawn_many", "tokio-mt")["threads_used"], 2);

    let markdown = fs::read_to_string(out.join("results.md")).unwrap();
    assert!(markdown.contains("## 1-thread flavours"), "{markdown}");
    assert!(markdown.contains("## N-thread flavours, 2 threads"), "{markdown}");
    assert!(markdown.lines().any(|l| l.starts_with("| spawn_many |") && l.contains("ns/spawn")));
    let csv = fs::read_to_string(out.join("results.csv")).unwrap();
    assert!(csv.starts_with("scenario,lesson,runtime,"));
    assert_eq!(csv.lines().filter(|l| l.starts_with("spawn_many,")).count(), 2);
    assert!(fs::read_to_string(out.join("charts/spawn_many.svg")).unwrap().contains("<svg"));
    assert!(fs::read_to_string(out.join("index.md")).unwrap().contains("charts/spawn_many.svg"));

    let (code, stdout, _) = output(&mut rtbench(&["report", out_arg, "--format", "csv"]));
    assert_eq!((code, stdout), (Some(0), csv));
    let (code, stdout, _) = output(&mut rtbench(&["report", out_arg, "--format", "json"]));
    assert_eq!(code, Some(0));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let summaries = json["cells"].as_array().unwrap();
    assert_eq!(summaries.len(), 2);
    for summary in summaries {
        assert_eq!(summary["rounds"], 3, "{summary}");
        let headline = &summary["metrics"][0];
        let [low, median, high] = ["low", "median", "high"].map(|f| headline[f].as_f64().unwrap());
        assert!(0.0 < low && low <= median && median <= high, "{headline}");
        assert_eq!(headline["rounds"].as_array().unwrap().len(), 3, "samples kept per round");
        let utilisation = summary["usage"]["cpu_utilisation"].as_f64().unwrap();
        assert!(utilisation > 0.0, "{summary}");
    }
}

#[test]
fn faulty_cells_are_isolated_and_reported_while_the_others_complete() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = output(
        quick_run(
            "tokio-ct",
            "fault_panic,fault_abort,fault_hang,fault_check,fault_oom,spawn_many",
            &out,
        )
        .args(["--timeout", "2", "--param", "spawn_many.tasks=100"])
        .env(FAULTS_VAR, "1"),
    );
    assert_eq!(code, Some(1), "a failed cell makes the exit code 1\n{stderr}");
    let cells = cells(&out);
    let failure = |scenario: &str| {
        let cell = cell(&cells, scenario, "tokio-ct");
        assert_eq!(cell["status"], "failed", "{cell}");
        assert!(cell.get("metrics").is_none(), "a failure has no figures: {cell}");
        (cell["kind"].as_str().unwrap().to_owned(), cell["reason"].as_str().unwrap().to_owned())
    };
    let (kind, reason) = failure("fault_panic");
    assert_eq!(kind, "panic");
    assert!(reason.contains("fault_panic: deliberate panic"), "{reason}");
    assert_eq!(failure("fault_abort").0, "abort");
    let (kind, reason) = failure("fault_oom");
    assert_eq!(kind, "out_of_memory");
    assert!(reason.contains("memory allocation of"), "{reason}");
    let (kind, reason) = failure("fault_hang");
    assert_eq!(kind, "timeout");
    assert!(reason.contains("watchdog"), "{reason}");
    let (kind, reason) = failure("fault_check");
    assert_eq!(kind, "check");
    assert!(reason.contains("expected 42"), "{reason}");
    assert_eq!(cell(&cells, "spawn_many", "tokio-ct")["status"], "ok");

    let markdown = fs::read_to_string(out.join("results.md")).unwrap();
    let row = |scenario: &str| {
        markdown.lines().find(|l| l.starts_with(&format!("| {scenario} |"))).unwrap().to_owned()
    };
    assert!(row("fault_hang").contains("FAILED: timed out"), "{markdown}");
    assert!(row("fault_check").contains("FAILED: check failed"), "{markdown}");
    assert!(row("spawn_many").contains("ns/spawn"), "{markdown}");
}

#[test]
fn resume_after_a_killed_run_keeps_the_finished_cells() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = || {
        let mut command = quick_run("tokio-ct,tokio-mt", "spawn_many,fault_hang", &out);
        command.args(["--param", "spawn_many.tasks=100"]).env(FAULTS_VAR, "1");
        command
    };
    // Kill the first run once two cells are in (in whatever order it visits them).
    let mut first = run().args(["--timeout", "2"]).stderr(Stdio::null()).spawn().unwrap();
    wait_for_lines(&out, 3);
    first.kill().unwrap();
    first.wait().unwrap();
    let before = fs::read_to_string(out.join("results.jsonl")).unwrap();
    let kept: Vec<Value> = cells(&out).into_iter().filter(|c| c["status"] == "ok").collect();

    let (code, _, stderr) = output(run().args(["--resume", "--timeout", "1"]));
    assert_eq!(code, Some(1), "fault_hang fails on resume\n{stderr}");
    assert!(stderr.contains(&format!("{} of 4 cell rounds already", kept.len())), "{stderr}");
    let after = fs::read_to_string(out.join("results.jsonl")).unwrap();
    assert!(after.starts_with(&before), "earlier lines were rewritten");
    let cells = cells(&out);
    for runtime in ["tokio-ct", "tokio-mt"] {
        let runs = cells
            .iter()
            .filter(|c| c["cell"]["scenario"] == "spawn_many" && c["cell"]["runtime"] == runtime)
            .count();
        assert_eq!(runs, 1, "spawn_many on {runtime} must run exactly once: {cells:#?}");
        assert_eq!(cell(&cells, "spawn_many", runtime)["status"], "ok");
        assert_eq!(cell(&cells, "fault_hang", runtime)["kind"], "timeout");
    }
    for earlier in &kept {
        assert!(cells.contains(earlier), "a kept cell changed: {earlier}");
    }
    let markdown = fs::read_to_string(out.join("results.md")).unwrap();
    assert!(markdown.contains("ns/spawn") && markdown.contains("FAILED: timed out"));
}

#[test]
fn bad_names_and_values_exit_2_and_say_what_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let cases: &[(&[&str], &[&str])] = &[
        (&["run", "--runtime", "nope"], &["--runtime", "unknown runtime `nope`", "tokio-ct"]),
        (&["run", "--scenario", "nope"], &["--scenario", "unknown scenario `nope`", "spawn_many"]),
        (&["run", "--scenario", "fault_panic"], &["unknown scenario `fault_panic`"]),
        (&["run", "--threads", "0"], &["--threads", "0 is not in 1..=1024"]),
        (&["run", "--samples", "many"], &["--samples"]),
        (&["run", "--timeout", "0"], &["--timeout", "seconds"]),
        (&["run", "--param", "spawn_many.tasks=lots"], &["--param", "whole number"]),
        (
            &["run", "--param", "spawn_many.tasks=99999999999999999999"],
            &["--param", "too large (max 18446744073709551615)"],
        ),
        (&["run", "--memory-limit", "lots"], &["--memory-limit", "512M"]),
        (&["run", "--param", "tasks=5"], &["--param", "SCENARIO.NAME"]),
        (&["run", "--param", "nope.tasks=5"], &["--param", "unknown scenario `nope`"]),
        (&["run", "--param", "spawn_many.nope=5"], &["unknown parameter `nope`", "valid: tasks"]),
        (&["run", "--param", "spawn_many.tasks=0"], &["`tasks`=0", "below its minimum 1"]),
        (
            &["run", "--scenario", "c10k", "--param", "spawn_many.tasks=5"],
            &["spawn_many", "not selected"],
        ),
        (&["report", "--format", "xml"], &["--format", "md", "csv", "json"]),
        (&["bench"], &["unrecognized subcommand"]),
        (&["report", "/nonexistent/rtbench"], &["no results in", "rtbench run --out"]),
    ];
    for (args, expected) in cases {
        let mut command = rtbench(args);
        if args[0] == "run" {
            command.args(["--out", out.to_str().unwrap()]);
        }
        let (code, _, stderr) = output(&mut command);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        for needle in *expected {
            assert!(stderr.contains(needle), "{args:?}: `{needle}` not in: {stderr}");
        }
    }
    assert!(!out.exists(), "a usage error must not start a run");
}

#[test]
fn lost_task_panics_are_noted_but_those_a_scenario_consumes_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = output(
        quick_run("tokio-ct", "panics,fault_detached_panic", &out)
            .args(["--param", "panics.panics=5", "--param", "panics.siblings=5"])
            .env(FAULTS_VAR, "1"),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let cells = cells(&out);
    let notes = |scenario: &str| {
        let cell = cell(&cells, scenario, "tokio-ct");
        assert_eq!(cell["status"], "ok", "{cell}");
        cell["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_owned()).collect()
    };
    let lost: Vec<String> = notes("fault_detached_panic");
    assert!(
        lost.iter().any(|n| n.starts_with("2 task panic(s) never retrieved")
            && n.contains("fault_detached_panic: nobody awaits this")),
        "warm-up and sample each lose one panic: {lost:?}"
    );
    let consumed: Vec<String> = notes("panics");
    assert!(!consumed.iter().any(|n| n.contains("never retrieved")), "{consumed:?}");
}

#[test]
fn the_commit_recorded_is_the_one_built_not_read_at_run_time() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = output(
        quick_run("tokio-ct", "spawn_many", &out)
            .args(["--param", "spawn_many.tasks=100"])
            // No git to run, and not in the checkout: the commit must come from the build.
            .env("PATH", "/nonexistent")
            .current_dir(dir.path()),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let environment = &records(&out)[0];
    match env!("RTBENCH_GIT_COMMIT") {
        "unknown" => assert!(environment["git_commit"].is_null(), "{environment}"),
        commit => {
            assert_eq!(commit.len(), 40, "{commit}");
            assert_eq!(environment["git_commit"], commit);
            assert!(environment["git_dirty"].is_boolean(), "{environment}");
        }
    }
}

#[test]
fn the_watchdog_kills_the_subprocesses_of_a_hung_cell_too() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("grandchild.pid");
    let (code, _, stderr) = output(
        quick_run("tokio-ct", "fault_hang_child", &dir.path().join("out"))
            .args(["--timeout", "1"])
            .env(FAULTS_VAR, "1")
            .env("RTBENCH_TEST_PID_FILE", &pid_file),
    );
    assert_eq!(code, Some(1), "{stderr}");
    let pid = fs::read_to_string(&pid_file).expect("the fault started its subprocess");
    let alive = || {
        fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|stat| {
            !stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z'))
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive() {
        assert!(Instant::now() < deadline, "subprocess {pid} outlived its killed worker");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_reader_that_goes_away_does_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut run = quick_run("tokio-ct,tokio-mt", "spawn_many", &out)
        .args(["--param", "spawn_many.tasks=100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // As `rtbench run … 2>&1 | head -0` does: the reader closes before any line.
    drop(run.stdout.take());
    drop(run.stderr.take());
    assert_eq!(run.wait().unwrap().code(), Some(0), "a closed pipe made rtbench fail");
    assert_eq!(cells(&out).len(), 2);
    assert!(out.join("results.md").exists());
}

#[test]
fn legacy_runtimes_are_labelled_in_tables_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = output(
        quick_run("tokio-ct,async-std", "spawn_many", &out)
            .args(["--param", "spawn_many.tasks=100"]),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let cells = cells(&out);
    assert_eq!(cell(&cells, "spawn_many", "async-std")["legacy"], true);
    assert_eq!(cell(&cells, "spawn_many", "tokio-ct")["legacy"], false);
    let markdown = fs::read_to_string(out.join("results.md")).unwrap();
    assert!(markdown.contains("| async-std (legacy) ("), "{markdown}");
    assert!(!markdown.contains("tokio-ct (legacy)"), "{markdown}");
    let chart = fs::read_to_string(out.join("charts/spawn_many.svg")).unwrap();
    assert!(chart.contains("async-std (legacy)") && !chart.contains("tokio-ct (legacy)"));
}

#[test]
fn a_cell_stops_adding_rounds_when_its_budget_is_spent_and_tables_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = output(
        rtbench(&["run", "--quick", "-r", "tokio-ct", "-s", "spawn_many", "--rounds", "4"])
            .args(["--cell-budget", "0.001", "--param", "spawn_many.tasks=100"])
            .args(["--out", out.to_str().unwrap()]),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(cells(&out).len(), 2, "the budget is spent at once: the minimum, 2 rounds");
    let markdown = fs::read_to_string(out.join("results.md")).unwrap();
    let row = markdown.lines().find(|l| l.starts_with("| spawn_many |")).unwrap();
    assert!(row.contains("[2 rounds]"), "{row}");
}

/// A thread sweep (`--threads 1,2`) runs the N-thread and per-core flavours at each
/// count and the 1-thread ones once, and its report has the scaling chart and the
/// speedup table, per-core flavours named as such. The workers are pinned to one CPU,
/// so 2 threads are labelled oversubscribed and the per-core shards say they are not
/// pinned.
#[test]
fn a_thread_sweep_writes_a_scaling_chart_and_a_speedup_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let allowed = status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).unwrap();
    let first = allowed.trim().split([',', '-']).next().unwrap().to_owned();
    let mut command = quick_rounds("tokio-ct,tokio-mt,tokio-ct-tpc", "fan_out", &out, 2);
    command.args(["--threads", "2,1", "--pin", &first]);
    command.args(["--param", "fan_out.tasks=16", "--param", "fan_out.work=1000"]);
    let (code, _, stderr) = output(&mut command);
    assert_eq!(code, Some(0), "{stderr}");

    let cells = cells(&out);
    let mut measured: Vec<(String, u64)> = cells
        .iter()
        .map(|c| {
            (
                c["cell"]["runtime"].as_str().unwrap().to_owned(),
                c["cell"]["threads"].as_u64().unwrap(),
            )
        })
        .collect();
    measured.sort();
    measured.dedup();
    let expected = [
        ("tokio-ct", 1),
        ("tokio-ct-tpc", 1),
        ("tokio-ct-tpc", 2),
        ("tokio-mt", 1),
        ("tokio-mt", 2),
    ];
    let expected: Vec<(String, u64)> = expected.iter().map(|(r, t)| (r.to_string(), *t)).collect();
    assert_eq!(measured, expected);
    let two_shards = cells
        .iter()
        .find(|c| c["cell"]["runtime"] == "tokio-ct-tpc" && c["cell"]["threads"] == 2)
        .unwrap();
    assert_eq!(two_shards["status"], "ok", "{two_shards}");
    assert_eq!(two_shards["threads_used"], 2);
    assert!(two_shards["notes"].to_string().contains("2 shards, not pinned"), "{two_shards}");

    let markdown = fs::read_to_string(out.join("results.md")).unwrap();
    for needle in [
        "## N-thread flavours, 2 threads (work stealing and per-core side by side) (oversubscribed: 1 CPUs)",
        "## Thread sweep: speedup vs 1 thread",
        "| flavour | 2 threads (oversubscribed: 1 CPUs) |",
        "| tokio-mt (work stealing) | ",
        "| tokio-ct-tpc (per-core) | ",
        "(1.x, per-core)",
    ] {
        let needle = needle.replace("1.x", &tokio_version(&out));
        assert!(markdown.contains(&needle), "`{needle}` missing from:\n{markdown}");
    }
    let chart = fs::read_to_string(out.join("charts/fan_out-scaling.svg")).unwrap();
    for needle in ["fan_out: ns/task by threads", "tokio-mt", "tokio-ct-tpc (per-core)"] {
        assert!(chart.contains(needle), "`{needle}` missing from the scaling chart");
    }
    assert!(fs::read_to_string(out.join("index.md"))
        .unwrap()
        .contains("charts/fan_out-scaling.svg"));
}

/// tokio's version as the run recorded it.
fn tokio_version(out: &std::path::Path) -> String {
    let cells = cells(out);
    cell(&cells, "fan_out", "tokio-mt")["crate_version"].as_str().unwrap().to_owned()
}
