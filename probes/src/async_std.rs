//! async-std's native semantics (legacy: discontinued upstream), observed through its
//! own API: `task::spawn` on its global executor, `task::block_on` + `task::spawn_local`
//! for the single-thread case.

use std::os::fd::AsRawFd;
use std::time::Duration;

use ::async_std::task::{self, sleep};

use super::*;

/// What async-std documents: dropping a `JoinHandle` detaches (docs of
/// `async_std::task::JoinHandle`); `JoinHandle::cancel` returns `None` for an unfinished
/// task; a task's panic resumes in whoever awaits it and is otherwise dropped
/// (async-global-executor spawns with async-task's `propagate_panic`); timers come from
/// async-io (timerfd-precise); a blocking task holds its thread; I/O through async-io
/// (epoll on Linux).
pub const DOCUMENTED: Documented = Documented {
    drop_handle: DropHandle::Detaches,
    panic_awaited: PanicAwaited::ReraisedInAwaiter,
    panic_detached: DetachedPanic::KeepsRunning,
    cancel_report: CancelReport::NoValue,
    timer: Some(Resolution::SubMillisecond),
    blocking_starves: true,
    io_backend: IoBackend::Epoll,
};

/// Probes async-std.
pub fn observe() -> Observation {
    Observation {
        runtime: "async-std (legacy)",
        version: format!("async-std {}", rtbench_adapters::versions::of("async-std")),
        findings: Ok(on_own_thread(findings)),
    }
}

fn findings() -> Findings {
    let before = FdSnapshot::take();
    Findings {
        drop_handle: task::block_on(drop_experiment(|task| drop(task::spawn(task)))),
        panic_awaited: classify_panic(catching(|| {
            task::block_on(catching_async(async {
                task::spawn(panicking_task()).await;
                Ok::<(), ()>(())
            }))
        })),
        panic_detached: classify_detached(catching(|| {
            task::block_on(async {
                drop(task::spawn(panicking_task()));
                completes_before(task::spawn(async {}), sleep(SETTLE)).await.is_some()
            })
        })),
        cancel: task::block_on(async {
            let (cleanup, parked_task, started) = parked(sleep(PARKED));
            let handle = task::spawn(parked_task);
            let _ = started.await;
            let report = match handle.cancel().await {
                None => CancelReport::NoValue,
                Some(()) => panic!("a task parked for an hour finished"),
            };
            Cancel {
                api: "JoinHandle::cancel().await",
                report,
                cleanup_ran: cleanup.ran(sleep).await,
            }
        }),
        timer: task::block_on(timer_experiment("async_std::task::sleep", sleep)),
        blocking: task::block_on(async {
            let ticker = task::spawn_local(ticker(sleep));
            sleep(Duration::from_millis(5)).await;
            task::spawn_local(blocker());
            Blocking { executor: "task::block_on + task::spawn_local", worst_gap: ticker.await }
        }),
        local_spawn: {
            assert_eq!(task::block_on(async { task::spawn_local(not_send_future()).await }), 42);
            LocalSpawn::Supported { api: "async_std::task::spawn_local" }
        },
        io_backend: task::block_on(async {
            let listener = ::async_std::net::TcpListener::bind("127.0.0.1:0").await;
            let listener = listener.expect("bind a loopback listener");
            IoBackend::observe(Some(listener.as_raw_fd()), &before, &FdSnapshot::take())
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_std_behaves_as_documented() {
        let findings = observe().findings.expect("async-std can always be probed");
        assert_eq!(DOCUMENTED.differences(&findings), Vec::<String>::new());
    }
}
