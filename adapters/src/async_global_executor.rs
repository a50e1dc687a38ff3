//! async-global-executor (`async-global-executor`): async-std's executor as a library —
//! one process-global async-executor `Executor` run by N threads, each also running a
//! thread-local `LocalExecutor`, all under `async_io::block_on`. One multi-thread
//! flavour.
//!
//! **Version**: the 3.x line (async-std 1.13 still pulls in 2.4 for itself; the version
//! table takes the one this crate resolved, so `list` names the one that runs). 3.x runs
//! its global executor as async-executor's `StaticExecutor`.
//!
//! What the adapter normalises, as for async-std and smol:
//! - **Thread count.** The executor is global and starts once per process:
//!   [`AsyncGlobalExecutor::new`] starts it with [`RuntimeConfig::threads`] workers
//!   (unless `ASYNC_GLOBAL_EXECUTOR_THREADS` says otherwise); later `new` calls get the
//!   same executor and report that count. async-std runs on this very executor, so in a
//!   process that started async-std first, async-std's count applies instead (rtbench
//!   runs each cell in a process of its own, so its figures are not affected).
//! - **Join handles.** Its `Task` is async-task's, which cancels when dropped: the
//!   handle ([`CancelOnAbort`]) detaches on drop and aborts through the native
//!   `Task::cancel`. Tasks run `rethrow_as_guard(future)` and the handle catches the
//!   panic async-task re-raises in it, so panics come back as `JoinError::Panicked` and
//!   an unretrieved one is recorded.
//! - **spawn_local** is its own `spawn_local`, onto the `LocalExecutor` of the calling
//!   thread (the `block_on` thread or a worker).
//!
//! It has no timers, sockets, files or processes of its own: like smol, it is meant to be
//! used with async-io (whose reactor its threads drive), so those come from the smol
//! stack ([`crate::support::smol_stack`]), and its `spawn_blocking` is the `blocking`
//! crate's pool, which the smol stack uses too.

use std::future::Future;
use std::sync::OnceLock;

use crate::support::catch_panic::rethrow_as_guard;
use async_task::Task;
use rtbench_core::{
    Capabilities, Class, Runtime, RuntimeConfig, RuntimeInfo, Support, Unavailable,
};

use crate::smol_stack_items;
use crate::support::cancel_on_abort::{CancelOnAbort, LocalCancel, SendCancel};

/// The environment variable async-global-executor reads its worker count from.
const THREAD_COUNT_VAR: &str = "ASYNC_GLOBAL_EXECUTOR_THREADS";

/// async-global-executor's global executor. Building it twice shares the one executor.
pub struct AsyncGlobalExecutor {
    threads: usize,
}

/// A task, with the contract's join semantics.
pub type AsyncGlobalExecutorJoinHandle<T> = CancelOnAbort<T, Task<T>, SendCancel<T>>;
/// A `spawn_local` task, with the contract's join semantics.
pub type AsyncGlobalExecutorLocalJoinHandle<T> = CancelOnAbort<T, Task<T>, LocalCancel<T>>;

/// Starts the global executor with `requested` workers (first call only) and returns the
/// count this process's first call chose.
fn start(requested: usize) -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        let threads = std::env::var(THREAD_COUNT_VAR)
            .ok()
            .and_then(|count| count.parse().ok())
            .unwrap_or(requested)
            .max(1);
        async_global_executor::init_with_config(
            async_global_executor::GlobalExecutorConfig::default()
                .with_min_threads(threads)
                .with_max_threads(threads),
        );
        threads
    })
}

impl Runtime for AsyncGlobalExecutor {
    type JoinHandle<T: Send + 'static> = AsyncGlobalExecutorJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = AsyncGlobalExecutorLocalJoinHandle<T>;
    smol_stack_items!();

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "async-global-executor",
        crate_name: "async-global-executor",
        crate_version: crate::versions::of("async-global-executor"),
        class: Class::MultiThread,
        legacy: false,
        description: "async-std's executor as a library: one global Executor on N threads \
                      (count fixed once per process); timers and I/O from async-io",
        capabilities: Capabilities {
            local_spawn: Support::Native(
                "async_global_executor::spawn_local (the calling thread's LocalExecutor)",
            ),
            blocking: Support::Native(
                "the shared `blocking` pool (what async_global_executor::spawn_blocking uses)",
            ),
            tcp: Support::Emulated("async-net on async-io, the reactor its threads drive"),
            poll_io: Support::Native("async-net's TcpStream is a futures-io stream itself"),
            process: Support::Emulated("async-process"),
            files: Support::Emulated("async-fs: std::fs on the shared `blocking` pool"),
            io_backend: "epoll (async-io)",
        },
    };

    fn new(config: &RuntimeConfig) -> Result<Self, Unavailable> {
        Ok(AsyncGlobalExecutor { threads: start(config.threads) })
    }

    fn threads(&self) -> usize {
        self.threads
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        async_global_executor::block_on(future)
    }

    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        CancelOnAbort::new(async_global_executor::spawn(rethrow_as_guard(future)))
    }

    fn spawn_local<F>(future: F) -> Self::LocalJoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        CancelOnAbort::new(async_global_executor::spawn_local(rethrow_as_guard(future)))
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
}
