//! `report.html` in a real browser: headless Chromium opens the page that `rtbench run`
//! writes after a tiny real run (figures, an `n/a` cell and a failed one, in two
//! classes), and the test checks that no script raised an error, that the sorting script
//! ran to its end, and that every chart and table of the file is in the rendered page.
//!
//! It needs `chromium` on the PATH (Debian's package), so it is ignored by default;
//! `.ci/run` installs Chromium and runs it with `--ignored`. To show that the console
//! check can fail, the same test opens a copy of the page with a script error injected
//! and expects it to be caught.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;

/// What Chromium made of a page: the DOM after its scripts ran, and the console.
struct Rendered {
    dom: String,
    /// Every console message. The page logs nothing, so any message is a fault: an
    /// uncaught exception (`"Uncaught TypeError: …"`), a failed resource, a warning.
    console: Vec<String>,
}

/// Opens `page` in headless Chromium. With `--enable-logging=stderr` console messages go
/// to stderr as `[…:INFO:CONSOLE:line] "message", source: file://… (line)`, whatever
/// their level; Chromium's own log lines (D-Bus, sandbox) are not `CONSOLE` lines.
fn render(page: &Path) -> Rendered {
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs (Debian: apt-get install chromium)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed: {stderr}");
    let console =
        stderr.lines().filter(|line| line.contains(":CONSOLE")).map(str::to_owned).collect();
    Rendered { dom: String::from_utf8_lossy(&output.stdout).into_owned(), console }
}

fn count(text: &str, pattern: &str) -> usize {
    text.matches(pattern).count()
}

#[test]
#[ignore = "needs headless Chromium: .ci/run installs it and runs this test"]
fn report_html_renders_in_chromium_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // spawn_many shards (a figure on every flavour); awaitable does not (n/a on the
    // per-core one); fault_check fails on purpose.
    let mut run = quick_run(
        "reference,tokio-ct,tokio-mt,tokio-ct-tpc",
        "spawn_many,awaitable,fault_check",
        &out,
    );
    let (code, _, stderr) = output(run.env(FAULTS_VAR, "1"));
    assert_eq!(code, Some(1), "one cell fails on purpose: {stderr}");
    let page = out.join("report.html");
    let html = fs::read_to_string(&page).expect("run writes report.html");
    // Nothing to fetch: no source, link or import (the SVGs' `xmlns` is a name, not a fetch).
    for fetch in ["src=", "href=\"http", "href=\"//", "<link", "@import", "url("] {
        assert!(!html.contains(fetch), "report.html fetches something: `{fetch}`");
    }
    let charts = fs::read_dir(out.join("charts")).unwrap().count();
    assert!(charts >= 2, "a chart for spawn_many and one for awaitable");
    assert_eq!(count(&html, "<svg"), charts, "every chart file is inlined");

    let rendered = render(&page);
    assert!(rendered.console.is_empty(), "console messages: {:#?}", rendered.console);
    let dom = &rendered.dom;
    assert!(dom.contains("data-sortable=\"ready\""), "the sorting script ran to its end");
    assert_eq!(count(dom, "<svg"), charts, "every chart rendered");
    assert_eq!(count(dom, "<table"), count(&html, "<table"), "every table rendered");
    for id in ["environment", "summary", "spawn_many", "awaitable", "without-figures", "semantics"]
    {
        assert!(dom.contains(&format!("id=\"{id}\"")), "section {id} missing");
    }
    for text in ["n/a: per-core", "FAILED", "check failed", "tokio-ct-tpc", "Leaders: 1-thread"] {
        assert!(dom.contains(text), "`{text}` missing from the page");
    }

    // The check itself can fail: an injected script error is caught.
    let broken = out.join("broken.html");
    let injected = "<script>window.notAFunction();</script>\n</body>";
    fs::write(&broken, html.replace("</body>", injected)).unwrap();
    let console = render(&broken).console;
    assert!(
        console.iter().any(|line| line.contains("Uncaught TypeError")),
        "an injected script error goes unnoticed: {console:#?}"
    );
}
