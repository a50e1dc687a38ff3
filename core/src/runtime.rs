//! The [`Runtime`] contract.
//!
//! Scenario code is generic over `R: Runtime` and uses two kinds of items:
//!
//! - **instance methods** on the built runtime, used from outside any task:
//!   [`block_on`](Runtime::block_on) (the course's `run_until_complete`) and
//!   [`run`](Runtime::run), which drives a scenario's root the fair way;
//! - **associated functions** (`R::spawn`, `R::sleep`, …) used from inside tasks. Like
//!   `tokio::spawn`, they act on the runtime the calling thread belongs to, so a task
//!   can spawn more tasks without carrying a handle.
//!
//! # Send-friendly, thread-per-core included
//! [`spawn`](Runtime::spawn) requires `Send` futures (work-stealing runtimes move tasks
//! between threads), so every associated type — join handles, TCP streams, the futures
//! returned by `sleep`, and the futures of the owned-buffer TCP calls ([`crate::io`]) —
//! is declared `Send`. The thread-per-core adapter (glommio) wraps its
//! `!Send` native values in a thread-affinity wrapper that panics if touched from
//! another thread; since its `spawn` never moves a task, that never happens. See the project's design notes.
//!
//! # Per-core flavours and shards
//! A per-core flavour ([`Class::PerCore`]) runs N single-thread executors, one per
//! thread. The contract adds one method for it, with a default every other flavour
//! keeps: [`run_sharded`](Runtime::run_sharded) runs a root once per executor, each
//! told its [`Shard`] (index, count, CPU), and returns the outputs in shard order. The
//! associated functions need nothing new: called inside a shard they act on that
//! shard's executor, so spawned tasks stay on it. Cross-shard communication uses the
//! runtime-agnostic channels scenarios already use (`futures::channel`,
//! `async-channel`). Scenarios that shard say so ([`crate::Sharding`]); the others are
//! `n/a` on per-core flavours.
//!
//! # Static dispatch
//! Everything is generic (associated types, `impl Future` returns); nothing on the hot
//! path is boxed, so the contract costs nothing measurable over native code (the
//! `overhead` bench checks it).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::capability::Capabilities;
use crate::io::{ChildProcess, TcpListener, TcpStream};
use crate::language::YieldOnce;
use crate::task::{Abort, JoinError};
use crate::time::{race_deadline, Elapsed};

/// Which flavours are compared with each other: single-thread with single-thread,
/// N-thread with N-thread at the same thread count — work-stealing pools
/// ([`MultiThread`](Class::MultiThread)) and N independent executors
/// ([`PerCore`](Class::PerCore)) side by side, since that is the question they answer.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Class {
    /// Every task runs on the thread that called `block_on` (including thread-per-core
    /// runtimes with one executor).
    #[serde(rename = "1-thread")]
    SingleThread,
    /// A pool of worker threads shares the tasks.
    #[serde(rename = "N-thread")]
    MultiThread,
    /// N single-thread executors, one per thread (thread-per-core), each running its own
    /// tasks; tasks never move between them. Work is split up front into shards
    /// ([`Runtime::run_sharded`]); a scenario that does not shard is `n/a` here.
    #[serde(rename = "per-core")]
    PerCore,
}

impl Class {
    /// `"1-thread"` or `"N-thread"`, for tables.
    pub fn label(self) -> &'static str {
        match self {
            Class::SingleThread => "1-thread",
            Class::MultiThread => "N-thread",
            Class::PerCore => "per-core",
        }
    }

    /// Whether the flavour runs as many threads as it is asked (`--threads`): every
    /// class but [`SingleThread`](Class::SingleThread).
    pub fn takes_threads(self) -> bool {
        self != Class::SingleThread
    }

    /// The class whose table the flavour's results go in: per-core flavours are compared
    /// with the work-stealing ones at the same thread count.
    pub fn compared_as(self) -> Class {
        match self {
            Class::PerCore => Class::MultiThread,
            class => class,
        }
    }
}

/// Which part of a sharded run a root is: shard `index` of `count`, one per executor of
/// a per-core flavour (see [`Runtime::run_sharded`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 0 to `count - 1`.
    pub index: usize,
    /// How many shards run at once.
    pub count: usize,
    /// The CPU this shard's thread is pinned to, if it is.
    pub cpu: Option<usize>,
}

impl Shard {
    /// The only shard of a flavour that does not shard (one root, as [`Runtime::run`]).
    pub const ONE: Shard = Shard { index: 0, count: 1, cpu: None };

    /// This shard's part of `total` items split as evenly as the count allows (the first
    /// `total % count` shards take one more).
    pub fn share(&self, total: usize) -> std::ops::Range<usize> {
        let (base, extra) = (total / self.count, total % self.count);
        let start = self.index * base + self.index.min(extra);
        start..start + base + usize::from(self.index < extra)
    }
}

/// Static facts about an adapter flavour.
#[derive(Clone, Copy, Debug)]
pub struct RuntimeInfo {
    /// The flavour's name on the command line and in tables, e.g. `"tokio-mt"`.
    pub name: &'static str,
    /// The crate that implements it, e.g. `"tokio"`.
    pub crate_name: &'static str,
    /// That crate's version, as resolved in `Cargo.lock`.
    pub crate_version: &'static str,
    /// Its comparison class.
    pub class: Class,
    /// One line on what it is and anything a reader must know (shared pools the adapter
    /// supplies…).
    pub description: &'static str,
    /// Kept for comparison only (discontinued upstream, as async-std is): reports write
    /// `(legacy)` after its name, and results files record it.
    pub legacy: bool,
    /// What it can do beyond the required core.
    pub capabilities: Capabilities,
}

/// How to build a runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Worker threads for multi-thread flavours (single-thread flavours ignore it).
    pub threads: usize,
}

impl Default for RuntimeConfig {
    /// As many workers as the machine has cores.
    fn default() -> Self {
        RuntimeConfig { threads: std::thread::available_parallelism().map_or(1, |n| n.get()) }
    }
}

/// Why a runtime cannot be built on this machine (kernel too old, memlock too low…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unavailable {}

/// The contract every adapter implements. See the [module docs](self) for the model.
///
/// Semantics every adapter honours identically:
///
/// - awaiting a [`JoinHandle`](Runtime::JoinHandle) gives the task's value or a
///   [`JoinError`] (cancelled, or panicked with its message); dropping it detaches the
///   task; [`Abort::abort`] cancels it and drops its future;
/// - a panicking task never stops the runtime; a panic nobody retrieves is recorded
///   (see [`crate::task`]);
/// - `sleep(d)` never completes before `d` has passed;
/// - `yield_now()` lets every other ready task run before the caller continues;
/// - `spawn_blocking(f)` runs `f` on a thread where blocking is acceptable, never on a
///   thread that runs async tasks.
pub trait Runtime: Sized + 'static {
    /// The handle of a task spawned with [`spawn`](Runtime::spawn).
    type JoinHandle<T: Send + 'static>: Future<Output = Result<T, JoinError>>
        + Abort
        + Send
        + Unpin
        + 'static;
    /// The handle of a task spawned with [`spawn_local`](Runtime::spawn_local).
    type LocalJoinHandle<T: 'static>: Future<Output = Result<T, JoinError>>
        + Abort
        + Unpin
        + 'static;
    /// A TCP listener ([`crate::io::Unsupported`] where there is none).
    type TcpListener: TcpListener<Stream = Self::TcpStream>;
    /// A TCP connection, read and written in owned buffers (see [`crate::io`]).
    type TcpStream: TcpStream;
    /// A child process ([`crate::io::Unsupported`] where there is none).
    type Child: ChildProcess;

    /// Static facts: name, crate and version, class, capabilities.
    const INFO: RuntimeInfo;

    /// Builds the runtime (threads, reactor, timers). Done once, outside any timed loop.
    fn new(config: &RuntimeConfig) -> Result<Self, Unavailable>;

    /// How many threads run tasks (1 for single-thread flavours, the executors of a
    /// per-core one).
    fn threads(&self) -> usize;

    /// Drives `future` to completion on the calling thread, as the runtime's own
    /// `block_on` does (the course's `run_until_complete`). Tasks may be spawned from
    /// inside it.
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// Drives a scenario's root future the fair way: on multi-thread flavours it is
    /// spawned onto a worker and `block_on` only waits for it (a `block_on` future is not
    /// a worker on tokio — tokio issue 5446 — and message passing with it crosses
    /// threads); single-thread flavours run it in `block_on` directly. A panic in the
    /// root is resumed on the caller.
    fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match Self::INFO.class {
            // A per-core flavour runs an unsharded root on its first executor, as the
            // single-thread flavour it is made of.
            Class::SingleThread | Class::PerCore => self.block_on(future),
            Class::MultiThread => match self.block_on(async { Self::spawn(future).await }) {
                Ok(value) => value,
                Err(error) => panic!("scenario root failed: {error}"),
            },
        }
    }

    /// Runs `root(shard)` once per shard, the shards in parallel, and returns their
    /// outputs in shard order. Per-core flavours run one shard on each of their
    /// executors; every other flavour has one shard ([`Shard::ONE`]) and runs it as
    /// [`run`](Runtime::run) does. Inside a shard, associated functions (`R::spawn`,
    /// `R::sleep`…) act on that shard's executor, so its tasks stay there. A panic in any
    /// shard is resumed on the caller once every shard has ended.
    fn run_sharded<F, Fut>(&self, root: F) -> Vec<Fut::Output>
    where
        F: Fn(Shard) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        vec![self.run(root(Shard::ONE))]
    }

    /// Starts a task on this runtime (any worker, on multi-thread flavours).
    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Starts a `!Send` task on the calling thread. Panics with an explanation if
    /// [`Capabilities::local_spawn`] is missing; scenarios check it before.
    fn spawn_local<F>(future: F) -> Self::LocalJoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static;

    /// Runs a blocking closure on a thread where blocking is acceptable (the runtime's
    /// pool, or a shared pool the adapter supplies, as its capabilities say).
    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = Result<T, JoinError>> + Send
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;

    /// Completes once `duration` has passed (never earlier).
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;

    /// Lets the other ready tasks run. Defaults to [`YieldOnce`] (wake, then return
    /// `Pending` once); adapters use the runtime's own when it has one.
    fn yield_now() -> impl Future<Output = ()> + Send {
        YieldOnce::default()
    }

    /// Runs `future` with a deadline, built from [`sleep`](Runtime::sleep).
    fn timeout<F>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Result<F::Output, Elapsed>> + Send
    where
        F: Future + Send,
    {
        race_deadline(future, Self::sleep(duration))
    }

    /// Binds a TCP listener.
    fn tcp_bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpListener>> + Send;

    /// Opens a TCP connection.
    fn tcp_connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpStream>> + Send;

    /// Starts `command` with its stdout piped (stdin and stderr are inherited unless the
    /// command says otherwise).
    fn spawn_process(command: Command) -> io::Result<Self::Child>;

    /// Reads a whole file.
    fn read_file(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send;

    /// Creates or truncates a file and writes `contents` to it.
    fn write_file(path: PathBuf, contents: Vec<u8>) -> impl Future<Output = io::Result<()>> + Send;
}

/// Something to do with a runtime whose type is chosen at run time (by name). The
/// adapters crate builds the runtime and calls [`visit`](RuntimeVisitor::visit) with it,
/// so the caller's code is monomorphised per runtime: no dynamic dispatch in the
/// measured code.
pub trait RuntimeVisitor {
    /// What the visit produces.
    type Output;

    /// Called with the built runtime.
    fn visit<R: Runtime>(self, runtime: &R) -> Self::Output;
}
