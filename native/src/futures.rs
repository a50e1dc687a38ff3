//! The `futures` crate's twins, as its documentation writes them: `spawn_with_handle`
//! and its `RemoteHandle` (awaited) or a plain `spawn` (detached), on the adapter's
//! instance (`native()`):
//!
//! - `futures-local`: the `LocalPool`'s `LocalSpawner`; the pool's `run_until` drives the
//!   root, as the adapter's `block_on` does;
//! - `futures-pool`: the `ThreadPool`; the root is spawned on it and
//!   `executor::block_on` waits for its handle, as the adapter does.
//!
//! The roots are written once over `futures`' own spawning trait (`SpawnExt`, which both
//! executors implement); a root is `Send` exactly when its spawner is, which the pool
//! needs. Only the chain's link, which carries the spawner into the task it spawns, is
//! written per executor — and again with a join handle, the semantic every contract
//! spawn has, measured apart. `futures` has no handle that detaches on drop (its
//! `RemoteHandle` cancels, unless `forget`, and costs two shared allocations more than
//! the task's `Box`), so that line spawns with the adapter's own handle
//! (`spawn_on`: the task and its handle's state in one allocation, handed to the
//! executor in place of its `Box`) on the native spawner, found as the native link
//! finds it: what the line adds is the handle, not the adapter's finding of the
//! current executor. `futures` has no `yield_now`: `futures-local` uses
//! futures-lite's (wake, then `Pending` once), which its `LocalPool` queues behind the
//! ready tasks; on `futures-pool` it would not yield at all (see [`NO_NATIVE_YIELD`]).

use std::future::Future;

use futures::executor::{LocalSpawner, ThreadPool};
use futures::task::{LocalSpawnExt, SpawnExt};
use futures_lite::future::yield_now;
use rtbench_adapters::futures::{FuturesLocal, FuturesPool};
use rtbench_core::{Runtime, ScenarioError};
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::ping_pong::{self, Last};
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::tcp_round_trip;
use rtbench_scenarios::yield_many::{self, Tally};

use crate::tcp::{self, AsyncNet, NativeTcp};

/// Why `futures-pool` has no native twin of `yield_many`.
const NO_NATIVE_YIELD: &str =
    "futures' ThreadPool re-polls a self-woken task at once: its native yield lets no other task run";

/// The line of the chain spawned with the adapter's handle: what it adds.
const JOIN_HANDLE: &str = "a join handle, detached on drop";

/// Spawning after the executor shut down: impossible while the runtime is alive.
const ALIVE: &str = "the executor is alive while its runtime is";

spawner_twins!(FuturesLocal {
    run: run_local,
    hop: local_hop,
    spawn_many: spawn_many,
    ping_pong: ping_pong,
    tcp_round_trip: tcp_round_trip,
    joinable_chain: JOIN_HANDLE => joinable_local_hop,
    yield_many: yield_many
});

spawner_twins!(FuturesPool {
    run: run_pool,
    hop: pool_hop,
    spawn_many: spawn_many,
    ping_pong: ping_pong,
    tcp_round_trip: tcp_round_trip,
    joinable_chain: JOIN_HANDLE => joinable_pool_hop,
    yield_many: none(NO_NATIVE_YIELD)
});

/// `futures-local`: drives `root` (given the spawner) with the pool's `run_until`.
fn run_local<F: Future>(runtime: &FuturesLocal, root: impl FnOnce(LocalSpawner) -> F) -> F::Output {
    let mut pool = runtime.native();
    let spawner = pool.spawner();
    pool.run_until(root(spawner))
}

/// `futures-pool`: spawns `root` (given the pool) and waits for it with `block_on`.
fn run_pool<F>(runtime: &FuturesPool, root: impl FnOnce(ThreadPool) -> F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let pool = runtime.native();
    futures::executor::block_on(pool.spawn_with_handle(root(pool.clone())).expect(ALIVE))
}

async fn spawn_many<S: SpawnExt>(
    spawner: S,
    bodies: impl Iterator<Item = impl Future<Output = usize> + Send + 'static>,
) -> usize {
    let handles: Vec<_> =
        bodies.map(|body| spawner.spawn_with_handle(body).expect(ALIVE)).collect();
    let mut index_sum = 0;
    for handle in handles {
        index_sum += handle.await;
    }
    index_sum
}

async fn yield_many<S: SpawnExt>(spawner: S, tasks: u64, yields: u64) -> Vec<Tally> {
    let handles: Vec<_> = (0..tasks)
        .map(|_| spawner.spawn_with_handle(yield_many::yielder(yields, yield_now)).expect(ALIVE))
        .collect();
    let mut tallies = Vec::with_capacity(handles.len());
    for handle in handles {
        tallies.push(handle.await);
    }
    tallies
}

async fn ping_pong<S: SpawnExt>(spawner: S, rounds: u64) -> (Last, Last) {
    let (server, returner) = ping_pong::players(rounds);
    let server = spawner.spawn_with_handle(server).expect(ALIVE);
    let returner = spawner.spawn_with_handle(returner).expect(ALIVE);
    (server.await, returner.await)
}

/// The round trip on async-net and async-io's timer (`futures` has neither; the adapter
/// uses them too): the server in a task, the client here.
async fn tcp_round_trip<S: SpawnExt>(
    spawner: S,
    rounds: u64,
    size: usize,
) -> Result<u64, ScenarioError> {
    let exchange = async {
        let (listener, addr) = AsyncNet.bind().await?;
        let server =
            spawner.spawn_with_handle(tcp::serve::<AsyncNet>(listener, size)).expect(ALIVE);
        tcp::client(&AsyncNet, addr, rounds, size).await?;
        Ok(server.await?)
    };
    tcp::within(rounds, exchange, async_io::Timer::after).await
}

/// One link of the chain on `futures-local`: the next one in a task with no handle.
#[inline]
fn local_hop(spawner: LocalSpawner, link: Link) {
    if let Some(next) = link.next() {
        spawner.clone().spawn_local(async move { local_hop(spawner, next) }).expect(ALIVE);
    }
}

/// One link of the chain on `futures-pool`: the next one in a task with no handle.
#[inline]
fn pool_hop(pool: ThreadPool, link: Link) {
    if let Some(next) = link.next() {
        pool.clone().spawn_ok(async move { pool_hop(pool, next) });
    }
}

/// [`local_hop`] with the semantic every contract spawn has: a join handle, detached on
/// drop — the adapter's, as futures has none (see the module docs).
#[inline]
fn joinable_local_hop(spawner: LocalSpawner, link: Link) {
    if let Some(next) = link.next() {
        let next_spawner = spawner.clone();
        drop(FuturesLocal::spawn_on(
            &spawner,
            async move { joinable_local_hop(next_spawner, next) },
        ));
    }
}

/// [`pool_hop`] with a join handle, detached on drop (the adapter's).
#[inline]
fn joinable_pool_hop(pool: ThreadPool, link: Link) {
    if let Some(next) = link.next() {
        let next_pool = pool.clone();
        drop(FuturesPool::spawn_on(&pool, async move { joinable_pool_hop(next_pool, next) }));
    }
}
