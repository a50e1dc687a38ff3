//! smol's native semantics, observed through its own crates: an
//! `async_executor::LocalExecutor` driven by `async_io::block_on`, async-io's timers and
//! `Async` sockets.

use std::future::Future;
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::time::Duration;

use ::async_executor::LocalExecutor;
use ::async_io::{Async, Timer};

use super::*;

/// What smol documents: dropping a `Task` cancels it, `Task::detach` lets it run on and
/// `Task::cancel().await` gives `None` for an unfinished task (docs of
/// `async_task::Task`); a panic resumes in the awaiter (async-executor spawns with
/// `propagate_panic`) and is dropped for a detached task; async-io timers are precise
/// (timerfd); a blocking task holds its thread; I/O through `polling` (epoll on Linux).
pub const DOCUMENTED: Documented = Documented {
    drop_handle: DropHandle::Cancels,
    panic_awaited: PanicAwaited::ReraisedInAwaiter,
    panic_detached: DetachedPanic::KeepsRunning,
    cancel_report: CancelReport::NoValue,
    timer: Some(Resolution::SubMillisecond),
    blocking_starves: true,
    io_backend: IoBackend::Epoll,
};

/// Probes smol.
pub fn observe() -> Observation {
    Observation {
        runtime: "smol",
        version: format!("async-executor {}", rtbench_adapters::versions::of("async-executor")),
        findings: Ok(on_own_thread(findings)),
    }
}

/// async-io's sleep, as a `()` future.
async fn sleep(duration: Duration) {
    Timer::after(duration).await;
}

/// Drives `future` on `ex` (the root runs on the executor, as `smol::block_on` does).
fn on<F: Future>(ex: &LocalExecutor<'_>, future: F) -> F::Output {
    ::async_io::block_on(ex.run(future))
}

fn findings() -> Findings {
    let before = FdSnapshot::take();
    let ex = LocalExecutor::new();
    Findings {
        drop_handle: on(&ex, drop_experiment(|task| drop(ex.spawn(task)))),
        panic_awaited: classify_panic(catching(|| {
            on(
                &ex,
                catching_async(async {
                    ex.spawn(panicking_task()).await;
                    Ok::<(), ()>(())
                }),
            )
        })),
        panic_detached: classify_detached(catching(|| {
            on(&ex, async {
                ex.spawn(panicking_task()).detach();
                completes_before(ex.spawn(async {}), sleep(SETTLE)).await.is_some()
            })
        })),
        cancel: on(&ex, async {
            let (cleanup, parked_task, started) = parked(sleep(PARKED));
            let task = ex.spawn(parked_task);
            let _ = started.await;
            let report = match task.cancel().await {
                None => CancelReport::NoValue,
                Some(()) => panic!("a task parked for an hour finished"),
            };
            Cancel { api: "Task::cancel().await", report, cleanup_ran: cleanup.ran(sleep).await }
        }),
        timer: on(&ex, timer_experiment("async_io::Timer::after", sleep)),
        blocking: on(&ex, async {
            let ticker = ex.spawn(ticker(sleep));
            sleep(Duration::from_millis(5)).await;
            ex.spawn(blocker()).detach();
            Blocking { executor: "LocalExecutor", worst_gap: ticker.await }
        }),
        local_spawn: {
            assert_eq!(on(&ex, ex.spawn(not_send_future())), 42);
            LocalSpawn::Supported { api: "LocalExecutor::spawn" }
        },
        io_backend: on(&ex, async {
            let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0));
            let listener = listener.expect("bind a loopback listener");
            IoBackend::observe(Some(listener.as_raw_fd()), &before, &FdSnapshot::take())
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smol_behaves_as_documented() {
        let findings = observe().findings.expect("smol can always be probed");
        assert_eq!(DOCUMENTED.differences(&findings), Vec::<String>::new());
    }
}
