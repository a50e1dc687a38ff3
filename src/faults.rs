//! Deliberately failing scenarios, for testing the runner's isolation only.
//!
//! They are invisible unless the environment variable `RTBENCH_TEST_FAULTS=1` is set (the
//! integration tests set it on the `rtbench` processes they start); then `list` shows
//! them and `run --scenario fault_panic,…` runs them like any other scenario:
//!
//! | scenario | what the cell does | expected cell |
//! |---|---|---|
//! | `fault_panic` | panics in the scenario's root task | `FAILED: panicked: …` |
//! | `fault_abort` | aborts the process (`std::process::abort`) | `FAILED: aborted …` |
//! | `fault_hang` | sleeps far past any watchdog | `FAILED: timed out …` |
//! | `fault_check` | returns a wrong answer | `FAILED: check failed: …` |
//! | `fault_oom` | asks for more memory than any address space holds | `FAILED: out of memory …` |
//! | `fault_hang_child` | hangs after starting a subprocess (pid in `$RTBENCH_TEST_PID_FILE`) | `FAILED: timed out …`, both killed |
//! | `fault_detached_panic` | a detached task panics, nobody retrieves it | `ok`, with a note |
//! | `fault_broken_while` | a wrong answer while `$RTBENCH_TEST_BROKEN` is `1`, right otherwise | `FAILED: check failed …`, then `ok` |
//! | `fault_grow` | touches 16 MiB more memory every 10 ms, up to 64 GiB | `FAILED: out of memory …` under `--memory-limit` |
//! | `fault_placement` | notes the CPUs its task may run on and its process's persona | `ok`, notes `Cpus_allowed_list: …` and `personality: …` (hex) |
//!
//! Each cell runs in its own child process, so none of them may stop the run.

use std::time::Duration;

use rtbench_core::scenario::run_checked;
use rtbench_core::task::unretrieved_panics;
use rtbench_core::{Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo};

/// The environment variable that makes the faults visible.
pub const ENABLE_VAR: &str = "RTBENCH_TEST_FAULTS";

/// Where `fault_hang_child` writes its subprocess's pid, when set.
pub const PID_FILE_VAR: &str = "RTBENCH_TEST_PID_FILE";

/// While this is `1`, `fault_broken_while` gives a wrong answer.
pub const BROKEN_VAR: &str = "RTBENCH_TEST_BROKEN";

/// Whether this process may run the faults.
pub fn enabled() -> bool {
    std::env::var_os(ENABLE_VAR).is_some_and(|value| value == "1")
}

/// One fault: its name, what it does, and the misbehaviour as a scenario body.
macro_rules! faults {
    ($( $type:ident $name:literal $summary:literal => |$runtime:ident| $body:expr ;)*) => {
        $(
            struct $type;

            impl Scenario for $type {
                const INFO: ScenarioInfo = ScenarioInfo {
                    name: $name,
                    lesson: "test",
                    summary: $summary,
                    params: &[ParamSpec { name: "unused", help: "no effect", default: 0, quick: 0, test: 0, min: 0 }],
                    requires: &[],
                    elements: |_| 1,
                };

                fn run<R: Runtime>($runtime: &R, _: &Params) -> Result<Outcome, ScenarioError> {
                    $body
                }
            }
        )*

        /// The faults' descriptions.
        pub fn infos() -> Vec<ScenarioInfo> {
            vec![$( <$type as Scenario>::INFO ),*]
        }

        /// Runs the fault called `name`; `None` if there is none.
        pub fn run<R: Runtime>(name: &str, runtime: &R, params: &Params) -> Option<Result<Outcome, ScenarioError>> {
            $( if name == $name { return Some(run_checked::<$type, R>(runtime, params)); } )*
            None
        }
    };
}

faults! {
    FaultPanic "fault_panic" "test only: panics in the root task" => |runtime| {
        runtime.run(async {
            if true {
                panic!("fault_panic: deliberate panic");
            }
        });
        Ok(Outcome::checked("unreachable"))
    };
    FaultAbort "fault_abort" "test only: aborts the process" => |_runtime| {
        std::process::abort()
    };
    FaultHang "fault_hang" "test only: never finishes" => |runtime| {
        runtime.run(async { R::sleep(Duration::from_secs(24 * 3600)).await });
        Ok(Outcome::checked("slept a day"))
    };
    FaultHangChild "fault_hang_child" "test only: starts a subprocess, then never finishes" => |runtime| {
        let child = std::process::Command::new("sleep").arg("86400").spawn()?;
        if let Some(path) = std::env::var_os(PID_FILE_VAR) {
            std::fs::write(path, child.id().to_string())?;
        }
        runtime.run(async { R::sleep(Duration::from_secs(24 * 3600)).await });
        Ok(Outcome::checked("slept a day"))
    };
    FaultCheck "fault_check" "test only: gives a wrong answer" => |runtime| {
        let answer = runtime.run(async { 6 * 7 + 1 });
        ScenarioError::ensure(answer == 42, || format!("6 × 7 gave {answer}, expected 42"))?;
        Ok(Outcome::checked("unreachable"))
    };
    FaultBrokenWhile "fault_broken_while" "test only: wrong while RTBENCH_TEST_BROKEN=1" => |runtime| {
        let broken = std::env::var_os(BROKEN_VAR).is_some_and(|value| value == "1");
        let answer = runtime.run(async move { 6 * 7 + u64::from(broken) });
        ScenarioError::ensure(answer == 42, || format!("6 × 7 gave {answer}, expected 42"))?;
        Ok(Outcome::checked("6 × 7 gave 42"))
    };
    FaultOom "fault_oom" "test only: an allocation no system can satisfy" => |_runtime| {
        // isize::MAX bytes: a valid request that no allocator can serve, so the process
        // dies the way it does when memory runs out, without using any.
        let hoard: Vec<u8> = Vec::with_capacity(isize::MAX as usize);
        Ok(Outcome::checked(format!("reserved {} bytes", hoard.capacity())))
    };
    FaultGrow "fault_grow" "test only: memory grows until the limit stops it" => |runtime| {
        runtime.run(async {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            // Bounded, so that a watchdog that failed to act cannot take a test machine
            // down with it: the allocation fails first on any machine with less.
            while hoard.len() < 64 * 64 {
                hoard.push(vec![1u8; 16 << 20]);
                R::sleep(Duration::from_millis(10)).await;
            }
            hoard.len()
        });
        Ok(Outcome::checked("grew without being stopped"))
    };
    FaultPlacement "fault_placement" "test only: notes its CPUs and persona" => |runtime| {
        // Read on the thread that runs the scenario's task: where `--pin` must hold.
        let (cpus, persona) = runtime.run(async {
            let status = std::fs::read_to_string("/proc/thread-self/status");
            (status, std::fs::read_to_string("/proc/self/personality"))
        });
        let status = cpus?;
        let cpus = status.lines().find_map(|line| line.strip_prefix("Cpus_allowed_list:"));
        Ok(Outcome::checked("noted where it ran")
            .note(format!("Cpus_allowed_list: {}", cpus.unwrap_or("?").trim()))
            .note(format!("personality: {}", persona?.trim())))
    };
    FaultDetachedPanic "fault_detached_panic" "test only: a detached task panics unseen" => |runtime| {
        let before = unretrieved_panics::count();
        runtime.run(async move {
            drop(R::spawn(async {
                if true {
                    panic!("fault_detached_panic: nobody awaits this");
                }
            }));
            while unretrieved_panics::count() == before {
                R::sleep(Duration::from_millis(1)).await;
            }
        });
        Ok(Outcome::checked("the detached task panicked"))
    };
}
