//! glommio's native semantics (thread-per-core, io_uring), observed through its own API.
//! Every experiment gets a fresh `LocalExecutor` on a thread of its own: a panic can
//! unwind out of an executor, and glommio keeps per-thread executor state.

use std::future::Future;
use std::time::Duration;

use ::glommio::timer::sleep;
use ::glommio::{spawn_local, LocalExecutor, LocalExecutorBuilder};

use super::fresh::{self, fresh, run, FreshRuntime};
use super::*;

/// What glommio documents: dropping a `Task` cancels it, `Task::detach` lets it run on,
/// `Task::cancel().await` gives `None` for an unfinished task (docs of
/// `glommio::Task`); awaiting a panicked `Task` resumes its panic, while the panic of a
/// detached task propagates out of `LocalExecutor::run` (glommio's task `run` docs:
/// "the panic will be propagated into the caller"); timers are io_uring timeouts; a blocking task holds
/// its thread; all I/O goes through io_uring.
pub const DOCUMENTED: Documented = Documented {
    drop_handle: DropHandle::Cancels,
    panic_awaited: PanicAwaited::ReraisedInAwaiter,
    panic_detached: DetachedPanic::EscapesRunLoop,
    cancel_report: CancelReport::NoValue,
    timer: Some(Resolution::SubMillisecond),
    blocking_starves: true,
    io_backend: IoBackend::IoUring,
};

/// Probes glommio, or says why it cannot run here (kernel, RLIMIT_MEMLOCK).
pub fn observe() -> Observation {
    Observation {
        runtime: "glommio",
        version: format!("glommio {}", rtbench_adapters::versions::of("glommio")),
        findings: on_own_thread(findings),
    }
}

impl FreshRuntime for LocalExecutor {
    fn build() -> Result<Self, String> {
        LocalExecutorBuilder::default().make().map_err(|e| format!("glommio executor: {e}"))
    }

    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.run(future)
    }
}

fn findings() -> Result<Findings, String> {
    Ok(Findings {
        drop_handle: run::<LocalExecutor, _, _>(|| {
            drop_experiment(|task| drop(spawn_local(task)))
        })?,
        panic_awaited: classify_panic(fresh::<LocalExecutor, _, _>(|| {
            catching_async(async {
                spawn_local(panicking_task()).await;
                Ok::<(), ()>(())
            })
        })?),
        panic_detached: classify_detached(fresh::<LocalExecutor, _, _>(|| async {
            spawn_local(panicking_task()).detach();
            completes_before(spawn_local(async {}), sleep(SETTLE)).await.is_some()
        })?),
        cancel: run::<LocalExecutor, _, _>(|| async {
            let (cleanup, parked_task, started) = parked(sleep(PARKED));
            let task = spawn_local(parked_task);
            let _ = started.await;
            let report = match task.cancel().await {
                None => CancelReport::NoValue,
                Some(()) => panic!("a task parked for an hour finished"),
            };
            Cancel { api: "Task::cancel().await", report, cleanup_ran: cleanup.ran(sleep).await }
        })?,
        timer: run::<LocalExecutor, _, _>(|| timer_experiment("glommio::timer::sleep", sleep))?,
        blocking: run::<LocalExecutor, _, _>(|| async {
            let ticker = spawn_local(ticker(sleep));
            sleep(Duration::from_millis(5)).await;
            spawn_local(blocker()).detach();
            Blocking { executor: "LocalExecutor", worst_gap: ticker.await }
        })?,
        local_spawn: {
            assert_eq!(run::<LocalExecutor, _, _>(|| spawn_local(not_send_future()))?, 42);
            LocalSpawn::Supported { api: "glommio::spawn_local (every task is local)" }
        },
        io_backend: fresh::io_backend::<LocalExecutor, _, _>(|| async {
            ::glommio::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glommio_behaves_as_documented_or_says_why_not() {
        match observe().findings {
            Ok(findings) => assert_eq!(DOCUMENTED.differences(&findings), Vec::<String>::new()),
            Err(reason) => eprintln!("glommio unavailable here: {reason}"),
        }
    }
}
