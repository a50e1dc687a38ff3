//! The `futures` crate's executor, observed through its own API: `LocalPool` with
//! `LocalSpawnExt::spawn_local_with_handle` (a `RemoteHandle`) and
//! `futures::future::abortable`. `futures` has no timer and no reactor; where an
//! experiment needs a clock it borrows async-io's (as rtbench's adapter does).

use std::future::Future;
use std::time::Duration;

use ::futures::executor::LocalPool;
use ::futures::future::abortable;
use ::futures::task::LocalSpawnExt;

use super::*;

/// What `futures` documents: dropping a `RemoteHandle` cancels the task (`forget`
/// detaches); it resumes the task's panic in the awaiter (docs of `RemoteHandle`); a
/// task spawned without a handle panics through `LocalPool::run_until`; cancelling is
/// `AbortHandle::abort`, and the `Abortable` then gives `Err(Aborted)`; no timer, no
/// I/O; a blocking task holds the pool's thread.
pub const DOCUMENTED: Documented = Documented {
    drop_handle: DropHandle::Cancels,
    panic_awaited: PanicAwaited::ReraisedInAwaiter,
    panic_detached: DetachedPanic::EscapesRunLoop,
    cancel_report: CancelReport::Error,
    timer: None,
    blocking_starves: true,
    io_backend: IoBackend::None,
};

/// Probes `futures`' `LocalPool`.
pub fn observe() -> Observation {
    Observation {
        runtime: "futures (LocalPool)",
        version: format!("futures-executor {}", env!("RTBENCH_VERSION_FUTURES_EXECUTOR")),
        findings: Ok(on_own_thread(findings)),
    }
}

/// async-io's sleep: the experiments' clock (futures has none).
async fn sleep(duration: Duration) {
    ::async_io::Timer::after(duration).await;
}

/// Runs `root` on a fresh `LocalPool`, which `root` receives to spawn on.
fn on_pool<F: Future>(root: impl FnOnce(&::futures::executor::LocalSpawner) -> F) -> F::Output {
    let mut pool = LocalPool::new();
    let root = root(&pool.spawner());
    pool.run_until(root)
}

fn findings() -> Findings {
    Findings {
        drop_handle: on_pool(|spawner| {
            let spawner = spawner.clone();
            drop_experiment(move |task| drop(spawner.spawn_local_with_handle(task)))
        }),
        panic_awaited: classify_panic(catching(|| {
            on_pool(|spawner| {
                let handle = spawner.spawn_local_with_handle(panicking_task());
                catching_async(async {
                    handle.expect("spawn").await;
                    Ok::<(), ()>(())
                })
            })
        })),
        panic_detached: classify_detached(catching(|| {
            on_pool(|spawner| {
                spawner.spawn_local(panicking_task()).expect("spawn");
                let after = spawner.spawn_local_with_handle(async {}).expect("spawn");
                async move { completes_before(after, sleep(SETTLE)).await.is_some() }
            })
        })),
        cancel: on_pool(|spawner| {
            let (cleanup, parked_task, started) = parked(sleep(PARKED));
            let (parked_task, abort) = abortable(parked_task);
            let handle = spawner.spawn_local_with_handle(parked_task).expect("spawn");
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
        blocking: on_pool(|spawner| {
            let ticker = spawner.spawn_local_with_handle(ticker(sleep)).expect("spawn");
            let blocking = spawner.clone();
            async move {
                sleep(Duration::from_millis(5)).await;
                blocking.spawn_local(blocker()).expect("spawn");
                Blocking { executor: "LocalPool, async-io clock", worst_gap: ticker.await }
            }
        }),
        local_spawn: {
            let value = on_pool(|spawner| {
                spawner.spawn_local_with_handle(not_send_future()).expect("spawn")
            });
            assert_eq!(value, 42);
            LocalSpawn::Supported { api: "LocalSpawnExt::spawn_local_with_handle" }
        },
        io_backend: IoBackend::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn futures_behaves_as_documented() {
        let findings = observe().findings.expect("futures can always be probed");
        assert_eq!(DOCUMENTED.differences(&findings), Vec::<String>::new());
    }
}
