//! compio: a thread-per-core, completion-based runtime (Linux only here). Flavour `compio`
//! is one `compio::runtime::Runtime` on its io_uring driver; `compio-tpc` is N of them,
//! one per thread ([`PerCore`]).
//!
//! # Native semantics, and what the adapter does to meet the contract
//! | | compio natively | contract (this adapter) |
//! |---|---|---|
//! | drop the handle | `JoinHandle` cancels the task ("Drop `JoinHandle` will cancel the task") | detaches: [`CompioTask`] calls `JoinHandle::detach` on drop |
//! | abort | `JoinHandle::cancel(self).await` → `None`, returned *before* the task's future is dropped (at the executor's next turn) | [`AbortableHandle`]: the task and its handle share an abort key, not memory (a per-thread registry, empty unless something was aborted: nothing allocated per spawn); its end drops the future before the handle wakes, so `Cancelled` comes after the cleanup |
//! | panic in a task | caught by compio's executor, returned as `Err(JoinError::Panicked(payload))` to the awaiter, dropped if nobody awaits | caught in the task ([`AbortableTask`](crate::support::abortable::AbortableTask)), which drops its future and completes with the panic; returned as `Err(Panicked(msg))`, recorded if nobody retrieves it |
//! | panic in the `block_on` future | `block_on` clears (cancels) every pending task, then resumes the panic | caught inside the future and resumed on the caller, so the other tasks live on |
//! | `sleep` | `compio::time::sleep` is an `async fn` (deadline taken at the first poll) | `sleep_until(now + d)`: deadline fixed at creation, as on tokio and async-io |
//! | `yield_now` | none public | the contract's default (`YieldOnce`) |
//! | `spawn_blocking` | `compio::runtime::spawn_blocking` on the driver's thread pool; a panic kills its worker | the same, panics caught ([`catch_panic_sync`]) |
//! | TCP | owned-buffer `compio::io::AsyncRead`/`AsyncWrite` (io_uring) | the same: one compio call per contract call, on the caller's buffer; the poll-based bridge (`into_poll_io`, for hyper) is `compio::io::compat::AsyncStream`, flushed after each write (module `io`) |
//! | processes | `compio::process` (stdout read on the ring; wait on the blocking pool, as compio itself does without nightly `pidfd`) | a `std::process::Command` spawned as given, its stdout on the ring, waited for on compio's blocking pool (module `io`) |
//! | files | `compio::fs::read` / `write` (io_uring) | the same |
//!
//! Built with `compio`'s `io-uring` driver only (no `polling` fallback): where io_uring
//! cannot be set up, [`Compio::new`] returns [`Unavailable`] with the reason, so a
//! `compio` column always measures io_uring.
//!
//! # `Send` types
//! compio's sockets, files and timers hold `Rc`s into the thread's driver: they are
//! wrapped in [`ThreadBound`] (see the glommio adapter). compio declares its own
//! `JoinHandle<T>` `Send` for `T: Send`; the contract's handle is too, and aborts on
//! the task's thread only.

mod io;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Command;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use rtbench_core::task::Panic;
use rtbench_core::{
    Capabilities, Class, JoinError, Runtime, RuntimeConfig, RuntimeInfo, Support, Unavailable,
};

use crate::spawn_all_local;
use crate::support::abort_registry::Ended;
use crate::support::abortable::{AbortableHandle, AbortableTask, InBand};
use crate::support::catch_panic::{block_on_resuming, catch_panic_sync, join_result};
use crate::support::per_core::{per_core_info, PerCore, PerCoreInfo};
use crate::support::thread_bound::ThreadBound;
use crate::support::uring_probe;

pub use self::io::{CompioChild, CompioListener, CompioTcpStream};

/// What compio needs: io_uring allowed (its io_uring driver needs Linux 5.6 for the
/// operations it submits); no memory-lock minimum of its own.
const NEEDS: uring_probe::Needs =
    uring_probe::Needs { runtime: "compio", kernel: (5, 6), memlock: 0 };

/// compio's handle of an [`AbortableHandle`] task, detached when dropped.
pub struct CompioTask<T>(Option<compio::runtime::JoinHandle<Result<T, Ended>>>);

impl<T> Future for CompioTask<T> {
    type Output = Result<T, JoinError>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handle = self.0.as_mut().expect("CompioTask polled after it returned");
        let output = match ready!(Pin::new(handle).poll(cx)) {
            Ok(output) => output.map_err(Ended::into_join_error),
            // The task catches its panics: this is compio's own, if any.
            Err(compio::runtime::JoinError::Panicked(payload)) => {
                Err(Panic::from_payload(payload).into_join_error())
            }
            // Cancelled by compio itself (its runtime was dropped).
            Err(compio::runtime::JoinError::Cancelled) => Err(JoinError::Cancelled),
        };
        self.0 = None;
        Poll::Ready(output)
    }
}

impl<T> Drop for CompioTask<T> {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            handle.detach();
        }
    }
}

/// A compio task, with the contract's join semantics.
pub type CompioJoinHandle<T> = AbortableHandle<CompioTask<T>, InBand>;

/// Spawns `future` on the current thread's runtime, catching its panic, abortable: the
/// contract's `spawn` and `spawn_local`.
fn spawn_task<F: Future + 'static>(future: F) -> CompioJoinHandle<F::Output> {
    AbortableHandle::spawn(future, |task: AbortableTask<F, InBand>| {
        CompioTask(Some(compio::runtime::spawn(task)))
    })
}

/// A compio runtime on the thread that built it.
pub struct Compio {
    runtime: compio::runtime::Runtime,
}

impl Compio {
    /// The `compio::runtime::Runtime` underneath, so hand-written compio code can run on
    /// the very same runtime as code going through the contract (`rtbench-native`).
    pub fn native(&self) -> &compio::runtime::Runtime {
        &self.runtime
    }
}

/// N compio runtimes, one per thread (compio's own model: thread-per-core).
pub type CompioPerCore = PerCore<Compio>;

impl PerCoreInfo for Compio {
    const PER_CORE: RuntimeInfo = per_core_info(
        Self::INFO,
        "compio-tpc",
        "compio: N Runtimes (completion-based, io_uring driver), one per thread, pinned where the process has N CPUs",
    );
}

impl Runtime for Compio {
    type JoinHandle<T: Send + 'static> = CompioJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = CompioJoinHandle<T>;
    type TcpListener = CompioListener;
    type TcpStream = CompioTcpStream;
    type Child = CompioChild;

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "compio",
        crate_name: "compio",
        crate_version: crate::versions::of("compio"),
        class: Class::SingleThread,
        legacy: false,
        description: "compio Runtime (thread-per-core, completion-based, io_uring driver), one thread, not pinned",
        capabilities: Capabilities {
            local_spawn: Support::Native("compio::runtime::spawn (every compio task is local)"),
            blocking: Support::Native("compio::runtime::spawn_blocking (the driver's thread pool)"),
            tcp: Support::Native("compio::net, owned buffers (io_uring)"),
            poll_io: Support::Native(
                "compio::io::compat::AsyncStream (copies through its buffers), flushed after each write",
            ),
            process: Support::Native(
                "std::process spawn, stdout read on the ring (compio::fs::pipe), waited on compio's blocking pool",
            ),
            files: Support::Native("compio::fs::read / write (io_uring)"),
            io_backend: "io_uring",
        },
    };

    fn new(_config: &RuntimeConfig) -> Result<Self, Unavailable> {
        uring_probe::check(&NEEDS)?;
        let runtime =
            compio::runtime::Runtime::new().map_err(|e| uring_probe::build_failed(&NEEDS, e))?;
        Ok(Compio { runtime })
    }

    fn threads(&self) -> usize {
        1
    }

    /// Runs `future` on the runtime. A panic in it is caught inside and resumed here:
    /// had it reached compio's `block_on`, compio would have cancelled every other task.
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        block_on_resuming(future, |root| self.runtime.block_on(root))
    }

    spawn_all_local!(spawn_task);

    async fn spawn_blocking<F, T>(f: F) -> Result<T, JoinError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match compio::runtime::spawn_blocking(move || catch_panic_sync(f)).await {
            Ok(caught) => join_result(caught),
            Err(compio::runtime::JoinError::Panicked(payload)) => {
                Err(Panic::from_payload(payload).into_join_error())
            }
            Err(compio::runtime::JoinError::Cancelled) => Err(JoinError::Cancelled),
        }
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        ThreadBound::new(compio::time::sleep_until(Instant::now() + duration))
    }

    async fn tcp_bind(addr: SocketAddr) -> std::io::Result<Self::TcpListener> {
        ThreadBound::new(CompioListener::bind(addr)).await
    }

    fn tcp_connect(
        addr: SocketAddr,
    ) -> impl Future<Output = std::io::Result<Self::TcpStream>> + Send {
        ThreadBound::new(CompioTcpStream::connect(addr))
    }

    fn spawn_process(command: Command) -> std::io::Result<Self::Child> {
        CompioChild::spawn(command)
    }

    fn read_file(path: PathBuf) -> impl Future<Output = std::io::Result<Vec<u8>>> + Send {
        ThreadBound::new(compio::fs::read(path))
    }

    fn write_file(
        path: PathBuf,
        contents: Vec<u8>,
    ) -> impl Future<Output = std::io::Result<()>> + Send {
        ThreadBound::new(async move { compio::fs::write(path, contents).await.0 })
    }
}

#[cfg(test)]
mod tests;
