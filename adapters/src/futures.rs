//! The `futures` crate's executors, in two flavours: `futures-local`
//! ([`LocalPool`] on the calling thread) and `futures-pool` ([`ThreadPool`], N threads
//! sharing one queue).
//!
//! `futures` is executors only — no timers, no reactor, no blocking pool. The adapter
//! supplies them from the smol stack ([`crate::support::smol_stack`]): async-io timers and
//! async-net TCP, driven by async-io's own background reactor thread (nobody here calls
//! `async_io::block_on`), async-process, async-fs and the `blocking` crate's pool. The
//! capabilities say so ([`Support::Emulated`]), since a wake-up from a timer or socket
//! crosses from that thread to the executor's.
//!
//! What else the adapter supplies or normalises:
//! - **Join handles.** `futures` spawns return nothing (or a [`RemoteHandle`], which
//!   *cancels* on drop unless `forget` is called, and costs two shared allocations).
//!   The adapter's own handle (the `join` submodule) shares the task's one allocation
//!   (the `task` submodule): one state word (who holds the cell, aborted, how the task
//!   ended), the outcome's slot and two wakers sit next to the future, and the pool
//!   holds that allocation as its `FutureObj` in place of the `Box` its `spawn` would
//!   make. A detached spawn costs the native one's allocations plus one locked
//!   subtraction (the first of the handle and the task to let go; the last one sees it
//!   is alone, and frees); an awaited one also a locked `or` for the outcome written, one
//!   for it taken, and the awaiter's waker registered. A task's poll adds one atomic
//!   load (and a waker registration when its waker changes, while the handle is alive).
//! - **Finding the executor.** `R::spawn` finds the [`LocalSpawner`] or the pool in a
//!   thread-local: set during `block_on` (this crate's `current` module), and on the
//!   pool's workers from [`ThreadPoolBuilder::after_start`] to a copy of the pool that
//!   holds no count, so that reading it costs no atomic and dropping the runtime still
//!   shuts the pool down (the `current_pool` submodule says why that copy is valid, and
//!   checks futures' own execution scope before it reads it).
//! - **yield_now** on `futures-pool`: a task woken while it is being polled is polled
//!   again at once by the same worker (the pool's "repoll" state), so waking oneself
//!   lets nothing else run. The adapter's `yield_now` instead spawns a tiny task that
//!   wakes the caller: it goes through the back of the pool's one queue, behind every
//!   task that was ready, at the cost of one spawn per yield. `futures-local` needs
//!   nothing: its `LocalPool` queues a woken task behind the ready ones.
//! - **spawn_local** is native on `futures-local` (every task runs on its `LocalPool`);
//!   `futures-pool` has none.
//!
//! [`ThreadPoolBuilder::after_start`]: ::futures::executor::ThreadPoolBuilder::after_start
//! [`RemoteHandle`]: ::futures::future::RemoteHandle

use std::cell::{Cell, RefCell, RefMut};
use std::future::Future;
use std::ptr;
use std::sync::{Arc, OnceLock};

use ::futures::executor::{LocalPool, LocalSpawner, ThreadPool};
use ::futures::task::{FutureObj, LocalFutureObj, LocalSpawn};
use rtbench_core::{
    Capabilities, Class, Runtime, RuntimeConfig, RuntimeInfo, Support, Unavailable,
};

use crate::support::current;
use crate::support::yield_behind::yield_behind;
use crate::{no_spawn_local, smol_stack_items, spawn_all_local};

mod current_pool;
mod join;
mod task;

pub use join::FuturesJoinHandle;
use task::{with_handle, Spawned};

const CAPABILITIES: Capabilities = Capabilities {
    local_spawn: Support::Native("LocalSpawner::spawn_local on the LocalPool"),
    blocking: Support::Emulated("the `blocking` crate's shared pool (futures has none)"),
    tcp: Support::Emulated(
        "async-net on async-io's background reactor thread (futures has no reactor)",
    ),
    poll_io: Support::Native("async-net's TcpStream is a futures-io stream itself"),
    process: Support::Emulated("async-process (futures has none)"),
    files: Support::Emulated("async-fs: std::fs on the shared `blocking` pool (futures has none)"),
    io_backend: "epoll (async-io, background reactor thread)",
};

thread_local! {
    /// `futures-local`'s spawner, on the thread inside its `block_on`.
    static LOCAL_SPAWNER: Cell<*const LocalSpawner> = const { Cell::new(ptr::null()) };
}

/// `futures-local`: a [`LocalPool`] run by `block_on` on the calling thread.
pub struct FuturesLocal {
    pool: RefCell<LocalPool>,
    spawner: LocalSpawner,
}

impl FuturesLocal {
    /// The `LocalPool` underneath, so hand-written `futures` code can run on the very same
    /// pool as code going through the contract (`rtbench-native`).
    ///
    /// # Panics
    /// Inside this runtime's `block_on`, which holds the pool.
    pub fn native(&self) -> RefMut<'_, LocalPool> {
        self.pool.try_borrow_mut().expect("futures-local: the LocalPool is in use by block_on")
    }

    /// Spawns `future` on `spawner` with the contract's handle: what `R::spawn` does
    /// once it has found the current spawner. Public for the native twins, which
    /// measure the handle's cost apart (`rtbench-native`'s "a join handle" line).
    ///
    /// # Panics
    /// If the spawner's `LocalPool` was dropped.
    #[inline]
    pub fn spawn_on<F: Future + 'static>(
        spawner: &LocalSpawner,
        future: F,
    ) -> FuturesJoinHandle<F::Output> {
        let (task, handle) = with_handle(future);
        Self::hand_over(spawner, task);
        handle
    }

    /// [`spawn_on`](Self::spawn_on) the current spawner. The task is made before the
    /// spawner is looked up (as in [`FuturesPool::spawn`]): the other way round, the
    /// future moves through the closures, and `chained_spawn` measured 6–10 % slower.
    /// Inlined, with the task's making and handing over, into the spawning task's poll,
    /// as a native spawn is: out of line, `chained_spawn` made a call per hop and a
    /// detached hop cost 91 instructions over the native one (callgrind), 73 inlined.
    #[inline]
    fn spawn_here<F: Future + 'static>(future: F) -> FuturesJoinHandle<F::Output> {
        let (task, handle) = with_handle(future);
        current::with(&LOCAL_SPAWNER, Self::INFO.name, |spawner| Self::hand_over(spawner, task));
        handle
    }

    #[inline]
    fn hand_over<F: Future + 'static>(spawner: &LocalSpawner, task: Spawned<F>) {
        spawner
            .spawn_local_obj(LocalFutureObj::new(task))
            .expect("futures-local: spawn on a LocalPool that was dropped");
    }
}

impl Runtime for FuturesLocal {
    type JoinHandle<T: Send + 'static> = FuturesJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = FuturesJoinHandle<T>;
    smol_stack_items!();

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "futures-local",
        crate_name: "futures-executor",
        crate_version: crate::versions::of("futures-executor"),
        class: Class::SingleThread,
        legacy: false,
        description: "futures::executor::LocalPool on the calling thread; timers, I/O and \
                      blocking pool borrowed from smol's crates (async-io reactor thread)",
        capabilities: CAPABILITIES,
    };

    fn new(_: &RuntimeConfig) -> Result<Self, Unavailable> {
        let pool = LocalPool::new();
        let spawner = pool.spawner();
        Ok(FuturesLocal { pool: RefCell::new(pool), spawner })
    }

    fn threads(&self) -> usize {
        1
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let mut pool = self.pool.try_borrow_mut().expect("futures-local: nested block_on");
        current::scoped(&LOCAL_SPAWNER, &self.spawner, || pool.run_until(future))
    }

    spawn_all_local!(
        #[inline]
        Self::spawn_here
    );
}

/// `futures-pool`: a [`ThreadPool`] of N threads; `block_on` only waits (the default
/// [`Runtime::run`] spawns the scenario's root onto the pool).
pub struct FuturesPool {
    /// The pool, set right after it is created; its workers wait for it as they start.
    pool: Arc<OnceLock<Option<ThreadPool>>>,
    threads: usize,
}

impl FuturesPool {
    /// The `ThreadPool` underneath, so hand-written `futures` code can spawn onto the very
    /// same workers as code going through the contract (`rtbench-native`).
    pub fn native(&self) -> &ThreadPool {
        self.pool.get().and_then(Option::as_ref).expect("the pool is set when the runtime is built")
    }

    /// Spawns `future` on `pool` with the contract's handle: what `R::spawn` does once
    /// it has found the current pool (public for the native twins, as
    /// [`FuturesLocal::spawn_on`] is).
    #[inline]
    pub fn spawn_on<F>(pool: &ThreadPool, future: F) -> FuturesJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, handle) = with_handle(future);
        pool.spawn_obj_ok(FutureObj::new(task));
        handle
    }

    /// Calls `f` with the pool this thread belongs to.
    #[inline]
    fn with_pool<R>(f: impl FnOnce(&ThreadPool) -> R) -> R {
        current_pool::with(Self::INFO.name, f)
    }
}

impl Runtime for FuturesPool {
    type JoinHandle<T: Send + 'static> = FuturesJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = FuturesJoinHandle<T>;
    smol_stack_items!();

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "futures-pool",
        crate_name: "futures-executor",
        crate_version: crate::versions::of("futures-executor"),
        class: Class::MultiThread,
        legacy: false,
        description: "futures::executor::ThreadPool (N threads, one shared queue); timers, \
                      I/O and blocking pool borrowed from smol's crates (async-io reactor thread)",
        capabilities: Capabilities {
            local_spawn: Support::Missing("futures' ThreadPool runs only Send tasks"),
            ..CAPABILITIES
        },
    };

    fn new(config: &RuntimeConfig) -> Result<Self, Unavailable> {
        let threads = config.threads.max(1);
        let slot = Arc::new(OnceLock::new());
        let workers_slot = Arc::downgrade(&slot);
        let created = ThreadPool::builder()
            .pool_size(threads)
            .name_prefix("futures-pool-")
            .after_start(move |_| current_pool::start_worker(&workers_slot))
            .create();
        match created {
            Ok(pool) => {
                slot.get_or_init(|| Some(pool));
                Ok(FuturesPool { pool: slot, threads })
            }
            Err(e) => {
                // The workers it did start wait for the pool: there is none.
                slot.get_or_init(|| None);
                Err(Unavailable(format!("futures ThreadPool: {e}")))
            }
        }
    }

    fn threads(&self) -> usize {
        self.threads
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        current_pool::scoped(self.native(), || ::futures::executor::block_on(future))
    }

    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, handle) = with_handle(future);
        Self::with_pool(|pool| pool.spawn_obj_ok(FutureObj::new(task)));
        handle
    }

    /// Wakes the caller through the back of the pool's queue (see the module docs): a
    /// wake-up during a poll would make the worker poll it again at once.
    fn yield_now() -> impl Future<Output = ()> + Send {
        yield_behind(|waker| Self::with_pool(|pool| pool.spawn_ok(async move { waker.wake() })))
    }

    no_spawn_local!();
}
