//! smol's twins, as smol's documentation and async-executor's benches write them: the
//! executor's own `spawn` and its `Task` (awaited, or `detach`ed), `future::yield_now`,
//! `async_io::block_on` (what `smol::block_on` is). The executor is passed around as a
//! value, the way smol code holds one — the adapter's instance (`native()`):
//!
//! - `smol-1`: an `Rc<LocalExecutor>`, whose `run` drives the root inside `block_on`;
//! - `smol-mt`: the `Arc<Executor>` that the adapter's workers run; the root is spawned
//!   on it and `block_on` only waits for its `Task`, as the adapter does.
//!
//! The roots are written once, generic over the executor ([`Spawner`], whose `spawn` is
//! each executor's own); a root is `Send` exactly when its executor is, which `smol-mt`
//! needs to spawn it. Only the chain's link, which carries the executor into the task it
//! spawns, is written per executor.

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use async_executor::{Executor, LocalExecutor, Task};
use futures_lite::future::yield_now;
use rtbench_adapters::smol::{SmolMultiThread, SmolSingleThread};
use rtbench_core::Runtime;
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::ping_pong::{self, Last};
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::yield_many::{self, Tally};

use crate::{Twin, Twins, Workload};

impl Twins for SmolSingleThread {
    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        Ok(match workload {
            Workload::SpawnMany => |runtime, params| {
                let spawned = Spawned::new(params);
                let bodies = spawned.bodies();
                let (index_sum, elapsed) = run_local(runtime, |ex| timed(spawn_many(ex, bodies)));
                spawned.outcome(index_sum, elapsed)
            },
            Workload::YieldMany => |runtime, params| {
                let (tasks, yields) = (params.get("tasks"), params.get("yields"));
                let (tallies, elapsed) =
                    run_local(runtime, |ex| timed(yield_many(ex, tasks, yields)));
                yield_many::outcome(Self::INFO.class, yields, &tallies, elapsed)
            },
            Workload::PingPong => |runtime, params| {
                let rounds = params.get("rounds");
                let (finals, elapsed) = run_local(runtime, |ex| timed(ping_pong(ex, rounds)));
                ping_pong::outcome(rounds, finals, elapsed)
            },
            Workload::ChainedSpawn => |runtime, params| {
                let depth = params.get("depth");
                let (reached, elapsed) = run_local(runtime, |ex| {
                    timed(async move {
                        let (first, reached) = chained_spawn::chain(depth);
                        local_hop(ex, first);
                        reached.recv().await
                    })
                });
                chained_spawn::outcome(depth, reached, elapsed)
            },
        })
    }
}

impl Twins for SmolMultiThread {
    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        Ok(match workload {
            Workload::SpawnMany => |runtime, params| {
                let spawned = Spawned::new(params);
                let bodies = spawned.bodies();
                let (index_sum, elapsed) = run_shared(runtime, |ex| timed(spawn_many(ex, bodies)));
                spawned.outcome(index_sum, elapsed)
            },
            Workload::YieldMany => |runtime, params| {
                let (tasks, yields) = (params.get("tasks"), params.get("yields"));
                let (tallies, elapsed) =
                    run_shared(runtime, |ex| timed(yield_many(ex, tasks, yields)));
                yield_many::outcome(Self::INFO.class, yields, &tallies, elapsed)
            },
            Workload::PingPong => |runtime, params| {
                let rounds = params.get("rounds");
                let (finals, elapsed) = run_shared(runtime, |ex| timed(ping_pong(ex, rounds)));
                ping_pong::outcome(rounds, finals, elapsed)
            },
            Workload::ChainedSpawn => |runtime, params| {
                let depth = params.get("depth");
                let (reached, elapsed) = run_shared(runtime, |ex| {
                    timed(async move {
                        let (first, reached) = chained_spawn::chain(depth);
                        shared_hop(ex, first);
                        reached.recv().await
                    })
                });
                chained_spawn::outcome(depth, reached, elapsed)
            },
        })
    }
}

/// `smol-1`: drives `root` (given the executor) on the `LocalExecutor`, under `block_on`.
fn run_local<F: Future>(
    runtime: &SmolSingleThread,
    root: impl FnOnce(Rc<LocalExecutor<'static>>) -> F,
) -> F::Output {
    let executor = runtime.native();
    async_io::block_on(executor.run(root(Rc::clone(executor))))
}

/// `smol-mt`: spawns `root` (given the executor) for the workers, waits under `block_on`.
fn run_shared<F>(
    runtime: &SmolMultiThread,
    root: impl FnOnce(Arc<Executor<'static>>) -> F,
) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let executor = runtime.native();
    async_io::block_on(executor.spawn(root(Arc::clone(executor))))
}

/// smol's two executors, by what the roots use: their own `spawn`, giving a `Task`.
trait Spawner: Clone + 'static {
    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

impl Spawner for Rc<LocalExecutor<'static>> {
    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        LocalExecutor::spawn(self, future)
    }
}

impl Spawner for Arc<Executor<'static>> {
    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Executor::spawn(self, future)
    }
}

async fn spawn_many<E: Spawner>(
    executor: E,
    bodies: impl Iterator<Item = impl Future<Output = usize> + Send + 'static>,
) -> usize {
    let handles: Vec<_> = bodies.map(|body| executor.spawn(body)).collect();
    let mut index_sum = 0;
    for handle in handles {
        index_sum += handle.await;
    }
    index_sum
}

async fn yield_many<E: Spawner>(executor: E, tasks: u64, yields: u64) -> Vec<Tally> {
    let handles: Vec<_> =
        (0..tasks).map(|_| executor.spawn(yield_many::yielder(yields, yield_now))).collect();
    let mut tallies = Vec::with_capacity(handles.len());
    for handle in handles {
        tallies.push(handle.await);
    }
    tallies
}

async fn ping_pong<E: Spawner>(executor: E, rounds: u64) -> (Last, Last) {
    let (server, returner) = ping_pong::players(rounds);
    let (server, returner) = (executor.spawn(server), executor.spawn(returner));
    (server.await, returner.await)
}

/// One link of the chain on `smol-1`: the next one in a detached task.
fn local_hop(executor: Rc<LocalExecutor<'static>>, link: Link) {
    if let Some(next) = link.next() {
        let carried = Rc::clone(&executor);
        LocalExecutor::spawn(&executor, async move { local_hop(carried, next) }).detach();
    }
}

/// One link of the chain on `smol-mt`: the next one in a detached task.
fn shared_hop(executor: Arc<Executor<'static>>, link: Link) {
    if let Some(next) = link.next() {
        let carried = Arc::clone(&executor);
        Executor::spawn(&executor, async move { shared_hop(carried, next) }).detach();
    }
}
