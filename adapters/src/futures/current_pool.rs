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
//!   between the two workers at every hop, made the contract 1.11–1.17× the native chain
//!   against 1.01–1.04× with it gone (this 2-core VM, the full build, `rtbench overhead`,
//!   the two binaries interleaved).
//!
//! Why the uncounted copy is valid: a copy is a `ThreadPool` — one pointer to the pool's
//! shared state — that is never dropped. It stays valid while that state lives, and a
//! worker's loop holds the state for as long as it runs: futures-executor's
//! `PoolState::work` is a method on the worker's own `Arc` of it, and runs inside
//! futures' execution scope (its `enter` guard, a thread-local flag that `work` sets
//! first and clears last, also when a panic unwinds out of it). So [`with`] reads the
//! slot only inside such a scope: on a worker, that is while `work` runs. After it —
//! once the loop has ended, or a panic has unwound out of it and the thread's other
//! thread-locals are being dropped — no pool is current, and `R::spawn` panics as it
//! does on any thread outside the runtime. (The runtime's `block_on` runs the scope too,
//! `futures::executor::block_on`'s.) Spawning through the copy clones it as a native
//! spawn does, so every task still holds a counted `ThreadPool`.
//!
//! A task still running on the pool after the runtime is dropped may spawn onto it:
//! the pool lives while its tasks do (futures' own semantics), and its workers still
//! hold it. The `Weak` this replaces made such a spawn panic.

use std::cell::{Cell, OnceCell};
use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::{OnceLock, Weak};

use ::futures::executor::ThreadPool;

use crate::support::current;

thread_local! {
    /// The current pool: the runtime's own in its `block_on`, [`WORKER_POOL`] on a worker
    /// (read only through [`with`]).
    static POOL: Cell<*const ThreadPool> = const { Cell::new(ptr::null()) };
    /// On a worker, its pool, held without a count (a `ManuallyDrop` is never dropped).
    static WORKER_POOL: OnceCell<ManuallyDrop<ThreadPool>> = const { OnceCell::new() };
}

/// Calls `f` with the current pool.
///
/// # Panics
/// Outside the runtime's `block_on` and its workers' loops (`runtime` names it).
#[inline]
pub(super) fn with<R>(runtime: &str, f: impl FnOnce(&ThreadPool) -> R) -> R {
    let pool = POOL.get();
    if pool.is_null() || ::futures::executor::enter().is_ok() {
        current::outside(runtime)
    }
    // SAFETY: non-null, the pointer is the runtime's pool inside `scoped` (borrowed for
    // the call), or a worker's copy, valid while futures' execution scope is entered on
    // this thread, as it is (`enter` failed): module docs.
    f(unsafe { &*pool })
}

/// Makes `pool` current while `f` runs: the runtime's `block_on`.
pub(super) fn scoped<R>(pool: &ThreadPool, f: impl FnOnce() -> R) -> R {
    current::scoped(&POOL, pool, f)
}

/// Makes the pool in `created` current on this worker, waiting until it is set (right
/// after the pool's `create` returns, which starts the workers). Installs nothing if the
/// pool could not be made (`None`), or if the runtime is already gone: `created` is held
/// weakly, so that the workers do not keep the runtime's own `ThreadPool` alive, whose
/// drop shuts the pool down.
///
/// Call it only on one of that pool's workers, from its builder's `after_start`, which
/// `work` calls first thing, inside its execution scope.
pub(super) fn start_worker(created: &Weak<OnceLock<Option<ThreadPool>>>) {
    let Some(created) = created.upgrade() else { return };
    let Some(pool) = created.wait() else { return };
    WORKER_POOL.with(|own| {
        // SAFETY: a bitwise copy of the `ThreadPool` — its one pointer to the pool's
        // state — that is never dropped (`ManuallyDrop`), so it takes no count and
        // gives none back. It is read only by `with`, inside this worker's `work`, which
        // holds that state (module docs).
        let copy = own.get_or_init(|| ManuallyDrop::new(unsafe { ptr::read(pool) }));
        POOL.set(&**copy);
    });
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::mpsc;
    use std::time::Duration;

    use rtbench_core::{Runtime, RuntimeConfig};

    use crate::futures::FuturesPool;

    type R = FuturesPool;

    /// Runs its closure when the thread that holds it ends (its thread-local is dropped).
    struct OnThreadExit(Option<Box<dyn FnOnce()>>);

    impl Drop for OnThreadExit {
        fn drop(&mut self) {
            if let Some(at_exit) = self.0.take() {
                at_exit();
            }
        }
    }

    thread_local! {
        static ON_EXIT: RefCell<Option<OnThreadExit>> = const { RefCell::new(None) };
    }

    /// Runs `at_exit` when this thread ends.
    fn on_thread_exit(at_exit: impl FnOnce() + 'static) {
        ON_EXIT.with(|slot| *slot.borrow_mut() = Some(OnThreadExit(Some(Box::new(at_exit)))));
    }

    /// The bound only turns a hang into a failure: what it waits for takes microseconds.
    const BOUND: Duration = Duration::from_secs(60);

    /// A worker spawns on its own pool, and its copy of the pool holds no count: once
    /// the runtime is dropped and its tasks are done, the pool shuts down and the worker
    /// ends. (A counted copy would keep it waiting for work for good.)
    #[test]
    fn a_worker_spawns_on_its_pool_and_ends_with_the_runtime() {
        let runtime = R::new(&RuntimeConfig { threads: 2 }).expect("futures-pool builds");
        let (exited, worker_exit) = mpsc::channel();
        let from_worker = runtime.block_on(async move {
            let on_a_worker = R::spawn(async move {
                on_thread_exit(move || {
                    let _ = exited.send(());
                });
                R::spawn(async { 7 }).await
            });
            on_a_worker.await
        });
        assert_eq!(from_worker, Ok(Ok(7)));
        drop(runtime);
        worker_exit
            .recv_timeout(BOUND)
            .expect("the worker that ran the task ends once the runtime is dropped");
    }

    /// A worker whose loop a panic unwound out of belongs to no pool as its thread ends:
    /// a spawn from its thread-locals' destructors panics as outside the runtime, rather
    /// than reading a copy of the pool whose state the unwinding may have freed.
    #[test]
    fn a_worker_left_by_a_panic_finds_no_pool() {
        let runtime = R::new(&RuntimeConfig { threads: 2 }).expect("futures-pool builds");
        let (spawned, worker_exit) = mpsc::channel();
        runtime.native().spawn_ok(async move {
            on_thread_exit(move || {
                let spawn = panic::catch_unwind(AssertUnwindSafe(|| drop(R::spawn(async {}))));
                let _ = spawned.send(spawn.is_ok());
            });
            panic!("out of the worker's loop");
        });
        let spawned_at_exit =
            worker_exit.recv_timeout(BOUND).expect("the worker's thread ends after the panic");
        assert!(!spawned_at_exit, "a spawn found the pool after the worker's loop ended");
    }
}
