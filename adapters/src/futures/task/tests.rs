//! The one-allocation task, driven by hand (no executor): the `FutureObj` is polled and
//! dropped as a pool would, so every path through the `unsafe` code runs here, and
//! under Miri (`cargo +nightly miri test -p rtbench-adapters --features futures --lib
//! futures::task`).

use std::future::{pending, poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use ::futures::task::{FutureObj, LocalFutureObj};
use rtbench_core::task::unretrieved_panics;
use rtbench_core::{Abort, JoinError};

use super::with_handle;

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Count {
    fn waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count::default());
        (Arc::clone(&count), Waker::from(count))
    }

    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Sets its flag when dropped: shows when a task's future is dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A future that never finishes, holding a [`DropFlag`]; and the flag.
fn pending_with_flag() -> (impl Future<Output = u32> + Send + 'static, Arc<AtomicBool>) {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(Arc::clone(&dropped));
    (
        async move {
            let _flag = flag;
            pending::<u32>().await
        },
        dropped,
    )
}

#[test]
fn the_handle_gets_the_value_and_is_woken_when_it_waited() {
    let (task, mut handle) = with_handle(async { 42 });
    let (joiner, joiner_waker) = Count::waker();
    assert!(poll_once(&mut handle, &joiner_waker).is_pending());
    let mut task = LocalFutureObj::new(task);
    assert!(poll_once(&mut task, Waker::noop()).is_ready());
    assert_eq!(joiner.get(), 1);
    drop(task);
    assert_eq!(poll_once(&mut handle, Waker::noop()), Poll::Ready(Ok(42)));
}

#[test]
fn a_detached_task_runs_to_the_end_and_drops_its_output() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(Arc::clone(&dropped));
    let (task, handle) = with_handle(async move { flag });
    drop(handle);
    let mut task = LocalFutureObj::new(task);
    assert!(poll_once(&mut task, Waker::noop()).is_ready());
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn abort_wakes_the_task_which_ends_cancelled_and_drops_its_future() {
    let (future, dropped) = pending_with_flag();
    let (task, mut handle) = with_handle(future);
    let mut task = LocalFutureObj::new(task);
    let (woken, task_waker) = Count::waker();
    assert!(poll_once(&mut task, &task_waker).is_pending());
    handle.abort();
    assert_eq!(woken.get(), 1, "abort wakes the sleeping task");
    assert!(poll_once(&mut task, &task_waker).is_ready(), "an aborted task ends at its next poll");
    drop(task);
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(poll_once(&mut handle, Waker::noop()), Poll::Ready(Err(JoinError::Cancelled)));
}

#[test]
fn a_task_dropped_unfinished_drops_its_future_and_is_cancelled() {
    let (future, dropped) = pending_with_flag();
    let (task, mut handle) = with_handle(future);
    let mut task = LocalFutureObj::new(task);
    assert!(poll_once(&mut task, Waker::noop()).is_pending());
    drop(task);
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(poll_once(&mut handle, Waker::noop()), Poll::Ready(Err(JoinError::Cancelled)));
}

#[test]
fn a_task_never_handed_to_a_pool_is_cancelled() {
    let (future, dropped) = pending_with_flag();
    let (task, mut handle) = with_handle(future);
    drop(task);
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(poll_once(&mut handle, Waker::noop()), Poll::Ready(Err(JoinError::Cancelled)));
}

#[test]
fn a_panic_goes_to_the_joiner_or_is_recorded_when_detached() {
    let (task, mut handle) = with_handle(async { panic!("joined-9c41") });
    let mut task = LocalFutureObj::new(task);
    assert!(poll_once(&mut task, Waker::noop()).is_ready());
    assert_eq!(
        poll_once(&mut handle, Waker::noop()),
        Poll::Ready(Err(JoinError::Panicked("joined-9c41".into())))
    );
    assert!(unretrieved_panics::take_matching("joined-9c41").is_empty());

    let (task, handle) = with_handle(async { panic!("detached-9c41") });
    drop(handle);
    assert!(poll_once(&mut LocalFutureObj::new(task), Waker::noop()).is_ready());
    assert_eq!(unretrieved_panics::take_matching("detached-9c41"), ["detached-9c41"]);
}

#[test]
fn the_task_runs_on_another_thread_while_the_handle_waits() {
    let (task, handle) = with_handle(async { String::from("across") });
    let task = FutureObj::new(task);
    let worker = std::thread::spawn(move || {
        let mut task = task;
        assert!(poll_once(&mut task, Waker::noop()).is_ready());
    });
    let (value, _) = rtbench_core::language::poll_loop(handle);
    worker.join().unwrap();
    assert_eq!(value.as_deref(), Ok("across"));
}

#[test]
fn an_outcome_nobody_took_is_dropped_with_the_cell_whichever_side_lets_go_last() {
    for handle_goes_first in [true, false] {
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = DropFlag(Arc::clone(&dropped));
        let (task, handle) = with_handle(async move { flag });
        let mut task = LocalFutureObj::new(task);
        assert!(poll_once(&mut task, Waker::noop()).is_ready());
        assert!(!dropped.load(Ordering::SeqCst), "the outcome waits for the handle");
        if handle_goes_first {
            drop(handle);
            drop(task);
        } else {
            drop(task);
            drop(handle);
        }
        assert!(dropped.load(Ordering::SeqCst), "handle first: {handle_goes_first}");
    }
}

#[test]
fn a_panic_the_handle_never_took_is_recorded() {
    let (task, handle) = with_handle(async { panic!("untaken-5e07") });
    assert!(poll_once(&mut LocalFutureObj::new(task), Waker::noop()).is_ready());
    assert!(unretrieved_panics::take_matching("untaken-5e07").is_empty());
    drop(handle);
    assert_eq!(unretrieved_panics::take_matching("untaken-5e07"), ["untaken-5e07"]);
}

#[test]
#[should_panic(expected = "polled after it returned")]
fn a_handle_polled_after_it_returned_panics() {
    let (task, mut handle) = with_handle(async { 7 });
    assert!(poll_once(&mut LocalFutureObj::new(task), Waker::noop()).is_ready());
    assert_eq!(poll_once(&mut handle, Waker::noop()), Poll::Ready(Ok(7)));
    let _ = poll_once(&mut handle, Waker::noop());
}

/// Counts its drops in a shared counter.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_task_polled_again_after_it_ended_keeps_its_first_outcome() {
    let (made, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (count_made, count_dropped) = (Arc::clone(&made), Arc::clone(&dropped));
    let (task, mut handle) = with_handle(poll_fn(move |_| {
        let number = count_made.fetch_add(1, Ordering::SeqCst);
        Poll::Ready((number, Counted(Arc::clone(&count_dropped))))
    }));
    let mut task = LocalFutureObj::new(task);
    assert!(poll_once(&mut task, Waker::noop()).is_ready());
    assert!(poll_once(&mut task, Waker::noop()).is_ready(), "a `FutureObj` may be polled again");
    drop(task);
    let Poll::Ready(Ok((number, outcome))) = poll_once(&mut handle, Waker::noop()) else {
        panic!("the task ended");
    };
    assert_eq!((number, made.load(Ordering::SeqCst)), (0, 1), "the future is not polled again");
    drop(outcome);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

/// Panics when dropped.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("a destructor panicked");
    }
}

#[test]
fn a_future_whose_destructor_panics_still_lets_go_and_cancels() {
    let (woken, task_waker) = Count::waker();
    let (joiner, joiner_waker) = Count::waker();
    let (task, mut handle) = with_handle(async {
        let _guard = PanicOnDrop;
        pending::<u32>().await
    });
    let mut task = LocalFutureObj::new(task);
    assert!(poll_once(&mut task, &task_waker).is_pending());
    assert!(poll_once(&mut handle, &joiner_waker).is_pending());
    let dropping = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(task)));
    assert!(dropping.is_err(), "the destructor's panic reaches whoever dropped the task");
    assert_eq!(joiner.get(), 1, "the handle is woken");
    assert_eq!(poll_once(&mut handle, Waker::noop()), Poll::Ready(Err(JoinError::Cancelled)));
    drop(handle);
    drop(task_waker);
    assert_eq!(Arc::strong_count(&woken), 1, "the cell, and the task's wakers in it, are freed");
}
