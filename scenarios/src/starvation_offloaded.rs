//! `starvation_offloaded` (W8-S2's cure for real computations): the same blocking work
//! handed to `spawn_blocking`, so it runs on a thread that runs no async task. On every
//! runtime the ticker must keep ticking while it runs — checked by the work itself,
//! which blocks 50 ms and then on until it has seen a tick. See [`crate::starvation`].

use std::time::Duration;

use rtbench_core::{Capability, JoinError, Params, Runtime, ScenarioInfo};

use crate::starvation::{
    block_until_ticked, Hog, Starvation, Ticks, WorkSpan, BLOCK_MS, TICKS, TICK_MS,
};

/// Blocking work offloaded with `spawn_blocking`.
pub struct Offloaded;

impl Hog for Offloaded {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "starvation_offloaded",
        lesson: "W8-S2",
        summary: "a 1 ms ticker beside 50 ms of blocking work offloaded with spawn_blocking",
        params: &[TICKS, TICK_MS, BLOCK_MS],
        requires: &[Capability::Blocking],
        elements: |params| params.get("ticks"),
    };
    const TICKER_MUST_RUN_DURING_WORK: bool = true;
    type Plan = Duration;

    fn plan(block: Duration, _: &Params) -> Duration {
        block
    }

    async fn hog<R: Runtime>(duration: Duration, ticks: Ticks) -> Result<WorkSpan, JoinError> {
        R::spawn_blocking(move || block_until_ticked(duration, &ticks)).await
    }
}

/// The catalogue entry.
pub type StarvationOffloaded = Starvation<Offloaded>;
