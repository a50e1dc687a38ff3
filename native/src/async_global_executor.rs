//! async-global-executor's twins, as its documentation writes them: `spawn` and its
//! `Task` (awaited, or `detach`ed: dropping it would cancel), `futures_lite`'s
//! `yield_now`, `block_on`, with the root in a spawned task as the adapter puts it. The
//! executor is process-global, so this is the adapter's instance by construction.

use std::future::Future;

use async_global_executor::{block_on, spawn};
use futures_lite::future::yield_now;
use rtbench_adapters::async_global_executor::AsyncGlobalExecutor;
use rtbench_core::{Outcome, Params, Runtime, ScenarioError};
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::{ping_pong, yield_many};

use crate::{Twin, Twins, Workload};

impl Twins for AsyncGlobalExecutor {
    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        Ok(match workload {
            Workload::SpawnMany => spawn_many,
            Workload::YieldMany => yield_many,
            Workload::PingPong => ping_pong,
            Workload::ChainedSpawn => chained_spawn,
        })
    }
}

/// Runs the root in a spawned task, as the adapter does.
fn run<F>(root: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    block_on(spawn(root))
}

fn spawn_many(_: &AsyncGlobalExecutor, params: &Params) -> Result<Outcome, ScenarioError> {
    let spawned = Spawned::new(params);
    let bodies = spawned.bodies();
    let (index_sum, elapsed) = run(timed(async move {
        let tasks: Vec<_> = bodies.map(spawn).collect();
        let mut index_sum = 0;
        for task in tasks {
            index_sum += task.await;
        }
        index_sum
    }));
    spawned.outcome(index_sum, elapsed)
}

fn yield_many(_: &AsyncGlobalExecutor, params: &Params) -> Result<Outcome, ScenarioError> {
    let (tasks, yields) = (params.get("tasks"), params.get("yields"));
    let (tallies, elapsed) = run(timed(async move {
        let tasks: Vec<_> =
            (0..tasks).map(|_| spawn(yield_many::yielder(yields, yield_now))).collect();
        let mut tallies = Vec::with_capacity(tasks.len());
        for task in tasks {
            tallies.push(task.await);
        }
        tallies
    }));
    yield_many::outcome(AsyncGlobalExecutor::INFO.class, yields, &tallies, elapsed)
}

fn ping_pong(_: &AsyncGlobalExecutor, params: &Params) -> Result<Outcome, ScenarioError> {
    let rounds = params.get("rounds");
    let (finals, elapsed) = run(timed(async move {
        let (server, returner) = ping_pong::players(rounds);
        let (server, returner) = (spawn(server), spawn(returner));
        (server.await, returner.await)
    }));
    ping_pong::outcome(rounds, finals, elapsed)
}

fn chained_spawn(_: &AsyncGlobalExecutor, params: &Params) -> Result<Outcome, ScenarioError> {
    let depth = params.get("depth");
    let (reached, elapsed) = run(timed(async move {
        let (first, reached) = chained_spawn::chain(depth);
        hop(first);
        reached.recv().await
    }));
    chained_spawn::outcome(depth, reached, elapsed)
}

/// One link of the chain: the next one in a detached task.
fn hop(link: Link) {
    if let Some(next) = link.next() {
        spawn(async move { hop(next) }).detach();
    }
}
