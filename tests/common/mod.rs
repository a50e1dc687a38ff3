//! What the integration tests of the `rtbench` binary share: running it, and reading
//! the results file it writes.

#![allow(dead_code)] // Each test file uses its own subset.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Makes the test-only fault scenarios visible (see `src/faults.rs`).
pub const FAULTS_VAR: &str = "RTBENCH_TEST_FAULTS";

/// `rtbench ARGS…`, faults hidden unless the test sets [`FAULTS_VAR`].
pub fn rtbench(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rtbench"));
    command.args(args).env_remove(FAULTS_VAR);
    command
}

/// `rtbench run --quick` on `runtimes` × `scenarios`, one round of one sample per cell,
/// into `out`; each test adds its own flags (`--param`, `--timeout`, …).
pub fn quick_run(runtimes: &str, scenarios: &str, out: &Path) -> Command {
    quick_rounds(runtimes, scenarios, out, 1)
}

/// [`quick_run`] with `rounds` rounds per cell.
pub fn quick_rounds(runtimes: &str, scenarios: &str, out: &Path, rounds: u32) -> Command {
    let mut command = rtbench(&["run", "--quick", "--runtime", runtimes, "--samples", "1"]);
    command.args(["--rounds", &rounds.to_string()]);
    command.args(["--scenario", scenarios, "--out", out.to_str().unwrap()]);
    command
}

/// Runs `command`: its exit code, stdout and stderr.
pub fn output(command: &mut Command) -> (Option<i32>, String, String) {
    let Output { status, stdout, stderr } = command.output().expect("rtbench runs");
    (
        status.code(),
        String::from_utf8_lossy(&stdout).into(),
        String::from_utf8_lossy(&stderr).into(),
    )
}

/// Every line of `dir/results.jsonl`, parsed.
pub fn records(dir: &Path) -> Vec<Value> {
    fs::read_to_string(dir.join("results.jsonl"))
        .expect("results.jsonl exists")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

/// The round records of `dir/results.jsonl` (one per worker process).
pub fn cells(dir: &Path) -> Vec<Value> {
    records(dir).into_iter().filter(|r| r["record"] == "round").collect()
}

/// The last round recorded for `scenario` on `runtime`.
pub fn cell<'a>(cells: &'a [Value], scenario: &str, runtime: &str) -> &'a Value {
    cells
        .iter()
        .rev()
        .find(|c| c["cell"]["scenario"] == scenario && c["cell"]["runtime"] == runtime)
        .unwrap_or_else(|| panic!("no cell {scenario} on {runtime} in {cells:#?}"))
}

/// Waits until `dir/results.jsonl` has at least `lines` lines.
pub fn wait_for_lines(dir: &Path, lines: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while fs::read_to_string(dir.join("results.jsonl")).map_or(0, |t| t.lines().count()) < lines {
        assert!(Instant::now() < deadline, "no {lines} lines in {}", dir.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}
