//! glommio: one `LocalExecutor`, thread-per-core, every I/O through io_uring (flavours
//! `glommio`, and `glommio-tpc`: N of them, one per thread, through
//! [`PerCore`](crate::support::per_core); Linux only).
//!
//! # `Send` types on a runtime whose tasks never move
//! The contract declares its associated types `Send` (so generic scenarios can spawn
//! futures holding them on work-stealing runtimes), while glommio's join handles,
//! timers, sockets and files are `!Send`: they hold `Rc`s into the executor of their
//! thread. The adapter wraps each native value in a `ThreadBound` (module
//! `support::thread_bound`), which is `Send` and checks, on every access, poll and drop, that it
//! is on the thread that created it — panicking otherwise, never undefined behaviour. [`spawn`](Runtime::spawn) uses `glommio::spawn_local`, so a task never
//! leaves its thread and the check never fires in a scenario. Only moving such a value
//! to *another* thread (into `spawn_blocking`, say) trips it, loudly: the test
//! `moving_a_value_to_another_thread_panics_loudly` below checks it. Cost: a
//! thread-local read and a comparison per access, poll or drop (`send_wrapper`'s
//! `SendWrapper`, used before, took a reference to the thread's handle each time, which
//! cost 18–26 % of a spawn).
//!
//! # Native semantics, and what the adapter does to meet the contract
//! | | glommio natively | contract (this adapter) |
//! |---|---|---|
//! | drop the handle | `Task` cancels the task on drop (its future is dropped at the executor's next turn) | drop detaches: every task is `.detach()`ed at spawn, the handle is glommio's `task::JoinHandle` |
//! | abort | `JoinHandle::cancel` | the same; awaiting afterwards waits until the future was dropped, then gives `Err(Cancelled)` (or the value, if the task had already finished) |
//! | await a cancelled task | `JoinHandle` gives `None`; a `Task` panics | `Err(JoinError::Cancelled)` |
//! | panic in a task | propagates out of `LocalExecutor::run` even if nobody awaits the task: the whole `block_on` panics and the executor hangs on its next `run` | caught in the task ([`catch_panic`]), returned as `Err(Panicked(msg))`, recorded if nobody retrieves it |
//! | panic in the `block_on` future | propagates out of `run`, and the executor hangs on its next `run` | caught inside the executor and resumed on the caller; the runtime stays usable |
//! | panic in a blocking closure | kills the pool thread: the awaiting future never completes, and the next `spawn_blocking` panics ("failed to enqueue blocking operation") | caught ([`catch_panic_sync`]), returned as `Err(Panicked(msg))` |
//! | `sleep` | `timer::sleep` is an `async fn`: its `Timer`'s deadline is fixed at the first poll; it fires once `Instant::now() >= deadline` (never early) | deadline fixed when the sleep is created, as on tokio and async-io; a glommio `Timer` armed at the first poll for what remains (see `sleep`) |
//! | `yield_now` | `ExecutorProxy::yield_now` (wake, `Pending` once: back of the task queue) | the same |
//! | `spawn_blocking` | glommio's own blocking pool (1 thread by default, not bound to a CPU here) | the same, panics caught |
//! | processes | no API | `n/a` |
//!
//! The executor is built unbound (`Placement::Unbound`: no CPU pinning, so several can
//! share a loaded machine) with glommio's default ring depth (128) and I/O memory
//! (10 MiB). [`Glommio::new`] first checks the kernel and `RLIMIT_MEMLOCK` (see
//! `support::uring_probe`) and returns [`Unavailable`] with the numbers instead of panicking. Building
//! the executor binds it to the calling thread: [`Runtime::block_on`] must be called
//! there (the type is `!Send`, so the compiler enforces it).
//!
//! Memory locking: glommio registers its I/O memory with each ring. Without
//! `CAP_IPC_LOCK`, that registration counts against `RLIMIT_MEMLOCK` (per user), so with
//! an 8 MiB limit it fails with `ENOMEM`; glommio tolerates that (it falls back to
//! unregistered buffers, which only `DmaFile` would use — this adapter uses sockets and
//! `BufferedFile`). Many executors in parallel (the test threads) therefore work.

mod io;
mod sleep;

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Command;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use crate::support::catch_panic::{catch_panic, catch_panic_sync, join_result, Caught};
use crate::support::per_core::{per_core_info, PerCore, PerCoreInfo};
use crate::support::poll_stream::PollStream;
use crate::support::thread_bound::ThreadBound;
use crate::support::uring_probe;
use futures::FutureExt;
use rtbench_core::{
    Abort, Capabilities, Class, JoinError, Runtime, RuntimeConfig, RuntimeInfo, Support,
    Unavailable,
};

use crate::spawn_all_local;

pub use self::io::{GlommioListener, GlommioTcpStream};
pub use self::sleep::GlommioSleep;

/// What glommio needs: Linux ≥ 5.8 (the io_uring operations it submits) and its own
/// minimum of 512 KiB `RLIMIT_MEMLOCK` (it refuses to start below that).
const GLOMMIO_NEEDS: uring_probe::Needs =
    uring_probe::Needs { runtime: "glommio", kernel: (5, 8), memlock: 512 * 1024 };

/// A glommio `LocalExecutor` on the thread that built it.
pub struct Glommio {
    executor: glommio::LocalExecutor,
}

impl Glommio {
    /// The `LocalExecutor` underneath, so hand-written glommio code can run on the very
    /// same executor as code going through the contract (`rtbench-native`).
    pub fn native(&self) -> &glommio::LocalExecutor {
        &self.executor
    }
}

/// N glommio executors, one per thread (glommio's own model: thread-per-core).
pub type GlommioPerCore = PerCore<Glommio>;

impl PerCoreInfo for Glommio {
    const PER_CORE: RuntimeInfo = per_core_info(
        Self::INFO,
        "glommio-tpc",
        "glommio: N LocalExecutors (io_uring), one per thread, pinned where the process has \
         N CPUs",
    );
}

/// A detached glommio task, with the contract's join semantics.
pub struct GlommioJoinHandle<T>(ThreadBound<glommio::task::JoinHandle<Caught<T>>>);

impl<T: 'static> GlommioJoinHandle<T> {
    /// Spawns `future` on the current thread's executor, catching its panic, and
    /// detaches it so that dropping the handle does not cancel it. Inlined, as the
    /// contract's `spawn` around it: native code calls glommio's spawn in place.
    #[inline]
    fn spawn<F: Future<Output = T> + 'static>(future: F) -> Self {
        GlommioJoinHandle(ThreadBound::new(glommio::spawn_local(catch_panic(future)).detach()))
    }
}

impl<T> Future for GlommioJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(match ready!(Pin::new(&mut *self.0).poll(cx)) {
            Some(caught) => join_result(caught),
            // Panics are caught inside the task, so `None` only means cancelled.
            None => Err(JoinError::Cancelled),
        })
    }
}

impl<T> Abort for GlommioJoinHandle<T> {
    fn abort(&self) {
        self.0.cancel();
    }
}

impl Runtime for Glommio {
    type JoinHandle<T: Send + 'static> = GlommioJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = GlommioJoinHandle<T>;
    type TcpListener = GlommioListener;
    type TcpStream = PollStream<GlommioTcpStream>;
    type Child = rtbench_core::io::Unsupported;

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "glommio",
        crate_name: "glommio",
        crate_version: crate::versions::of("glommio"),
        class: Class::SingleThread,
        legacy: false,
        description: "glommio LocalExecutor (thread-per-core, io_uring), one executor, not pinned",
        capabilities: Capabilities {
            local_spawn: Support::Native("glommio::spawn_local (every glommio task is local)"),
            blocking: Support::Native("glommio's blocking thread pool (1 thread by default)"),
            tcp: Support::Native("glommio::net (io_uring)"),
            poll_io: Support::Native("glommio::net::TcpStream is a futures-io stream itself"),
            process: Support::Missing("glommio has no process API"),
            files: Support::Native("glommio::io::BufferedFile (io_uring reads and writes)"),
            io_backend: "io_uring",
        },
    };

    fn new(_config: &RuntimeConfig) -> Result<Self, Unavailable> {
        uring_probe::check(&GLOMMIO_NEEDS)?;
        let executor = glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
            .name("rtbench-glommio")
            .make()
            .map_err(|e| Unavailable(format!("glommio executor could not be built: {e}")))?;
        Ok(Glommio { executor })
    }

    fn threads(&self) -> usize {
        1
    }

    /// Runs `future` on the executor. A panic in it is caught inside the executor and
    /// resumed here: a panic escaping `LocalExecutor::run` leaves glommio's executor
    /// unusable (the next `run` never returns).
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self.executor.run(AssertUnwindSafe(future).catch_unwind()) {
            Ok(value) => value,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }

    spawn_all_local!(
        #[inline]
        GlommioJoinHandle::spawn
    );

    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = Result<T, JoinError>> + Send
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        ThreadBound::new(async move {
            join_result(glommio::executor().spawn_blocking(move || catch_panic_sync(f)).await)
        })
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        ThreadBound::new(GlommioSleep::new(duration))
    }

    async fn yield_now() {
        glommio::executor().yield_now().await
    }

    async fn tcp_bind(addr: SocketAddr) -> std::io::Result<Self::TcpListener> {
        GlommioListener::bind(addr)
    }

    fn tcp_connect(
        addr: SocketAddr,
    ) -> impl Future<Output = std::io::Result<Self::TcpStream>> + Send {
        ThreadBound::new(GlommioTcpStream::connect(addr))
    }

    fn spawn_process(_command: Command) -> std::io::Result<Self::Child> {
        Err(rtbench_core::io::Unsupported::error(Self::INFO.capabilities.process.detail()))
    }

    fn read_file(path: PathBuf) -> impl Future<Output = std::io::Result<Vec<u8>>> + Send {
        ThreadBound::new(io::read_file(path))
    }

    fn write_file(
        path: PathBuf,
        contents: Vec<u8>,
    ) -> impl Future<Output = std::io::Result<()>> + Send {
        ThreadBound::new(io::write_file(path, contents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::thread_per_core_checks as checks;

    /// Dropping a glommio handle on another thread panics too (glommio's handles, unlike
    /// monoio's and compio's, are thread-bound).
    #[test]
    fn moving_a_value_to_another_thread_panics_loudly() {
        checks::moving_a_value_to_another_thread_panics_loudly::<Glommio>();
        let dropped = checks::runtime::<Glommio>().block_on(async {
            let handle = Glommio::spawn(async { 1 });
            Glommio::spawn_blocking(move || drop(handle)).await
        });
        let dropped = dropped.unwrap_err();
        assert!(
            dropped
                .panic_message()
                .is_some_and(|m| m.contains("dropped a thread-bound value on a thread other")),
            "{dropped:?}"
        );
    }

    #[test]
    fn a_panicking_root_is_resumed_and_the_executor_survives() {
        checks::a_panicking_root_is_resumed_and_the_runtime_survives::<Glommio>();
    }

    #[test]
    fn processes_are_reported_missing() {
        checks::processes_are_reported_missing::<Glommio>();
    }

    #[test]
    fn tcp_echoes_over_loopback_in_owned_buffers() {
        checks::tcp_echoes_over_loopback::<Glommio>();
    }

    #[test]
    fn files_round_trip_through_io_uring() {
        checks::files_round_trip::<Glommio>();
    }
}
