//! `panics` (W8-S7 and W8-S9, "Task exception was never retrieved"): tasks panic
//! beside siblings that are parked. Checked:
//!
//! - awaiting a panicked task's handle gives [`JoinError::Panicked`] with the panic's
//!   message;
//! - the siblings are unaffected and all finish with their values;
//! - a panic in a *detached* task (its handle dropped — asyncio's case of an exception
//!   nobody reads) is recorded by the framework in [`unretrieved_panics`]: never lost,
//!   and it does not stop the run. The run waits for it, bounded by a timeout; the
//!   awaited panics must not be recorded there.
//!
//! Every message carries a random token, so concurrent runs (tests) only see their own
//! panics. Each panic is also printed by the panic hook on stderr; the counts stay small.
//! The figure is the cost of spawning a task that panics and catching it at the handle.

use std::time::{Duration, Instant};

use rtbench_core::task::unretrieved_panics;
use rtbench_core::{
    JoinError, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError,
    ScenarioInfo,
};

/// How long the detached panic may take to be recorded: far beyond any scheduling delay.
const REPORT_DEADLINE: Duration = Duration::from_secs(10);

/// How often the run looks for the detached panic's record.
const REPORT_POLL: Duration = Duration::from_millis(1);

/// Panicking tasks, awaited and detached, beside parked siblings.
pub struct Panics;

impl Scenario for Panics {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "panics",
        lesson: "W8-S7",
        summary: "a panic is returned by its handle; siblings finish; a detached one is reported",
        params: &[
            ParamSpec {
                name: "panics",
                help: "panicking tasks spawned and awaited one after the other (timed)",
                default: 100,
                quick: 100,
                test: 5,
                min: 1,
            },
            ParamSpec {
                name: "siblings",
                help: "tasks parked while the others panic, which must all finish",
                default: 100,
                quick: 100,
                test: 10,
                min: 1,
            },
        ],
        requires: &[],
        elements: |params| params.get("panics"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let panics = params.get("panics");
        let siblings = params.get("siblings");
        let token = format!("rtbench-panics-{:016x}", rand::random::<u64>());
        let elapsed = runtime.run(async move {
            let (release, released) = async_channel::bounded::<()>(1);
            let sibling_handles: Vec<_> = (0..siblings)
                .map(|index| {
                    let released = released.clone();
                    R::spawn(async move {
                        // Parked until the panics are over (the channel closes).
                        released.recv().await.ok();
                        index
                    })
                })
                .collect();

            let start = Instant::now();
            for index in 0..panics {
                let message = format!("{token} awaited {index}");
                let result = R::spawn(fail(message.clone())).await;
                ScenarioError::ensure(result == Err(JoinError::Panicked(message)), || {
                    format!("awaiting panicking task {index} gave {result:?}")
                })?;
            }
            let elapsed = start.elapsed();

            let detached = format!("{token} detached");
            drop(R::spawn(fail(detached.clone())));
            let reported = R::timeout(REPORT_DEADLINE, async {
                loop {
                    let found = unretrieved_panics::take_matching(&detached);
                    if !found.is_empty() {
                        return found;
                    }
                    R::sleep(REPORT_POLL).await;
                }
            })
            .await
            .map_err(|_| {
                ScenarioError::Check(format!(
                    "the detached task's panic was not reported within {REPORT_DEADLINE:?}"
                ))
            })?;
            ScenarioError::ensure(reported == [detached.clone()], || {
                format!("the detached panic was reported as {reported:?}, expected [{detached:?}]")
            })?;
            let misreported = unretrieved_panics::take_matching(&token);
            ScenarioError::ensure(misreported.is_empty(), || {
                format!("awaited panics were reported as never retrieved: {misreported:?}")
            })?;

            drop(release);
            for (expected, handle) in sibling_handles.into_iter().enumerate() {
                let value = handle.await?;
                ScenarioError::ensure(value == expected as u64, || {
                    format!("sibling {expected} returned {value}")
                })?;
            }
            Ok::<_, ScenarioError>(elapsed)
        })?;
        Ok(Outcome::checked(format!(
            "{panics} panics came back through their handles with their messages, {siblings} \
             siblings finished, and a detached task's panic was reported"
        ))
        .metric(Metric::nanos_per("ns/caught panic", elapsed, panics)))
    }
}

/// A task that panics with `message`.
async fn fail(message: String) -> u64 {
    panic!("{message}")
}
