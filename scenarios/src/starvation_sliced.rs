//! `starvation_sliced` (W8-S9, the `await asyncio.sleep(0)` cure): the same blocking
//! work cut into slices with `yield_now` between them, so the loop gets the hand back
//! after every slice. How soon a yielding task lets *timers* fire differs by runtime (a
//! loop that only polls its timers when no task is ready keeps the ticker waiting).
//! See [`crate::starvation`].

use std::time::Duration;

use rtbench_core::{JoinError, ParamSpec, Params, Runtime, ScenarioInfo};

use crate::starvation::{block, Hog, Starvation, Ticks, WorkSpan, BLOCK_MS, TICKS, TICK_MS};

/// Blocking work in slices, yielding between them.
pub struct Sliced;

impl Hog for Sliced {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "starvation_sliced",
        lesson: "W8-S9",
        summary: "a 1 ms ticker beside 50 ms of blocking work cut in slices with yield_now",
        params: &[
            TICKS,
            TICK_MS,
            BLOCK_MS,
            ParamSpec {
                name: "slices",
                help: "slices the blocking work is cut into, with a yield_now between",
                default: 50,
                quick: 30,
                test: 50,
                min: 1,
            },
        ],
        requires: &[],
        elements: |params| params.get("ticks"),
    };
    const TICKER_MUST_RUN_DURING_WORK: bool = false;

    type Plan = Slices;

    fn plan(block: Duration, params: &Params) -> Slices {
        let count = u32::try_from(params.get("slices").max(1)).unwrap_or(u32::MAX);
        let slice_nanos = block.as_nanos().div_ceil(count.into());
        Slices { count, each: Duration::from_nanos(u64::try_from(slice_nanos).unwrap_or(u64::MAX)) }
    }

    async fn hog<R: Runtime>(slices: Slices, ticks: Ticks) -> Result<WorkSpan, JoinError> {
        let first = block(slices.each, &ticks);
        let mut last = first;
        for _ in 1..slices.count {
            R::yield_now().await;
            last = block(slices.each, &ticks);
        }
        Ok(first.until(last))
    }
}

/// The work cut into `count` slices of `each` (rounded up: never less than the whole).
pub struct Slices {
    count: u32,
    each: Duration,
}

/// The catalogue entry.
pub type StarvationSliced = Starvation<Sliced>;
