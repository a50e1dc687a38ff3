//! async-global-executor's twins, as its documentation writes them:
//! `async_global_executor::spawn` and its `Task` (awaited, or `detach`ed),
//! futures-lite's `yield_now`, and `async_global_executor::block_on` waiting for the
//! root, which is spawned as the adapter puts it on an N-thread flavour. Its executor is
//! process-global, so this is the adapter's instance by construction (no `native()`
//! needed, as for async-std). Its `Task` is async-task's, as smol's is: the roots are
//! [`crate::spawner`]'s, over [`Global`].

use std::future::Future;

use async_global_executor::Task;
use rtbench_adapters::async_global_executor::AsyncGlobalExecutor;
use rtbench_core::{Outcome, Params, Runtime, ScenarioError};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::{chained_spawn, ping_pong, tcp_round_trip, yield_many};

use crate::spawner::{self, Spawner};
use crate::{Twin, Twins, Workload};

impl Twins for AsyncGlobalExecutor {
    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        Ok(match workload {
            Workload::SpawnMany => spawn_many,
            Workload::YieldMany => yield_many,
            Workload::PingPong => ping_pong,
            Workload::ChainedSpawn => chained_spawn,
            Workload::TcpRoundTrip => tcp_round_trip,
        })
    }
}

/// The global executor, as a [`Spawner`].
#[derive(Clone, Copy)]
struct Global;

impl Spawner for Global {
    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        async_global_executor::spawn(future)
    }
}

/// Runs the root in a spawned task, as the adapter does.
fn run<F>(root: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    async_global_executor::block_on(async_global_executor::spawn(root))
}

fn spawn_many(_: &AsyncGlobalExecutor, params: &Params) -> Result<Outcome, ScenarioError> {
    let spawned = Spawned::new(params);
    let (index_sum, elapsed) = run(timed(spawner::spawn_many(Global, spawned.bodies())));
    spawned.outcome(index_sum, elapsed)
}

fn yield_many(_: &AsyncGlobalExecutor, params: &Params) -> Result<Outcome, ScenarioError> {
    let (tasks, yields) = (params.get("tasks"), params.get("yields"));
    let (tallies, elapsed) = run(timed(spawner::yield_many(Global, tasks, yields)));
    yield_many::outcome(AsyncGlobalExecutor::INFO.class, yields, &tallies, elapsed)
}

fn ping_pong(_: &AsyncGlobalExecutor, params: &Params) -> Result<Outcome, ScenarioError> {
    let rounds = params.get("rounds");
    let (finals, elapsed) = run(timed(spawner::ping_pong(Global, rounds)));
    ping_pong::outcome(rounds, finals, elapsed)
}

fn tcp_round_trip(_: &AsyncGlobalExecutor, params: &Params) -> Result<Outcome, ScenarioError> {
    let (rounds, size) = (params.get("rounds"), params.count("size"));
    let (echoed, elapsed) = run(timed(spawner::tcp_round_trip(Global, rounds, size)));
    tcp_round_trip::outcome(rounds, size, echoed, elapsed)
}

fn chained_spawn(_: &AsyncGlobalExecutor, params: &Params) -> Result<Outcome, ScenarioError> {
    let depth = params.get("depth");
    let (reached, elapsed) = run(timed(async move {
        let (first, reached) = chained_spawn::chain(depth);
        spawner::hop(Global, first);
        reached.recv().await
    }));
    chained_spawn::outcome(depth, reached, elapsed)
}
