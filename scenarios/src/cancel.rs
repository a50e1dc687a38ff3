//! `cancel` (W8-S7, `task.cancel()` and `CancelledError`): a task parked in a long
//! sleep is aborted. In asyncio the task gets a `CancelledError` at its next step and
//! may clean up; in Rust the task's future is dropped, so its cleanup is its `Drop`
//! guards. Checked, every time: the guard ran by the time the awaited handle returns,
//! and the handle reports [`JoinError::Cancelled`]. The figure is the latency from
//! `abort()` to the awaited handle returning.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtbench_core::{
    Abort, JoinError, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError,
    ScenarioInfo,
};

use crate::measure::{Latencies, Unit};

/// Far longer than any run: only an abort ends this sleep.
const PARKED_FOR: Duration = Duration::from_secs(3_600);

/// Aborts sleeping tasks one after the other and times each cancellation.
pub struct Cancel;

impl Scenario for Cancel {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "cancel",
        lesson: "W8-S7",
        summary: "abort a task parked in a sleep: its Drop cleanup runs, its handle says cancelled",
        params: &[ParamSpec {
            name: "cancels",
            help: "tasks started, parked and aborted, one after the other",
            default: 10_000,
            quick: 1_000,
            test: 100,
            min: 1,
        }],
        requires: &[],
        elements: |params| params.get("cancels"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let cancels = params.get("cancels");
        let latencies = runtime.run(async move {
            let cleanups = Arc::new(AtomicU64::new(0));
            let mut latencies = Latencies::new();
            for round in 1..=cancels {
                let (parked, is_parked) = async_channel::bounded::<()>(1);
                let cleanup = Cleanup(Arc::clone(&cleanups));
                let handle = R::spawn(async move {
                    let _cleanup = cleanup;
                    parked.send(()).await.ok();
                    R::sleep(PARKED_FOR).await;
                });
                is_parked.recv().await.map_err(|_| {
                    ScenarioError::Check(format!("round {round}: the task ended before parking"))
                })?;
                let aborted = Instant::now();
                handle.abort();
                let result = handle.await;
                latencies.record(aborted.elapsed());
                ScenarioError::ensure(result == Err(JoinError::Cancelled), || {
                    format!("round {round}: the aborted task's handle gave {result:?}")
                })?;
                let cleaned = cleanups.load(Ordering::SeqCst);
                ScenarioError::ensure(cleaned == round, || {
                    format!("round {round}: {cleaned} cleanups had run when the handle returned")
                })?;
            }
            Ok::<_, ScenarioError>(latencies)
        })?;
        Ok(Outcome::checked(format!(
            "{cancels} parked tasks aborted: each one's Drop cleanup ran, its handle said cancelled"
        ))
        .metric(latencies.percentile("cancel p50 ns", 50.0, Unit::Nanos))
        .metric(latencies.percentile("cancel p99 ns", 99.0, Unit::Nanos)))
    }
}

/// The task's cleanup: counts itself when the task's future is dropped.
struct Cleanup(Arc<AtomicU64>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
