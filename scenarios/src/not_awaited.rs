//! `not_awaited` (W8-S4, "coroutine was never awaited"): calling an `async fn` only
//! builds a future; nothing in its body runs until something polls it. A future that is
//! created and dropped never has its side effect, however long the runtime runs
//! afterwards. Spawning is different: a task is driven by the runtime even when its
//! handle is dropped (the contract detaches it).
//!
//! **Checked:** after `futures` futures were created and dropped, and the runtime was
//! given a yield and a 1 ms sleep, none of their side effects happened; the same
//! future awaited had its effect exactly once; spawned with its handle dropped, it had
//! it exactly once too.
//! **Metric:** ns to create and drop one future (the check is the point; the figure
//! only shows that an unpolled future is a plain value).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::measure::timed;

/// How long the detached task may take to run before the scenario gives up on it.
const DETACHED_DEADLINE: Duration = Duration::from_secs(10);

/// Creates and drops futures without awaiting them; their side effect must never happen.
pub struct NotAwaited;

impl Scenario for NotAwaited {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "not_awaited",
        lesson: "W8-S4",
        summary: "futures created and dropped never run; awaited or spawned, they run once",
        params: &[ParamSpec {
            name: "futures",
            help: "futures created and dropped without being awaited",
            default: 100_000,
            quick: 100_000,
            test: 1_000,
            min: 1,
        }],
        requires: &[],
        elements: |params| params.get("futures"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let count = params.get("futures");
        let effects = Effects::default();
        let root_effects = effects.clone();
        let elapsed = runtime.run(async move {
            let (_, elapsed) = timed(async {
                for _ in 0..count {
                    drop(black_box(side_effect(&root_effects.dropped)));
                }
            })
            .await;
            // Give the runtime every chance to run something it should not.
            R::yield_now().await;
            R::sleep(Duration::from_millis(1)).await;

            side_effect(&root_effects.awaited).await;

            let detached = Arc::clone(&root_effects.detached);
            drop(R::spawn(async move { side_effect(&detached).await }));
            let seen = R::timeout(DETACHED_DEADLINE, async {
                while root_effects.detached.load(Ordering::SeqCst) == 0 {
                    R::sleep(Duration::from_millis(1)).await;
                }
            })
            .await;
            ScenarioError::ensure(seen.is_ok(), || {
                format!("a spawned task whose handle was dropped did not run within {DETACHED_DEADLINE:?}")
            })?;
            Ok::<_, ScenarioError>(elapsed)
        })?;

        let [dropped, awaited, detached] = effects.counts();
        ScenarioError::ensure(dropped == 0, || {
            format!("{dropped} of {count} dropped futures ran their body")
        })?;
        ScenarioError::ensure(awaited == 1, || {
            format!("the awaited future ran its body {awaited} times, expected once")
        })?;
        ScenarioError::ensure(detached == 1, || {
            format!("the detached task ran its body {detached} times, expected once")
        })?;
        Ok(Outcome::checked(format!(
            "{count} futures created and dropped never ran; awaited or spawned-and-detached, \
             the same future ran exactly once"
        ))
        .metric(Metric::nanos_per("ns/create+drop", elapsed, count)))
    }
}

/// How many times the body of [`side_effect`] ran, per way of using it.
#[derive(Clone, Default)]
struct Effects {
    dropped: Arc<AtomicU64>,
    awaited: Arc<AtomicU64>,
    detached: Arc<AtomicU64>,
}

impl Effects {
    fn counts(&self) -> [u64; 3] {
        [&self.dropped, &self.awaited, &self.detached].map(|count| count.load(Ordering::SeqCst))
    }
}

/// The coroutine whose side effect is watched.
async fn side_effect(runs: &AtomicU64) {
    runs.fetch_add(1, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_future_has_no_effect_and_a_polled_one_has() {
        let runs = AtomicU64::new(0);
        drop(side_effect(&runs));
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        futures::executor::block_on(side_effect(&runs));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}
