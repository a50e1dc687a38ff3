//! The contract's semantics, checked on every runtime flavour of this build: the same
//! test body, instantiated for every flavour of the adapters' one runtime list
//! (`for_each_flavour!`) by `contract_tests!`.
//!
//! Beyond the common paths, the join-handle normalisations the adapters add are checked
//! here too: an aborted handle that is dropped instead of awaited, repeated or late
//! aborts, and the panic of a detached task (the smol and `futures` adapters detach
//! explicitly, and must not lose that panic).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtbench_core::task::unretrieved_panics;
use rtbench_core::{Abort, Capability, Class, JoinError, Runtime, RuntimeConfig};

/// The runtime under test, or `None` — with an `n/a: reason` line, not a failure —
/// where it cannot run on this machine (glommio under a low `RLIMIT_MEMLOCK`, say).
fn runtime<R: Runtime>() -> Option<R> {
    match R::new(&RuntimeConfig { threads: 2 }) {
        Ok(runtime) => Some(runtime),
        Err(reason) => {
            eprintln!("{}: n/a: {reason}", R::INFO.name);
            None
        }
    }
}

/// Sets its flag when dropped: proves a cancelled task's future was dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
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
    let flag = DropFlag(Arc::clone(dropped));
    async move {
        let _flag = flag;
        R::sleep(Duration::from_secs(60)).await;
    }
}

pub fn await_gives_the_value<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let value = rt.run(async { R::spawn(async { 6 * 7 }).await });
    assert_eq!(value, Ok(42));
    assert_eq!(
        rt.block_on(async { R::spawn(async { "from block_on" }).await }),
        Ok("from block_on")
    );
}

pub fn abort_cancels_and_drops_the_future<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(Arc::clone(&dropped));
    let result = rt.run(async move {
        let handle = R::spawn(async move {
            let _flag = flag;
            R::sleep(Duration::from_secs(60)).await;
            "finished"
        });
        R::sleep(Duration::from_millis(5)).await;
        handle.abort();
        handle.await
    });
    assert_eq!(result, Err(JoinError::Cancelled));
    assert!(dropped.load(Ordering::SeqCst), "the aborted task's future was not dropped");
}

pub fn panic_is_returned_and_runtime_survives<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let (panicked, after) = rt.run(async {
        let panicked = R::spawn(async {
            if true {
                panic!("contract-boom");
            }
        })
        .await;
        let after = R::spawn(async { 1 }).await;
        (panicked, after)
    });
    assert_eq!(panicked, Err(JoinError::Panicked("contract-boom".into())));
    assert_eq!(after, Ok(1));
    assert_eq!(rt.run(async { R::spawn(async { 2 }).await }), Ok(2));
}

pub fn dropped_handle_detaches<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let received = rt.run(async {
        let (tx, rx) = async_channel::bounded(1);
        drop(R::spawn(async move {
            R::sleep(Duration::from_millis(5)).await;
            tx.send("still ran").await.unwrap();
        }));
        R::timeout(Duration::from_secs(10), rx.recv()).await
    });
    assert_eq!(received, Ok(Ok("still ran")));
}

pub fn timeout_fires_and_passes_values<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let (fired, passed) = rt.run(async {
        let fired = R::timeout(Duration::from_millis(10), R::sleep(Duration::from_secs(60))).await;
        let passed = R::timeout(Duration::from_secs(60), async { 5 }).await;
        (fired, passed)
    });
    assert!(fired.is_err());
    assert_eq!(passed, Ok(5));
}

pub fn sleep_never_wakes_early<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let slept = rt.run(async {
        let start = Instant::now();
        R::sleep(Duration::from_millis(20)).await;
        start.elapsed()
    });
    assert!(slept >= Duration::from_millis(20), "woke after {slept:?}");
}

pub fn yield_now_lets_others_run<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let flag = Arc::new(AtomicBool::new(false));
    let seen = rt.run({
        let flag = Arc::clone(&flag);
        async move {
            let _other = R::spawn({
                let flag = Arc::clone(&flag);
                async move { flag.store(true, Ordering::SeqCst) }
            });
            // Bounded by time, not by a count of yields: on a loaded machine a
            // multi-thread runtime's other worker may take a while to pick the task up.
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if flag.load(Ordering::SeqCst) {
                    return true;
                }
                R::yield_now().await;
            }
            false
        }
    });
    assert!(seen, "a spawned task never ran while the root kept yielding");
}

pub fn spawn_blocking_does_not_block_the_executor<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let outcome = rt.run(async {
        let (tx, rx) = std::sync::mpsc::channel();
        // The closure waits for a message that only an async task can send: if it ran
        // on the executor's thread, that task could never run and this would time out.
        let blocking = R::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(10)).is_ok());
        R::spawn(async move {
            R::sleep(Duration::from_millis(1)).await;
            tx.send(()).unwrap();
        })
        .await
        .unwrap();
        let panicked = R::spawn_blocking(|| panic!("blocking-boom")).await;
        (blocking.await, panicked)
    });
    assert_eq!(outcome.0, Ok(true));
    assert_eq!(outcome.1, Err::<(), _>(JoinError::Panicked("blocking-boom".into())));
}

pub fn spawn_local_runs_non_send_futures<R: Runtime>() {
    if !R::INFO.capabilities.get(Capability::LocalSpawn).is_available() {
        return;
    }
    let Some(rt) = runtime::<R>() else { return };
    let value = rt.block_on(async {
        let not_send = std::rc::Rc::new(21);
        R::spawn_local(async move {
            R::yield_now().await;
            *not_send * 2
        })
        .await
    });
    assert_eq!(value, Ok(42));
}

pub fn abort_then_drop_still_cancels<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let dropped = Arc::new(AtomicBool::new(false));
    let task = sleeper::<R>(&dropped);
    let flag = Arc::clone(&dropped);
    let cancelled = rt.run(async move {
        let handle = R::spawn(task);
        handle.abort();
        drop(handle);
        eventually::<R>(|| flag.load(Ordering::SeqCst)).await
    });
    assert!(cancelled, "aborting, then dropping the handle left the task running");
}

pub fn repeated_and_late_aborts_are_harmless<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let dropped = Arc::new(AtomicBool::new(false));
    let task = sleeper::<R>(&dropped);
    let (twice, late) = rt.run(async move {
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
    let Some(rt) = runtime::<R>() else { return };
    let token = format!("detached-panic-on-{}", R::INFO.name);
    let message = token.clone();
    let recorded = rt.run(async move {
        drop(R::spawn(async move { panic!("{message}") }));
        eventually::<R>(|| !unretrieved_panics::take_matching(&token).is_empty()).await
    });
    assert!(recorded, "the panic of a detached task was lost");
}

/// `run_sharded` runs each shard's root once, in shard order. A per-core flavour runs
/// as many shards as it has executors (2 here), each on a thread of its own, and a task
/// spawned in a shard runs on that shard's thread; every other flavour runs one shard.
pub fn run_sharded_gives_each_executor_its_shard<R: Runtime>() {
    let Some(runtime) = runtime::<R>() else { return };
    let outputs = runtime.run_sharded(|shard| async move {
        let root = std::thread::current().id();
        let task = R::spawn(async { std::thread::current().id() }).await;
        (shard, root, task)
    });
    let per_core = R::INFO.class == Class::PerCore;
    let count = if per_core { 2 } else { 1 };
    assert_eq!((outputs.len(), runtime.threads() == 2 || !per_core), (count, true));
    for (index, (shard, _, _)) in outputs.iter().enumerate() {
        assert_eq!((shard.index, shard.count), (index, count), "{shard:?}");
    }
    if per_core {
        let (first, second) = (&outputs[0], &outputs[1]);
        assert_ne!(first.1, second.1, "two shards ran on one thread");
        for (shard, root, task) in &outputs {
            assert_eq!(task.as_ref(), Ok(root), "shard {}'s task left its thread", shard.index);
        }
    }
}

/// A panic in one shard is resumed on the caller once the shards have ended, and the
/// runtime runs shards again afterwards.
pub fn a_panicking_shard_is_resumed_and_the_runtime_survives<R: Runtime>() {
    let Some(runtime) = runtime::<R>() else { return };
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.run_sharded(|shard| async move {
            if shard.index + 1 == shard.count {
                panic!("shard-boom");
            }
        })
    }));
    let payload = panicked.expect_err("the shard's panic was lost");
    // `run` resumes it as it is on single-thread flavours, wrapped as the root task's
    // failure on multi-thread ones.
    let message = rtbench_core::task::payload_message(&*payload);
    assert!(message.contains("shard-boom"), "{message}");
    let again = runtime.run_sharded(|shard| async move { shard.index });
    assert_eq!(again, (0..again.len()).collect::<Vec<_>>());
}

macro_rules! contract_tests {
    ($( #[cfg($cfg:meta)] $flavour:ident: $runtime:ty $(, probed by $probe:path)?; )*) => {$(
        #[cfg($cfg)]
        mod $flavour {
            type R = $runtime;
            #[test] fn await_gives_the_value() { super::await_gives_the_value::<R>() }
            #[test] fn abort_cancels_and_drops_the_future() { super::abort_cancels_and_drops_the_future::<R>() }
            #[test] fn panic_is_returned_and_runtime_survives() { super::panic_is_returned_and_runtime_survives::<R>() }
            #[test] fn dropped_handle_detaches() { super::dropped_handle_detaches::<R>() }
            #[test] fn timeout_fires_and_passes_values() { super::timeout_fires_and_passes_values::<R>() }
            #[test] fn sleep_never_wakes_early() { super::sleep_never_wakes_early::<R>() }
            #[test] fn yield_now_lets_others_run() { super::yield_now_lets_others_run::<R>() }
            #[test] fn spawn_blocking_does_not_block_the_executor() { super::spawn_blocking_does_not_block_the_executor::<R>() }
            #[test] fn spawn_local_runs_non_send_futures() { super::spawn_local_runs_non_send_futures::<R>() }
            #[test] fn abort_then_drop_still_cancels() { super::abort_then_drop_still_cancels::<R>() }
            #[test] fn repeated_and_late_aborts_are_harmless() { super::repeated_and_late_aborts_are_harmless::<R>() }
            #[test] fn detached_panic_is_recorded() { super::detached_panic_is_recorded::<R>() }
            #[test] fn run_sharded_gives_each_executor_its_shard() { super::run_sharded_gives_each_executor_its_shard::<R>() }
            #[test] fn a_panicking_shard_is_resumed_and_the_runtime_survives() { super::a_panicking_shard_is_resumed_and_the_runtime_survives::<R>() }
        }
    )*};
}

rtbench_adapters::for_each_flavour!(contract_tests);
