//! compio's native semantics (thread-per-core, completion-based, io_uring), observed
//! through its own API. Every experiment gets a fresh runtime on a thread of its own
//! ([`fresh`]), as for monoio.

use std::time::Duration;

use ::compio::runtime::{spawn, Runtime};
use ::compio::time::sleep;

use super::fresh::{self, fresh, run, FreshRuntime};
use super::*;

/// What compio documents: dropping a `JoinHandle` cancels the task ("Drop `JoinHandle`
/// will cancel the task. Use `detach` to run it in background"); `cancel().await` gives
/// `None` for an unfinished task ("Cancel the task and wait for the result, if any");
/// awaiting a panicked task gives `Err(JoinError::Panicked)` (the executor catches the
/// panic), and a detached task's panic is dropped with it; its timers keep `Instant`
/// deadlines and wait on the driver with the nearest one as timeout (no tick); a blocking
/// task holds its thread; I/O through io_uring (the `io-uring` driver).
pub const DOCUMENTED: Documented = Documented {
    drop_handle: DropHandle::Cancels,
    panic_awaited: PanicAwaited::ReturnedAsError,
    panic_detached: DetachedPanic::KeepsRunning,
    cancel_report: CancelReport::NoValue,
    timer: Some(Resolution::SubMillisecond),
    blocking_starves: true,
    io_backend: IoBackend::IoUring,
};

impl FreshRuntime for Runtime {
    fn build() -> Result<Self, String> {
        Runtime::new().map_err(|e| format!("compio runtime: {e}"))
    }

    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        Runtime::block_on(self, future)
    }
}

/// Probes compio, or says why it cannot run here (the adapter's io_uring checks).
pub fn observe() -> Observation {
    let usable =
        <rtbench_adapters::compio::Compio as rtbench_core::Runtime>::new(&Default::default());
    Observation {
        runtime: "compio",
        version: format!("compio {}", rtbench_adapters::versions::of("compio")),
        findings: usable.map_err(|e| e.0).and_then(|runtime| {
            drop(runtime);
            on_own_thread(findings)
        }),
    }
}

fn findings() -> Result<Findings, String> {
    Ok(Findings {
        drop_handle: run::<Runtime, _, _>(|| drop_experiment(|task| drop(spawn(task))))?,
        panic_awaited: classify_panic(fresh::<Runtime, _, _>(|| {
            catching_async(async { spawn(panicking_task()).await.map(drop) })
        })?),
        panic_detached: classify_detached(fresh::<Runtime, _, _>(|| async {
            spawn(panicking_task()).detach();
            completes_before(spawn(async {}), sleep(SETTLE)).await.is_some()
        })?),
        cancel: run::<Runtime, _, _>(|| async {
            let (cleanup, parked_task, started) = parked(sleep(PARKED));
            let task = spawn(parked_task);
            let _ = started.await;
            let report = match task.cancel().await {
                None => CancelReport::NoValue,
                Some(()) => panic!("a task parked for an hour finished"),
            };
            let api = "JoinHandle::cancel().await";
            Cancel { api, report, cleanup_ran: cleanup.ran(sleep).await }
        })?,
        timer: run::<Runtime, _, _>(|| timer_experiment("compio::time::sleep", sleep))?,
        blocking: run::<Runtime, _, _>(|| async {
            let ticker = spawn(ticker(sleep));
            sleep(Duration::from_millis(5)).await;
            spawn(blocker()).detach();
            Blocking { executor: "compio Runtime", worst_gap: ticker.await.map_err(drop).unwrap() }
        })?,
        local_spawn: {
            let value = run::<Runtime, _, _>(|| async { spawn(not_send_future()).await.ok() })?;
            assert_eq!(value, Some(42));
            LocalSpawn::Supported { api: "compio::runtime::spawn (every task is local)" }
        },
        io_backend: fresh::io_backend::<Runtime, _, _>(|| async {
            ::compio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("bind: {e}"))
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compio_behaves_as_documented_or_says_why_not() {
        match observe().findings {
            Ok(findings) => assert_eq!(DOCUMENTED.differences(&findings), Vec::<String>::new()),
            Err(reason) => eprintln!("compio unavailable here: {reason}"),
        }
    }
}
