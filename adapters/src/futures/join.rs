//! The join handle of the `futures` executors, which have none of their own: one
//! shared allocation per task, [`Shared`], between the spawned [`Task`] and the
//! contract's [`FuturesJoinHandle`].
//!
//! Why not `futures`' own combinators: wrapping the task as `Abortable` and
//! `remote_handle` cost three shared allocations per spawn (the abort state, the
//! result channel and the remote handle's keep-running flag), and an atomic waker
//! registration at every poll; spawns ran 1.5–2.6 times as long as native ones
//! (`rtbench overhead`). Here the task registers its waker only when it changes, and
//! not at all once its handle is dropped, and checks for an abort with one atomic load
//! per poll. The output slot sits behind a
//! `Mutex`, taken (uncontended, as a rule) once when the task ends and once per poll of
//! the handle: what a task outputs is moved across threads without `unsafe`.

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll, Waker};

use crate::support::catch_panic::{catch_panic, join_result, CatchPanic, Caught};
use ::futures::task::AtomicWaker;
use rtbench_core::{Abort, JoinError};

/// What the task and its handle share.
struct Shared<T> {
    /// Set by [`Abort::abort`]; the task reads it before polling the user's future.
    aborted: AtomicBool,
    /// The task's waker, so that `abort` gets a sleeping task polled (and dropped).
    task: AtomicWaker,
    slot: Mutex<Slot<T>>,
}

/// Where the task's outcome waits for the handle.
enum Slot<T> {
    /// The task has not ended; the waker of whoever awaits the handle.
    Pending(Option<Waker>),
    /// The task finished: its value or its panic (which, if nobody takes it, is
    /// recorded as unretrieved when the slot is dropped).
    Ready(Caught<T>),
    /// The task's future was dropped before it finished.
    Cancelled,
    /// The handle returned the outcome.
    Taken,
}

impl<T> Shared<T> {
    fn slot(&self) -> MutexGuard<'_, Slot<T>> {
        // Nothing panics while holding the lock but a waker's `clone`: the slot is
        // still consistent then.
        self.slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records how the task ended and wakes whoever awaits the handle. A detached
    /// task's outcome is just dropped, without locking (a panic in it is then recorded
    /// as unretrieved): with the handle gone, the count cannot grow again.
    fn end(self: &Arc<Self>, outcome: Slot<T>) {
        if Arc::strong_count(self) == 1 {
            return;
        }
        let previous = mem::replace(&mut *self.slot(), outcome);
        if let Slot::Pending(Some(joiner)) = previous {
            joiner.wake();
        }
    }
}

/// Wraps `future` for spawning: returns the future to hand to the executor and its
/// contract handle.
pub(super) fn with_handle<F: Future + 'static>(
    future: F,
) -> (Task<F>, FuturesJoinHandle<F::Output>) {
    let shared = Arc::new(Shared {
        aborted: AtomicBool::new(false),
        task: AtomicWaker::new(),
        slot: Mutex::new(Slot::Pending(None)),
    });
    let end = End { shared: Arc::clone(&shared), ended: false };
    (Task { future: catch_panic(future), registered: None, end }, FuturesJoinHandle { shared })
}

pin_project_lite::pin_project! {
    /// The future handed to the executor: the user's future, its panic caught.
    pub(super) struct Task<F: Future> {
        // Declared before `end`, so dropped first: the handle reports `Cancelled` only
        // once the future's destructors have run.
        #[pin]
        future: CatchPanic<F>,
        // The waker last registered in `Shared::task`.
        registered: Option<Waker>,
        end: End<F::Output>,
    }
}

/// The task's side of [`Shared`]: marks the task cancelled if it is dropped unfinished
/// (aborted, or its executor dropped it).
struct End<T> {
    shared: Arc<Shared<T>>,
    ended: bool,
}

impl<T> Drop for End<T> {
    fn drop(&mut self) {
        if !self.ended {
            self.shared.end(Slot::Cancelled);
        }
    }
}

impl<F: Future> Future for Task<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let shared = &this.end.shared;
        // Once the handle is gone, nobody can abort: a detached task keeps no waker
        // (a chain of detached spawns saves a registration and a waker clone per task).
        let joinable = Arc::strong_count(shared) > 1;
        if joinable && !this.registered.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            shared.task.register(cx.waker());
            *this.registered = Some(cx.waker().clone());
        }
        // After registering: an abort either is seen here or wakes the new waker.
        if shared.aborted.load(Ordering::Acquire) {
            // The executor drops the task now; `End` then reports it cancelled.
            return Poll::Ready(());
        }
        let caught = ready!(this.future.poll(cx));
        this.end.ended = true;
        this.end.shared.end(Slot::Ready(caught));
        Poll::Ready(())
    }
}

/// A task on a `futures` executor, with the contract's join semantics. Dropping it
/// detaches the task.
pub struct FuturesJoinHandle<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Future for FuturesJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.shared.slot();
        match mem::replace(&mut *slot, Slot::Taken) {
            Slot::Pending(mut joiner) => {
                match &mut joiner {
                    Some(waker) => waker.clone_from(cx.waker()),
                    None => joiner = Some(cx.waker().clone()),
                }
                *slot = Slot::Pending(joiner);
                Poll::Pending
            }
            Slot::Ready(caught) => Poll::Ready(join_result(caught)),
            Slot::Cancelled => Poll::Ready(Err(JoinError::Cancelled)),
            Slot::Taken => panic!("FuturesJoinHandle polled after it returned"),
        }
    }
}

impl<T> Abort for FuturesJoinHandle<T> {
    fn abort(&self) {
        self.shared.aborted.store(true, Ordering::Release);
        self.shared.task.wake();
    }
}
