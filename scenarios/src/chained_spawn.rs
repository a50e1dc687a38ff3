//! `chained_spawn` (W8-S7, the course's "fork"): a task that, while running, adds
//! another task to the loop. Here each task spawns the next one and ends, `depth` times
//! (tokio's `chained_spawn` bench, same depth: 1 000).
//!
//! The last task reports the depth it reached over a channel. Like tokio's bench (and
//! the course's `c1`, which does not wait for the `c2` it forks), no task awaits its
//! successor: at most a couple of tasks are alive at any moment, and what is measured
//! is one spawn plus one first poll per hop. Awaiting the handles back up the chain
//! would instead keep all `depth` tasks alive and add `depth` join wake-ups.
//!
//! **Checked:** the report arrives and says exactly `depth` hops; a task dropped without
//! running would break the chain, and the channel then reports it closed.
//! **Metric:** ns per hop.
//!
//! The links ([`chain`], [`Link`]) and the check ([`outcome`]) are public so that the
//! native twins (`rtbench-native`) run the same chain through the same check.

use std::time::Duration;

use async_channel::{Receiver, RecvError, Sender};
use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::measure::timed;

/// Each task spawns the next, `depth` times.
pub struct ChainedSpawn;

impl Scenario for ChainedSpawn {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "chained_spawn",
        lesson: "W8-S7",
        summary: "each task spawns the next, depth D; the last reports exactly D hops",
        params: &[ParamSpec {
            name: "depth",
            help: "tasks in the chain, each spawned by the previous one",
            default: 1_000,
            quick: 1_000,
            test: 200,
            min: 1,
        }],
        requires: &[],
        elements: |params| params.get("depth"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let depth = params.get("depth");
        let (reached, elapsed) = runtime.run(timed(async move {
            let (first, reached) = chain(depth);
            hop::<R>(first);
            reached.recv().await
        }));
        outcome(depth, reached, elapsed)
    }
}

/// One link: spawns the next link (detached), or reports at the end of the chain.
/// Inlined into the task's poll, as each native twin's hop is (same hint on both
/// sides): out of line, it was a call per hop, and glommio's chain read 1.15 over its
/// twin instead of 1.03–1.08 (`rtbench overhead`'s pairs, a glommio-only build).
#[inline]
fn hop<R: Runtime>(link: Link) {
    if let Some(next) = link.next() {
        drop(R::spawn(async move { hop::<R>(next) }));
    }
}

/// A chain of `depth` hops: its first link, and where its last one reports.
pub fn chain(depth: u64) -> (Link, Receiver<u64>) {
    let (report, reached) = async_channel::bounded(1);
    (Link { remaining: depth, done: 0, report }, reached)
}

/// What one task of the chain carries: the hops still to go and those done.
pub struct Link {
    remaining: u64,
    done: u64,
    report: Sender<u64>,
}

impl Link {
    /// The link the next task carries; `None` at the end of the chain, after reporting
    /// the hops done.
    pub fn next(self) -> Option<Link> {
        let Link { remaining, done, report } = self;
        if remaining == 0 {
            // Capacity 1 and a single sender: this cannot be full; if the root is gone,
            // there is nobody left to tell.
            let _ = report.try_send(done);
            None
        } else {
            Some(Link { remaining: remaining - 1, done: done + 1, report })
        }
    }
}

/// Checks that the chain of `depth` reported `depth` hops; reports ns/hop over `elapsed`.
pub fn outcome(
    depth: u64,
    reached: Result<u64, RecvError>,
    elapsed: Duration,
) -> Result<Outcome, ScenarioError> {
    let reached = reached.map_err(|_| {
        ScenarioError::Check("the chain broke: a task was dropped before its successor".into())
    })?;
    ScenarioError::ensure(reached == depth, || {
        format!("the chain reported {reached} hops, expected {depth}")
    })?;
    Ok(Outcome::checked(format!("a chain of {depth} spawns reached its end"))
        .metric(Metric::nanos_per("ns/hop", elapsed, depth)))
}
