//! `fan_out_skewed`: [`crate::fan_out`] with most of the tasks on one spawner — the
//! honest counter-case for thread-per-core. A work-stealing pool lets idle workers take
//! spawner 0's surplus; a per-core flavour leaves it on shard 0's executor while the
//! other shards finish early and wait.

use rtbench_core::{
    Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo, Sharding,
};

use crate::fan_out::{fan_out, Split, TASKS, WORK};

/// CPU-bound tasks, most of them on one spawner.
pub struct FanOutSkewed;

impl Scenario for FanOutSkewed {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "fan_out_skewed",
        lesson: "multi-core",
        summary: "fan_out with skew % of the tasks on spawner 0 (the rest shared): work \
                  stealing can rebalance, per-core executors cannot",
        params: &[
            TASKS,
            WORK,
            ParamSpec {
                name: "skew",
                help: "percent of the tasks given to spawner 0 (at most 100)",
                default: 90,
                quick: 90,
                test: 75,
                min: 1,
            },
        ],
        requires: &[],
        elements: |params| params.get("tasks"),
    };
    const SHARDING: Sharding = Sharding::Sharded;

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let percent = params.get("skew");
        ScenarioError::ensure(percent <= 100, || format!("skew={percent} is above 100 %"))?;
        fan_out(runtime, params, Split::Skewed { percent })
    }
}
