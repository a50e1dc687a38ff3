//! The roots written once for the executors whose `spawn` gives an async-task `Task`:
//! smol's two and async-global-executor (built on async-executor, whose `Task` it
//! re-exports). Each executor is passed in as a value ([`Spawner`], whose `spawn` is that
//! executor's own), so a root is `Send` exactly when its executor is, which the N-thread
//! flavours need to spawn it.

use std::future::poll_fn;
use std::future::Future;
use std::pin::Pin;

use async_task::Task;
use futures_lite::future::yield_now;
use rtbench_adapters::support::catch_panic::{poll_rethrown, rethrow_as_guard};
use rtbench_core::JoinError;
use rtbench_core::ScenarioError;
use rtbench_scenarios::chained_spawn::Link;
use rtbench_scenarios::ping_pong::{self, Last};
use rtbench_scenarios::yield_many::{self, Tally};

use crate::tcp::{self, AsyncNet, NativeTcp};

/// An executor, by what the roots use: its own `spawn`, giving a `Task`.
pub trait Spawner: Clone + 'static {
    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

pub async fn spawn_many<E: Spawner>(
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

/// [`spawn_many`] with each task's panic caught as the contract's adapters catch it on
/// async-executor (the semantic twin of smol's and async-global-executor's): each body runs `rethrow_as_guard(body)`, and
/// the panic async-task re-raises in the awaiter is caught where the handle is polled
/// (`poll_rethrown`), giving the contract's join result.
pub async fn spawn_many_caught<E: Spawner>(
    executor: E,
    bodies: impl Iterator<Item = impl Future<Output = usize> + Send + 'static>,
) -> Result<usize, JoinError> {
    let handles: Vec<_> = bodies.map(|body| executor.spawn(rethrow_as_guard(body))).collect();
    let mut index_sum = 0;
    for mut handle in handles {
        index_sum += poll_fn(|cx| poll_rethrown(Pin::new(&mut handle), cx)).await?;
    }
    Ok(index_sum)
}

pub async fn yield_many<E: Spawner>(executor: E, tasks: u64, yields: u64) -> Vec<Tally> {
    let handles: Vec<_> =
        (0..tasks).map(|_| executor.spawn(yield_many::yielder(yields, yield_now))).collect();
    let mut tallies = Vec::with_capacity(handles.len());
    for handle in handles {
        tallies.push(handle.await);
    }
    tallies
}

pub async fn ping_pong<E: Spawner>(executor: E, rounds: u64) -> (Last, Last) {
    let (server, returner) = ping_pong::players(rounds);
    let (server, returner) = (executor.spawn(server), executor.spawn(returner));
    (server.await, returner.await)
}

/// The round trip on async-net (smol's `net`): the server in a task, the client here,
/// under async-io's timer (smol's).
pub async fn tcp_round_trip<E: Spawner>(
    executor: E,
    rounds: u64,
    size: usize,
) -> Result<u64, ScenarioError> {
    let exchange = async {
        let (listener, addr) = AsyncNet.bind().await?;
        let server = executor.spawn(tcp::serve::<AsyncNet>(listener, size));
        tcp::client(&AsyncNet, addr, rounds, size).await?;
        Ok(server.await?)
    };
    tcp::within(rounds, exchange, async_io::Timer::after).await
}

/// One link of the chain: the next one in a detached task, which carries the executor
/// (so only an executor that may cross threads; `smol-1` writes its own).
#[inline]
pub fn hop<E: Spawner + Send>(executor: E, link: Link) {
    if let Some(next) = link.next() {
        let carried = executor.clone();
        executor.spawn(async move { hop(carried, next) }).detach();
    }
}
