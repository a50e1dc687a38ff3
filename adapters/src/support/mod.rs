//! What several adapters share, apart from the runtimes themselves.
//!
//! - [`catch_panic`]: a task's panic caught as a value, for the contract's
//!   `JoinError::Panicked` and the unretrieved-panic record.
//! - [`abortable`] (feature `local-abort`): the contract's join handle over a native
//!   handle with no cancel that waits for the task's future to be dropped (monoio,
//!   compio), with [`abort_registry`], how the task and handle agree on an abort.
//! - [`cancel_on_abort`]: the contract's join handle over a native handle that cancels
//!   only through an `async fn cancel(self)` (async-std; async-task's `Task` under the
//!   `async-task` feature).
//! - [`current`]: the "current runtime" thread-local, for executors with no such notion.
//! - [`local_spawn`]: the two answers to `spawn_local` (`spawn_all_local!`,
//!   `no_spawn_local!`), written once.
//! - [`nodelay_listener`]: the contract's TCP listener over async-io based listeners.
//! - [`out_of_line`]: a future whose poll stays a call of its own (tokio's task).
//! - [`per_core`] (feature `per-core`): thread-per-core flavours out of single-thread
//!   adapters, N executors one per thread.
//! - [`poll_stream`]: the contract's owned-buffer TCP calls over a futures-io stream.
//! - [`yield_behind`]: a `yield_now` for executors that re-poll a self-woken task at
//!   once.
//! - [`async_process_child`] (feature `async-process`): child processes through
//!   async-process.
//! - [`smol_stack`] (feature `smol-stack`): smol's timer, I/O, file and blocking crates,
//!   for adapters whose executor has none of its own.
//! - [`thread_bound`] (feature `thread-bound`): `!Send` values made `Send` by a
//!   thread-affinity check, for the thread-per-core runtimes (glommio, monoio, compio).
//! - [`uring_probe`] (feature `uring-probe`): whether io_uring (kernel, sysctl, locked
//!   memory) lets an io_uring runtime run here, with the reason when not.
//!
//! The modules without dependencies are always compiled; their items are public and
//! their macros exported (hidden from the docs), so a build whose runtimes use none of
//! them has nothing unused to warn about. The parts with dependencies sit behind features
//! that the runtime features using them switch on: adding a runtime never edits a list
//! here.

#[cfg(feature = "local-abort")]
pub mod abort_registry;
#[cfg(feature = "local-abort")]
pub mod abortable;
#[cfg(feature = "async-process")]
pub mod async_process_child;
pub mod cancel_on_abort;
pub mod catch_panic;
pub mod current;
pub mod local_spawn;
pub mod nodelay_listener;
pub mod out_of_line;
#[cfg(feature = "per-core")]
pub mod per_core;
pub mod poll_stream;
#[cfg(feature = "smol-stack")]
pub mod smol_stack;
#[cfg(feature = "thread-bound")]
pub mod thread_bound;
#[cfg(all(test, feature = "thread-bound"))]
pub mod thread_per_core_checks;
#[cfg(feature = "uring-probe")]
pub mod uring_probe;
pub mod yield_behind;
