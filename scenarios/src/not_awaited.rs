//! `not_awaited` (W8-S4, "coroutine was never awaited"): calling an `async fn` only
//! builds a future; nothing in its body runs until something polls it. A future that is
//! created and dropped never has its side effect, however long the runtime runs
//! afterwards. Spawning is different: a task is driven by the runtime even when its
//! handle is dropped (the contract detaches it).
//!
//! **Checked:** after `futures` futures were created and dropped, and the runtime was
//! given a yield and a 1 ms sleep, none of their side effects happened; the same
//! future awaited had its effect exactly once; `futures` copies spawned with their
//! handles dropped each had it exactly once too.
//! **Metrics:** the headline is ns per detached task (spawn, drop the handle, until the
//! runtime has run it and released it): the part that differs between runtimes. Then ns
//! to create and drop one unpolled future, kept opaque with `black_box`: it is
//! runtime-independent and tiny, which is the lesson (an unpolled future is a plain value).

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
            quick: 50_000,
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
        let (create_drop, detached_all) = runtime.run(async move {
            let (_, create_drop) = timed(async {
                for _ in 0..count {
                    drop(black_box(side_effect(black_box(&root_effects.dropped))));
                }
            })
            .await;
            // Give the runtime every chance to run something it should not.
            R::yield_now().await;
            R::sleep(Duration::from_millis(1)).await;

            side_effect(&root_effects.awaited).await;

            let (finished, detached_all) =
                timed(spawn_detached::<R>(count, &root_effects.detached)).await;
            ScenarioError::ensure(finished, || {
                format!("spawned tasks whose handles were dropped did not all finish within {DETACHED_DEADLINE:?}")
            })?;
            Ok::<_, ScenarioError>((create_drop, detached_all))
        })?;

        let [dropped, awaited, detached] = effects.counts();
        ScenarioError::ensure(dropped == 0, || {
            format!("{dropped} of {count} dropped futures ran their body")
        })?;
        ScenarioError::ensure(awaited == 1, || {
            format!("the awaited future ran its body {awaited} times, expected once")
        })?;
        ScenarioError::ensure(detached == count, || {
            format!("{count} detached tasks ran their body {detached} times in all, expected once each")
        })?;
        Ok(Outcome::checked(format!(
            "{count} futures created and dropped never ran; awaited once, it ran once; \
             {count} spawned with their handles dropped each ran exactly once"
        ))
        .metric(Metric::nanos_per("ns/detached task", detached_all, count))
        .metric(Metric::nanos_per("ns/create+drop", create_drop, count)))
    }
}

/// Spawns `count` copies of [`side_effect`] on `runs` and drops their handles; `true`
/// once every task has finished and released its future (each holds a sender of a
/// channel nobody writes to, so the channel closes when the last one is dropped), `false`
/// if that did not happen within [`DETACHED_DEADLINE`].
async fn spawn_detached<R: Runtime>(count: u64, runs: &Arc<AtomicU64>) -> bool {
    let (done, all_done) = async_channel::bounded::<()>(1);
    for _ in 0..count {
        let runs = Arc::clone(runs);
        let done = done.clone();
        drop(R::spawn(async move {
            side_effect(&runs).await;
            drop(done);
        }));
    }
    drop(done);
    R::timeout(DETACHED_DEADLINE, all_done.recv()).await.is_ok()
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
