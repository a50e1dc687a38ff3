//! `reference`: a single-thread executor written in this repository to be read — the
//! course's own event loop (W8-S5/S6, "you are the loop") grown just enough to pass the
//! contract every other flavour passes, and a baseline column beside them. Nothing in it
//! is clever: no work stealing, no task-local queue, no intrusive lists, one allocation
//! per concern. What the other columns gain over it is what their cleverness buys.
//!
//! One idea per file, in reading order:
//!
//! - [`executor`]: the loop — run what is ready, fire due timers, wait for I/O — and the
//!   table of tasks;
//! - [`queue`]: the run queue and the wakers that fill it, from any thread;
//! - [`task`]: a spawned future and its join handle (value, panic, abort, detach);
//! - [`timers`]: deadlines in order, and `sleep`;
//! - [`reactor`]: sockets registered with epoll through the `polling` crate, and the TCP
//!   listener and stream over it.
//!
//! Its native semantics are the contract's (it was written to it), so the probes have
//! nothing to add about it. Beside the loop: `spawn_blocking` starts a new thread per
//! call (the simplest thing that keeps the loop free; no pool), files are `std::fs` on
//! such a thread, and child processes are async-process's (shared with async-std and the
//! smol stack: reaping children is beside the point here).

mod executor;
mod queue;
mod reactor;
mod task;
#[cfg(test)]
mod tests;
mod timers;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::rc::Rc;
use std::time::Duration;

use crate::support::catch_panic::{catch_panic_sync, join_result};
use rtbench_core::{
    Capabilities, Class, JoinError, Runtime, RuntimeConfig, RuntimeInfo, Support, Unavailable,
};

use crate::spawn_all_local;
use crate::support::async_process_child::{self, AsyncProcessChild};
pub use executor::Executor;
pub use reactor::{connect, Reactor, Socket, TcpListener, TcpStream};
pub use task::JoinHandle;

/// The reference executor, run by `block_on` on the calling thread.
pub struct Reference {
    executor: Rc<Executor>,
}

impl Reference {
    /// The executor underneath, so hand-written code can use its own API (its `spawn`
    /// and join handle, its `block_on`) on the very same instance as code going through
    /// the contract (the native twins of `rtbench-native`).
    pub fn native(&self) -> &Rc<Executor> {
        &self.executor
    }

    /// Spawns `future` on this thread's executor (`spawn` and `spawn_local` alike: every
    /// task runs on the loop's thread).
    fn spawn_here<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
        executor::with_current(|executor| executor.spawn(future))
    }
}

/// Runs `f` on a thread of its own and waits for its result without blocking the loop.
async fn on_a_thread<F, T>(f: F) -> Result<T, JoinError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (sender, receiver) = futures::channel::oneshot::channel();
    std::thread::Builder::new()
        .name("reference-blocking".to_owned())
        .spawn(move || sender.send(catch_panic_sync(f)))
        .expect("reference: cannot start a thread for spawn_blocking");
    join_result(receiver.await.expect("the thread always sends its result"))
}

impl Runtime for Reference {
    type JoinHandle<T: Send + 'static> = JoinHandle<T>;
    type LocalJoinHandle<T: 'static> = JoinHandle<T>;
    type TcpListener = TcpListener;
    type TcpStream = TcpStream;
    type Child = AsyncProcessChild;

    const INFO: RuntimeInfo = RuntimeInfo {
        name: "reference",
        crate_name: "rtbench-adapters",
        crate_version: env!("CARGO_PKG_VERSION"),
        class: Class::SingleThread,
        legacy: false,
        description: "this repository's executor, written to be read: a run queue, a timer \
                      table and an epoll reactor (polling) on the calling thread",
        capabilities: Capabilities {
            local_spawn: Support::Native("every task runs on the block_on thread"),
            blocking: Support::Native("a new thread per call (no pool)"),
            tcp: Support::Native("its own reactor: epoll through the polling crate"),
            poll_io: Support::Native("its stream implements futures-io itself"),
            process: Support::Emulated(
                "async-process (its reaper thread; pipes on async-io's reactor thread)",
            ),
            files: Support::Native("std::fs on a new thread per call"),
            io_backend: "epoll (polling)",
        },
    };

    fn new(_: &RuntimeConfig) -> Result<Self, Unavailable> {
        let executor = Executor::new()
            .map_err(|e| Unavailable(format!("reference: cannot create a poller: {e}")))?;
        Ok(Reference { executor })
    }

    fn threads(&self) -> usize {
        1
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.executor.block_on(future)
    }

    spawn_all_local!(Self::spawn_here);

    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = Result<T, JoinError>> + Send
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        on_a_thread(f)
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        timers::Sleep::new(duration)
    }

    async fn tcp_bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
        executor::with_current(|executor| TcpListener::bind(executor.reactor(), addr))
    }

    async fn tcp_connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
        let reactor = executor::with_current(|executor| std::sync::Arc::clone(executor.reactor()));
        reactor::connect(&reactor, addr).await
    }

    fn spawn_process(command: Command) -> std::io::Result<AsyncProcessChild> {
        async_process_child::spawn(command)
    }

    async fn read_file(path: PathBuf) -> std::io::Result<Vec<u8>> {
        on_a_thread(move || std::fs::read(path)).await.map_err(std::io::Error::other)?
    }

    async fn write_file(path: PathBuf, contents: Vec<u8>) -> std::io::Result<()> {
        on_a_thread(move || std::fs::write(path, contents)).await.map_err(std::io::Error::other)?
    }
}
