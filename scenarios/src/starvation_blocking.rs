//! `starvation_blocking` (W8-S2, the course's `famine`): the work is a plain
//! `std::thread::sleep` inside the async task — the mistake the lesson warns about. On a
//! single-thread loop the ticker freezes for the whole work; a work-stealing pool can
//! move it to another worker. See [`crate::starvation`].

use std::time::Duration;

use rtbench_core::{JoinError, Params, Runtime, ScenarioInfo};

use crate::starvation::{block, Hog, Starvation, Ticks, WorkSpan, BLOCK_MS, TICKS, TICK_MS};

/// Blocking work done right in the task.
pub struct InTask;

impl Hog for InTask {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "starvation_blocking",
        lesson: "W8-S2",
        summary: "a 1 ms ticker beside a task that blocks 50 ms without yielding (famine)",
        params: &[TICKS, TICK_MS, BLOCK_MS],
        requires: &[],
        elements: |params| params.get("ticks"),
    };
    const TICKER_MUST_RUN_DURING_WORK: bool = false;
    type Plan = Duration;

    fn plan(block: Duration, _: &Params) -> Duration {
        block
    }

    async fn hog<R: Runtime>(duration: Duration, ticks: Ticks) -> Result<WorkSpan, JoinError> {
        Ok(block(duration, &ticks))
    }
}

/// The catalogue entry.
pub type StarvationBlocking = Starvation<InTask>;
