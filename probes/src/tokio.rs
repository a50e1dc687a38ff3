//! tokio's native semantics, observed on a current-thread runtime (with a `LocalSet`
//! for `!Send` tasks) through tokio's own API.

use std::os::fd::AsRawFd;
use std::time::Duration;

use ::tokio::task::LocalSet;
use ::tokio::time::sleep;

use super::*;

/// What tokio documents: `JoinHandle` detaches on drop and returns panics and
/// cancellation as `JoinError` (docs of `tokio::task::JoinHandle`); the timer has
/// millisecond granularity (docs of `tokio::time::sleep`); tasks are cooperatively
/// scheduled, so a blocking task holds its thread; I/O goes through mio (epoll on Linux).
pub const DOCUMENTED: Documented = Documented {
    drop_handle: DropHandle::Detaches,
    panic_awaited: PanicAwaited::ReturnedAsError,
    panic_detached: DetachedPanic::KeepsRunning,
    cancel_report: CancelReport::Error,
    timer: Some(Resolution::Millisecond),
    blocking_starves: true,
    io_backend: IoBackend::Epoll,
};

/// Probes tokio.
pub fn observe() -> Observation {
    Observation {
        runtime: "tokio",
        version: format!("tokio {}", rtbench_adapters::versions::of("tokio")),
        findings: on_own_thread(findings),
    }
}

fn findings() -> Result<Findings, String> {
    let before = FdSnapshot::take();
    let runtime = ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let ct = CurrentThread { runtime, local: LocalSet::new() };
    Ok(Findings {
        drop_handle: ct.on(drop_experiment(|task| drop(::tokio::spawn(task)))),
        panic_awaited: classify_panic(catching(|| {
            ct.on(catching_async(async { ::tokio::spawn(panicking_task()).await }))
        })),
        panic_detached: classify_detached(catching(|| {
            ct.on(async {
                drop(::tokio::spawn(panicking_task()));
                completes_before(::tokio::spawn(async {}), sleep(SETTLE)).await.is_some()
            })
        })),
        cancel: ct.on(async {
            let (cleanup, task, started) = parked(sleep(PARKED));
            let handle = ::tokio::spawn(task);
            let _ = started.await;
            handle.abort();
            let report = match handle.await {
                Err(error) if error.is_cancelled() => CancelReport::Error,
                other => panic!("an aborted tokio task gave {other:?}"),
            };
            Cancel { api: "JoinHandle::abort()", report, cleanup_ran: cleanup.ran(sleep).await }
        }),
        timer: ct.on(timer_experiment("tokio::time::sleep", sleep)),
        blocking: ct.on(async {
            let ticker = ::tokio::spawn(ticker(sleep));
            sleep(Duration::from_millis(5)).await;
            ::tokio::spawn(blocker());
            let worst_gap = ticker.await.expect("the ticker finishes");
            Blocking { executor: "current_thread runtime", worst_gap }
        }),
        local_spawn: {
            let value = ct.on(async { ::tokio::task::spawn_local(not_send_future()).await });
            assert_eq!(value.ok(), Some(42), "the !Send task ran");
            LocalSpawn::Supported { api: "tokio::task::spawn_local (in a LocalSet)" }
        },
        io_backend: ct.on(async {
            let listener = ::tokio::net::TcpListener::bind("127.0.0.1:0").await;
            let listener = listener.map_err(|e| format!("bind: {e}"))?;
            Ok::<_, String>(IoBackend::observe(
                Some(listener.as_raw_fd()),
                &before,
                &FdSnapshot::take(),
            ))
        })?,
    })
}

/// The probed runtime: a current-thread runtime, its root inside a `LocalSet`.
struct CurrentThread {
    runtime: ::tokio::runtime::Runtime,
    local: LocalSet,
}

impl CurrentThread {
    fn on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(self.local.run_until(future))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokio_behaves_as_documented() {
        let findings = observe().findings.expect("tokio can always be probed");
        assert_eq!(DOCUMENTED.differences(&findings), Vec::<String>::new());
    }
}
