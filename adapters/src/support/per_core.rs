//! Thread-per-core out of any single-thread adapter: [`PerCore<R>`] runs N executors of
//! `R`, one per thread, as pingora's `NoSteal` runs N tokio current-thread runtimes.
//!
//! # Why a wrapper and not N more adapters
//! What makes a flavour per-core is the same for every runtime: N executors that never
//! share a task, work split up front. The single-thread adapters already give the
//! executor and the contract's semantics; the wrapper only multiplies it. So a per-core
//! flavour is one [`PerCoreInfo`] impl (its name and description) on the single-thread
//! adapter and one line in [`for_each_flavour!`](crate::for_each_flavour). That is how
//! monoio or compio get theirs: `impl PerCoreInfo for Monoio { const PER_CORE =
//! per_core_info(Self::INFO, "monoio-tpc", "…"); }` and a `monoio_tpc:
//! PerCore<Monoio>` line.
//!
//! # The shards
//! Shard 0 is an `R` built on the calling thread, so `block_on`, `run` and anything
//! that does not shard behave exactly as on `R`. Shards 1..N are long-lived threads,
//! each building its own `R` and taking jobs from a channel; [`Runtime::run_sharded`]
//! sends each of them its root and runs shard 0's on the caller, then collects the
//! outputs in shard order. The associated functions (`spawn`, `sleep`, TCP…) are `R`'s:
//! they already act on the calling thread's executor, which is exactly "a task spawned
//! in a shard stays on that shard".
//!
//! # Pinning
//! Where the process may run on at least N CPUs (its affinity mask, which `--pin`
//! narrows), shard i's thread is pinned to the i-th of them before its executor is built
//! (`sched_setaffinity`; glommio's executors are built unbound, so they keep it);
//! the caller's own mask is restored when the runtime is dropped. With fewer CPUs
//! nothing is pinned (threads would only be stacked on one CPU), and each shard's
//! [`Shard::cpu`] is `None`, which the sharded scenarios report. Threads a shard starts
//! (a blocking pool) inherit its CPU.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{mpsc, Arc};
use std::thread;

use rtbench_core::{Class, Runtime, RuntimeConfig, RuntimeInfo, Shard, Unavailable};

/// A single-thread adapter that has a per-core flavour: its facts.
pub trait PerCoreInfo: Runtime {
    /// The per-core flavour's facts, usually [`per_core_info`] of the adapter's own.
    const PER_CORE: RuntimeInfo;
}

/// `info` renamed and described as the per-core flavour of that single-thread runtime:
/// same crate, version and capabilities, class [`Class::PerCore`].
pub const fn per_core_info(
    info: RuntimeInfo,
    name: &'static str,
    description: &'static str,
) -> RuntimeInfo {
    RuntimeInfo { name, description, class: Class::PerCore, ..info }
}

/// One job for a shard thread: run something with its executor.
type Job<R> = Box<dyn FnOnce(&R) + Send>;

/// A shard on a thread of its own.
struct ShardThread<R> {
    /// Dropping it ends the thread's job loop.
    jobs: Option<mpsc::Sender<Job<R>>>,
    thread: Option<thread::JoinHandle<()>>,
    cpu: Option<usize>,
}

/// N executors of `R`, one per thread; see the [module docs](self).
pub struct PerCore<R> {
    /// Shard 0, on the thread that built the runtime.
    first: R,
    first_cpu: Option<usize>,
    /// The caller's affinity before shard 0 was pinned, restored on drop.
    caller_affinity: Option<affinity::Mask>,
    others: Vec<ShardThread<R>>,
}

impl<R: PerCoreInfo> PerCore<R> {
    /// Starts shard `index` on its own thread, pinned to `cpu` if given; returns once its
    /// executor is built.
    fn start_shard(index: usize, cpu: Option<usize>) -> Result<ShardThread<R>, Unavailable> {
        let (jobs, queue) = mpsc::channel::<Job<R>>();
        let (ready, built) = mpsc::channel();
        let thread = thread::Builder::new()
            .name(format!("{}-{index}", R::PER_CORE.name))
            .spawn(move || {
                let cpu = cpu.filter(|&cpu| affinity::pin(cpu));
                let runtime = match R::new(&RuntimeConfig { threads: 1 }) {
                    Ok(runtime) => runtime,
                    Err(error) => return drop(ready.send(Err(error))),
                };
                let _ = ready.send(Ok(cpu));
                for job in queue {
                    job(&runtime);
                }
            })
            .map_err(|e| Unavailable(format!("{}: shard thread: {e}", R::PER_CORE.name)))?;
        let cpu = built.recv().unwrap_or_else(|_| {
            Err(Unavailable(format!("{}: shard {index} ended while starting", R::PER_CORE.name)))
        })?;
        Ok(ShardThread { jobs: Some(jobs), thread: Some(thread), cpu })
    }
}

impl<R> Drop for PerCore<R> {
    fn drop(&mut self) {
        for shard in &mut self.others {
            drop(shard.jobs.take());
            if let Some(thread) = shard.thread.take() {
                // Jobs catch their panics; a shard thread only ends by its queue closing.
                let _ = thread.join();
            }
        }
        if let Some(mask) = &self.caller_affinity {
            affinity::restore(mask);
        }
    }
}

/// What a shard's root produced: its output, or its panic.
type Ended<T> = thread::Result<T>;

impl<R: PerCoreInfo> Runtime for PerCore<R> {
    type JoinHandle<T: Send + 'static> = R::JoinHandle<T>;
    type LocalJoinHandle<T: 'static> = R::LocalJoinHandle<T>;
    type TcpListener = R::TcpListener;
    type TcpStream = R::TcpStream;
    type Child = R::Child;

    const INFO: RuntimeInfo = R::PER_CORE;

    fn new(config: &RuntimeConfig) -> Result<Self, Unavailable> {
        let count = config.threads.max(1);
        let cpus = affinity::allowed().filter(|(_, cpus)| cpus.len() >= count);
        let cpu_of = |index: usize| cpus.as_ref().map(|(_, cpus)| cpus[index]);
        let caller_affinity = cpus.as_ref().map(|(mask, _)| mask.clone());
        let first_cpu = cpu_of(0).filter(|&cpu| affinity::pin(cpu));
        let mut runtime = PerCore {
            first: R::new(&RuntimeConfig { threads: 1 })?,
            first_cpu,
            caller_affinity,
            others: Vec::with_capacity(count - 1),
        };
        for index in 1..count {
            runtime.others.push(Self::start_shard(index, cpu_of(index))?);
        }
        Ok(runtime)
    }

    fn threads(&self) -> usize {
        1 + self.others.len()
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.first.block_on(future)
    }

    fn run<F>(&self, future: F) -> F::Output
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.first.run(future)
    }

    fn run_sharded<F, Fut>(&self, root: F) -> Vec<Fut::Output>
    where
        F: Fn(Shard) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let (root, count) = (Arc::new(root), self.threads());
        let pending: Vec<mpsc::Receiver<Ended<Fut::Output>>> = self
            .others
            .iter()
            .enumerate()
            .map(|(i, shard)| {
                let (done, ended) = mpsc::channel();
                let (root, shard_id) =
                    (Arc::clone(&root), Shard { index: i + 1, count, cpu: shard.cpu });
                let job: Job<R> = Box::new(move |runtime: &R| {
                    let output =
                        panic::catch_unwind(AssertUnwindSafe(|| runtime.run(root(shard_id))));
                    let _ = done.send(output);
                });
                let jobs = shard.jobs.as_ref().expect("a shard's queue closes only on drop");
                // A send fails only if the thread is gone; `recv` below then says so.
                let _ = jobs.send(job);
                ended
            })
            .collect();
        let first = Shard { index: 0, count, cpu: self.first_cpu };
        let first = panic::catch_unwind(AssertUnwindSafe(|| self.first.run(root(first))));
        let lost = || -> Ended<Fut::Output> { Err(Box::new("a shard thread ended early")) };
        let ended = std::iter::once(first)
            .chain(pending.iter().map(|e| e.recv().unwrap_or_else(|_| lost())));
        let mut outputs = Vec::with_capacity(count);
        let mut panicked = None;
        for output in ended {
            match output {
                Ok(output) => outputs.push(output),
                Err(payload) => panicked = panicked.or(Some(payload)),
            }
        }
        match panicked {
            Some(payload) => panic::resume_unwind(payload),
            None => outputs,
        }
    }

    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        R::spawn(future)
    }

    fn spawn_local<F>(future: F) -> Self::LocalJoinHandle<F::Output>
    where
        F: std::future::Future + 'static,
        F::Output: 'static,
    {
        R::spawn_local(future)
    }

    fn spawn_blocking<F, T>(
        f: F,
    ) -> impl std::future::Future<Output = Result<T, rtbench_core::JoinError>> + Send
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        R::spawn_blocking(f)
    }

    fn sleep(duration: std::time::Duration) -> impl std::future::Future<Output = ()> + Send {
        R::sleep(duration)
    }

    fn yield_now() -> impl std::future::Future<Output = ()> + Send {
        R::yield_now()
    }

    fn timeout<F>(
        duration: std::time::Duration,
        future: F,
    ) -> impl std::future::Future<Output = Result<F::Output, rtbench_core::Elapsed>> + Send
    where
        F: std::future::Future + Send,
    {
        R::timeout(duration, future)
    }

    fn tcp_bind(
        addr: std::net::SocketAddr,
    ) -> impl std::future::Future<Output = std::io::Result<Self::TcpListener>> + Send {
        R::tcp_bind(addr)
    }

    fn tcp_connect(
        addr: std::net::SocketAddr,
    ) -> impl std::future::Future<Output = std::io::Result<Self::TcpStream>> + Send {
        R::tcp_connect(addr)
    }

    fn spawn_process(command: std::process::Command) -> std::io::Result<Self::Child> {
        R::spawn_process(command)
    }

    fn read_file(
        path: std::path::PathBuf,
    ) -> impl std::future::Future<Output = std::io::Result<Vec<u8>>> + Send {
        R::read_file(path)
    }

    fn write_file(
        path: std::path::PathBuf,
        contents: Vec<u8>,
    ) -> impl std::future::Future<Output = std::io::Result<()>> + Send {
        R::write_file(path, contents)
    }
}

/// The calling thread's CPU affinity (Linux `sched_{get,set}affinity`; elsewhere nothing
/// is pinned).
#[cfg(target_os = "linux")]
mod affinity {
    /// An affinity mask.
    #[derive(Clone)]
    pub struct Mask(libc::cpu_set_t);

    /// The calling thread's mask and the CPUs it allows, in order; `None` if unreadable.
    pub fn allowed() -> Option<(Mask, Vec<usize>)> {
        // SAFETY: an all-zero `cpu_set_t` is a valid empty set, and the kernel writes at
        // most `size_of::<cpu_set_t>()` bytes into it.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: `set` is a valid, writable `cpu_set_t` of `size` bytes.
        if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
            return None;
        }
        let limit = usize::try_from(libc::CPU_SETSIZE).unwrap_or(0);
        // SAFETY: every `cpu` is below `CPU_SETSIZE`, the set's capacity.
        let cpus = (0..limit).filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) }).collect();
        Some((Mask(set), cpus))
    }

    /// Pins the calling thread to `cpu` (one that [`allowed`] listed); whether it worked.
    pub fn pin(cpu: usize) -> bool {
        let limit = usize::try_from(libc::CPU_SETSIZE).unwrap_or(0);
        if cpu >= limit {
            return false;
        }
        // SAFETY: as in `allowed`; `cpu` is below the set's capacity.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        unsafe { libc::CPU_SET(cpu, &mut set) };
        set_mask(&set)
    }

    /// Gives the calling thread `mask` again (best effort: it was its own).
    pub fn restore(mask: &Mask) {
        set_mask(&mask.0);
    }

    fn set_mask(set: &libc::cpu_set_t) -> bool {
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: `set` points to a valid `cpu_set_t` of `size` bytes.
        unsafe { libc::sched_setaffinity(0, size, set) == 0 }
    }
}

/// Elsewhere: nothing is pinned.
#[cfg(not(target_os = "linux"))]
mod affinity {
    #[derive(Clone)]
    pub struct Mask;

    pub fn allowed() -> Option<(Mask, Vec<usize>)> {
        None
    }

    pub fn pin(_: usize) -> bool {
        false
    }

    pub fn restore(_: &Mask) {}
}
