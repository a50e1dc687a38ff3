//! Join-handle normalisations that the contract matrix does not reach: an aborted handle
//! that is dropped instead of awaited, repeated or late aborts, and the panic of a
//! detached task (the adapters for smol and `futures` detach explicitly, and must not
//! lose that panic).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtbench_core::task::unretrieved_panics;
use rtbench_core::{Abort, JoinError, Runtime, RuntimeConfig};

fn runtime<R: Runtime>() -> R {
    R::new(&RuntimeConfig { threads: 2 }).unwrap_or_else(|e| panic!("{}: {e}", R::INFO.name))
}

/// Polls `condition` every millisecond for up to ten seconds (generous: CI is loaded).
async fn eventually<R: Runtime>(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        R::sleep(Duration::from_millis(1)).await;
    }
    condition()
}

/// A task that only ends by being cancelled; `dropped` is set when its future is dropped.
fn sleeper<R: Runtime>(dropped: &Arc<AtomicBool>) -> impl Future<Output = ()> + Send + 'static {
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let guard = SetOnDrop(Arc::clone(dropped));
    async move {
        let _guard = guard;
        R::sleep(Duration::from_secs(60)).await;
    }
}

pub fn abort_then_drop_still_cancels<R: Runtime>() {
    let dropped = Arc::new(AtomicBool::new(false));
    let task = sleeper::<R>(&dropped);
    let flag = Arc::clone(&dropped);
    let cancelled = runtime::<R>().run(async move {
        let handle = R::spawn(task);
        handle.abort();
        drop(handle);
        eventually::<R>(|| flag.load(Ordering::SeqCst)).await
    });
    assert!(cancelled, "aborting, then dropping the handle left the task running");
}

pub fn repeated_and_late_aborts_are_harmless<R: Runtime>() {
    let dropped = Arc::new(AtomicBool::new(false));
    let task = sleeper::<R>(&dropped);
    let (twice, late) = runtime::<R>().run(async move {
        let handle = R::spawn(task);
        handle.abort();
        handle.abort();
        let twice = handle.await;
        let mut finished = R::spawn(async { 5 });
        let late = (&mut finished).await;
        finished.abort();
        (twice, late)
    });
    assert_eq!(twice, Err(JoinError::Cancelled));
    assert_eq!(late, Ok(5));
    assert!(dropped.load(Ordering::SeqCst));
}

pub fn detached_panic_is_recorded<R: Runtime>() {
    let token = format!("detached-panic-on-{}", R::INFO.name);
    let message = token.clone();
    let recorded = runtime::<R>().run(async move {
        drop(R::spawn(async move { panic!("{message}") }));
        eventually::<R>(|| !unretrieved_panics::take_matching(&token).is_empty()).await
    });
    assert!(recorded, "the panic of a detached task was lost");
}

macro_rules! join_handle_tests {
    ($( $(#[$cfg:meta])* $module:ident => $runtime:ty ),* $(,)?) => {$(
        $(#[$cfg])*
        mod $module {
            type R = $runtime;
            #[test] fn abort_then_drop_still_cancels() { super::abort_then_drop_still_cancels::<R>() }
            #[test] fn repeated_and_late_aborts_are_harmless() { super::repeated_and_late_aborts_are_harmless::<R>() }
            #[test] fn detached_panic_is_recorded() { super::detached_panic_is_recorded::<R>() }
        }
    )*};
}

join_handle_tests! {
    #[cfg(feature = "tokio")] tokio_ct => rtbench_adapters::tokio::TokioCurrentThread,
    #[cfg(feature = "tokio")] tokio_mt => rtbench_adapters::tokio::TokioMultiThread,
    #[cfg(feature = "async-std")] async_std => rtbench_adapters::async_std::AsyncStd,
    #[cfg(feature = "smol")] smol_1 => rtbench_adapters::smol::SmolSingleThread,
    #[cfg(feature = "smol")] smol_mt => rtbench_adapters::smol::SmolMultiThread,
    #[cfg(feature = "futures")] futures_local => rtbench_adapters::futures::FuturesLocal,
    #[cfg(feature = "futures")] futures_pool => rtbench_adapters::futures::FuturesPool,
    #[cfg(all(feature = "glommio", target_os = "linux"))] glommio => rtbench_adapters::glommio::Glommio,
}
