//! smol's twins, as smol's documentation and async-executor's benches write them: the
//! executor's own `spawn` and its `Task` (awaited, or `detach`ed), `future::yield_now`,
//! `async_io::block_on` (what `smol::block_on` is). The executor is passed around as a
//! value, the way smol code holds one — the adapter's instance (`native()`):
//!
//! - `smol-1`: an `Rc<LocalExecutor>`, whose `run` drives the root inside `block_on`;
//! - `smol-mt`: the `Arc<Executor>` that the adapter's workers run; the root is spawned
//!   on it and `block_on` only waits for its `Task`, as the adapter does.
//!
//! The roots are [`crate::spawner`]'s, written once over the executor (shared with
//! async-global-executor; TCP is smol's `net`, async-net); only `smol-1`'s chain link,
//! which carries its `!Send` executor into the task it spawns, is written here, and the
//! links with the adapter's task and handle (a line of their own).

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use async_executor::{Executor, LocalExecutor, Task};
use rtbench_adapters::smol::{SmolJoinHandle, SmolMultiThread, SmolSingleThread};
use rtbench_core::Runtime;
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::{ping_pong, tcp_round_trip, yield_many};

use crate::spawner::{self, Spawner};

spawner_twins!(SmolSingleThread {
    run: run_local,
    hop: local_hop,
    spawn_many: spawner::spawn_many,
    ping_pong: spawner::ping_pong,
    tcp_round_trip: spawner::tcp_round_trip,
    catching_panics: spawner::spawn_many_caught,
    joinable_chain: ADAPTER_HANDLE => joinable_local_hop,
    yield_many: spawner::yield_many
});

spawner_twins!(SmolMultiThread {
    run: run_shared,
    hop: spawner::hop,
    spawn_many: spawner::spawn_many,
    ping_pong: spawner::ping_pong,
    tcp_round_trip: spawner::tcp_round_trip,
    catching_panics: spawner::spawn_many_caught,
    joinable_chain: ADAPTER_HANDLE => joinable_shared_hop,
    yield_many: spawner::yield_many
});

/// The line of the chain spawned with the adapter's task and handle: what they add to
/// smol's own (a handle that detaches where smol's `Task` cancels, and a task that
/// records a panic nobody awaits).
const ADAPTER_HANDLE: &str = "drop = detach, panics recorded (the adapter's task and handle)";

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

/// One link of the chain on `smol-1`: the next one in a detached task.
#[inline]
fn local_hop(executor: Rc<LocalExecutor<'static>>, link: Link) {
    if let Some(next) = link.next() {
        let carried = Rc::clone(&executor);
        LocalExecutor::spawn(&executor, async move { local_hop(carried, next) }).detach();
    }
}

/// [`local_hop`] with the adapter's task and handle ([`ADAPTER_HANDLE`]; `spawn_on`: the
/// task run as `rethrow_as_guard`, so that a panic nobody awaits is recorded, and a
/// handle of the type `spawn` gives, which detaches where smol's `Task` cancels), on the
/// executor the native link carries, not found as the adapter finds it.
#[inline]
fn joinable_local_hop(executor: Rc<LocalExecutor<'static>>, link: Link) {
    if let Some(next) = link.next() {
        let carried = Rc::clone(&executor);
        let future = async move { joinable_local_hop(carried, next) };
        drop::<SmolJoinHandle<()>>(SmolSingleThread::spawn_on(&executor, future));
    }
}

/// [`spawner::hop`] with the adapter's task and handle ([`ADAPTER_HANDLE`]).
#[inline]
fn joinable_shared_hop(executor: Arc<Executor<'static>>, link: Link) {
    if let Some(next) = link.next() {
        let carried = Arc::clone(&executor);
        drop(SmolMultiThread::spawn_on(
            &executor,
            async move { joinable_shared_hop(carried, next) },
        ));
    }
}
