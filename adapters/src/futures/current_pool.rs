//! `futures-pool`'s current pool: the [`ThreadPool`] that `R::spawn` spawns on, found in
//! a thread-local on every spawn, so reading it must cost no more than the native code's
//! own finding of its pool.
//!
//! - Inside the runtime's `block_on`, it is the runtime's own pool, borrowed for the call
//!   ([`current::scoped`]).
//! - On a worker, it is a copy of the pool that holds **no count** of its own
//!   ([`start_worker`]): a counted clone would keep the pool's workers alive after the
//!   runtime is dropped (the pool shuts down when its last `ThreadPool` goes), and the
//!   `Weak` it replaces cost an atomic upgrade and release per spawn on a reference count
//!   every worker shares. On `futures-pool`'s `chained_spawn` that cache line, passed
//!   between the two workers at every hop, made the contract 1.10–1.23× the native chain
//!   against 1.03–1.08× with it gone (this 2-core VM, `rtbench overhead`, interleaved).
//!
//! Why the uncounted copy is valid: a copy is a `ThreadPool` — one pointer to the pool's
//! shared state — that is never dropped. It stays valid while that state lives, and a
//! worker's loop holds the state for as long as it runs (futures-executor's
//! `PoolState::work` is a method on the worker's own `Arc` of it); code that runs on a
//! worker outside that loop (after [`stop_worker`], as its other thread-locals are
//! dropped) finds no current pool. Spawning through the copy clones it as a native spawn
//! does, so every task still holds a counted `ThreadPool`.

use std::cell::{Cell, OnceCell};
use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::{OnceLock, Weak};

use ::futures::executor::ThreadPool;

use crate::support::current;

thread_local! {
    /// The current pool: the runtime's own in its `block_on`, [`WORKER_POOL`] on a worker.
    pub(super) static POOL: Cell<*const ThreadPool> = const { Cell::new(ptr::null()) };
    /// On a worker, its pool, held without a count (a `ManuallyDrop` is never dropped).
    static WORKER_POOL: OnceCell<ManuallyDrop<ThreadPool>> = const { OnceCell::new() };
}

/// Makes the pool in `created` current on this worker until [`stop_worker`], waiting
/// until it is set (right after the pool's `create` returns, which starts the workers).
/// Installs nothing if the pool could not be made (`None`), or if the runtime is already
/// gone: `created` is held weakly, so that the workers do not keep the runtime's own
/// `ThreadPool` alive, whose drop shuts the pool down.
///
/// Call it only on one of that pool's workers, from its builder's `after_start`, which
/// runs inside the worker's loop.
pub(super) fn start_worker(created: &Weak<OnceLock<Option<ThreadPool>>>) {
    let Some(created) = created.upgrade() else { return };
    let Some(pool) = created.wait() else { return };
    WORKER_POOL.with(|own| {
        // SAFETY: a bitwise copy of the `ThreadPool` — its one pointer to the pool's
        // state — that is never dropped (`ManuallyDrop`), so it takes no count and
        // gives none back. It is read only through `POOL`, from now until
        // `stop_worker`, while this worker's loop holds that state (module docs).
        let copy = own.get_or_init(|| ManuallyDrop::new(unsafe { ptr::read(pool) }));
        // SAFETY: `copy` lives in this thread's storage for the rest of the thread, and
        // is valid until `stop_worker`, which clears the slot (module docs).
        unsafe { current::install(&POOL, &**copy) };
    });
}

/// Ends [`start_worker`]: called from the builder's `before_stop`, at the end of the
/// worker's loop, after which this thread belongs to no pool.
pub(super) fn stop_worker() {
    current::uninstall(&POOL);
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::sync::mpsc;
    use std::time::Duration;

    use rtbench_core::{Runtime, RuntimeConfig};

    use crate::futures::FuturesPool;

    /// Sends when the thread that holds it ends (its thread-local is dropped).
    struct SendOnThreadExit(mpsc::Sender<()>);

    impl Drop for SendOnThreadExit {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }

    thread_local! {
        static ON_EXIT: RefCell<Option<SendOnThreadExit>> = const { RefCell::new(None) };
    }

    /// A worker spawns on its own pool, and its copy of the pool holds no count: once
    /// the runtime is dropped and its tasks are done, the pool shuts down and the worker
    /// ends. (A counted copy would keep it waiting for work for good.)
    #[test]
    fn a_worker_spawns_on_its_pool_and_ends_with_the_runtime() {
        type R = FuturesPool;
        let runtime = R::new(&RuntimeConfig { threads: 2 }).expect("futures-pool builds");
        let (exited, worker_exit) = mpsc::channel();
        let from_worker = runtime.block_on(async move {
            let on_a_worker = R::spawn(async move {
                ON_EXIT.with(|on_exit| *on_exit.borrow_mut() = Some(SendOnThreadExit(exited)));
                R::spawn(async { 7 }).await
            });
            on_a_worker.await
        });
        assert_eq!(from_worker, Ok(Ok(7)));
        drop(runtime);
        // The bound only turns a hang into a failure: the worker ends in microseconds.
        worker_exit
            .recv_timeout(Duration::from_secs(60))
            .expect("the worker that ran the task ends once the runtime is dropped");
    }
}
