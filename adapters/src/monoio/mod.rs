//! monoio: ByteDance's thread-per-core runtime on io_uring (Linux only). Flavour `monoio`
//! is one `monoio::Runtime` with its io_uring driver and its timer; `monoio-tpc` is N of
//! them, one per thread ([`PerCore`]).
//!
//! # Native semantics, and what the adapter does to meet the contract
//! | | monoio natively | contract (this adapter) |
//! |---|---|---|
//! | drop the handle | `JoinHandle` detaches ("if you drop it directly, task will not be terminated") | the same |
//! | abort | no cancel API | [`AbortableHandle`]: the task and its handle share an abort key, not memory (a per-thread registry, empty unless something was aborted: nothing allocated per spawn); `abort` wakes it, and its next poll drops its future before filing the end and waking the handle |
//! | panic in a task | unwinds out of `Runtime::block_on` (monoio catches nothing) | caught in the task ([`AbortableTask`](crate::support::abortable::AbortableTask)), which then stays pending, its future dropped; returned as `Err(Panicked(msg))`, recorded if nobody retrieves it |
//! | panic in the `block_on` future | unwinds out of `block_on` | caught inside it and resumed on the caller |
//! | `sleep` | `monoio::time::sleep`: deadline fixed at creation, millisecond wheel (tokio's design) | the same, thread-bound |
//! | `yield_now` | none public; and a task woken during its own poll goes to the *front* of the queue, so the usual yield (wake, `Pending` once) lets nothing else run | [`yield_behind`]: a tiny spawned task wakes the caller from the back of the queue (one spawn per yield) |
//! | `spawn_blocking` | `monoio::spawn_blocking` on an attached pool (panics without one) | monoio's `DefaultThreadPool` of [`BLOCKING_THREADS`] threads attached at build, panics caught |
//! | TCP | owned-buffer `AsyncReadRent`/`AsyncWriteRent` over io_uring | the same: one monoio call per contract call, on the caller's buffer; the poll-based bridge (`into_poll_io`, for hyper) is monoio's `poll-io` mode and tokio-util's `Compat` (module `io`) |
//! | files | `monoio::fs::read` / `write` (io_uring) | the same |
//! | processes | no API | `n/a` |
//!
//! # io_uring only, no silent fallback
//! monoio can also run on its legacy epoll driver (`FusionDriver` picks it where
//! io_uring is missing). This flavour does not: a column named `monoio` always measures
//! io_uring, as [`RuntimeInfo`]'s fixed `io_backend` says. Where io_uring is missing or
//! limited, [`Monoio::new`] returns [`Unavailable`] with the reason (`uring_probe`:
//! kernel, `io_uring_disabled`, then monoio's own `detect_uring`, which opens a ring and
//! checks the operations monoio submits; then the ring's own build error).
//!
//! # `Send` types
//! As in the glommio adapter: monoio's timers, sockets and the futures that use them
//! hold `Rc`s into the thread's driver, so they are wrapped in
//! [`ThreadBound`](crate::support::thread_bound::ThreadBound); tasks never leave the
//! thread that spawned them (`monoio::spawn` is local). monoio declares its own
//! `JoinHandle<T>` `Send` for `T: Send`; the contract's handle is too, and aborts on
//! the task's thread only.

mod io;

use std::cell::{RefCell, RefMut};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Command;
use std::task::{Context, Poll};
use std::time::Duration;

use rtbench_core::{
    Capabilities, Class, JoinError, Runtime, RuntimeConfig, RuntimeInfo, Support, Unavailable,
};

use crate::spawn_all_local;
use crate::support::abortable::{AbortableHandle, AbortableTask, OutOfBand};
use crate::support::catch_panic::{block_on_resuming, catch_panic_sync, join_result};
use crate::support::per_core::{per_core_info, PerCore, PerCoreInfo};
use crate::support::thread_bound::ThreadBound;
use crate::support::uring_probe;
use crate::support::yield_behind::yield_behind;

pub use self::io::{MonoioListener, MonoioTcpStream};

/// The driver: io_uring, with monoio's timer wheel on top.
pub type Driver = monoio::time::TimeDriver<monoio::IoUringDriver>;

/// Threads of the blocking pool attached to the runtime (monoio's `DefaultThreadPool`
/// is fixed-size): more than any scenario keeps busy at once.
pub const BLOCKING_THREADS: usize = 4;

/// What monoio needs: Linux ≥ 5.6 (its README) and io_uring allowed; no memory-lock
/// minimum of its own (its ring is charged to `RLIMIT_MEMLOCK` only before Linux 5.12,
/// where a failing build says so).
const NEEDS: uring_probe::Needs =
    uring_probe::Needs { runtime: "monoio", kernel: (5, 6), memlock: 0 };

/// A monoio runtime on the thread that built it.
pub struct Monoio {
    runtime: RefCell<monoio::Runtime<Driver>>,
}

impl Monoio {
    /// The `monoio::Runtime` underneath (its `block_on` takes `&mut self`), so
    /// hand-written monoio code can run on the very same runtime as code going through
    /// the contract (`rtbench-native`).
    ///
    /// # Panics
    /// If called inside this runtime's `block_on`.
    pub fn native(&self) -> RefMut<'_, monoio::Runtime<Driver>> {
        self.runtime.borrow_mut()
    }
}

/// A monoio task, with the contract's join semantics (monoio's `JoinHandle` detaches
/// on drop).
pub type MonoioJoinHandle<T> = AbortableHandle<MonoioTask<T>, OutOfBand>;

/// monoio's handle of an [`AbortableHandle`] task: its output, as the contract's result
/// (an end without output comes from the key, not from monoio).
pub struct MonoioTask<T>(monoio::task::JoinHandle<T>);

impl<T> Future for MonoioTask<T> {
    type Output = Result<T, JoinError>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(Ok)
    }
}

/// Spawns `future` on the current thread's runtime, catching its panic, abortable: the
/// contract's `spawn` and `spawn_local`.
#[inline]
fn spawn_task<F: Future + 'static>(future: F) -> MonoioJoinHandle<F::Output> {
    AbortableHandle::spawn(future, |task: AbortableTask<F, OutOfBand>| MonoioTask(spawn_here(task)))
}

/// `monoio::spawn`, kept out of line so that a spawn through the contract has the shape
/// of a native one: the caller makes the task (the adapter's wrapping, inlined there)
/// and calls monoio's spawn. Left to the inliner, the full `rtbench` binary did the
/// reverse (monoio's spawn inlined into an out-of-line `AbortableHandle::spawn`, the
/// handle's poll out of line too): `rtbench overhead` read monoio 1.19–1.21 on
/// `spawn_many` and 1.13–1.14 on `chained_spawn`, against 1.07–1.09 and 1.02–1.08 with
/// this shape (2-core VM, quiet host; callgrind: 873 against 855 instructions per spawn,
/// the time gap wider than that).
#[inline(never)]
fn spawn_here<T: Future + 'static>(task: T) -> monoio::task::JoinHandle<T::Output> {
    monoio::spawn(task)
}

/// N monoio runtimes, one per thread (monoio's own model: thread-per-core).
pub type MonoioPerCore = PerCore<Monoio>;

impl PerCoreInfo for Monoio {
    const PER_CORE: RuntimeInfo = per_core_info(
        Self::INFO,
        "monoio-tpc",
        "monoio: N Runtimes (io_uring driver, timer enabled), one per thread, pinned where the process has N CPUs",
    );
}

impl Runtime for Monoio {
    type JoinHandle<T: Send + 'static> = MonoioJoinHandle<T>;
    type LocalJoinHandle<T: 'static> = MonoioJoinHandle<T>;
    type TcpListener = MonoioListener;
    type TcpStream = MonoioTcpStream;
    type Child = rtbench_core::io::Unsupported;

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "monoio",
        crate_name: "monoio",
        crate_version: crate::versions::of("monoio"),
        class: Class::SingleThread,
        legacy: false,
        description: "monoio Runtime (thread-per-core, io_uring driver, timer enabled), one thread, not pinned",
        capabilities: Capabilities {
            local_spawn: Support::Native("monoio::spawn (every monoio task is local)"),
            blocking: Support::Native("monoio::spawn_blocking on its DefaultThreadPool (4 threads)"),
            tcp: Support::Native("monoio::net, owned buffers (io_uring)"),
            process: Support::Missing("monoio has no process API"),
            files: Support::Native("monoio::fs::read / write (io_uring)"),
            poll_io: Support::Native(
                "monoio's poll-io mode (readiness on the ring) through tokio-util's Compat",
            ),
            io_backend: "io_uring",
        },
    };

    fn new(_config: &RuntimeConfig) -> Result<Self, Unavailable> {
        uring_probe::check(&NEEDS)?;
        if !monoio::utils::detect_uring() {
            return Err(Unavailable(
                "monoio: this kernel's io_uring cannot open a ring or lacks an operation monoio \
                 submits (monoio::utils::detect_uring)"
                    .to_owned(),
            ));
        }
        let pool = monoio::blocking::DefaultThreadPool::new(BLOCKING_THREADS);
        let runtime = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
            .enable_timer()
            .attach_thread_pool(Box::new(pool))
            .build()
            .map_err(|e| uring_probe::build_failed(&NEEDS, e))?;
        Ok(Monoio { runtime: RefCell::new(runtime) })
    }

    fn threads(&self) -> usize {
        1
    }

    /// Runs `future` on the runtime. A panic in it is caught inside the runtime and
    /// resumed here, so that it never unwinds through monoio's run loop.
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        block_on_resuming(future, |root| self.runtime.borrow_mut().block_on(root))
    }

    spawn_all_local!(spawn_task);

    async fn spawn_blocking<F, T>(f: F) -> Result<T, JoinError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match monoio::spawn_blocking(move || catch_panic_sync(f)).await {
            Ok(caught) => join_result(caught),
            // The pool dropped the closure unrun (it was shut down).
            Err(monoio::blocking::JoinError::Canceled) => Err(JoinError::Cancelled),
        }
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        ThreadBound::new(monoio::time::sleep(duration))
    }

    /// Wakes the caller through the back of the queue (see the module docs).
    fn yield_now() -> impl Future<Output = ()> + Send {
        yield_behind(|waker| drop(monoio::spawn(async move { waker.wake() })))
    }

    async fn tcp_bind(addr: SocketAddr) -> std::io::Result<Self::TcpListener> {
        MonoioListener::bind(addr)
    }

    fn tcp_connect(
        addr: SocketAddr,
    ) -> impl Future<Output = std::io::Result<Self::TcpStream>> + Send {
        ThreadBound::new(MonoioTcpStream::connect(addr))
    }

    fn spawn_process(_command: Command) -> std::io::Result<Self::Child> {
        Err(rtbench_core::io::Unsupported::error(Self::INFO.capabilities.process.detail()))
    }

    fn read_file(path: PathBuf) -> impl Future<Output = std::io::Result<Vec<u8>>> + Send {
        ThreadBound::new(monoio::fs::read(path))
    }

    fn write_file(
        path: PathBuf,
        contents: Vec<u8>,
    ) -> impl Future<Output = std::io::Result<()>> + Send {
        ThreadBound::new(async move { monoio::fs::write(path, contents).await.0 })
    }
}

#[cfg(test)]
mod tests;
