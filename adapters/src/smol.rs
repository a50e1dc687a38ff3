//! smol, in two flavours over its executor crate, async-executor: `smol-1` (one
//! `LocalExecutor` on the calling thread) and `smol-mt` (one `Executor` shared by N
//! worker threads). Both run under `async_io::block_on`, as `smol::block_on` does, so an
//! idle thread waits in the async-io reactor itself.
//!
//! What the adapter normalises:
//! - **Finding the executor.** async-executor has no "current executor": `R::spawn`
//!   finds it in a thread-local (this crate's `current` module) set on the threads that
//!   run it — the `block_on` thread and, for `smol-mt`, the workers — so tasks can spawn
//!   tasks.
//! - **Join handles.** smol's `Task` cancels when dropped; the contract detaches, so the
//!   handle ([`CancelOnAbort`](crate::support::cancel_on_abort)) calls `Task::detach` on drop,
//!   and `abort` goes through the native `Task::cancel`, whose result is available only
//!   once the task's future has been dropped.
//! - **Panics.** smol re-raises a task's panic in whoever awaits it (async-task catches
//!   it, as async-executor spawns with `propagate_panic`); tasks run
//!   `rethrow_as_guard(future)` and the handle catches the re-raised panic, so the
//!   awaiter gets [`JoinError::Panicked`](rtbench_core::JoinError) and an unretrieved
//!   panic is recorded (see [`CancelOnAbort`](crate::support::cancel_on_abort)).
//! - **spawn_local.** `smol-1` spawns every task, `Send` or not, on its `LocalExecutor`
//!   (one executor, one queue: no nesting of two executors); `smol-mt` has none.
//!
//! I/O, timers, processes, files and blocking work are smol's own crates, shared with the
//! `futures` adapters in [`crate::support::smol_stack`].

use std::cell::Cell;
use std::future::Future;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;
use std::thread;

use crate::support::catch_panic::rethrow_as_guard;
use async_executor::{Executor, LocalExecutor, Task};
use rtbench_core::{
    Capabilities, Class, Runtime, RuntimeConfig, RuntimeInfo, Support, Unavailable,
};

use crate::support::cancel_on_abort::{CancelOnAbort, LocalCancel, SendCancel, StartCancel};
use crate::support::current;
use crate::support::per_core::{per_core_info, PerCore, PerCoreInfo};
use crate::{no_spawn_local, smol_stack_items, spawn_all_local};

/// A smol task, with the contract's join semantics.
pub type SmolJoinHandle<T> = CancelOnAbort<T, Task<T>, SendCancel<T>>;
/// A smol `spawn_local` task, with the contract's join semantics.
pub type SmolLocalJoinHandle<T> = CancelOnAbort<T, Task<T>, LocalCancel<T>>;

thread_local! {
    /// `smol-1`'s executor, on the thread inside its `block_on`.
    static LOCAL_EXECUTOR: Cell<*const LocalExecutor<'static>> = const { Cell::new(ptr::null()) };
    /// `smol-mt`'s executor, on its workers and inside its `block_on`.
    static SHARED_EXECUTOR: Cell<*const Executor<'static>> = const { Cell::new(ptr::null()) };
}

const CAPABILITIES: Capabilities = Capabilities {
    local_spawn: Support::Native("LocalExecutor::spawn on the block_on thread"),
    blocking: Support::Native("blocking::unblock (the shared `blocking` pool)"),
    tcp: Support::Native("async-net (async-io reactor)"),
    poll_io: Support::Native("async-net's TcpStream is a futures-io stream itself"),
    process: Support::Native("async-process"),
    files: Support::Native("async-fs (std::fs on the shared `blocking` pool)"),
    io_backend: "epoll (async-io)",
};

/// `smol-1`: one `LocalExecutor`, run by `block_on` on the calling thread.
pub struct SmolSingleThread {
    executor: Rc<LocalExecutor<'static>>,
}

impl SmolSingleThread {
    /// The `LocalExecutor` underneath, so hand-written smol code can run on the very same
    /// executor as code going through the contract (the native twins of `rtbench-native`).
    pub fn native(&self) -> &Rc<LocalExecutor<'static>> {
        &self.executor
    }

    /// Spawns `future` on this thread's `LocalExecutor`; `C` is the handle's boxed cancel
    /// future, [`SendCancel`] for `spawn` or [`LocalCancel`] for `spawn_local`.
    #[inline]
    fn spawn_here<F, C>(future: F) -> CancelOnAbort<F::Output, Task<F::Output>, C>
    where
        F: Future + 'static,
        F::Output: 'static,
        C: ?Sized + StartCancel<F::Output, Task<F::Output>>,
    {
        current::with(&LOCAL_EXECUTOR, Self::INFO.name, |executor| Self::spawn_on(executor, future))
    }

    /// Spawns `future` on `executor` with the contract's task and handle: what `spawn`
    /// does once it has found the current executor. Public for the native twins, which
    /// measure what the task and handle cost apart (a line of `rtbench-native`'s).
    #[inline]
    pub fn spawn_on<F, C>(
        executor: &LocalExecutor<'static>,
        future: F,
    ) -> CancelOnAbort<F::Output, Task<F::Output>, C>
    where
        F: Future + 'static,
        F::Output: 'static,
        C: ?Sized + StartCancel<F::Output, Task<F::Output>>,
    {
        CancelOnAbort::new(executor.spawn(rethrow_as_guard(future)))
    }
}

impl Runtime for SmolSingleThread {
    type JoinHandle<T: Send + 'static> = SmolJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = SmolLocalJoinHandle<T>;
    smol_stack_items!();

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "smol-1",
        crate_name: "async-executor",
        crate_version: crate::versions::of("async-executor"),
        class: Class::SingleThread,
        legacy: false,
        description: "smol: one LocalExecutor on the calling thread, under async_io::block_on",
        capabilities: CAPABILITIES,
    };

    fn new(_: &RuntimeConfig) -> Result<Self, Unavailable> {
        Ok(SmolSingleThread { executor: Rc::new(LocalExecutor::new()) })
    }

    fn threads(&self) -> usize {
        1
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        current::scoped(&LOCAL_EXECUTOR, &self.executor, || {
            async_io::block_on(self.executor.run(future))
        })
    }

    // Inlined into the spawning task, as smol's own `spawn` is: out of line, the call
    // and the copy of the future into it were 21 instructions per spawn on
    // `spawn_many`, inlined 10 (callgrind).
    spawn_all_local!(
        #[inline]
        Self::spawn_here
    );

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
}

/// N `smol-1` executors, one per thread (thread-per-core).
pub type SmolPerCore = PerCore<SmolSingleThread>;

impl PerCoreInfo for SmolSingleThread {
    const PER_CORE: RuntimeInfo = per_core_info(
        Self::INFO,
        "smol-1-tpc",
        "smol: N LocalExecutors, one per thread under async_io::block_on, pinned where the \
         process has N CPUs",
    );
}

/// `smol-mt`: one `Executor` run by N worker threads; `block_on` only waits.
pub struct SmolMultiThread {
    executor: Arc<Executor<'static>>,
    /// Dropping it tells the workers to stop.
    stop: Option<async_channel::Sender<()>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl SmolMultiThread {
    /// The `Executor` its worker threads run, so hand-written smol code can spawn onto the
    /// very same workers as code going through the contract (`rtbench-native`).
    pub fn native(&self) -> &Arc<Executor<'static>> {
        &self.executor
    }

    /// Spawns `future` on `executor` with the contract's task and handle (public for the
    /// native twins, as [`SmolSingleThread::spawn_on`] is).
    #[inline]
    pub fn spawn_on<F>(executor: &Executor<'static>, future: F) -> SmolJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        CancelOnAbort::new(executor.spawn(rethrow_as_guard(future)))
    }

    /// Starts a worker that runs `executor` until `stop` is closed.
    fn start_worker(
        index: usize,
        executor: &Arc<Executor<'static>>,
        stop: &async_channel::Receiver<()>,
    ) -> std::io::Result<thread::JoinHandle<()>> {
        let (executor, stop) = (Arc::clone(executor), stop.clone());
        thread::Builder::new().name(format!("smol-mt-{index}")).spawn(move || {
            // `recv` fails when the sender is dropped: that is the stop signal.
            let _stopped = current::scoped(&SHARED_EXECUTOR, &executor, || {
                async_io::block_on(executor.run(stop.recv()))
            });
        })
    }
}

impl Drop for SmolMultiThread {
    fn drop(&mut self) {
        drop(self.stop.take());
        for worker in self.workers.drain(..) {
            // A worker only panics if a task's panic escaped async-task; nothing to add.
            let _ = worker.join();
        }
    }
}

impl Runtime for SmolMultiThread {
    type JoinHandle<T: Send + 'static> = SmolJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = SmolLocalJoinHandle<T>;
    smol_stack_items!();

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "smol-mt",
        crate_name: "async-executor",
        crate_version: crate::versions::of("async-executor"),
        class: Class::MultiThread,
        legacy: false,
        description: "smol: one Executor shared by N threads, each under async_io::block_on",
        capabilities: Capabilities {
            local_spawn: Support::Missing(
                "smol-mt shares one Executor between threads, which runs only Send tasks",
            ),
            ..CAPABILITIES
        },
    };

    fn new(config: &RuntimeConfig) -> Result<Self, Unavailable> {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = async_channel::bounded(1);
        let workers = (0..config.threads.max(1))
            .map(|index| Self::start_worker(index, &executor, &stopped))
            .collect::<std::io::Result<_>>()
            .map_err(|e| Unavailable(format!("smol-mt worker thread: {e}")))?;
        Ok(SmolMultiThread { executor, stop: Some(stop), workers })
    }

    fn threads(&self) -> usize {
        self.workers.len()
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        current::scoped(&SHARED_EXECUTOR, &self.executor, || async_io::block_on(future))
    }

    #[inline]
    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        current::with(&SHARED_EXECUTOR, Self::INFO.name, |executor| {
            Self::spawn_on(executor, future)
        })
    }

    no_spawn_local!();

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use rtbench_core::task::unretrieved_panics;
    use rtbench_core::{Abort, JoinError, Runtime, RuntimeConfig};

    use super::SmolSingleThread;

    /// An abort that comes after the task ended hands out what it ended with: its value,
    /// or its panic (which async-task re-raises in the `cancel` future), retrieved and so
    /// not recorded as lost.
    #[test]
    fn an_abort_after_the_task_ended_gives_its_outcome() {
        type R = SmolSingleThread;
        let rt = R::new(&RuntimeConfig::default()).expect("smol-1 builds");
        let ended = Arc::new(AtomicUsize::new(0));
        let (value, panicked) = rt.block_on(async move {
            let (first, second) = (Arc::clone(&ended), Arc::clone(&ended));
            let value = R::spawn(async move {
                first.fetch_add(1, Ordering::SeqCst);
                3
            });
            let panicked = R::spawn(async move {
                second.fetch_add(1, Ordering::SeqCst);
                panic!("aborted-after-panic-4b7d");
            });
            while ended.load(Ordering::SeqCst) < 2 {
                R::yield_now().await;
            }
            value.abort();
            panicked.abort();
            (value.await, panicked.await)
        });
        assert_eq!(value, Ok(3));
        assert_eq!(panicked, Err::<(), _>(JoinError::Panicked("aborted-after-panic-4b7d".into())));
        assert!(unretrieved_panics::take_matching("aborted-after-panic-4b7d").is_empty());
    }
}
