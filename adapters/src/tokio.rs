//! tokio, in its two flavours: `tokio-ct` (current-thread scheduler) and `tokio-mt`
//! (multi-thread, work-stealing, N workers).
//!
//! tokio's native semantics already match the contract (drop detaches, `abort`, panics
//! returned as errors); the adapter only re-raises a task's panic with a guard payload
//! ([`rethrow_as_guard`]) so that a panic in a detached task is recorded instead of
//! silently dropped, and keeps the task's poll a call of its own ([`task`]). Unlike
//! wrapping every output in a `Result` (as the other adapters must), this keeps tokio's
//! task layout unchanged: the `overhead` bench showed the wider output costing
//! spawn_many tens of percent. `tokio-ct` runs its root inside
//! a [`LocalSet`](tokio::task::LocalSet) so that `spawn_local` works; `tokio-mt` has no
//! `!Send` tasks. I/O goes through mio (epoll); files and `spawn_blocking` use tokio's
//! blocking pool. TCP reads and writes are tokio's own (`read_buf` into the owned
//! buffer's spare capacity, `write_all`); the poll-based bridge and child stdout are
//! `tokio_util::compat` views of tokio's streams.

use std::future::Future;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Command, ExitStatus, Stdio};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use crate::support::catch_panic::{
    catch_panic_sync, join_error_from_payload, rethrow_as_guard, RethrowAsGuard,
};
use crate::support::out_of_line::{out_of_line, OutOfLine};
use crate::support::per_core::{per_core_info, PerCore, PerCoreInfo};
use rtbench_core::{
    io, Abort, Capabilities, Class, JoinError, Runtime, RuntimeConfig, RuntimeInfo, Support,
    Unavailable,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

/// tokio's current-thread scheduler.
pub type TokioCurrentThread = Tokio<false>;
/// tokio's multi-thread, work-stealing scheduler.
pub type TokioMultiThread = Tokio<true>;

/// N tokio current-thread runtimes, one per thread (thread-per-core, as pingora's
/// `NoSteal` runtime).
pub type TokioPerCore = PerCore<TokioCurrentThread>;

impl PerCoreInfo for TokioCurrentThread {
    const PER_CORE: RuntimeInfo = per_core_info(
        Self::INFO,
        "tokio-ct-tpc",
        "N tokio current-thread runtimes, one per thread, pinned where the process has N CPUs \
         (pingora's NoSteal)",
    );
}

/// A tokio runtime; `MULTI` selects the scheduler.
pub struct Tokio<const MULTI: bool> {
    runtime: tokio::runtime::Runtime,
    local: tokio::task::LocalSet,
    threads: usize,
}

/// The future tokio runs for a task of the contract: `future`, its panic re-raised
/// with a guard ([`rethrow_as_guard`]), its poll kept a call of its own, as tokio's
/// harness called the native twin's in the measured build ([`out_of_line`]: inlined
/// into the guard's `catch_unwind` instead, it cost tokio-ct's `yield_many` 8 %).
/// Public for the native twins' semantic line.
pub fn task<F: Future>(future: F) -> RethrowAsGuard<OutOfLine<F>> {
    rethrow_as_guard(out_of_line(future))
}

/// A tokio task, with the contract's join semantics.
pub struct TokioJoinHandle<T>(tokio::task::JoinHandle<T>);

impl<const MULTI: bool> Tokio<MULTI> {
    /// The tokio runtime underneath, so hand-written tokio code can run on the very same
    /// worker threads as code going through the contract (the native twins of
    /// `rtbench-native`).
    pub fn native(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }
}

impl<T> Future for TokioJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(match ready!(Pin::new(&mut self.0).poll(cx)) {
            Ok(value) => Ok(value),
            Err(error) if error.is_cancelled() => Err(JoinError::Cancelled),
            Err(error) => Err(join_error_from_payload(error.into_panic())),
        })
    }
}

impl<T> Abort for TokioJoinHandle<T> {
    fn abort(&self) {
        self.0.abort();
    }
}

/// A tokio TCP listener.
pub struct TokioListener(tokio::net::TcpListener);

impl io::TcpListener for TokioListener {
    type Stream = TokioTcpStream;

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.local_addr()
    }

    async fn accept(&self) -> std::io::Result<(Self::Stream, SocketAddr)> {
        let (stream, peer) = self.0.accept().await?;
        stream.set_nodelay(true)?;
        Ok((TokioTcpStream(stream), peer))
    }
}

/// A tokio TCP connection, read and written with tokio's own calls.
pub struct TokioTcpStream(tokio::net::TcpStream);

impl io::TcpStream for TokioTcpStream {
    type PollIo = Compat<tokio::net::TcpStream>;

    async fn read(&mut self, mut buf: Vec<u8>) -> io::BufResult<usize> {
        buf.clear();
        if buf.capacity() == 0 {
            // `read_buf` would grow a full `Vec` (the contract reads at most its capacity),
            // and a socket's zero-length read waits for data (TCP's low-water mark is 1).
            return (Ok(0), buf);
        }
        // Into the spare capacity: no zero-filling, unlike a `&mut [u8]` read.
        let result = self.0.read_buf(&mut buf).await;
        (result, buf)
    }

    async fn write_all(&mut self, buf: Vec<u8>) -> io::BufResult<()> {
        let result = self.0.write_all(&buf).await;
        (result, buf)
    }

    async fn shutdown(&mut self) -> std::io::Result<()> {
        self.0.shutdown().await
    }

    fn into_poll_io(self) -> Self::PollIo {
        self.0.compat()
    }
}

/// A tokio child process.
pub struct TokioChild(tokio::process::Child);

impl io::ChildProcess for TokioChild {
    type Stdout = Compat<tokio::process::ChildStdout>;

    fn take_stdout(&mut self) -> Option<Self::Stdout> {
        self.0.stdout.take().map(TokioAsyncReadCompatExt::compat)
    }

    async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.0.wait().await
    }
}

const CAPABILITIES: Capabilities = Capabilities {
    local_spawn: Support::Native("tokio::task::spawn_local on a LocalSet"),
    blocking: Support::Native("tokio's blocking thread pool"),
    tcp: Support::Native("tokio::net"),
    poll_io: Support::Native("tokio_util::compat over tokio::net::TcpStream"),
    process: Support::Native("tokio::process"),
    files: Support::Native("tokio::fs (runs std::fs on the blocking pool)"),
    io_backend: "epoll (mio)",
};

impl<const MULTI: bool> Runtime for Tokio<MULTI> {
    type JoinHandle<T: Send + 'static> = TokioJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = TokioJoinHandle<T>;
    type TcpListener = TokioListener;
    type TcpStream = TokioTcpStream;
    type Child = TokioChild;

    const INFO: RuntimeInfo = if MULTI {
        RuntimeInfo {
            name: "tokio-mt",
            crate_name: "tokio",
            crate_version: crate::versions::of("tokio"),
            class: Class::MultiThread,
            legacy: false,
            description: "tokio multi-thread scheduler (work stealing, N workers)",
            capabilities: Capabilities {
                local_spawn: Support::Missing(
                    "tokio's multi-thread scheduler runs only Send tasks (!Send needs a LocalSet on one thread)",
                ),
                ..CAPABILITIES
            },
        }
    } else {
        RuntimeInfo {
            name: "tokio-ct",
            crate_name: "tokio",
            crate_version: crate::versions::of("tokio"),
            class: Class::SingleThread,
            legacy: false,
            description: "tokio current-thread scheduler (root inside a LocalSet)",
            capabilities: CAPABILITIES,
        }
    };

    fn new(config: &RuntimeConfig) -> Result<Self, Unavailable> {
        let (mut builder, threads) = if MULTI {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(config.threads);
            (builder, config.threads)
        } else {
            (tokio::runtime::Builder::new_current_thread(), 1)
        };
        let runtime =
            builder.enable_all().build().map_err(|e| Unavailable(format!("tokio runtime: {e}")))?;
        Ok(Tokio { runtime, local: tokio::task::LocalSet::new(), threads })
    }

    fn threads(&self) -> usize {
        self.threads
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        if MULTI {
            self.runtime.block_on(future)
        } else {
            self.runtime.block_on(self.local.run_until(future))
        }
    }

    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioJoinHandle(tokio::spawn(task(future)))
    }

    fn spawn_local<F>(future: F) -> Self::LocalJoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        assert!(!MULTI, "spawn_local: {}", Self::INFO.capabilities.local_spawn.detail());
        TokioJoinHandle(tokio::task::spawn_local(task(future)))
    }

    async fn spawn_blocking<F, T>(f: F) -> Result<T, JoinError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let rethrow = |guard| std::panic::resume_unwind(Box::new(guard));
        TokioJoinHandle(tokio::task::spawn_blocking(move || {
            catch_panic_sync(f).unwrap_or_else(rethrow)
        }))
        .await
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }

    async fn tcp_bind(addr: SocketAddr) -> std::io::Result<Self::TcpListener> {
        tokio::net::TcpListener::bind(addr).await.map(TokioListener)
    }

    async fn tcp_connect(addr: SocketAddr) -> std::io::Result<Self::TcpStream> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(TokioTcpStream(stream))
    }

    fn spawn_process(command: Command) -> std::io::Result<Self::Child> {
        let mut command = tokio::process::Command::from(command);
        command.stdout(Stdio::piped()).kill_on_drop(true);
        command.spawn().map(TokioChild)
    }

    fn read_file(path: PathBuf) -> impl Future<Output = std::io::Result<Vec<u8>>> + Send {
        tokio::fs::read(path)
    }

    fn write_file(
        path: PathBuf,
        contents: Vec<u8>,
    ) -> impl Future<Output = std::io::Result<()>> + Send {
        tokio::fs::write(path, contents)
    }
}
