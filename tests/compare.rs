//! `rtbench compare` and `rtbench report --format bmf` end to end, on results files a
//! real run wrote. For `compare`, each round's samples are then replaced by made-up ones
//! (the same small spread in every round, times a factor), so every verdict is known in
//! advance: the same results twice are no change; NEW at twice BASE's figures is worse,
//! which `--fail-on-regression` turns into exit 1, and BASE against it better; a cell
//! missing from NEW is listed; bad input exits 2 naming the path or flag. Nothing
//! asserts speed.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::{json, Value};

/// The samples every round gets: within 0.2 % of 100, so intervals are far inside the
/// default 2 % threshold.
const STEADY: [f64; 5] = [100.0, 100.1, 99.9, 100.2, 99.8];

/// A real quick run of `spawn_many` and `yield_many` on tokio-ct, 2 rounds, into
/// `dir/run`.
fn real_run(dir: &Path) -> PathBuf {
    let out = dir.join("run");
    let mut command = quick_rounds("tokio-ct", "spawn_many,yield_many", &out, 2);
    command.args(["--param", "spawn_many.tasks=100"]);
    let (code, _, stderr) = output(&mut command);
    assert_eq!(code, Some(0), "{stderr}");
    out
}

/// `from`'s results in `dir/name`, every sample of every metric replaced by [`STEADY`] ×
/// `factor`, the rounds of `without` (a scenario) left out.
fn steady_copy(from: &Path, dir: &Path, name: &str, factor: f64, without: &str) -> PathBuf {
    let to = dir.join(name);
    fs::create_dir_all(&to).unwrap();
    let mut lines = Vec::new();
    for mut record in records(from) {
        if record["cell"]["scenario"] == without {
            continue;
        }
        for metric in record["metrics"].as_array_mut().into_iter().flatten() {
            metric["samples"] = json!(STEADY.map(|sample| sample * factor));
        }
        lines.push(record.to_string());
    }
    fs::write(to.join("results.jsonl"), lines.join("\n") + "\n").unwrap();
    to
}

fn compare(base: &Path, new: &Path, flags: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["compare", base.to_str().unwrap(), new.to_str().unwrap()];
    args.extend_from_slice(flags);
    output(&mut rtbench(&args))
}

/// The table rows of a Markdown comparison that name `scenario`.
fn rows<'a>(markdown: &'a str, scenario: &str) -> Vec<&'a str> {
    markdown.lines().filter(|line| line.starts_with(&format!("| {scenario} |"))).collect()
}

#[test]
fn the_same_results_twice_are_no_change_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let base = steady_copy(&real_run(dir.path()), dir.path(), "base", 1.0, "");

    let (code, stdout, stderr) = compare(&base, &base, &["--fail-on-regression", "1"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Same machine, build and settings."), "{stdout}");
    for scenario in ["spawn_many", "yield_many"] {
        let rows = rows(&stdout, scenario);
        assert_eq!(rows.len(), 1, "{stdout}");
        assert!(rows[0].contains("| no change (within ±2 %) |"), "{}", rows[0]);
    }
    assert!(!stdout.contains("## Not compared"), "{stdout}");
    assert!(stdout.contains("2 cells in both; 100 % of NEW's medians inside BASE's"), "{stdout}");

    let (code, stdout, _) = compare(&base, &base, &["--format", "json"]);
    assert_eq!(code, Some(0));
    let comparison: Value = serde_json::from_str(&stdout).unwrap();
    let rows = comparison["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|row| row["verdict"] == "no_change" && row["ratio"]["ratio"] == 1.0));
    assert_eq!(comparison["differences"], json!([]));
    assert_eq!(comparison["calibration"]["new_inside_base"], 1.0);

    let (code, page, _) = compare(&base, &base, &["--format", "html"]);
    assert_eq!(code, Some(0));
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"), "{page}");
    assert_eq!(page.matches("<table class=\"sortable\">").count(), 1, "one class: {page}");
    assert_eq!(page.matches("<td>no change (within ±2 %)</td>").count(), 2, "{page}");
}

#[test]
fn doubled_figures_are_worse_fail_the_regression_check_and_missing_cells_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let run = real_run(dir.path());
    let base = steady_copy(&run, dir.path(), "base", 1.0, "");
    let new = steady_copy(&run, dir.path(), "new", 2.0, "yield_many");

    let (code, stdout, stderr) = compare(&base, &new, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let row = rows(&stdout, "spawn_many");
    assert!(row[0].contains("| 2.000 [") && row[0].ends_with("| worse by 100 % |"), "{row:?}");
    assert!(
        stdout.contains(
            "- yield_many on tokio-ct (quick, 1 thread, tasks=200 yields=100): only in BASE"
        ),
        "{stdout}"
    );

    let (code, _, stderr) = compare(&base, &new, &["--fail-on-regression", "50"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("regression: spawn_many on tokio-ct, ns/spawn: NEW ÷ BASE = 2.000"));
    assert!(stderr.contains("1 metric(s) worse by more than 50 % with confidence"), "{stderr}");
    let (code, _, stderr) = compare(&base, &new, &["--fail-on-regression", "90"]);
    assert_eq!(code, Some(1), "twice as slow is 100 % worse: {stderr}");

    let (code, stdout, stderr) = compare(&new, &base, &["--fail-on-regression", "1"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(rows(&stdout, "spawn_many")[0].ends_with("| better by 50 % |"), "{stdout}");
    assert!(stdout.contains("only in NEW"), "{stdout}");
}

#[test]
fn input_that_cannot_be_compared_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let (code, _, stderr) = compare(&empty, &empty, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&format!("BASE ({})", empty.display())), "{stderr}");
    assert!(stderr.contains("no results in"), "{stderr}");

    let old = dir.path().join("old");
    fs::create_dir(&old).unwrap();
    fs::write(old.join("results.jsonl"), "{\"record\":\"environment\",\"schema\":1}\n").unwrap();
    let (code, _, stderr) = compare(&old, &empty, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("results.jsonl:1") && stderr.contains("older rtbench"), "{stderr}");

    for flags in [&["--threshold", "0"][..], &["--fail-on-regression", "-5"], &["--format", "csv"]]
    {
        let (code, _, stderr) = compare(&empty, &empty, flags);
        assert_eq!(code, Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(flags[0]), "{flags:?}: {stderr}");
    }
}

#[test]
fn bmf_holds_the_reports_figures_with_their_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut command = quick_run("tokio-ct,tokio-mt", "spawn_many", &out);
    command.args(["--param", "spawn_many.tasks=100", "--threads", "2"]);
    assert_eq!(output(&mut command).0, Some(0));

    let (code, stdout, stderr) =
        output(&mut rtbench(&["report", out.to_str().unwrap(), "--format", "bmf"]));
    assert_eq!(code, Some(0), "{stderr}");
    let bmf: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        bmf,
        serde_json::from_str::<Value>(&fs::read_to_string(out.join("results.bmf.json")).unwrap())
            .unwrap()
    );
    let report: Value =
        serde_json::from_str(&fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let cells = report["cells"].as_array().unwrap();
    assert_eq!(bmf.as_object().unwrap().len(), cells.len());
    for cell in cells {
        let metric = &cell["metrics"][0];
        let name = format!("spawn_many/{}", cell["cell"]["runtime"].as_str().unwrap());
        assert_eq!(
            bmf[&name]["ns-per-spawn"],
            json!({ "value": metric["median"], "lower_value": metric["low"], "upper_value": metric["high"] }),
            "{name} in {bmf:#}"
        );
    }
}
