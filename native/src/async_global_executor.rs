//! async-global-executor's twins, as its documentation writes them:
//! `async_global_executor::spawn` and its `Task` (awaited, or `detach`ed),
//! futures-lite's `yield_now`, and `async_global_executor::block_on` waiting for the
//! root, which is spawned as the adapter puts it on an N-thread flavour. Its executor is
//! process-global, so this is the adapter's instance by construction (no `native()`
//! needed, as for async-std). Its `Task` is async-task's, as smol's is: the roots are
//! [`crate::spawner`]'s, over [`Global`], with the semantic smol's flavours measure
//! apart on `spawn_many`: each task's panic caught as the adapter catches it.

use std::future::Future;

use async_global_executor::Task;
use rtbench_adapters::async_global_executor::AsyncGlobalExecutor;
use rtbench_core::Runtime;
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::{chained_spawn, ping_pong, tcp_round_trip, yield_many};

use crate::spawner::{self, Spawner};

spawner_twins!(AsyncGlobalExecutor {
    run: run,
    hop: spawner::hop,
    spawn_many: spawner::spawn_many,
    ping_pong: spawner::ping_pong,
    tcp_round_trip: spawner::tcp_round_trip,
    catching_panics: spawner::spawn_many_caught,
    yield_many: spawner::yield_many
});

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

/// Runs `root` (given the executor) in a spawned task, as the adapter does.
fn run<F>(_: &AsyncGlobalExecutor, root: impl FnOnce(Global) -> F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    async_global_executor::block_on(async_global_executor::spawn(root(Global)))
}
