//! async-global-executor's native semantics, observed through its own API: `spawn` on
//! its global executor, `block_on` + `spawn_local` for the single-thread case. It has no
//! timer and no I/O of its own; where an experiment needs a clock it borrows async-io's
//! (the reactor its threads drive, as rtbench's adapter does).

use std::time::Duration;

use ::async_global_executor::{block_on, spawn, spawn_local};

use super::*;

/// What async-global-executor documents: its `Task` is async-executor's (async-task's),
/// so dropping it cancels the task, `Task::detach` lets it run on and
/// `Task::cancel().await` gives `None` for an unfinished task (docs of
/// `async_task::Task`); tasks are spawned with `propagate_panic`, so a panic resumes in
/// the awaiter and is dropped for a detached task; no timer and no I/O of its own; a
/// blocking task holds its thread.
pub const DOCUMENTED: Documented = Documented {
    drop_handle: DropHandle::Cancels,
    panic_awaited: PanicAwaited::ReraisedInAwaiter,
    panic_detached: DetachedPanic::KeepsRunning,
    cancel_report: CancelReport::NoValue,
    timer: None,
    blocking_starves: true,
    io_backend: IoBackend::None,
};

/// Probes async-global-executor.
pub fn observe() -> Observation {
    Observation {
        runtime: "async-global-executor",
        version: format!(
            "async-global-executor {}",
            rtbench_adapters::versions::of("async-global-executor")
        ),
        findings: Ok(on_own_thread(findings)),
    }
}

/// async-io's sleep: the experiments' clock.
async fn sleep(duration: Duration) {
    ::async_io::Timer::after(duration).await;
}

fn findings() -> Findings {
    Findings {
        drop_handle: block_on(drop_experiment(|task| drop(spawn(task)))),
        panic_awaited: classify_panic(catching(|| {
            block_on(catching_async(async {
                spawn(panicking_task()).await;
                Ok::<(), ()>(())
            }))
        })),
        panic_detached: classify_detached(catching(|| {
            block_on(async {
                spawn(panicking_task()).detach();
                completes_before(spawn(async {}), sleep(SETTLE)).await.is_some()
            })
        })),
        cancel: block_on(async {
            let (cleanup, parked_task, started) = parked(sleep(PARKED));
            let task = spawn(parked_task);
            let _ = started.await;
            let report = match task.cancel().await {
                None => CancelReport::NoValue,
                Some(()) => panic!("a task parked for an hour finished"),
            };
            Cancel { api: "Task::cancel().await", report, cleanup_ran: cleanup.ran(sleep).await }
        }),
        timer: Timer::None,
        blocking: block_on(async {
            let ticker = spawn_local(ticker(sleep));
            sleep(Duration::from_millis(5)).await;
            spawn_local(blocker()).detach();
            Blocking { executor: "block_on + spawn_local, async-io clock", worst_gap: ticker.await }
        }),
        local_spawn: {
            assert_eq!(block_on(spawn_local(not_send_future())), 42);
            LocalSpawn::Supported { api: "async_global_executor::spawn_local" }
        },
        io_backend: IoBackend::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_global_executor_behaves_as_documented() {
        let findings = observe().findings.expect("async-global-executor can always be probed");
        assert_eq!(DOCUMENTED.differences(&findings), Vec::<String>::new());
    }
}
