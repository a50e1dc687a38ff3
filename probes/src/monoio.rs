//! monoio's native semantics (thread-per-core, io_uring), observed through its own API.
//! Every experiment gets a fresh runtime on a thread of its own ([`fresh`]): a panic
//! unwinds out of monoio's `block_on`, and monoio keeps per-thread state.

use std::time::Duration;

use ::futures::future::{abortable, Aborted};
use ::monoio::time::sleep;
use ::monoio::{spawn, IoUringDriver, RuntimeBuilder};

use super::fresh::{self, fresh, run, FreshRuntime};
use super::*;
use rtbench_adapters::monoio::Driver;

/// What monoio documents: dropping a `JoinHandle` does not terminate the task ("Note if
/// you drop it directly, task will not be terminated", docs of `JoinHandle`); it has no
/// cancel API, so the probe cancels with `futures::future::abortable` (an error when
/// awaited); a task's panic is not caught (the task harness has no `catch_unwind`), so it
/// unwinds out of `block_on`, awaited or not; `sleep` "operates at millisecond
/// granularity" (docs of `monoio::time::sleep`); a blocking task holds its thread; I/O
/// through io_uring (this probe builds the io_uring driver).
pub const DOCUMENTED: Documented = Documented {
    drop_handle: DropHandle::Detaches,
    panic_awaited: PanicAwaited::EscapesRunLoop,
    panic_detached: DetachedPanic::EscapesRunLoop,
    cancel_report: CancelReport::Error,
    timer: Some(Resolution::Millisecond),
    blocking_starves: true,
    io_backend: IoBackend::IoUring,
};

impl FreshRuntime for ::monoio::Runtime<Driver> {
    fn build() -> Result<Self, String> {
        RuntimeBuilder::<IoUringDriver>::new()
            .enable_timer()
            .build()
            .map_err(|e| format!("monoio runtime: {e}"))
    }

    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        ::monoio::Runtime::block_on(self, future)
    }
}

type Monoio = ::monoio::Runtime<Driver>;

/// Probes monoio, or says why it cannot run here (the adapter's io_uring checks).
pub fn observe() -> Observation {
    let usable =
        <rtbench_adapters::monoio::Monoio as rtbench_core::Runtime>::new(&Default::default());
    Observation {
        runtime: "monoio",
        version: format!("monoio {}", rtbench_adapters::versions::of("monoio")),
        findings: usable.map_err(|e| e.0).and_then(|runtime| {
            drop(runtime);
            on_own_thread(findings)
        }),
    }
}

fn findings() -> Result<Findings, String> {
    Ok(Findings {
        drop_handle: run::<Monoio, _, _>(|| drop_experiment(|task| drop(spawn(task))))?,
        panic_awaited: classify_panic(fresh::<Monoio, _, _>(|| {
            catching_async(async {
                spawn(panicking_task()).await;
                Ok::<(), ()>(())
            })
        })?),
        panic_detached: classify_detached(fresh::<Monoio, _, _>(|| async {
            drop(spawn(panicking_task()));
            completes_before(spawn(async {}), sleep(SETTLE)).await.is_some()
        })?),
        cancel: run::<Monoio, _, _>(|| async {
            let (cleanup, parked_task, started) = parked(sleep(PARKED));
            let (parked_task, abort) = abortable(parked_task);
            let task = spawn(parked_task);
            let _ = started.await;
            abort.abort();
            let report = match task.await {
                Err(Aborted) => CancelReport::Error,
                Ok(()) => panic!("a task parked for an hour finished"),
            };
            let api = "AbortHandle::abort() (future::abortable; monoio has no cancel)";
            Cancel { api, report, cleanup_ran: cleanup.ran(sleep).await }
        })?,
        timer: run::<Monoio, _, _>(|| timer_experiment("monoio::time::sleep", sleep))?,
        blocking: run::<Monoio, _, _>(|| async {
            let ticker = spawn(ticker(sleep));
            sleep(Duration::from_millis(5)).await;
            drop(spawn(blocker()));
            Blocking { executor: "monoio Runtime", worst_gap: ticker.await }
        })?,
        local_spawn: {
            assert_eq!(run::<Monoio, _, _>(|| spawn(not_send_future()))?, 42);
            LocalSpawn::Supported { api: "monoio::spawn (every task is local)" }
        },
        io_backend: fresh::io_backend::<Monoio, _, _>(|| async {
            ::monoio::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monoio_behaves_as_documented_or_says_why_not() {
        match observe().findings {
            Ok(findings) => assert_eq!(DOCUMENTED.differences(&findings), Vec::<String>::new()),
            Err(reason) => eprintln!("monoio unavailable here: {reason}"),
        }
    }
}
