//! Results you cannot lose: what `rtbench` does when it is misused — two runs at once, a
//! rerun over measured results, failed cells to retry, a results file mixing settings,
//! corrupt or cut lines, a resume with other flags, a full disk, an unwritable report,
//! a runaway cell. Each test runs the real binary on small subsets (the test-only fault
//! scenarios of `src/faults.rs` where a misbehaving cell is needed); none asserts speed.

mod common;

use std::fs;
use std::path::Path;
use std::process::Stdio;

use common::*;

/// A quick tokio-ct run of `spawn_many` with 100 tasks into `out`.
fn small_run(out: &Path) -> std::process::Command {
    let mut command = quick_run("tokio-ct", "spawn_many", out);
    command.args(["--param", "spawn_many.tasks=100"]);
    command
}

/// The results files `--force` kept aside in `out`.
fn replaced_files(out: &Path) -> Vec<std::path::PathBuf> {
    fs::read_dir(out)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().contains("results-replaced-"))
        .collect()
}

#[test]
fn a_second_run_into_a_directory_in_use_is_refused_and_the_first_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut first = quick_run("tokio-ct", "spawn_many,fault_hang", &out)
        .args(["--param", "spawn_many.tasks=100", "--timeout", "3"])
        .env(FAULTS_VAR, "1")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_lines(&out, 1);
    for args in [&["--resume"][..], &["--force"], &[]] {
        let (code, _, stderr) = output(small_run(&out).args(args));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("is in use by another rtbench"), "{stderr}");
        assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");
    }
    let (code, _, stderr) = output(&mut rtbench(&["report", out.to_str().unwrap()]));
    assert!(code == Some(2) && stderr.contains("in use"), "{code:?} {stderr}");
    assert_eq!(first.wait().unwrap().code(), Some(1), "fault_hang fails, nothing else");
    let cells = cells(&out);
    assert_eq!(cells.len(), 2, "{cells:#?}");
    assert_eq!(cell(&cells, "spawn_many", "tokio-ct")["status"], "ok");
    assert_eq!(records(&out).iter().filter(|r| r["record"] == "environment").count(), 1);
}

#[test]
fn a_plain_rerun_refuses_to_replace_results_and_force_keeps_them_aside() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(output(&mut small_run(&out)).0, Some(0));
    let measured = fs::read_to_string(out.join("results.jsonl")).unwrap();
    fs::write(out.join("charts/stale.svg"), "<svg/>").unwrap();

    let (code, _, stderr) = output(&mut small_run(&out));
    assert_eq!(code, Some(2), "{stderr}");
    for needle in ["already holds 1 measured cell", "--resume", "--out", "--force"] {
        assert!(stderr.contains(needle), "`{needle}` not in {stderr}");
    }
    assert_eq!(fs::read_to_string(out.join("results.jsonl")).unwrap(), measured);

    let (code, _, stderr) = output(small_run(&out).arg("--force"));
    assert_eq!(code, Some(0), "{stderr}");
    let aside = replaced_files(&out);
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(fs::read_to_string(&aside[0]).unwrap(), measured);
    assert!(stderr.contains(&aside[0].display().to_string()), "{stderr}");
    assert_eq!(cells(&out).len(), 1);
    assert!(!out.join("charts/stale.svg").exists(), "a stale chart was left behind");
    assert!(out.join("charts/spawn_many.svg").exists());
}

#[test]
fn resume_keeps_measured_and_na_cells_and_retries_failed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = || {
        // glommio has no process API: its subprocess cell is n/a.
        let mut command = quick_run("tokio-ct,glommio", "subprocess,fault_broken_while", &out);
        command.env(FAULTS_VAR, "1");
        command
    };
    let (code, _, stderr) = output(run().env("RTBENCH_TEST_BROKEN", "1"));
    assert_eq!(code, Some(1), "{stderr}");
    let first = cells(&out);
    assert_eq!(cell(&first, "fault_broken_while", "tokio-ct")["kind"], "check");

    let (code, _, stderr) = output(run().arg("--resume"));
    assert_eq!(code, Some(0), "the retried cells now pass\n{stderr}");
    let failed = first.iter().filter(|c| c["status"] == "failed").count();
    assert!(stderr.contains(&format!("{} of 4 cell rounds already", 4 - failed)), "{stderr}");
    assert!(stderr.contains(&format!("{failed} failed one(s) to retry")), "{stderr}");
    let after = cells(&out);
    assert_eq!(after.len(), 4 + failed, "only the failed cells ran again");
    assert_eq!(cell(&after, "fault_broken_while", "tokio-ct")["status"], "ok");
    let kept: Vec<_> = first.iter().filter(|c| c["status"] != "failed").collect();
    assert!(kept.iter().any(|c| c["status"] == "n/a"), "an n/a cell to keep: {first:#?}");
    for earlier in kept {
        assert!(after.contains(earlier), "{earlier} was not kept");
    }
    let markdown = fs::read_to_string(out.join("results.md")).unwrap();
    let row = markdown.lines().find(|l| l.starts_with("| fault_broken_while |")).unwrap();
    assert!(!row.contains("FAILED"), "a retried cell still shows its failure: {row}");
}

#[test]
fn a_report_never_shows_a_figure_under_settings_it_was_not_measured_with() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert_eq!(output(&mut small_run(&a)).0, Some(0));
    let (code, _, stderr) = output(
        rtbench(&["run", "--quick", "-r", "tokio-ct", "-s", "spawn_many", "--rounds", "1"])
            .args(["--samples", "2"])
            .args(["--param", "spawn_many.tasks=300", "--out", b.to_str().unwrap()]),
    );
    assert_eq!(code, Some(0), "{stderr}");
    // Both runs' cells in one file, as a user concatenating results would get.
    let mut mixed = fs::read_to_string(a.join("results.jsonl")).unwrap();
    mixed.push_str(&fs::read_to_string(b.join("results.jsonl")).unwrap());
    fs::write(a.join("results.jsonl"), mixed).unwrap();

    let (code, markdown, stderr) = output(&mut rtbench(&["report", a.to_str().unwrap()]));
    assert_eq!(code, Some(0), "{stderr}");
    let titles: Vec<&str> = markdown.lines().filter(|l| l.starts_with("## 1-thread")).collect();
    assert_eq!(titles.len(), 2, "one table per sampling setting:\n{markdown}");
    assert!(titles.iter().any(|t| t.contains("1 to 1 samples")), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("1 to 2 samples")), "{titles:?}");
    let json: serde_json::Value = serde_json::from_str(
        &output(&mut rtbench(&["report", a.to_str().unwrap(), "--format", "json"])).1,
    )
    .unwrap();
    let tasks: Vec<u64> = json["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cell"]["params"]["tasks"].as_u64().unwrap())
        .collect();
    assert_eq!(tasks, [100, 300], "each cell keeps its own parameters");
    assert!(a.join("charts/spawn_many.svg").exists() && a.join("charts/spawn_many-2.svg").exists());
}

#[test]
fn a_line_that_is_not_utf8_is_skipped_with_its_place_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(output(&mut small_run(&out)).0, Some(0));
    let path = out.join("results.jsonl");
    let mut bytes = fs::read(&path).unwrap();
    let bad_line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    bytes.extend_from_slice(b"{\"record\":\"round\",\"cell\":\"\xff\"}\n");
    fs::write(&path, bytes).unwrap();

    let (code, markdown, stderr) = output(&mut rtbench(&["report", out.to_str().unwrap()]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:{bad_line}: skipping unreadable line", path.display())),
        "{stderr}"
    );
    assert!(markdown.contains("ns/spawn"), "{markdown}");
    let (code, _, stderr) = output(small_run(&out).arg("--resume"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("1 of 1 cell rounds already"), "{stderr}");
    // Read once, under the lock: one warning, not one more for the closing report.
    assert_eq!(stderr.matches("skipping unreadable line").count(), 1, "{stderr}");
}

#[test]
fn a_cut_last_line_is_closed_before_resume_appends() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(output(&mut quick_run("tokio-ct,smol-1", "spawn_many", &out)).0, Some(0));
    let path = out.join("results.jsonl");
    let text = fs::read_to_string(&path).unwrap();
    // A killed run writes no `run_end`; its last round is cut in the middle, as a killed
    // write or a full disk leaves it.
    let (rounds, end) = text.trim_end().rsplit_once('\n').unwrap();
    assert!(end.contains("\"record\":\"run_end\""), "{end}");
    fs::write(&path, &rounds[..rounds.len() - 40]).unwrap();

    let (code, _, stderr) =
        output(quick_run("tokio-ct,smol-1", "spawn_many", &out).arg("--resume"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("the last line was cut off"), "{stderr}");
    assert!(stderr.contains("1 of 2 cell rounds already"), "{stderr}");
    let lines: Vec<String> = fs::read_to_string(&path).unwrap().lines().map(Into::into).collect();
    let parsed: Vec<serde_json::Value> =
        lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(lines.len() - parsed.len(), 1, "only the cut line is lost: {lines:#?}");
    let rounds = parsed.iter().filter(|r| r["record"] == "round").count();
    assert_eq!(rounds, 2, "the kept cell and the re-measured one: {lines:#?}");
}

#[test]
fn resume_takes_the_interrupted_runs_settings_and_names_conflicting_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut first = quick_run("tokio-ct,tokio-mt", "spawn_many,fault_hang", &out)
        .args(["--param", "spawn_many.tasks=150", "--threads", "2", "--timeout", "3"])
        .env(FAULTS_VAR, "1")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_lines(&out, 3);
    first.kill().unwrap();
    first.wait().unwrap();
    let done = cells(&out).iter().filter(|c| c["status"] == "ok").count();

    // The README's own example: resume with nothing but the directory.
    let resume = || {
        let mut command = rtbench(&["run", "--resume", "--out", out.to_str().unwrap()]);
        command.env(FAULTS_VAR, "1");
        command
    };
    let (code, _, stderr) = output(resume().args(["--threads", "4", "--samples", "3"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--threads 4 (recorded: 2)"), "{stderr}");
    assert!(stderr.contains("--samples 3 (recorded: 1)"), "{stderr}");

    let (code, _, stderr) = output(resume().args(["--timeout", "1"]));
    assert_eq!(code, Some(1), "fault_hang still fails\n{stderr}");
    assert!(stderr.contains(&format!("{done} of 4 cell rounds already")), "{stderr}");
    let cells = cells(&out);
    let spawn_many: Vec<_> =
        cells.iter().filter(|c| c["cell"]["scenario"] == "spawn_many").collect();
    assert_eq!(spawn_many.len(), 2, "each spawn_many cell once: {cells:#?}");
    for cell in spawn_many {
        assert_eq!(cell["cell"]["params"]["tasks"], 150, "{cell}");
        assert_eq!(cell["cell"]["sampling"]["samples"], 1, "{cell}");
    }
    assert_eq!(cell(&cells, "spawn_many", "tokio-mt")["cell"]["threads"], 2);
}

#[test]
fn a_results_file_of_an_older_schema_is_refused_with_a_way_forward() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let old = r#"{"record":"environment","rtbench_version":"0.1.0","size":"quick"}
{"record":"cell","scenario":"spawn_many","runtime":"tokio-ct","status":"ok"}
"#;
    fs::write(out.join("results.jsonl"), old).unwrap();
    let (code, _, stderr) = output(&mut rtbench(&["report", out.to_str().unwrap()]));
    assert_ne!(code, Some(0));
    assert!(stderr.contains("results.jsonl:1: written by an older rtbench"), "{stderr}");
    let (code, _, stderr) = output(small_run(&out).arg("--resume"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("older rtbench") && stderr.contains("--force"), "{stderr}");
    assert_eq!(fs::read_to_string(out.join("results.jsonl")).unwrap(), old, "left as it was");
    // The way forward the message gives: --force keeps the old file aside, unread.
    let (code, _, stderr) = output(small_run(&out).arg("--force"));
    assert_eq!(code, Some(0), "{stderr}");
    let aside = replaced_files(&out);
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(fs::read_to_string(&aside[0]).unwrap(), old);
    assert_eq!(cells(&out).len(), 1);
}

#[test]
fn output_that_cannot_be_written_is_an_error_naming_what() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(output(&mut small_run(&out)).0, Some(0));
    for args in [&["list"][..], &["report", out.to_str().unwrap()]] {
        let full = fs::File::create("/dev/full").unwrap();
        let (code, _, stderr) = output(rtbench(args).stdout(full));
        assert_eq!(code, Some(1), "{args:?} into a full disk: {stderr}");
        assert!(stderr.contains("cannot write to standard output"), "{stderr}");
    }
    // A report file that cannot be written (a directory in its place: root ignores modes).
    let blocked = out.join("results.md");
    fs::remove_file(&blocked).unwrap();
    fs::create_dir(&blocked).unwrap();
    let (code, _, stderr) = output(&mut rtbench(&["report", out.to_str().unwrap()]));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&format!("cannot write {}", blocked.display())), "{stderr}");
}

#[test]
fn a_cell_whose_memory_runs_away_is_stopped_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = output(
        quick_run("tokio-ct", "fault_grow,spawn_many", &out)
            .args(["--memory-limit", "256M", "--timeout", "60"])
            .args(["--param", "spawn_many.tasks=100"])
            .env(FAULTS_VAR, "1"),
    );
    assert_eq!(code, Some(1), "{stderr}");
    let cells = cells(&out);
    let grown = cell(&cells, "fault_grow", "tokio-ct");
    assert_eq!(grown["kind"], "out_of_memory", "{grown}");
    let reason = grown["reason"].as_str().unwrap();
    assert!(reason.contains("over the limit of 256 MiB (--memory-limit)"), "{reason}");
    assert_eq!(cell(&cells, "spawn_many", "tokio-ct")["status"], "ok");
}

#[test]
fn results_directories_are_not_untracked_noise_in_a_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("my-run");
    assert_eq!(output(&mut small_run(&out)).0, Some(0));
    let ignore = fs::read_to_string(out.join(".gitignore")).unwrap();
    assert_eq!(ignore.lines().last(), Some("*"), "{ignore}");
}
