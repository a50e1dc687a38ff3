//! `subprocess` (W8-S8): P child processes at once, each one's stdout read as an
//! asynchronous stream of lines.
//!
//! The course lists external processes beside time and sockets as what the asyncio
//! library manages ("launch programs, write or read their input/output channels"). Each
//! child is `/bin/sh` printing L numbered lines; one task per child reads its stdout
//! through `futures::io::BufReader::lines()` (a `Stream`: the course's `async for`,
//! W8-S4) while the others run, and checks every line arrives, in order, and that the
//! child exits successfully. Runtimes without a child-process reactor are
//! reported `n/a`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::io::{AsyncBufReadExt, BufReader};
use futures::StreamExt;
use rtbench_core::io::ChildProcess;
use rtbench_core::{
    Capability, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError,
    ScenarioInfo,
};

use crate::io_support::{per_second, within};

/// P concurrent `/bin/sh` children, each printing L numbered lines.
pub struct Subprocess;

/// Prints lines `child $1 line 1` … `child $1 line $2`.
const SCRIPT: &str =
    r#"i=1; while [ "$i" -le "$2" ]; do echo "child $1 line $i"; i=$((i + 1)); done"#;

impl Scenario for Subprocess {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "subprocess",
        lesson: "W8-S8",
        summary: "spawn P shell children at once and read each one's stdout as a stream of \
                  lines; every line in order, every exit successful",
        params: &[
            ParamSpec {
                name: "processes",
                help: "children running at once",
                default: 100,
                quick: 20,
                test: 4,
                min: 1,
            },
            ParamSpec {
                name: "lines",
                help: "lines printed by each child",
                default: 100,
                quick: 100,
                test: 50,
                min: 1,
            },
        ],
        requires: &[Capability::Process],
        elements: |params| params.get("processes"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let (processes, lines) = (params.count("processes"), params.count("lines"));
        let limit = Duration::from_secs(60) + Duration::from_millis(10 * processes as u64);
        let elapsed = runtime.run(within::<R, _>("the children", limit, async move {
            let start = Instant::now();
            let handles: Vec<_> =
                (0..processes).map(|child| R::spawn(run_child::<R>(child, lines))).collect();
            for handle in handles {
                handle.await??;
            }
            Ok(start.elapsed())
        }))?;
        Ok(Outcome::checked(format!(
            "{processes} children each printed {lines} lines, all received in order, all exited 0"
        ))
        .metric(Metric::higher("processes/s", per_second(processes as u64, elapsed)))
        .metric(Metric::higher("lines/s", per_second((processes * lines) as u64, elapsed)))
        .note(format!("process support: {}", R::INFO.capabilities.process.detail())))
    }
}

/// Starts child `child`, checks its `lines` lines as they stream in, then its exit.
async fn run_child<R: Runtime>(child: usize, lines: usize) -> Result<(), ScenarioError> {
    let mut command = Command::new("/bin/sh");
    command.args(["-c", SCRIPT, "sh", &child.to_string(), &lines.to_string()]);
    command.stdin(Stdio::null());
    let mut process = R::spawn_process(command)?;
    let stdout = process
        .take_stdout()
        .ok_or_else(|| ScenarioError::Check(format!("child {child}: stdout was not piped")))?;
    let mut received = 0;
    let mut output = BufReader::new(stdout).lines();
    while let Some(line) = output.next().await {
        received += 1;
        let (line, expected) = (line?, format!("child {child} line {received}"));
        ScenarioError::ensure(line == expected, || {
            format!("child {child}: line {received} is {line:?}, expected {expected:?}")
        })?;
    }
    ScenarioError::ensure(received == lines, || {
        format!("child {child}: {received} lines received, expected {lines}")
    })?;
    let status = process.wait().await?;
    ScenarioError::ensure(status.success(), || format!("child {child} exited with {status}"))
}
