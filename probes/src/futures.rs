//! The `futures` crate's executors, observed through their own API: `LocalPool` and
//! `ThreadPool`, with `SpawnExt::spawn_with_handle` (a `RemoteHandle`), `SpawnExt::spawn`
//! for tasks without a handle, and `futures::future::abortable`. `futures` has no timer
//! and no reactor; where an experiment needs a clock it borrows async-io's (as rtbench's
//! adapter does).

use std::future::Future;
use std::time::Duration;

use ::futures::executor::{block_on, LocalPool, LocalSpawner, ThreadPool};
use ::futures::future::abortable;
use ::futures::task::{LocalSpawnExt, Spawn, SpawnExt};

use super::*;

/// What `futures` documents for `LocalPool`: dropping a `RemoteHandle` cancels the task
/// (`forget` detaches); it resumes the task's panic in the awaiter (docs of
/// `RemoteHandle`); a task spawned without a handle panics through
/// `LocalPool::run_until`; cancelling is `AbortHandle::abort`, after which the
/// `Abortable` gives `Err(Aborted)`; no timer, no I/O; a blocking task holds the pool's
/// thread.
pub const DOCUMENTED_LOCAL_POOL: Documented = Documented {
    drop_handle: DropHandle::Cancels,
    panic_awaited: PanicAwaited::ReraisedInAwaiter,
    panic_detached: DetachedPanic::EscapesRunLoop,
    cancel_report: CancelReport::Error,
    timer: None,
    blocking_starves: true,
    io_backend: IoBackend::None,
};

/// The same for `ThreadPool`, except that a task's panic, with nobody to catch it,
/// unwinds its worker thread, which is not replaced (the pool's workers poll tasks
/// without `catch_unwind`).
pub const DOCUMENTED_THREAD_POOL: Documented =
    Documented { panic_detached: DetachedPanic::WorkerLost, ..DOCUMENTED_LOCAL_POOL };

/// Probes `futures`' `LocalPool`.
pub fn observe() -> Observation {
    Observation {
        runtime: "futures (LocalPool)",
        version: version(),
        findings: Ok(on_own_thread(findings::<LocalPool>)),
    }
}

/// Probes `futures`' `ThreadPool`, with one worker thread.
pub fn observe_thread_pool() -> Observation {
    Observation {
        runtime: "futures (ThreadPool)",
        version: version(),
        findings: Ok(on_own_thread(findings::<ThreadPool>)),
    }
}

fn version() -> String {
    format!("futures-executor {}", rtbench_adapters::versions::of("futures-executor"))
}

/// async-io's sleep: the experiments' clock (futures has none).
async fn sleep(duration: Duration) {
    ::async_io::Timer::after(duration).await;
}

/// One of `futures`' executors, seen the same way by every experiment.
trait Pool: Sized {
    /// What the experiments spawn on.
    type Spawner: Spawn + Clone + 'static;
    /// The executor's name in the table.
    const NAME: &'static str;
    /// A fresh executor (one thread for a thread pool).
    fn fresh() -> Self;
    /// Its spawner.
    fn spawner(&self) -> Self::Spawner;
    /// Drives `root` to completion (tasks run on the pool).
    fn run<F: Future>(&mut self, root: F) -> F::Output;
    /// Spawns a `!Send` future and returns its value, if the executor can.
    fn run_not_send(&mut self) -> LocalSpawn;
}

impl Pool for LocalPool {
    type Spawner = LocalSpawner;
    const NAME: &'static str = "LocalPool, async-io clock";

    fn fresh() -> Self {
        LocalPool::new()
    }

    fn spawner(&self) -> LocalSpawner {
        LocalPool::spawner(self)
    }

    fn run<F: Future>(&mut self, root: F) -> F::Output {
        self.run_until(root)
    }

    fn run_not_send(&mut self) -> LocalSpawn {
        let handle = self.spawner().spawn_local_with_handle(not_send_future()).expect("spawn");
        assert_eq!(self.run_until(handle), 42);
        LocalSpawn::Supported { api: "LocalSpawnExt::spawn_local_with_handle" }
    }
}

impl Pool for ThreadPool {
    type Spawner = ThreadPool;
    const NAME: &'static str = "ThreadPool of 1, async-io clock";

    fn fresh() -> Self {
        ThreadPool::builder().pool_size(1).create().expect("a one-thread pool")
    }

    fn spawner(&self) -> ThreadPool {
        self.clone()
    }

    fn run<F: Future>(&mut self, root: F) -> F::Output {
        block_on(root)
    }

    fn run_not_send(&mut self) -> LocalSpawn {
        LocalSpawn::Unsupported { reason: "ThreadPool implements only Spawn (Send futures)" }
    }
}

/// Runs the root made by `root` on a fresh `P`, which `root` receives to spawn on.
fn on_fresh<P: Pool, F: Future>(root: impl FnOnce(P::Spawner) -> F) -> F::Output {
    let mut pool = P::fresh();
    let root = root(pool.spawner());
    pool.run(root)
}

fn findings<P: Pool>() -> Findings {
    Findings {
        drop_handle: on_fresh::<P, _>(|spawner| {
            drop_experiment(move |task| drop(spawner.spawn_with_handle(task)))
        }),
        panic_awaited: classify_panic(catching(|| {
            on_fresh::<P, _>(|spawner| {
                let handle = spawner.spawn_with_handle(panicking_task()).expect("spawn");
                catching_async(async {
                    handle.await;
                    Ok::<(), ()>(())
                })
            })
        })),
        panic_detached: classify_detached(catching(|| {
            on_fresh::<P, _>(|spawner| {
                spawner.spawn(panicking_task()).expect("spawn");
                let after = spawner.spawn_with_handle(async {}).expect("spawn");
                async move { completes_before(after, sleep(SETTLE)).await.is_some() }
            })
        })),
        cancel: on_fresh::<P, _>(|spawner| {
            let (cleanup, parked_task, started) = parked(sleep(PARKED));
            let (parked_task, abort) = abortable(parked_task);
            let handle = spawner.spawn_with_handle(parked_task).expect("spawn");
            async move {
                let _ = started.await;
                abort.abort();
                let report = match handle.await {
                    Err(::futures::future::Aborted) => CancelReport::Error,
                    Ok(()) => panic!("a task parked for an hour finished"),
                };
                let api = "AbortHandle::abort() (future::abortable)";
                Cancel { api, report, cleanup_ran: cleanup.ran(sleep).await }
            }
        }),
        timer: Timer::None,
        blocking: on_fresh::<P, _>(|spawner| {
            let ticker = spawner.spawn_with_handle(ticker(sleep)).expect("spawn");
            async move {
                sleep(Duration::from_millis(5)).await;
                spawner.spawn(blocker()).expect("spawn");
                Blocking { executor: P::NAME, worst_gap: ticker.await }
            }
        }),
        local_spawn: P::fresh().run_not_send(),
        io_backend: IoBackend::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_pool_behaves_as_documented() {
        let findings = observe().findings.expect("futures can always be probed");
        assert_eq!(DOCUMENTED_LOCAL_POOL.differences(&findings), Vec::<String>::new());
        assert!(matches!(findings.local_spawn, LocalSpawn::Supported { .. }));
    }

    #[test]
    fn thread_pool_behaves_as_documented() {
        let findings = observe_thread_pool().findings.expect("futures can always be probed");
        assert_eq!(DOCUMENTED_THREAD_POOL.differences(&findings), Vec::<String>::new());
        assert!(matches!(findings.local_spawn, LocalSpawn::Unsupported { .. }));
    }
}
