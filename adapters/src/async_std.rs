//! async-std (`async-std`): **legacy** — discontinued upstream since 2025, kept as a
//! column so existing numbers can be compared. One multi-thread flavour: async-std has a
//! single, process-global executor (async-global-executor over async-executor and
//! async-io).
//!
//! What the adapter normalises:
//! - **Thread count.** The global executor reads `ASYNC_STD_THREAD_COUNT` once, when it
//!   is first used. [`AsyncStd::new`] sets it from [`RuntimeConfig::threads`] if it is not
//!   set yet and starts the executor, so the first runtime built fixes the count for the
//!   whole process; later `new` calls with another count get the same executor, and
//!   [`threads`](Runtime::threads) reports the count really in use.
//! - **Join handles.** Native `JoinHandle` already detaches on drop; it cancels only via
//!   `async fn cancel(self)`, so `abort(&self)` goes through
//!   [`CancelOnAbort`](crate::support::cancel_on_abort) (one box, on the abort path only).
//!   Tasks run `rethrow_as_guard(future)` and the handle catches the panic that
//!   async-task (under async-std's executor) re-raises in it, so that panics become
//!   [`JoinError::Panicked`] and an unretrieved one is recorded.
//! - **spawn_local** is async-std's unstable `task::spawn_local`: it runs on the
//!   thread-local executor that `block_on` drives.
//!
//! Everything else is async-std's own: `async_std::net` (futures-io natively; the
//! listener turns Nagle's algorithm off on accepted streams, as every adapter does),
//! `async_std::process` (a re-export of async-process), `async_std::fs` and
//! `spawn_blocking` (the shared `blocking` pool; async-std wraps each call in one extra
//! async task on its executor, which awaits the pool's result).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Once;
use std::time::Duration;

use crate::support::catch_panic::{catch_panic_sync, join_result, rethrow_as_guard};
use rtbench_core::{
    Capabilities, Class, JoinError, Runtime, RuntimeConfig, RuntimeInfo, Support, Unavailable,
};

use crate::support::async_process_child::{self, AsyncProcessChild};
use crate::support::cancel_on_abort::{CancelOnAbort, LocalCancel, SendCancel};
use crate::support::poll_stream::{CloseWrite, PollStream};
use crate::{native_task, nodelay_listener};

/// The environment variable async-std reads its worker count from.
const THREAD_COUNT_VAR: &str = "ASYNC_STD_THREAD_COUNT";

/// async-std's global executor. Building it twice shares the one executor, which is
/// also the one hand-written async-std code reaches through `async_std::task`: no
/// accessor is needed to run native code on the same instance (`rtbench-native`).
pub struct AsyncStd {
    threads: usize,
}

type Native<T> = async_std::task::JoinHandle<T>;

/// An async-std task, with the contract's join semantics.
pub type AsyncStdJoinHandle<T> = CancelOnAbort<T, Native<T>, SendCancel<T>>;
/// An async-std `spawn_local` task, with the contract's join semantics.
pub type AsyncStdLocalJoinHandle<T> = CancelOnAbort<T, Native<T>, LocalCancel<T>>;

// async-std's handle detaches when dropped.
native_task!(Native<T>, detach: drop);

nodelay_listener! {
    /// An async-std TCP listener.
    AsyncStdListener(async_std::net::TcpListener) -> async_std::net::TcpStream
}

/// async-std's `close` only flushes: the write side is shut down by its own `shutdown`.
impl CloseWrite for async_std::net::TcpStream {
    async fn close_write(&mut self) -> std::io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

/// Fixes the global executor's thread count (first call only) and returns the count in
/// use, computed as async-global-executor does.
fn global_executor_threads(requested: usize) -> usize {
    static START: Once = Once::new();
    START.call_once(|| {
        if std::env::var_os(THREAD_COUNT_VAR).is_none() {
            std::env::set_var(THREAD_COUNT_VAR, requested.max(1).to_string());
        }
        // Any use starts the executor, which reads the variable now.
        async_std::task::block_on(async {});
    });
    std::env::var(THREAD_COUNT_VAR)
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1)
}

impl Runtime for AsyncStd {
    type JoinHandle<T: Send + 'static> = AsyncStdJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = AsyncStdLocalJoinHandle<T>;
    type TcpListener = AsyncStdListener;
    type TcpStream = PollStream<async_std::net::TcpStream>;
    type Child = AsyncProcessChild;

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "async-std",
        crate_name: "async-std",
        crate_version: crate::versions::of("async-std"),
        class: Class::MultiThread,
        legacy: true,
        description: "discontinued upstream since 2025; one process-global \
                      multi-thread executor (thread count fixed once per process)",
        capabilities: Capabilities {
            local_spawn: Support::Native(
                "async_std::task::spawn_local (unstable API; runs on the block_on thread)",
            ),
            blocking: Support::Native("async_std::task::spawn_blocking (shared `blocking` pool)"),
            tcp: Support::Native("async_std::net (async-io reactor)"),
            poll_io: Support::Native("async_std::net::TcpStream is a futures-io stream itself"),
            process: Support::Native("async_std::process (re-exports async-process)"),
            files: Support::Native("async_std::fs (std::fs on the shared `blocking` pool)"),
            io_backend: "epoll (async-io)",
        },
    };

    fn new(config: &RuntimeConfig) -> Result<Self, Unavailable> {
        Ok(AsyncStd { threads: global_executor_threads(config.threads) })
    }

    fn threads(&self) -> usize {
        self.threads
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        CancelOnAbort::new(async_std::task::spawn(rethrow_as_guard(future)))
    }

    fn spawn_local<F>(future: F) -> Self::LocalJoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        CancelOnAbort::new(async_std::task::spawn_local(rethrow_as_guard(future)))
    }

    async fn spawn_blocking<F, T>(f: F) -> Result<T, JoinError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        join_result(async_std::task::spawn_blocking(move || catch_panic_sync(f)).await)
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        async_std::task::sleep(duration)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        async_std::task::yield_now()
    }

    async fn tcp_bind(addr: SocketAddr) -> std::io::Result<Self::TcpListener> {
        async_std::net::TcpListener::bind(addr).await.map(AsyncStdListener)
    }

    async fn tcp_connect(addr: SocketAddr) -> std::io::Result<Self::TcpStream> {
        let stream = async_std::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(PollStream::new(stream))
    }

    fn spawn_process(command: Command) -> std::io::Result<Self::Child> {
        async_process_child::spawn(command)
    }

    fn read_file(path: PathBuf) -> impl Future<Output = std::io::Result<Vec<u8>>> + Send {
        async_std::fs::read(async_std::path::PathBuf::from(path))
    }

    fn write_file(
        path: PathBuf,
        contents: Vec<u8>,
    ) -> impl Future<Output = std::io::Result<()>> + Send {
        async_std::fs::write(async_std::path::PathBuf::from(path), contents)
    }
}
