//! Noise hygiene, recorded: `--pin` and `--no-aslr` reach the worker processes, a pin
//! the machine cannot honour is refused naming the flag, and every run records what makes
//! figures noisy (frequency governor, boost, load at its start and end). The workers'
//! placement is proved from inside: the test-only `fault_placement` scenario notes the
//! CPUs its task may run on and its process's persona, read from `/proc`.

#![cfg(target_os = "linux")]

mod common;

use std::fs;
use std::path::Path;

use common::*;
use serde_json::Value;

/// Linux's `ADDR_NO_RANDOMIZE` persona flag.
const ADDR_NO_RANDOMIZE: u32 = 0x0040000;

/// Runs `fault_placement` on tokio-ct (plus `flags`) into `out`: what it noted, by name.
fn placement_notes(out: &Path, flags: &[&str]) -> (Vec<String>, String) {
    let (code, _, stderr) =
        output(quick_run("tokio-ct", "fault_placement", out).args(flags).env(FAULTS_VAR, "1"));
    assert_eq!(code, Some(0), "{stderr}");
    let cells = cells(out);
    let notes = cell(&cells, "fault_placement", "tokio-ct")["notes"].as_array().unwrap().clone();
    (notes.iter().map(|note| note.as_str().unwrap().to_owned()).collect(), stderr)
}

/// The value of the note `name: value`.
fn note<'a>(notes: &'a [String], name: &str) -> &'a str {
    let prefix = format!("{name}: ");
    notes
        .iter()
        .find_map(|note| note.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {name} in {notes:?}"))
}

/// A field of this test process's `/proc/self/status`, as the workers inherit it.
fn own_status(field: &str) -> String {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find_map(|line| line.strip_prefix(&format!("{field}:"))).unwrap();
    line.trim().to_owned()
}

fn persona(hex: &str) -> u32 {
    u32::from_str_radix(hex.trim(), 16).unwrap()
}

/// The run's environment record.
fn environment(out: &Path) -> Value {
    records(out).into_iter().find(|r| r["record"] == "environment").unwrap()
}

#[test]
fn pinned_workers_may_run_on_the_pinned_cpu_only() {
    let dir = tempfile::tempdir().unwrap();
    let allowed = own_status("Cpus_allowed_list");
    // The first CPU this test may use: CPU 0 where nothing narrows the set.
    let first = allowed.split([',', '-']).next().unwrap().to_owned();

    let (notes, _) = placement_notes(&dir.path().join("unpinned"), &[]);
    assert_eq!(note(&notes, "Cpus_allowed_list"), allowed, "unpinned: the parent's CPUs");

    let pinned = dir.path().join("pinned");
    let (notes, _) = placement_notes(&pinned, &["--pin", &first]);
    assert_eq!(note(&notes, "Cpus_allowed_list"), first);
    assert_eq!(environment(&pinned)["request"]["pin"], first.as_str());
}

#[test]
fn no_aslr_turns_randomisation_off_in_the_workers_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let own = persona(&fs::read_to_string("/proc/self/personality").unwrap());
    let (notes, _) = placement_notes(&dir.path().join("default"), &[]);
    assert_eq!(persona(note(&notes, "personality")), own, "by default, the parent's persona");

    let out = dir.path().join("no-aslr");
    let (notes, stderr) = placement_notes(&out, &["--no-aslr"]);
    let randomisation_off = persona(note(&notes, "personality")) & ADDR_NO_RANDOMIZE != 0;
    let recorded = environment(&out)["worker_aslr"].clone();
    match recorded["state"].as_str().unwrap() {
        "off" => assert!(randomisation_off, "recorded off, but the worker has {notes:?}"),
        // The documented fallback where the kernel (a container's seccomp profile) refuses
        // personality(): the run goes on, says so once and records why.
        "refused" => {
            assert!(!recorded["reason"].as_str().unwrap().is_empty(), "{recorded}");
            assert_eq!(stderr.matches("--no-aslr not applied").count(), 1, "{stderr}");
        }
        // Nothing to turn off: the whole machine runs without randomisation.
        "off_system_wide" => {}
        other => panic!("--no-aslr recorded as {other}: {recorded}"),
    }
}

#[test]
fn a_pin_the_machine_cannot_honour_is_a_usage_error_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (pin, says) in [("99999", "CPU 99999 is not online"), ("1-", "not a CPU list")] {
        let (code, _, stderr) =
            output(quick_run("tokio-ct", "spawn_many", &out).args(["--pin", pin]));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("--pin") && stderr.contains(pin), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!out.exists(), "nothing is written for a refused run");
    }
}

#[test]
fn every_run_records_the_clock_and_the_load_at_its_start_and_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) =
        output(quick_run("tokio-ct", "spawn_many", &out).args(["--param", "spawn_many.tasks=100"]));
    assert_eq!(code, Some(0), "{stderr}");
    let records = records(&out);
    let environment = &records[0];
    assert_eq!(environment["record"], "environment");
    for field in ["cpu_governors", "cpu_boost"] {
        assert!(environment.get(field).is_some(), "{field} (null where unreadable): {environment}");
    }
    assert_eq!(environment["load_average"].as_array().map(Vec::len), Some(3), "{environment}");
    assert_eq!(environment["worker_aslr"]["state"], "on");
    let end = records.last().unwrap();
    assert_eq!(end["record"], "run_end", "the last line ends the run");
    assert_eq!(end["started_at"], environment["started_at"]);
    assert!(end["finished_at"].as_u64().unwrap() >= end["started_at"].as_u64().unwrap());
    assert_eq!(end["load_average"].as_array().map(Vec::len), Some(3), "{end}");

    let index = fs::read_to_string(out.join("index.md")).unwrap();
    for line in ["**CPU clock**", "**load average**", "at the end", "**placement**"] {
        assert!(index.contains(line), "`{line}` not in {index}");
    }
}
